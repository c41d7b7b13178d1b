// One avatar made small: its bytes (JPEG or PNG) decoded straight into a square of `cell` pixels
// (the centre of the picture, area-averaged, transparency over white). PNG rows are inflated,
// unfiltered and summed into the cell as they arrive, so a large PNG never lives whole in
// memory; JPEG goes through jpeg-js (pure JS) with its size capped, then the same averaging.
// Anything else, or anything damaged, throws: the caller draws a placeholder tile instead.
import jpeg from "jpeg-js";

/** A face: `cell` × `cell` RGB pixels, row by row. */
export interface Face {
  cell: number;
  rgb: Uint8Array;
}

/** Pictures past this are not decoded (a placeholder tile is drawn): bounds a grid's CPU and memory. */
export const FACE_MAX_PIXELS = 16_000_000;

/** Sums source pixels into the cell they fall in: a box filter over the picture's central square. */
class Shrinker {
  private readonly sums: Float64Array;
  private readonly counts: Uint32Array;
  private readonly side: number;
  private readonly ox: number;
  private readonly oy: number;

  constructor(
    width: number,
    height: number,
    readonly cell: number,
  ) {
    this.side = Math.min(width, height);
    this.ox = Math.floor((width - this.side) / 2);
    this.oy = Math.floor((height - this.side) / 2);
    this.sums = new Float64Array(cell * cell * 3);
    this.counts = new Uint32Array(cell * cell);
  }

  /** One source row as RGBA (alpha over white). */
  row(y: number, rgba: Uint8Array) {
    const sy = y - this.oy;
    if (sy < 0 || sy >= this.side) return;
    const cy = Math.floor((sy * this.cell) / this.side);
    for (let sx = 0; sx < this.side; sx++) {
      const i = (this.ox + sx) * 4;
      const a = rgba[i + 3]! / 255;
      const white = 255 * (1 - a);
      const c = cy * this.cell + Math.floor((sx * this.cell) / this.side);
      const sums = this.sums;
      sums[c * 3] = sums[c * 3]! + rgba[i]! * a + white;
      sums[c * 3 + 1] = sums[c * 3 + 1]! + rgba[i + 1]! * a + white;
      sums[c * 3 + 2] = sums[c * 3 + 2]! + rgba[i + 2]! * a + white;
      this.counts[c] = this.counts[c]! + 1;
    }
  }

  done(): Face {
    const rgb = new Uint8Array(this.cell * this.cell * 3);
    for (let c = 0; c < this.counts.length; c++) {
      const n = this.counts[c] || 1;
      for (let k = 0; k < 3; k++) rgb[c * 3 + k] = Math.round(this.sums[c * 3 + k]! / n);
    }
    // A picture smaller than the cell leaves cells without a pixel: copy the nearest one.
    if (this.side < this.cell) {
      for (let y = 0; y < this.cell; y++) {
        for (let x = 0; x < this.cell; x++) {
          const c = y * this.cell + x;
          if (this.counts[c]) continue;
          const src = Math.floor((Math.floor((y * this.side) / this.cell) * this.cell) / this.side) * this.cell + Math.floor((Math.floor((x * this.side) / this.cell) * this.cell) / this.side);
          rgb.copyWithin(c * 3, src * 3, src * 3 + 3);
        }
      }
    }
    return { cell: this.cell, rgb };
  }
}

export async function decodeFace(bytes: Uint8Array, cell: number): Promise<Face> {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegFace(bytes, cell);
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return pngFace(bytes, cell);
  throw new Error("only JPEG and PNG avatars are drawn");
}

function jpegFace(bytes: Uint8Array, cell: number): Face {
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: FACE_MAX_PIXELS / 1e6, maxMemoryUsageInMB: 96 });
  const s = new Shrinker(img.width, img.height, cell);
  const stride = img.width * 4;
  for (let y = 0; y < img.height; y++) s.row(y, img.data.subarray(y * stride, (y + 1) * stride));
  return s.done();
}

const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;

