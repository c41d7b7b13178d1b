// Media files for the specs: small files that are structurally what they claim (magic numbers,
// chunk and box lengths, end markers), and upload bodies built byte for byte as wx.uploadFile
// sends them. Plain TypeScript, so worker specs and end-to-end tests share them.
const enc = new TextEncoder();

export function concat(...parts: (Uint8Array | string | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? enc.encode(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** Deterministic filler, different per seed, so two files never share a sha256 by accident. */
export function filler(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
/** PNG's chunk checksum (CRC-32), shared with tests/support/pictures.ts. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const body = concat(type, data);
  return concat(u32(data.length), body, u32(crc32(body)));
}
function adler32(bytes: Uint8Array): number {
  let a = 1,
    b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A real, decodable greyscale PNG (zlib with stored blocks), `seed` varying its pixels. */
export function png(width = 4, height = 3, seed = 1): Uint8Array {
  const raw = new Uint8Array(height * (width + 1));
  const pixels = filler(width * height, seed);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < raw.length || i === 0; i += 65535) {
    const part = raw.subarray(i, i + 65535);
    const last = i + 65535 >= raw.length ? 1 : 0;
    blocks.push(concat([last, part.length & 0xff, part.length >> 8, ~part.length & 0xff, (~part.length >> 8) & 0xff], part));
  }
  const zlib = concat([0x78, 0x01], ...blocks, u32(adler32(raw)));
  const ihdr = concat(u32(width), u32(height), [8, 0, 0, 0, 0]);
  return concat([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], pngChunk("IHDR", ihdr), pngChunk("IDAT", zlib), pngChunk("IEND", new Uint8Array()));
}

/** JPEG structure: SOI, APP0, a scan whose data holds stuffed 0xFF bytes and a restart marker, EOI. */
export function jpeg(scanBytes = 64, seed = 1): Uint8Array {
  const app0 = concat([0xff, 0xe0, 0x00, 0x10], "JFIF\0", [1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const scan = [...filler(scanBytes, seed)].flatMap((b) => (b === 0xff ? [0xff, 0x00] : [b]));
  const sos = concat([0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 0x3f, 0], scan, [0xff, 0xd0], scan);
  return concat([0xff, 0xd8], app0, sos, [0xff, 0xd9]);
}

export const gif = (seed = 1) => concat("GIF89a", [2, 0, 2, 0, 0, 0, 0], filler(20, seed), [0x3b]);

export function webp(seed = 1): Uint8Array {
  const body = concat("WEBP", "VP8L", u32le(12), filler(12, seed));
  return concat("RIFF", u32le(body.length), body);
}

function box(type: string, payload: Uint8Array): Uint8Array {
  return concat(u32(payload.length + 8), type, payload);
}

/** ISO media: an ftyp box with `brand`, a moov box and mdat with `mediaBytes` of data. */
export function isoMedia(brand: string, mediaBytes = 256, seed = 1): Uint8Array {
  return concat(box("ftyp", concat(brand, u32(0), brand, "isom")), box("moov", filler(32, seed + 7)), box("mdat", filler(mediaBytes, seed)));
}
export const mp4 = (mediaBytes = 256, seed = 1) => isoMedia("isom", mediaBytes, seed);
export const mov = (seed = 1) => isoMedia("qt  ", 128, seed);
export const m4a = (seed = 1) => isoMedia("M4A ", 128, seed);

/** AAC in ADTS frames, as wx.getRecorderManager writes format "aac". */
export function aac(frames = 5, seed = 1): Uint8Array {
  const out: Uint8Array[] = [];
  for (let i = 0; i < frames; i++) {
    const payload = filler(40, seed + i);
    const length = payload.length + 7;
    out.push(concat([0xff, 0xf1, 0x50, 0x80 | ((length >> 11) & 0x03), (length >> 3) & 0xff, ((length & 0x07) << 5) | 0x1f, 0xfc], payload));
  }
  return concat(...out);
}
export const mp3 = (seed = 1) => concat("ID3", [4, 0, 0, 0, 0, 0, 0], [0xff, 0xfb, 0x90, 0x64], filler(200, seed));
export const amr = (seed = 1) => concat("#!AMR\n", filler(100, seed));
export const silk = (seed = 1) => concat([0x02], "#!SILK_V3", filler(100, seed));
export const wav = (seed = 1) => {
  const body = concat("WAVE", "fmt ", u32le(16), filler(16, seed), "data", u32le(32), filler(32, seed + 1));
  return concat("RIFF", u32le(body.length), body);
};
export const pdf = (seed = 1) => concat("%PDF-1.7\n", filler(300, seed), "\n%%EOF\n");

// ---- uploads -----------------------------------------------------------------------------

export interface UploadOptions {
  /** wx.uploadFile's formData: text fields sent before the file. */
  fields?: Record<string, string | number>;
  filename?: string;
  /** wx.uploadFile's `name`: the file part's field name. */
  field?: string;
  contentType?: string;
}

const BOUNDARY = "----WxUploadBoundary7MA4YWxkTrZu0gW";

/** The body wx.uploadFile sends: formData fields, then the file part, then the closing boundary. */
export function multipartBody(bytes: Uint8Array, opts: UploadOptions = {}): Uint8Array {
  const parts: (Uint8Array | string)[] = [];
  for (const [name, value] of Object.entries(opts.fields ?? {})) {
    parts.push(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  }
  parts.push(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${opts.field ?? "file"}"; filename="${opts.filename ?? "wxfile://tmp_upload.bin"}"\r\n`);
  parts.push(`Content-Type: ${opts.contentType ?? "application/octet-stream"}\r\n\r\n`, bytes, `\r\n--${BOUNDARY}--\r\n`);
  return concat(...parts);
}

export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
