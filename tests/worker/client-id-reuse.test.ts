// A retry is the same request again. Reusing a clientId for a different message must not store
// anything or make media signable in the conversation: which media a conversation may sign comes
// only from the messages stored in it.
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../schema/protocol";
import { createGroup, history, makeUser, openDirect, SocketClient, type TestUser } from "./chat-helpers";
import { api, expectError, rows } from "./helpers";
import { png, uploaded, urls } from "./media-helpers";

const post = (user: TestUser, conversationId: string, body: Record<string, unknown>) => api("POST", `/conversations/${conversationId}/messages`, { token: user.token, body });
const refsIn = (conversationId: string) => rows<{ media_id: string; seq: number }>("select media_id, seq from media_refs where conversation_id = ? order by seq", conversationId);

/** Bob's picture, sent in a group Mallory belongs to (so she has seen its id), and Mallory's own group. */
async function scene() {
  const [bob, mallory] = [await makeUser("bob"), await makeUser("mallory")];
  const shared = await createGroup(bob, [mallory]);
  const photo = await uploaded(bob, png(6, 6, 7));
  const sent = await post(bob, shared, { clientId: "bob-1", type: "image", body: { mediaId: photo.id } });
  expect(sent.status).toBe(201);
  // Alone in her own group: the attack needs no other member.
  const own = await createGroup(mallory, []);
  return { bob, mallory, shared, own, photo, sent };
}

describe("a clientId reused for a different message", () => {
  it("is refused with 409 client_id_reused over REST, storing nothing and granting no URL for someone else's picture", async () => {
    const { mallory, own, photo } = await scene();
    expect((await post(mallory, own, { clientId: "K", type: "text", body: { text: "hello" } })).status).toBe(201);
    const before = await history(mallory, own);

    const reused = await post(mallory, own, { clientId: "K", type: "image", body: { mediaId: photo.id } });
    expectError(reused, 409, "client_id_reused");
    expect(await history(mallory, own)).toEqual(before);
    expect(await refsIn(own)).toEqual([]);
    const granted = await urls(mallory, [photo.id], own);
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual({ urls: [], denied: [photo.id] });
  });

  it("is refused when only the reply target, the mentions or the body's text differ", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const first = { clientId: "same", type: "text", body: { text: "hi" }, mentions: [bob.id], replyTo: 1 };
    expect((await post(alice, group, first)).status).toBe(201);
    const before = await history(alice, group);
    expectError(await post(alice, group, { ...first, body: { text: "hi!" } }), 409, "client_id_reused");
    expectError(await post(alice, group, { ...first, replyTo: undefined }), 409, "client_id_reused");
    expectError(await post(alice, group, { ...first, mentions: [] }), 409, "client_id_reused");
    expectError(await post(alice, group, { ...first, mentionAll: true }), 409, "client_id_reused");
    expect(await history(alice, group)).toEqual(before);
  });

  it("still answers the identical request with the first ack, whatever the order of the body's keys", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const first = await api("POST", `/conversations/${group}/messages`, {
      token: alice.token,
      raw: `{"clientId":"r1","type":"image","body":{"mediaId":"${photo.id}","width":4,"height":3}}`,
      headers: { "content-type": "application/json" },
    });
    const again = await api("POST", `/conversations/${group}/messages`, {
      token: alice.token,
      raw: `{"body":{"height":3,"width":4,"mediaId":"${photo.id}"},"type":"image","clientId":"r1"}`,
      headers: { "content-type": "application/json" },
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
  });

  it("is refused over the socket with an error frame echoing the ref, and nothing stored or signable", async () => {
    const { mallory, own, photo } = await scene();
    const socket = await SocketClient.connect(mallory.token);
    try {
      socket.send({ type: "send", ref: "a", conversationId: own, message: { clientId: "K", type: "text", body: { text: "hello" } } });
      await socket.next((f) => f.type === "ack" && f.ref === "a");
      const before = await history(mallory, own);
      socket.send({ type: "send", ref: "b", conversationId: own, message: { clientId: "K", type: "image", body: { mediaId: photo.id } } });
      const refused = await socket.next<Extract<ServerFrame, { type: "error" }>>((f) => f.type === "error" && f.ref === "b");
      expect(refused.code).toBe("client_id_reused");
      expect(socket.frames.some((f) => f.type === "ack" && f.ref === "b")).toBe(false);
      expect(await history(mallory, own)).toEqual(before);
      expect(await refsIn(own)).toEqual([]);
      expect((await urls(mallory, [photo.id], own)).body.denied).toEqual([photo.id]);
    } finally {
      socket.close();
    }
  });

  it("cannot be used by a member who was removed from the group where the picture was sent", async () => {
    const { bob, mallory, shared, own, photo } = await scene();
    expect((await api("DELETE", `/groups/${shared}/members/${mallory.id}`, { token: bob.token })).status).toBe(200);
    expect((await post(mallory, own, { clientId: "K", type: "text", body: { text: "hello" } })).status).toBe(201);
    expectError(await post(mallory, own, { clientId: "K", type: "image", body: { mediaId: photo.id } }), 409, "client_id_reused");
    expect((await urls(mallory, [photo.id], own)).body.denied).toEqual([photo.id]);
  });
});