/** 8-bit PNGs of every colour type (grey, RGB, palette, grey+alpha, RGBA), not interlaced. */
async function pngFace(bytes: Uint8Array, cell: number): Promise<Face> {
  let width = 0;
  let height = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  let alphas: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = u32(bytes, at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = u32(data, 0);
      height = u32(data, 4);
      colorType = data[9]!;
      if (data[8] !== 8) throw new Error("only 8-bit PNGs are drawn");
      if (data[12] !== 0) throw new Error("interlaced PNGs are not drawn");
    } else if (type === "PLTE") palette = data;
    else if (type === "tRNS") alphas = data;
    else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    at += 12 + length;
  }
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (!channels || width === 0 || height === 0) throw new Error("not a PNG that can be drawn");
  if (width * height > FACE_MAX_PIXELS) throw new Error("picture too large to draw");
  if (colorType === 3 && !palette) throw new Error("palette PNG without a palette");

  const s = new Shrinker(width, height, cell);
  const stride = width * channels;
  let prev = new Uint8Array(stride);
  let cur = new Uint8Array(stride);
  const rgba = new Uint8Array(width * 4);
  let filter = -1;
  let filled = 0;
  let y = 0;
  const emit = () => {
    unfilter(filter, cur, prev, channels);
    toRgba(cur, rgba, colorType, palette, alphas);
    s.row(y++, rgba);
    [prev, cur] = [cur, prev];
    filter = -1;
    filled = 0;
  };
  const reader = new Blob(idat).stream().pipeThrough(new DecompressionStream("deflate")).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let i = 0;
    while (i < value.length && y < height) {
      if (filter < 0) {
        filter = value[i++]!;
        continue;
      }
      const take = Math.min(stride - filled, value.length - i);
      cur.set(value.subarray(i, i + take), filled);
      filled += take;
      i += take;
      if (filled === stride) emit();
    }
  }
  if (y < height) throw new Error("PNG ends early");
  return s.done();
}

function unfilter(filter: number, cur: Uint8Array, prev: Uint8Array, bpp: number) {
  const n = cur.length;
  switch (filter) {
    case 0:
      return;
    case 1:
      for (let i = bpp; i < n; i++) cur[i] = (cur[i]! + cur[i - bpp]!) & 0xff;
      return;
    case 2:
      for (let i = 0; i < n; i++) cur[i] = (cur[i]! + prev[i]!) & 0xff;
      return;
    case 3:
      for (let i = 0; i < n; i++) cur[i] = (cur[i]! + (((i >= bpp ? cur[i - bpp]! : 0) + prev[i]!) >> 1)) & 0xff;
      return;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? cur[i - bpp]! : 0;
        const b = prev[i]!;
        const c = i >= bpp ? prev[i - bpp]! : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        cur[i] = (cur[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
      }
      return;
    default:
      throw new Error(`bad PNG filter ${filter}`);
  }
}

function toRgba(row: Uint8Array, out: Uint8Array, colorType: number, palette: Uint8Array | null, alphas: Uint8Array | null) {
  const w = out.length / 4;
  for (let x = 0; x < w; x++) {
    let r: number;
    let g: number;
    let b: number;
    let a = 255;
    if (colorType === 0) r = g = b = row[x]!;
    else if (colorType === 4) {
      r = g = b = row[x * 2]!;
      a = row[x * 2 + 1]!;
    } else if (colorType === 2) {
      r = row[x * 3]!;
      g = row[x * 3 + 1]!;
      b = row[x * 3 + 2]!;
    } else if (colorType === 6) {
      r = row[x * 4]!;
      g = row[x * 4 + 1]!;
      b = row[x * 4 + 2]!;
      a = row[x * 4 + 3]!;
    } else {
      const p = row[x]!;
      r = palette![p * 3] ?? 0;
      g = palette![p * 3 + 1] ?? 0;
      b = palette![p * 3 + 2] ?? 0;
      a = alphas?.[p] ?? 255;
    }
    out[x * 4] = r;
    out[x * 4 + 1] = g;
    out[x * 4 + 2] = b;
    out[x * 4 + 3] = a;
  }
}
