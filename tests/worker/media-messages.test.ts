import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../schema/protocol";
import { createGroup, history, makeUser, openDirect, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { api, expectError, rows } from "./helpers";
import { aac, jpeg, mp4, pdf, png, uploaded } from "./media-helpers";

let n = 0;
function send(user: TestUser, conversationId: string, type: string, body: Record<string, unknown>) {
  return api("POST", `/conversations/${conversationId}/messages`, { token: user.token, body: { clientId: `media-${++n}`, type, body } });
}

const refsOf = (mediaId: string) => rows<{ conversation_id: string; seq: number }>("select conversation_id, seq from media_refs where media_id = ? order by seq", mediaId);

describe("media in messages", () => {
  it("sends a picture with its thumbnail and records where both were sent", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png(40, 30), { width: 40, height: 30 });
    const thumb = await uploaded(alice, png(4, 3, 2), { previewOf: photo.id });
    const res = await send(alice, group, "image", { mediaId: photo.id, width: 40, height: 30, thumbMediaId: thumb.id });
    expect(res.status).toBe(201);
    const seq = res.body.seq;
    expect(await refsOf(photo.id)).toEqual([{ conversation_id: group, seq }]);
    expect(await refsOf(thumb.id)).toEqual([{ conversation_id: group, seq }]);
    const [message] = (await history(bob, group)).filter((m) => m.seq === seq);
    expect(message!.body).toEqual({ mediaId: photo.id, width: 40, height: 30, thumbMediaId: thumb.id });
  });

  it("sends voice, video with its poster, and any file, each with media of the matching kind", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const chat = await openDirect(alice, bob);
    const voice = await uploaded(alice, aac(), { durationMs: 2500 });
    expect((await send(alice, chat, "voice", { mediaId: voice.id, durationMs: 2500 })).status).toBe(201);
    const video = await uploaded(alice, mp4(), { kind: "video" });
    const poster = await uploaded(alice, jpeg(), { previewOf: video.id });
    expect((await send(alice, chat, "video", { mediaId: video.id, durationMs: 4000, posterMediaId: poster.id })).status).toBe(201);
    const doc = await uploaded(alice, pdf(), { kind: "file", name: "plan.pdf" });
    expect((await send(alice, chat, "file", { mediaId: doc.id, name: "plan.pdf", size: doc.size })).status).toBe(201);
    const photoAsFile = await uploaded(alice, png());
    expect((await send(alice, chat, "file", { mediaId: photoAsFile.id, name: "photo.png", size: photoAsFile.size })).status).toBe(201);
    expect(await rows("select media_id from media_refs where conversation_id = ?", chat)).toHaveLength(5);
  });

  it("refuses media the sender did not upload, and appends nothing", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const bobs = await uploaded(bob, png());
    const before = (await history(alice, group)).length;
    expectError(await send(alice, group, "image", { mediaId: bobs.id }), 403, "forbidden");
    expectError(await send(alice, group, "image", { mediaId: "md_abcdefghij0123456789" }), 403, "forbidden");
    expect((await history(alice, group)).length).toBe(before);
    expect(await rows("select * from media_refs")).toEqual([]);
  });

  it("refuses someone else's thumbnail next to one's own picture", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const bobsPhoto = await uploaded(bob, png(3, 3, 5));
    const bobsThumb = await uploaded(bob, png(2, 2, 6), { previewOf: bobsPhoto.id });
    expectError(await send(alice, group, "image", { mediaId: photo.id, thumbMediaId: bobsThumb.id }), 403, "forbidden");
  });

  it("refuses media of the wrong kind, thumbnails of other media, and a file size that is not the file's", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const voice = await uploaded(alice, aac());
    const photo = await uploaded(alice, png());
    const otherPhoto = await uploaded(alice, png(5, 5, 7));
    const thumbOfOther = await uploaded(alice, png(2, 2, 8), { previewOf: otherPhoto.id });
    const doc = await uploaded(alice, pdf(), { kind: "file" });
    expectError(await send(alice, group, "image", { mediaId: voice.id }), 400, "invalid_request");
    expectError(await send(alice, group, "voice", { mediaId: photo.id, durationMs: 1000 }), 400, "invalid_request");
    expectError(await send(alice, group, "video", { mediaId: photo.id }), 400, "invalid_request");
    expectError(await send(alice, group, "image", { mediaId: photo.id, thumbMediaId: thumbOfOther.id }), 400, "invalid_request");
    expectError(await send(alice, group, "image", { mediaId: photo.id, thumbMediaId: otherPhoto.id }), 400, "invalid_request");
    expectError(await send(alice, group, "image", { mediaId: thumbOfOther.id }), 400, "invalid_request");
    expectError(await send(alice, group, "file", { mediaId: doc.id, name: "x.pdf", size: doc.size + 1 }), 400, "invalid_request");
    expect(await rows("select * from media_refs")).toEqual([]);
  });

  it("refuses media from someone who is not a member, even media they uploaded", async () => {
    const [alice, bob, eve] = [await makeUser("alice"), await makeUser("bob"), await makeUser("eve")];
    const group = await createGroup(alice, [bob]);
    const evesPhoto = await uploaded(eve, png());
    expectError(await send(eve, group, "image", { mediaId: evesPhoto.id }), 403, "forbidden");
    expect(await rows("select * from media_refs")).toEqual([]);
  });

  it("applies the same rules to media sent over the socket", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const own = await uploaded(alice, png());
    const bobs = await uploaded(bob, png(3, 3, 2));
    const socket = await SocketClient.connect(alice.token);
    try {
      socket.send({ type: "send", ref: "theirs", conversationId: group, message: { clientId: "s-1", type: "image", body: { mediaId: bobs.id } } });
      socket.send({ type: "send", ref: "mine", conversationId: group, message: { clientId: "s-2", type: "image", body: { mediaId: own.id } } });
      const refused = await socket.next<Extract<ServerFrame, { type: "error" }>>((f) => f.type === "error" && f.ref === "theirs");
      expect(refused.code).toBe("forbidden");
      const ack = await socket.next<Extract<ServerFrame, { type: "ack" }>>((f) => f.type === "ack" && f.ref === "mine");
      expect(await refsOf(own.id)).toEqual([{ conversation_id: group, seq: ack.ack.seq }]);
      expect(await refsOf(bobs.id)).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it("answers a retried media send with the first ack and one record", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const body = { clientId: "retry-1", type: "image", body: { mediaId: photo.id } };
    const first = await api("POST", `/conversations/${group}/messages`, { token: alice.token, body });
    const again = await api("POST", `/conversations/${group}/messages`, { token: alice.token, body });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ seq: first.body.seq, duplicate: true });
    expect(await refsOf(photo.id)).toEqual([{ conversation_id: group, seq: first.body.seq }]);
  });

  it("accepts a text and a media send arriving together, each with its own seq", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const [image, text] = await Promise.all([send(alice, group, "image", { mediaId: photo.id }), sendText(bob, group, "hi")]);
    expect(image.status).toBe(201);
    expect(text.status).toBe(201);
    expect(new Set([image.body.seq, text.body.seq]).size).toBe(2);
  });

  it("lets a member forward a picture they did not upload, recording it in the target", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    const chat = await openDirect(bob, carol);
    const photo = await uploaded(alice, png());
    const sent = await send(alice, group, "image", { mediaId: photo.id });
    const fwd = await api("POST", `/conversations/${group}/messages/${sent.body.seq}/forward`, { token: bob.token, body: { to: [chat], clientId: "fwd-1" } });
    expect(fwd.body.results[0]).toMatchObject({ ok: true });
    expect(await refsOf(photo.id)).toEqual(
      expect.arrayContaining([
        { conversation_id: group, seq: sent.body.seq },
        { conversation_id: chat, seq: fwd.body.results[0].ack.seq },
      ]),
    );
  });

  it("refuses to forward a picture its uploader has deleted, and appends nothing to the target", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    const chat = await openDirect(bob, carol);
    const photo = await uploaded(alice, png());
    const sent = await send(alice, group, "image", { mediaId: photo.id });
    expect((await api("DELETE", `/media/${photo.id}`, { token: alice.token })).status).toBe(200);
    const before = await history(bob, chat);

    const fwd = await api("POST", `/conversations/${group}/messages/${sent.body.seq}/forward`, { token: bob.token, body: { to: [chat], clientId: "fwd-gone" } });
    expect(fwd.status).toBe(200);
    expect(fwd.body.results[0]).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await history(bob, chat)).toEqual(before);
    expect(await refsOf(photo.id)).toEqual([]);
  });

  it("keeps a forward whose thumbnail alone was deleted, recording only the picture", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const other = await createGroup(bob, [alice]);
    const photo = await uploaded(alice, png());
    const thumb = await uploaded(alice, png(2, 2, 5), { previewOf: photo.id });
    const sent = await send(alice, group, "image", { mediaId: photo.id, thumbMediaId: thumb.id });
    expect((await api("DELETE", `/media/${thumb.id}`, { token: alice.token })).status).toBe(200);

    const fwd = await api("POST", `/conversations/${group}/messages/${sent.body.seq}/forward`, { token: bob.token, body: { to: [other], clientId: "fwd-thumbless" } });
    expect(fwd.body.results[0]).toMatchObject({ ok: true });
    const refs = await refsOf(photo.id);
    expect(refs).toHaveLength(2);
    expect(refs).toEqual(
      expect.arrayContaining([
        { conversation_id: group, seq: sent.body.seq },
        { conversation_id: other, seq: fwd.body.results[0].ack.seq },
      ]),
    );
    expect(await refsOf(thumb.id)).toEqual([]);
  });

  it("forgets where a recalled picture was sent", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const other = await uploaded(alice, png(3, 3, 9));
    const sent = await send(alice, group, "image", { mediaId: photo.id });
    const kept = await send(alice, group, "image", { mediaId: other.id });
    const res = await api("POST", `/conversations/${group}/messages/${sent.body.seq}/recall`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(await refsOf(photo.id)).toEqual([]);
    expect(await refsOf(other.id)).toEqual([{ conversation_id: group, seq: kept.body.seq }]);
  });
});

