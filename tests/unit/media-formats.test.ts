// The formats clients send as pictures and videos (MEDIA_FORMATS, schema/limits.ts) are the ones
// the server's sniffing stores as such: a client that sent a format the server refuses as a
// picture would fail a message it could have sent as a file.
import { describe, expect, it } from "vitest";
import { MEDIA_FORMATS } from "../../schema/limits";
import { sniff } from "../../worker/lib/sniff";

const bytes = (...parts: Array<string | number[]>) => new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...p].map((c) => c.charCodeAt(0)) : p)));
/** An ISO media file's first box: `ftyp` with the brand. */
const ftyp = (brand: string) => bytes([0, 0, 0, 16], "ftyp", brand, [0, 0, 0, 0]);

const SAMPLES: Record<string, Uint8Array> = {
  jpeg: bytes([0xff, 0xd8, 0xff, 0xe0]),
  png: bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  gif: bytes("GIF89a", [0, 0, 0x3b]),
  webp: bytes("RIFF", [4, 0, 0, 0], "WEBP"),
  heic: ftyp("heic"),
  heif: ftyp("mif1"),
  avif: ftyp("avif"),
  mp4: ftyp("isom"),
  mov: ftyp("qt  "),
  movAtoms: bytes([0, 0, 0, 8], "moov"),
  threeGp: ftyp("3gp4"),
  bmp: bytes("BM", [0, 0, 0, 0]),
  webm: bytes([0x1a, 0x45, 0xdf, 0xa3]),
};

describe("picture and video formats", () => {
  it("lists every type the server stores as a picture or a video, and only those", () => {
    const stored: Record<"image" | "video", Set<string>> = { image: new Set(), video: new Set() };
    for (const sample of Object.values(SAMPLES)) {
      for (const d of sniff(sample)) if (d.kind === "image" || d.kind === "video") stored[d.kind].add(d.contentType);
    }
    // Browsers name a HEIF file either way; the server serves both as image/heic.
    expect([...stored.image].sort()).toEqual(MEDIA_FORMATS.image.filter((t) => t !== "image/heif").sort());
    expect([...stored.video].sort()).toEqual([...MEDIA_FORMATS.video].sort());
  });

  it("leaves a BMP and a WebM to be sent as files", () => {
    expect(sniff(SAMPLES.bmp!).some((d) => d.kind === "image")).toBe(false);
    expect(sniff(SAMPLES.webm!).some((d) => d.kind === "video")).toBe(false);
    expect(MEDIA_FORMATS.image).not.toContain("image/bmp");
    expect(MEDIA_FORMATS.video).not.toContain("video/webm");
  });
});