describe("a retry of a message that carries media", () => {
  it("does not make a recalled picture signable again", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const request = { clientId: "pic-1", type: "image", body: { mediaId: photo.id } };
    const sent = await post(alice, group, request);
    expect(sent.status).toBe(201);
    expect((await api("POST", `/conversations/${group}/messages/${sent.body.seq}/recall`, { token: alice.token })).status).toBe(200);

    const again = await post(alice, group, request);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ seq: sent.body.seq, duplicate: true });
    expect(await refsIn(group)).toEqual([]);
    expect((await urls(bob, [photo.id], group)).body.denied).toEqual([photo.id]);
  });

  it("records the stored message's media when the first attempt's record was lost", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const request = { clientId: "pic-2", type: "image", body: { mediaId: photo.id } };
    const sent = await post(alice, group, request);
    await rows("delete from media_refs where conversation_id = ?", group); // as if the record had failed
    expect((await post(alice, group, request)).status).toBe(200);
    expect(await refsIn(group)).toEqual([{ media_id: photo.id, seq: sent.body.seq }]);
  });

  it("of a forward is refused when the same clientId forwards another message, recording nothing", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    const chat = await openDirect(bob, carol);
    const mine = await uploaded(alice, png(3, 3, 1));
    const other = await uploaded(alice, png(5, 5, 2));
    const first = await post(alice, group, { clientId: "a1", type: "image", body: { mediaId: mine.id } });
    const second = await post(alice, group, { clientId: "a2", type: "image", body: { mediaId: other.id } });
    const forward = (seq: number) => api("POST", `/conversations/${group}/messages/${seq}/forward`, { token: bob.token, body: { to: [chat], clientId: "fwd" } });

    const once = await forward(first.body.seq);
    expect(once.body.results[0]).toMatchObject({ ok: true, ack: { duplicate: false } });
    const retried = await forward(first.body.seq);
    expect(retried.body.results[0]).toMatchObject({ ok: true, ack: { seq: once.body.results[0].ack.seq, duplicate: true } });
    const reused = await forward(second.body.seq);
    expect(reused.body.results[0]).toMatchObject({ ok: false, error: { code: "client_id_reused" } });
    expect(await refsIn(chat)).toEqual([{ media_id: mine.id, seq: once.body.results[0].ack.seq }]);
    expect((await urls(carol, [other.id], chat)).body.denied).toEqual([other.id]);
  });

  it("cannot turn a text's clientId into a forward of a picture", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    const chat = await openDirect(bob, carol);
    const photo = await uploaded(alice, png());
    const pic = await post(alice, group, { clientId: "p", type: "image", body: { mediaId: photo.id } });
    expect((await post(bob, chat, { clientId: "K", type: "text", body: { text: "hi" } })).status).toBe(201);
    const fwd = await api("POST", `/conversations/${group}/messages/${pic.body.seq}/forward`, { token: bob.token, body: { to: [chat], clientId: "K" } });
    expect(fwd.body.results[0]).toMatchObject({ ok: false, error: { code: "client_id_reused" } });
    expect(await refsIn(chat)).toEqual([]);
  });
});
