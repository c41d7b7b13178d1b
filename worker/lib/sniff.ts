// What an upload really is, from its bytes (magic numbers), never from what the client claims;
// and whether it is whole, from the format's own structure where that is cheap to walk.
import type { MediaKind } from "../../schema/media";

export interface Detected {
  kind: Exclude<MediaKind, "file"> | null;
  contentType: string;
  /** false: cut off or damaged; null: the format gives no cheap way to tell. */
  complete: boolean | null;
}

const ascii = (b: Uint8Array, at: number, s: string) => b.length >= at + s.length && [...s].every((ch, i) => b[at + i] === ch.charCodeAt(0));
const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;
const u32le = (b: Uint8Array, at: number) => b[at]! + (b[at + 1]! << 8) + (b[at + 2]! << 16) + ((b[at + 3]! << 24) >>> 0);

const HEIF_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"]);
const THREE_GP_BRANDS = new Set(["3gp4", "3gp5", "3gp6", "3g2a"]);
const QUICKTIME_ATOMS = new Set(["moov", "mdat", "wide", "free", "skip", "pnot"]);

/**
 * Every reading of the bytes: an ISO media file with a generic brand (isom, mp42…) is a video to
 * a video upload and an audio track to a voice upload (the recorder's AAC comes as .m4a on iOS).
 */
export function sniff(b: Uint8Array): Detected[] {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return [{ kind: "image", contentType: "image/jpeg", complete: jpegComplete(b) }];
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((x, i) => b[i] === x)) return [{ kind: "image", contentType: "image/png", complete: pngComplete(b) }];
  if (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) return [{ kind: "image", contentType: "image/gif", complete: b[b.length - 1] === 0x3b }];
  if (ascii(b, 0, "RIFF") && b.length >= 12) {
    const complete = u32le(b, 4) + 8 <= b.length;
    if (ascii(b, 8, "WEBP")) return [{ kind: "image", contentType: "image/webp", complete }];
    if (ascii(b, 8, "WAVE")) return [{ kind: "voice", contentType: "audio/wav", complete }];
  }
  if (ascii(b, 4, "ftyp") && b.length >= 12) {
    const brand = String.fromCharCode(...b.subarray(8, 12));
    const complete = isoBoxesComplete(b);
    if (HEIF_BRANDS.has(brand)) return [{ kind: "image", contentType: "image/heic", complete }];
    if (brand === "avif") return [{ kind: "image", contentType: "image/avif", complete }];
    if (brand === "M4A " || brand === "M4B ") return [{ kind: "voice", contentType: "audio/mp4", complete }];
    if (brand === "qt  ") return [{ kind: "video", contentType: "video/quicktime", complete }];
    if (THREE_GP_BRANDS.has(brand)) return [{ kind: "video", contentType: "video/3gpp", complete }];
    return [
      { kind: "video", contentType: "video/mp4", complete },
      { kind: "voice", contentType: "audio/mp4", complete },
    ];
  }
  if (b.length >= 8 && QUICKTIME_ATOMS.has(String.fromCharCode(...b.subarray(4, 8)))) return [{ kind: "video", contentType: "video/quicktime", complete: isoBoxesComplete(b) }];
  if (ascii(b, 0, "#!AMR")) return [{ kind: "voice", contentType: "audio/amr", complete: null }];
  // WeChat's own voice notes: SILK v3, usually behind one 0x02 byte.
  if (ascii(b, 0, "#!SILK_V3") || (b[0] === 0x02 && ascii(b, 1, "#!SILK_V3"))) return [{ kind: "voice", contentType: "audio/silk", complete: null }];
  if (ascii(b, 0, "ID3")) return [{ kind: "voice", contentType: "audio/mpeg", complete: null }];
  if (b[0] === 0xff && b.length >= 2 && (b[1]! & 0xe0) === 0xe0) {
    const layer = (b[1]! >> 1) & 0x03;
    if (layer === 0 && (b[1]! & 0xf6) === 0xf0) return [{ kind: "voice", contentType: "audio/aac", complete: adtsComplete(b) }];
    if (layer !== 0) return [{ kind: "voice", contentType: "audio/mpeg", complete: null }];
  }
  if (ascii(b, 0, "%PDF-")) return [{ kind: null, contentType: "application/pdf", complete: null }];
  if (ascii(b, 0, "PK\x03\x04")) return [{ kind: null, contentType: "application/zip", complete: null }];
  return [];
}

/** Walks the segments to the end-of-image marker (data after it, such as camera trailers, is fine). */
function jpegComplete(b: Uint8Array): boolean {
  let i = 2;
  while (i < b.length) {
    if (b[i] !== 0xff) return false;
    while (i < b.length && b[i] === 0xff) i++; // fill bytes
    if (i >= b.length) return false;
    const marker = b[i++]!;
    if (marker === 0xd9) return true;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (i + 2 > b.length) return false;
    const length = (b[i]! << 8) | b[i + 1]!;
    if (length < 2) return false;
    i += length;
    if (marker === 0xda) {
      // Entropy-coded data: 0xFF is followed only by 0x00 (stuffing) or a restart marker.
      for (;;) {
        if (i + 1 >= b.length) return false;
        if (b[i] === 0xff && b[i + 1] !== 0x00 && !(b[i + 1]! >= 0xd0 && b[i + 1]! <= 0xd7)) break;
        i++;
      }
    }
  }
  return false;
}

function pngComplete(b: Uint8Array): boolean {
  let i = 8;
  while (i + 8 <= b.length) {
    const length = u32be(b, i);
    const end = i + 12 + length;
    if (ascii(b, i + 4, "IEND")) return end <= b.length;
    i = end;
  }
  return false;
}

/** ISO base media (MP4, MOV, M4A, HEIC): top-level boxes must tile the file exactly. */
function isoBoxesComplete(b: Uint8Array): boolean {
  let i = 0;
  while (i < b.length) {
    if (i + 8 > b.length) return false;
    let size = u32be(b, i);
    if (size === 0) return true; // the last box runs to the end of the file
    if (size === 1) {
      if (i + 16 > b.length) return false;
      size = u32be(b, i + 8) * 2 ** 32 + u32be(b, i + 12);
    }
    if (size < 8) return false;
    i += size;
  }
  return i === b.length;
}

/** AAC in ADTS frames, as the recorder writes .aac: each header carries its frame's length. */
function adtsComplete(b: Uint8Array): boolean {
  let i = 0;
  while (i < b.length) {
    if (i + 7 > b.length) return false;
    if (b[i] !== 0xff || (b[i + 1]! & 0xf6) !== 0xf0) return false;
    const length = ((b[i + 3]! & 0x03) << 11) | (b[i + 4]! << 3) | (b[i + 5]! >> 5);
    if (length < 7) return false;
    i += length;
  }
  return i === b.length;
}
