// Media end to end against `wrangler dev` (local R2): a picture uploaded as wx.uploadFile sends
// it, sent in a group, and downloaded by another member through a signed URL, byte for byte.
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuthResponse } from "../../schema/api";
import type { MediaInfo, MediaUrlsResponse } from "../../schema/media";
import type { Message, ServerFrame } from "../../schema/protocol";
import { mp4, multipartBody, MULTIPART_TYPE } from "../support/media-files";
import { HttpClient, uniqueName } from "./harness";
import { Device } from "./socket";

const http = new HttpClient();
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A real photo-like PNG: a colour gradient, as a camera roll picture would decode. */
function picture(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      png.data[i] = (x * 255) / width;
      png.data[i + 1] = (y * 255) / height;
      png.data[i + 2] = ((x + y) * 7) & 0xff;
      png.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** What wx.uploadFile({ url, filePath, name: "file", formData, header }) puts on the wire. */
async function wxUploadFile(token: string, bytes: Uint8Array, formData: Record<string, string | number>): Promise<{ status: number; body: MediaInfo }> {
  const res = await fetch(`${http.baseUrl}/media`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": MULTIPART_TYPE },
    body: multipartBody(bytes, { fields: formData, filename: "wxfile://tmp_3f9a2c.png", contentType: "image/png" }),
  });
  return { status: res.status, body: (await res.json()) as MediaInfo };
}

