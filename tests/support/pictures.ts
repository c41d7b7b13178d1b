// Real pictures of solid colours for the grid-avatar specs: PNGs of every colour type (rows
// cycling through all five scanline filters, so a decoder must undo each) and JPEGs from jpeg-js.
// Plain TypeScript: Node (unit) and workerd (worker specs) both run it.
import jpeg from "jpeg-js";
import { crc32 } from "./media-files";

const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function join(parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const body = join([[...type].map((c) => c.charCodeAt(0)), data]);
  return join([u32(data.length), body, u32(crc32(body))]);
}

function filterRow(filter: number, row: Uint8Array, prev: Uint8Array, bpp: number): Uint8Array {
  const out = new Uint8Array(row.length);
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev[i]!;
    const c = i >= bpp ? prev[i - bpp]! : 0;
    const p = a + b - c;
    const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
    const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
    out[i] = (row[i]! - predictor) & 0xff;
  }
  return out;
}

/**
 * A `width`×`height` PNG of one colour: colour type 0 (grey, from the red value), 2 (RGB),
 * 3 (palette), 4 (grey and alpha) or 6 (RGBA), with `alpha` where the type has one.
 */
export async function solidPng(rgb: [number, number, number], width: number, height: number, colorType: 0 | 2 | 3 | 4 | 6, alpha = 255): Promise<Uint8Array> {
  const pixel = { 0: [rgb[0]], 2: rgb, 3: [0], 4: [rgb[0], alpha], 6: [...rgb, alpha] }[colorType];
  const bpp = pixel.length;
  const row = new Uint8Array(width * bpp);
  for (let x = 0; x < width; x++) row.set(pixel, x * bpp);
  const raw: Uint8Array[] = [];
  let prev = new Uint8Array(row.length);
  for (let y = 0; y < height; y++) {
    const filter = y % 5;
    raw.push(join([[filter], filterRow(filter, row, prev, bpp)]));
    prev = row;
  }
  const zlib = new Uint8Array(await new Response(new Blob(raw).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
  const ihdr = join([u32(width), u32(height), [8, colorType, 0, 0, 0]]);
  const extra = colorType === 3 ? [chunk("PLTE", Uint8Array.from(rgb)), ...(alpha < 255 ? [chunk("tRNS", Uint8Array.from([alpha]))] : [])] : [];
  return join([[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], chunk("IHDR", ihdr), ...extra, chunk("IDAT", zlib), chunk("IEND", new Uint8Array())]);
}

/** A JPEG of one colour, or with its right half in `right`. */
export function solidJpeg(rgb: [number, number, number], width: number, height: number, right?: [number, number, number]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = right && x >= width / 2 ? right : rgb;
      data.set([...c, 255], (y * width + x) * 4);
    }
  }
  const out = jpeg.encode({ data, width, height }, 95).data;
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
