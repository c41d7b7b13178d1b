// QR images of invite URLs, made with the `qrcode` package: its encoder, its SVG renderer, and
// its raster helper for the pixels. qrcode's own PNG path needs pngjs over Node streams, so the
// PNG container is written here (CRC-32 and zlib through the runtime's CompressionStream).
import { create } from "qrcode/lib/core/qrcode.js";
import { render as renderSvg } from "qrcode/lib/renderer/svg-tag.js";
import { getImageWidth, getOptions, qrToImageData } from "qrcode/lib/renderer/utils.js";

const MARGIN = 4; // the quiet zone scanners expect
const SCALE = 8; // pixels per module: about 300 px for an invite URL

export function qrSvg(text: string): string {
  return renderSvg(create(text, { errorCorrectionLevel: "M" }), { margin: MARGIN, width: 320 });
}

export async function qrPng(text: string): Promise<Uint8Array> {
  const qr = create(text, { errorCorrectionLevel: "M" });
  const opts = getOptions({ margin: MARGIN, scale: SCALE });
  const size = getImageWidth(qr.modules.size, opts);
  const rgba = new Uint8Array(size * size * 4);
  qrToImageData(rgba, qr, opts);
  // Filter type 0 per scanline; the image is black on white, so 8-bit greyscale suffices.
  const raw = new Uint8Array(size * (size + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size + 1)] = 0;
    for (let x = 0; x < size; x++) raw[y * (size + 1) + 1 + x] = rgba[(y * size + x) * 4]!;
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, size);
  view.setUint32(4, size);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, greyscale, deflate, no filter set, no interlace
  return concat([PNG_SIGNATURE, chunk("IHDR", header), chunk("IDAT", await deflate(raw)), chunk("IEND", new Uint8Array())]);
}

export async function qrPngDataUrl(text: string): Promise<string> {
  const bytes = await qrPng(text);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return `data:image/png;base64,${btoa(s)}`;
}

const PNG_SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

async function deflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