/** An upload over a bare TCP socket; with `drop`, the connection is cut after half the body. */
function rawUpload(token: string, body: Uint8Array, drop: boolean): Promise<string> {
  const { hostname, port } = new URL(http.baseUrl);
  return new Promise<string>((resolve, reject) => {
    let answer = "";
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /media HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      );
      if (!drop) return socket.write(body);
      socket.write(body.subarray(0, body.length >> 1), () => {
        socket.destroy(); // a phone losing signal mid-upload
        resolve(answer);
      });
    });
    socket.on("data", (d) => (answer += String(d)));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("a picture through a group", () => {
  let alice: AuthResponse, bob: AuthResponse, eve: AuthResponse;
  let groupId: string;

  beforeAll(async () => {
    [alice, bob, eve] = await Promise.all([http.devLogin(uniqueName("alice")), http.devLogin(uniqueName("bob")), http.devLogin(uniqueName("eve"))]);
    await http.befriend(alice, bob);
    const res = await http.post("/conversations", { name: "Photos", memberIds: [bob.user.id] }, alice.accessToken);
    expect(res.status).toBe(201);
    groupId = res.body.id;
  });

  it("reaches a second member, who downloads exactly the bytes that were uploaded", async () => {
    const bobPhone = await Device.connect(http.baseUrl, bob.accessToken);
    const original = picture(320, 240);
    const thumbnail = picture(80, 60);

    const photo = await wxUploadFile(alice.accessToken, original, { kind: "image", width: 320, height: 240 });
    expect(photo.status).toBe(201);
    expect(photo.body).toMatchObject({ kind: "image", contentType: "image/png", size: original.length, sha256: sha256(original) });
    const thumb = await wxUploadFile(alice.accessToken, thumbnail, { previewOf: photo.body.id, width: 80, height: 60 });
    expect(thumb.status).toBe(201);

    const sent = await http.post(
      `/conversations/${groupId}/messages`,
      { clientId: "photo-1", type: "image", body: { mediaId: photo.body.id, width: 320, height: 240, thumbMediaId: thumb.body.id } },
      alice.accessToken,
    );
    expect(sent.status).toBe(201);

    // Bob's phone hears of it live, with the ids of the picture and of its thumbnail.
    const frame = await bobPhone.next<Extract<ServerFrame, { type: "message" }>>((f) => f.type === "message" && f.message.conversationId === groupId && f.message.seq === sent.body.seq);
    const body = (frame.message as Message).body as { mediaId: string; thumbMediaId: string };
    expect(body).toMatchObject({ mediaId: photo.body.id, thumbMediaId: thumb.body.id });

    // The chat list asks for the thumbnail; opening the picture asks for the original.
    const granted = await http.post<MediaUrlsResponse>("/media/urls", { conversationId: groupId, mediaIds: [body.thumbMediaId, body.mediaId] }, bob.accessToken);
    expect(granted.status).toBe(200);
    expect(granted.body.denied).toEqual([]);
    const [thumbUrl, photoUrl] = granted.body.urls.map((u) => u.url);

    // <image src> sends no Authorization header: the URL alone is the permission.
    const download = await fetch(photoUrl!);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("image/png");
    expect(download.headers.get("cache-control")).toMatch(/^private/);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(original));
    const small = await fetch(thumbUrl!);
    expect(sha256(new Uint8Array(await small.arrayBuffer()))).toBe(sha256(thumbnail));

    // A second load revalidates with the ETag and moves no bytes.
    const again = await fetch(photoUrl!, { headers: { "if-none-match": download.headers.get("etag")! } });
    expect(again.status).toBe(304);
    await bobPhone.close();
  });

  it("keeps nothing of an upload whose connection drops halfway", async () => {
    // The same raw HTTP/1.1 upload, once whole (the control) and once cut off mid-body.
    const kept = picture(200, 200);
    const whole = await rawUpload(eve.accessToken, multipartBody(kept, { fields: { kind: "image" } }), false);
    expect(whole).toMatch(/^HTTP\/1\.1 201 /);
    const dropped = await rawUpload(eve.accessToken, multipartBody(picture(210, 200), { fields: { kind: "image" } }), true);
    expect(dropped).toBe("");
    await new Promise((r) => setTimeout(r, 500));
    const mine = await http.get<{ media: MediaInfo[] }>("/media", eve.accessToken);
    expect(mine.body.media.map((m) => m.sha256)).toEqual([sha256(kept)]);
  });

  it("streams a video uploaded as a raw body to another member in the ranges a player asks for", async () => {
    const video = mp4(300_000);
    const up = await fetch(`${http.baseUrl}/media?kind=video&durationMs=4000`, { method: "POST", headers: { authorization: `Bearer ${alice.accessToken}`, "content-type": "video/mp4" }, body: video });
    expect(up.status).toBe(201);
    const info = (await up.json()) as MediaInfo;
    expect(info).toMatchObject({ kind: "video", contentType: "video/mp4", size: video.length, durationMs: 4000 });
    const sent = await http.post(`/conversations/${groupId}/messages`, { clientId: "video-1", type: "video", body: { mediaId: info.id, durationMs: 4000 } }, alice.accessToken);
    expect(sent.status).toBe(201);
    const granted = await http.post<MediaUrlsResponse>("/media/urls", { conversationId: groupId, mediaIds: [info.id] }, bob.accessToken);
    const url = granted.body.urls[0]!.url;

    // <video> probes the length, then seeks: each answer is exactly the bytes asked for.
    const probe = await fetch(url, { method: "HEAD" });
    expect(probe.status).toBe(200);
    expect(probe.headers.get("content-length")).toBe(String(video.length));
    expect(probe.headers.get("accept-ranges")).toBe("bytes");
    for (const [start, end] of [
      [0, 1],
      [1000, 65_535],
      [video.length - 100, video.length - 1],
    ] as const) {
      const part = await fetch(url, { headers: { range: `bytes=${start}-${end}` } });
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe(`bytes ${start}-${end}/${video.length}`);
      expect(sha256(new Uint8Array(await part.arrayBuffer()))).toBe(sha256(video.subarray(start, end + 1)));
    }
    const beyond = await fetch(url, { headers: { range: `bytes=${video.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${video.length}`);
    await beyond.arrayBuffer();
  });

  it("gives no URL to someone outside the group, and refuses a tampered URL", async () => {
    const photo = await wxUploadFile(alice.accessToken, picture(16, 16), { kind: "image" });
    await http.post(`/conversations/${groupId}/messages`, { clientId: "photo-2", type: "image", body: { mediaId: photo.body.id } }, alice.accessToken);
    const outsider = await http.post("/media/urls", { conversationId: groupId, mediaIds: [photo.body.id] }, eve.accessToken);
    expect(outsider.status).toBe(403);
    const own = await http.post<MediaUrlsResponse>("/media/urls", { mediaIds: [photo.body.id] }, eve.accessToken);
    expect(own.body.denied).toEqual([photo.body.id]);

    const granted = await http.post<MediaUrlsResponse>("/media/urls", { conversationId: groupId, mediaIds: [photo.body.id] }, bob.accessToken);
    const url = new URL(granted.body.urls[0]!.url);
    url.searchParams.set("e", String(Number(url.searchParams.get("e")) + 86400));
    const forged = await fetch(url);
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("token_invalid");
  });
});
