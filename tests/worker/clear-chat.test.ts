// "Delete chat" (WeChat's 删除该聊天): POST /conversations/:id/clear takes the chat out of the
// caller's list and its messages up to a seq out of their history, catch-up and search, on every
// device, until a newer message brings it back with that message only. Nobody else is affected.
import { describe, expect, it } from "vitest";
import type { ConversationSummary, Message, ServerFrame } from "../../schema/protocol";
import { createGroup, history, makeUser, openDirect, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { api, expectError, rows } from "./helpers";
import { png, uploaded, urls } from "./media-helpers";

const clear = (user: TestUser, id: string, body: unknown) => api<ConversationSummary>("POST", `/conversations/${id}/clear`, { token: user.token, body });
const list = async (user: TestUser) => (await api("GET", "/conversations", { token: user.token })).body.conversations as ConversationSummary[];
const texts = (ms: Message[]) => ms.map((m) => (m.body as { text?: string } | null)?.text ?? `(${m.type})`);

type ConversationFrame = Extract<ServerFrame, { type: "conversation" }>;

/** Alice and Bob's chat with three messages, the last at `seq`. */
async function chatted() {
  const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
  const id = await openDirect(alice, bob);
  await sendText(alice, id, "one dumpling");
  await sendText(bob, id, "two dumplings");
  const seq = (await sendText(bob, id, "three dumplings")).body.seq as number;
  return { alice, bob, id, seq };
}

describe("delete chat", () => {
  it("takes the chat out of the caller's list and its messages out of their history, catch-up and search", async () => {
    const { alice, id, seq } = await chatted();
    const res = await clear(alice, id, { seq });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, clearedSeq: seq, unread: 0, readSeq: seq, markedUnread: false });
    expect((await list(alice)).map((c) => c.id)).not.toContain(id);
    expect(await history(alice, id, "?after=0")).toEqual([]);
    expect(await history(alice, id)).toEqual([]);
    expectError(await api("GET", `/conversations/${id}/messages/${seq}`, { token: alice.token }), 404, "not_found");
    const inChat = await api("GET", `/conversations/${id}/search?q=dumplings`, { token: alice.token });
    expect(inChat.status).toBe(200);
    expect(inChat.body.hits).toEqual([]);
    const everywhere = await api("GET", "/search/messages?q=dumplings", { token: alice.token });
    expect(everywhere.body.chats).toEqual([]);
  });

  it("brings the chat back on a new message, with that message only and an unread count of one", async () => {
    const { alice, bob, id, seq } = await chatted();
    await clear(alice, id, { seq });
    const next = await sendText(bob, id, "still there?");
    const back = (await list(alice)).find((c) => c.id === id);
    expect(back).toMatchObject({ lastSeq: next.body.seq, unread: 1, clearedSeq: seq });
    expect(texts(await history(alice, id, "?after=0"))).toEqual(["still there?"]);
    expect(texts(await history(alice, id, `?after=${seq - 2}`))).toEqual(["still there?"]);
  });

  it("gives no URL for a picture in the deleted history, and shows a reply to a deleted message as unavailable", async () => {
    const { alice, bob, id } = await chatted();
    const photo = await uploaded(bob, png());
    const sent = await api("POST", `/conversations/${id}/messages`, { token: bob.token, body: { clientId: "photo-1", type: "image", body: { mediaId: photo.id } } });
    expect(sent.status).toBe(201);
    expect((await urls(alice, [photo.id], id)).body.denied).toEqual([]);
    await clear(alice, id, { seq: sent.body.seq });
    expect((await urls(alice, [photo.id], id)).body.denied).toEqual([photo.id]);
    expect((await urls(bob, [photo.id], id)).body.denied).toEqual([]);
    await sendText(bob, id, "about that photo", { replyTo: sent.body.seq });
    const [reply] = await history(alice, id, "?after=0");
    expect(reply!.replyTo).toEqual({ seq: sent.body.seq, unavailable: true });
  });

  it("leaves the other members' list, history and unread count as they were", async () => {
    const [owner, member, other] = [await makeUser("owner"), await makeUser("member"), await makeUser("other")];
    const id = await createGroup(owner, [member, other]);
    const seq = (await sendText(owner, id, "agenda")).body.seq as number;
    const before = (await list(other)).find((c) => c.id === id);
    await clear(member, id, { seq });
    expect((await list(member)).map((c) => c.id)).not.toContain(id);
    expect((await list(other)).find((c) => c.id === id)).toEqual(before);
    expect(before).toMatchObject({ lastSeq: seq, clearedSeq: 0 });
    expect(texts(await history(other, id, "?after=0"))).toContain("agenda");
    expect(texts(await history(owner, id, "?after=0"))).toContain("agenda");
  });

  it("clears only up to the seq the caller saw: a message that came meanwhile stays, and the chat with it", async () => {
    const { alice, bob, id, seq } = await chatted();
    await sendText(bob, id, "sent while Alice was confirming");
    const res = await clear(alice, id, { seq });
    expect(res.body).toMatchObject({ clearedSeq: seq, unread: 1 });
    expect((await list(alice)).map((c) => c.id)).toContain(id);
    expect(texts(await history(alice, id, "?after=0"))).toEqual(["sent while Alice was confirming"]);
  });

  it("never moves back, and a seq past the last message clears to the last", async () => {
    const { alice, id, seq } = await chatted();
    expect((await clear(alice, id, { seq: seq + 50 })).body).toMatchObject({ clearedSeq: seq });
    expect((await clear(alice, id, { seq: 1 })).body).toMatchObject({ clearedSeq: seq });
    expect(await history(alice, id, "?after=0")).toEqual([]);
  });

  it("takes the unread mark off and tells the caller's other devices, and nobody else's", async () => {
    const { alice, bob, id, seq } = await chatted();
    await api("PUT", `/conversations/${id}/unread`, { token: alice.token });
    const [phone, bobs] = [await SocketClient.connect(alice.token), await SocketClient.connect(bob.token)];
    await Promise.all([phone.next((f) => f.type === "ready"), bobs.next((f) => f.type === "ready")]);
    await clear(alice, id, { seq });
    const frame = await phone.next<ConversationFrame>((f) => f.type === "conversation" && f.changes.clearedSeq !== undefined);
    expect(frame).toEqual({ type: "conversation", conversationId: id, changes: { clearedSeq: seq, readSeq: seq, unread: 0, markedUnread: false } });
    await sendText(alice, id, "after"); // a later frame: Bob's socket has seen everything sent to it before
    await bobs.next((f) => f.type === "message" && f.message.seq > seq);
    expect(bobs.frames.some((f) => f.type === "conversation" && f.changes.clearedSeq !== undefined)).toBe(false);
  });

  it("is refused to people outside the chat, for chats nobody created, and without sign-in, changing nothing", async () => {
    const { alice, bob, id, seq } = await chatted();
    const outsider = await makeUser("outsider");
    expectError(await clear(outsider, id, { seq }), 403, "forbidden");
    expectError(await clear(outsider, "d_00000000000000000000000000000000", { seq }), 404, "not_found");
    expect((await api("POST", `/conversations/${id}/clear`, { body: { seq } })).status).toBe(401);
    expect(texts(await history(alice, id, "?after=0"))).toHaveLength(3);
    expect(texts(await history(bob, id, "?after=0"))).toHaveLength(3);
  });

  it("refuses bad input with the error shape and changes nothing", async () => {
    const { alice, id } = await chatted();
    for (const body of [{}, { seq: 0 }, { seq: -1 }, { seq: 1.5 }, { seq: "3" }, { seq: 3, extra: true }, null]) {
      expectError(await clear(alice, id, body), 400, "invalid_request");
    }
    expectError(await clear(alice, "not-a-chat", { seq: 1 }), 404, "not_found");
    const [membership] = await rows<{ cleared_seq: number; visible_from_seq: number }>("SELECT cleared_seq, visible_from_seq FROM memberships WHERE conversation_id = ? AND user_id = ?", id, alice.id);
    expect(membership).toEqual({ cleared_seq: 0, visible_from_seq: 1 });
    expect((await list(alice)).map((c) => c.id)).toContain(id);
  });
});