describe("avatars", () => {
  it("sets a picture one uploaded as one's avatar, and clears it", async () => {
    const alice = await makeUser("alice");
    const photo = await uploaded(alice, png());
    const res = await api("PATCH", "/me", { token: alice.token, body: { avatarMediaId: photo.id } });
    expect(res.status).toBe(200);
    expect(res.body.avatarMediaId).toBe(photo.id);
    const cleared = await api("PATCH", "/me", { token: alice.token, body: { avatarMediaId: null } });
    expect(cleared.body.avatarMediaId).toBeNull();
  });

  it("refuses someone else's picture, a voice note and an unknown id as an avatar, changing nothing", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const bobs = await uploaded(bob, png());
    const voice = await uploaded(alice, aac());
    expectError(await api("PATCH", "/me", { token: alice.token, body: { avatarMediaId: bobs.id } }), 403, "forbidden");
    expectError(await api("PATCH", "/me", { token: alice.token, body: { avatarMediaId: "md_abcdefghij0123456789" } }), 403, "forbidden");
    expectError(await api("PATCH", "/me", { token: alice.token, body: { avatarMediaId: voice.id, nickname: "New" } }), 400, "invalid_request");
    expect(await rows("select avatar_media_id, nickname from users where id = ?", alice.id)).toEqual([{ avatar_media_id: null, nickname: alice.nickname }]);
  });
});
