import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MEDIA_LIMITS } from "../../schema/limits";
import type { ErrorBody } from "../../schema/errors";
import type { MediaInfo } from "../../schema/media";
import { makeUser } from "./chat-helpers";
import { api, count, expectError, rows } from "./helpers";
import {
  aac,
  amr,
  concat,
  filler,
  gif,
  jpeg,
  m4a,
  mov,
  mp3,
  mp4,
  multipartBody,
  MULTIPART_TYPE,
  pdf,
  png,
  r2Keys,
  sha256,
  silk,
  uploadBody,
  uploaded,
  uploadMultipart,
  uploadRaw,
  wav,
  webp,
} from "./media-helpers";

/** A refused upload leaves no R2 object and no D1 row. */
async function expectNothingStored() {
  expect(await r2Keys()).toEqual([]);
  expect(await count("media")).toBe(0);
}

describe("uploading media", () => {
  it("accepts a picture as wx.uploadFile sends it (multipart, formData fields first) and stores the exact bytes in R2", async () => {
    const alice = await makeUser("alice");
    const bytes = png(6, 4);
    const res = await uploadMultipart(alice, bytes, { fields: { kind: "image", width: 6, height: 4 }, filename: "wxfile://tmp_a1b2.png", contentType: "image/png" });
    expect(res.status).toBe(201);
    const info = res.body;
    expect(info).toMatchObject({ kind: "image", contentType: "image/png", size: bytes.length, sha256: await sha256(bytes), width: 6, height: 4, name: "tmp_a1b2.png", previewOf: null });
    expect(info.id).toMatch(/^md_[0-9a-z]{20}$/);

    const object = await env.MEDIA.get(`media/${info.id}`);
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(bytes);
    expect(object!.httpMetadata?.contentType).toBe("image/png");
    const [row] = await rows("select owner_id, kind, size, sha256, r2_key from media where id = ?", info.id);
    expect(row).toEqual({ owner_id: alice.id, kind: "image", size: bytes.length, sha256: info.sha256, r2_key: `media/${info.id}` });
  });

  it("accepts any name for the file part, since wx.uploadFile lets the client choose it", async () => {
    const alice = await makeUser("alice");
    const res = await uploadMultipart(alice, jpeg(), { field: "photo", fields: { kind: "image" } });
    expect(res.status).toBe(201);
    expect(res.body.contentType).toBe("image/jpeg");
  });

  it("accepts a raw body with the fields in the query string", async () => {
    const alice = await makeUser("alice");
    const bytes = aac(8);
    const res = await uploadRaw(alice, bytes, { kind: "voice", durationMs: 3200 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: "voice", contentType: "audio/aac", durationMs: 3200, size: bytes.length, sha256: await sha256(bytes) });
    expect(new Uint8Array(await (await env.MEDIA.get(`media/${res.body.id}`))!.arrayBuffer())).toEqual(bytes);
  });

  it("types every upload from its bytes, whatever Content-Type the client claims", async () => {
    const alice = await makeUser("alice");
    const cases: [Uint8Array, string, string][] = [
      [jpeg(), "image", "image/jpeg"],
      [png(), "image", "image/png"],
      [gif(), "image", "image/gif"],
      [webp(), "image", "image/webp"],
      [concat(isoHeic()), "image", "image/heic"],
      [aac(), "voice", "audio/aac"],
      [m4a(), "voice", "audio/mp4"],
      [mp4(), "voice", "audio/mp4"],
      [mp3(), "voice", "audio/mpeg"],
      [wav(), "voice", "audio/wav"],
      [amr(), "voice", "audio/amr"],
      [silk(), "voice", "audio/silk"],
      [mp4(), "video", "video/mp4"],
      [mov(), "video", "video/quicktime"],
    ];
    for (const [bytes, kind, type] of cases) {
      const res = await uploadMultipart(alice, bytes, { fields: { kind }, contentType: "text/html" });
      expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(201);
      expect(res.body).toMatchObject({ kind, contentType: type });
    }
  });

  it("works out the kind from the bytes when the client does not say", async () => {
    const alice = await makeUser("alice");
    expect((await uploaded(alice, png())).kind).toBe("image");
    expect((await uploaded(alice, amr())).kind).toBe("voice");
    expect((await uploaded(alice, mp4())).kind).toBe("video");
    const other = await uploaded(alice, filler(100));
    expect(other).toMatchObject({ kind: "file", contentType: "application/octet-stream" });
  });

  it("accepts any bytes as a file, served as what they are when that is a safe type and as opaque bytes otherwise", async () => {
    const alice = await makeUser("alice");
    const html = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    const res = await uploadMultipart(alice, html, { fields: { kind: "file", name: "page.html" }, contentType: "text/html" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: "file", contentType: "application/octet-stream", name: "page.html" });
    const doc = await uploadMultipart(alice, pdf(), { fields: { kind: "file", name: "报告 2026.pdf" } });
    expect(doc.body).toMatchObject({ kind: "file", contentType: "application/pdf", name: "报告 2026.pdf" });
  });

  it("keeps only the last segment of a file name, without control characters", async () => {
    const alice = await makeUser("alice");
    const res = await uploadMultipart(alice, pdf(), { fields: { kind: "file", name: "../../etc/pass\u0007wd" } });
    expect(res.body.name).toBe("passwd");
  });

  it("refuses uploads without a signed-in user and stores nothing", async () => {
    const res = await api("POST", "/media", { raw: multipartBody(png()), headers: { "content-type": MULTIPART_TYPE } });
    expectError(res, 401, "unauthorized");
    await expectNothingStored();
  });

  it("refuses an empty upload, as multipart and as a raw body", async () => {
    const alice = await makeUser("alice");
    expectError(await uploadMultipart(alice, new Uint8Array(), { fields: { kind: "image" } }), 400, "empty_upload");
    expectError(await uploadRaw(alice, new Uint8Array(), { kind: "image" }), 400, "empty_upload");
    await expectNothingStored();
  });

  it("refuses bytes that are not the kind the client says", async () => {
    const alice = await makeUser("alice");
    for (const [bytes, kind] of [
      [pdf(), "image"],
      [filler(500), "image"],
      [png(), "voice"],
      [aac(), "video"],
      [jpeg(), "video"],
    ] as const) {
      const res = await uploadMultipart(alice, bytes, { fields: { kind }, contentType: `${kind}/whatever` });
      expectError(res, 415, "unsupported_media_type");
      expect((res.body as unknown as ErrorBody).error.message).toContain(kind);
    }
    await expectNothingStored();
  });

  it("refuses an upload declared larger than its kind's limit before reading it", async () => {
    const alice = await makeUser("alice");
    // Declared in Content-Length: refused from the header alone.
    const big = concat(png(), filler(MEDIA_LIMITS.voiceBytes));
    const res = await uploadRaw(alice, big, { kind: "voice" });
    expectError(res, 413, "payload_too_large");
    await expectNothingStored();
  });

  it("refuses an oversized streamed upload as soon as it passes the limit, without reading the rest", async () => {
    const alice = await makeUser("alice");
    const chunk = filler(64 * 1024);
    const total = MEDIA_LIMITS.imageBytes * 2;
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        controller.enqueue(pulled === 0 ? concat(jpeg(), chunk) : chunk);
        pulled += chunk.length;
      },
    });
    const res = await uploadBody(alice, stream, "application/octet-stream", "?kind=image");
    expectError(res, 413, "payload_too_large");
    expect(pulled).toBeLessThan(total);
    await expectNothingStored();
  });

  describe("as wx.uploadFile streams it, with the kind in formData ahead of the file", () => {
    const total = MEDIA_LIMITS.imageBytes * 2; // over the picture limit, under the file limit
    const chunk = filler(64 * 1024);

    /** A multipart body that says it is a picture, then streams `total` bytes of it, counting what was pulled. */
    function oversizedPicture() {
      const closing = new TextEncoder().encode(`\r\n--${MULTIPART_TYPE.split("boundary=")[1]}--\r\n`);
      const empty = multipartBody(new Uint8Array(), { fields: { kind: "image" } });
      const opening = empty.subarray(0, empty.length - closing.length); // the fields and the file part's headers
      const counter = { pulled: 0 };
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (counter.pulled >= total) {
            controller.enqueue(closing);
            return controller.close();
          }
          controller.enqueue(counter.pulled === 0 ? concat(opening, jpeg(), chunk) : chunk);
          counter.pulled += chunk.length;
        },
      });
      return { stream, counter, size: opening.length + jpeg().length + total + closing.length };
    }

    it("refuses an oversized picture once its fields are in, without reading the rest", async () => {
      const alice = await makeUser("alice");
      const { stream, counter } = oversizedPicture();
      const res = await uploadBody(alice, stream, MULTIPART_TYPE);
      expectError(res, 413, "payload_too_large");
      expect(counter.pulled).toBeLessThan(MEDIA_LIMITS.imageBytes + 1024 * 1024);
      await expectNothingStored();
    });

    it("refuses an oversized picture from its Content-Length as soon as its fields are in", async () => {
      const alice = await makeUser("alice");
      const { stream, counter, size } = oversizedPicture();
      const fixed = new FixedLengthStream(size);
      void stream.pipeTo(fixed.writable).catch(() => undefined);
      const res = await uploadBody(alice, fixed.readable, MULTIPART_TYPE);
      expectError(res, 413, "payload_too_large");
      expect(counter.pulled).toBeLessThan(1024 * 1024);
      await expectNothingStored();
    });
  });

  it("refuses a file over its kind's limit even when the request did not say what it was", async () => {
    const alice = await makeUser("alice");
    expectError(await uploadMultipart(alice, concat(aac(1), filler(MEDIA_LIMITS.voiceBytes))), 413, "payload_too_large");
    const tooBig = await uploadMultipart(alice, concat("#!AMR\n", filler(MEDIA_LIMITS.voiceBytes)));
    expectError(tooBig, 413, "payload_too_large");
    await expectNothingStored();
  });

  it("refuses pictures and videos cut off before their end", async () => {
    const alice = await makeUser("alice");
    for (const [whole, kind] of [
      [png(8, 8), "image"],
      [jpeg(200), "image"],
      [gif(), "image"],
      [webp(), "image"],
      [mp4(400), "video"],
      [aac(6), "voice"],
    ] as const) {
      const cut = whole.subarray(0, whole.length - 5);
      const res = await uploadMultipart(alice, cut, { fields: { kind } });
      expectError(res, 400, "incomplete_upload");
    }
    await expectNothingStored();
  });

  it("refuses a body that ends before its Content-Length, as when the phone loses signal", async () => {
    const alice = await makeUser("alice");
    const whole = png(64, 64);
    const fixed = new FixedLengthStream(whole.length);
    const writer = fixed.writable.getWriter();
    void writer
      .write(whole.subarray(0, whole.length >> 1))
      .then(() => writer.close())
      .catch(() => undefined);
    expectError(await uploadBody(alice, fixed.readable, "application/octet-stream", "?kind=image"), 400, "incomplete_upload");
    await expectNothingStored();
  });

  it("refuses a multipart body that stops before its closing boundary", async () => {
    const alice = await makeUser("alice");
    const body = multipartBody(pdf(), { fields: { kind: "file" } });
    const res = await uploadBody(alice, body.subarray(0, body.length - 40), MULTIPART_TYPE);
    expectError(res, 400, "incomplete_upload");
    await expectNothingStored();
  });

  it("refuses an upload whose bytes do not add up to the size the client sent", async () => {
    const alice = await makeUser("alice");
    const bytes = pdf();
    const res = await uploadMultipart(alice, bytes, { fields: { kind: "file", size: bytes.length + 100 } });
    expectError(res, 400, "incomplete_upload");
    await expectNothingStored();
  });

  it("refuses bad fields and a form without a file", async () => {
    const alice = await makeUser("alice");
    expectError(await uploadMultipart(alice, png(), { fields: { kind: "sticker" } }), 400, "invalid_request");
    expectError(await uploadMultipart(alice, png(), { fields: { width: -3 } }), 400, "invalid_request");
    expectError(await uploadMultipart(alice, png(), { fields: { colour: "red" } }), 400, "invalid_request");
    const noFile = new TextEncoder().encode(`--b1\r\nContent-Disposition: form-data; name="kind"\r\n\r\nimage\r\n--b1--\r\n`);
    expectError(await uploadBody(alice, noFile, "multipart/form-data; boundary=b1"), 400, "invalid_request");
    expectError(await uploadBody(alice, png(), "multipart/form-data"), 400, "invalid_request");
    await expectNothingStored();
  });

  describe("thumbnails and posters", () => {
    it("links a small picture to the picture or video it previews", async () => {
      const alice = await makeUser("alice");
      const video = await uploaded(alice, mp4(), { kind: "video", durationMs: 4000, width: 720, height: 1280 });
      const poster = await uploaded(alice, jpeg(), { previewOf: video.id, width: 90, height: 160 });
      expect(poster).toMatchObject({ kind: "image", previewOf: video.id });
      const photo = await uploaded(alice, png(40, 30));
      const thumb = await uploaded(alice, png(4, 3, 2), { kind: "image", previewOf: photo.id });
      expect(thumb.previewOf).toBe(photo.id);
    });

    it("refuses previews that are not pictures, too large, of someone else's media or of a preview", async () => {
      const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
      const photo = await uploaded(alice, png());
      const thumb = await uploaded(alice, png(2, 2, 3), { previewOf: photo.id });
      const voice = await uploaded(alice, aac());
      const before = await r2Keys();

      expectError(await uploadMultipart(alice, aac(), { fields: { previewOf: photo.id } }), 415, "unsupported_media_type");
      expectError(await uploadMultipart(alice, concat(jpeg(), filler(MEDIA_LIMITS.previewBytes)), { fields: { previewOf: photo.id } }), 413, "payload_too_large");
      expectError(await uploadMultipart(bob, png(), { fields: { previewOf: photo.id } }), 400, "invalid_request");
      expectError(await uploadMultipart(alice, png(), { fields: { previewOf: thumb.id } }), 400, "invalid_request");
      expectError(await uploadMultipart(alice, png(), { fields: { previewOf: voice.id } }), 400, "invalid_request");
      expect(await r2Keys()).toEqual(before);
      expect(await count("media")).toBe(3);
    });
  });

  it("lists the caller's own uploads, newest first, and nobody else's", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const first = await uploaded(alice, png());
    const second = await uploaded(alice, pdf(), { kind: "file", name: "a.pdf" });
    await uploaded(bob, jpeg());
    const res = await api<{ media: MediaInfo[] }>("GET", "/media", { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.media.map((m) => m.id).sort()).toEqual([first.id, second.id].sort());
  });
});

/** A HEIC photo's opening: ftyp with the heic brand, then its boxes. */
function isoHeic(): Uint8Array {
  const box = (type: string, payload: Uint8Array) => concat([0, 0, 0, payload.length + 8], type, payload);
  return concat(box("ftyp", concat("heic", [0, 0, 0, 0], "mif1heic")), box("meta", filler(40)), box("mdat", filler(100, 9)));
}