describe("pin and mute on every device", () => {
  it("tells the caller's other devices when they pin or mute a chat, and nobody else's", async () => {
    const { alice, bob, id } = await chatted();
    const [phone, bobs] = [await SocketClient.connect(alice.token), await SocketClient.connect(bob.token)];
    await Promise.all([phone.next((f) => f.type === "ready"), bobs.next((f) => f.type === "ready")]);
    const res = await api("PATCH", `/conversations/${id}/settings`, { token: alice.token, body: { pinned: true } });
    expect(res.status).toBe(200);
    const pinned = await phone.next<ConversationFrame>((f) => f.type === "conversation" && f.changes.pinned === true);
    expect(pinned.changes).toEqual({ pinned: true, doNotDisturb: false });
    await api("PATCH", `/conversations/${id}/settings`, { token: alice.token, body: { doNotDisturb: true } });
    const muted = await phone.next<ConversationFrame>((f) => f.type === "conversation" && f.changes.doNotDisturb === true);
    expect(muted.changes).toEqual({ pinned: true, doNotDisturb: true });
    await sendText(alice, id, "after");
    await bobs.next((f) => f.type === "message" && f.message.body !== null && (f.message.body as { text?: string }).text === "after");
    expect(bobs.frames.some((f) => f.type === "conversation")).toBe(false);
  });
});
