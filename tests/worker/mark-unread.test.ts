// "Mark as unread" (WeChat's 标为未读): a member's own flag on a chat, shown as a dot (an unread
// count of at least 1), cleared when they read anything there or take the mark off, and synced to
// their devices by a `conversation` frame.
import { describe, expect, it } from "vitest";
import type { ConversationSummary, ServerFrame } from "../../schema/protocol";
import { createGroup, makeUser, openDirect, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { api, expectError } from "./helpers";

const mark = (user: TestUser, id: string) => api<ConversationSummary>("PUT", `/conversations/${id}/unread`, { token: user.token });
const unmark = (user: TestUser, id: string) => api<ConversationSummary>("DELETE", `/conversations/${id}/unread`, { token: user.token });
const summary = async (user: TestUser, id: string) => (await api<ConversationSummary>("GET", `/conversations/${id}`, { token: user.token })).body;
const listed = async (user: TestUser, id: string) => ((await api("GET", "/conversations", { token: user.token })).body.conversations as ConversationSummary[]).find((c) => c.id === id)!;

type ConversationFrame = Extract<ServerFrame, { type: "conversation" }>;
const isMark = (id: string, on: boolean) => (f: ServerFrame) => f.type === "conversation" && f.conversationId === id && f.changes.markedUnread === on;

/** Alice and Bob's chat, with one message from Bob that Alice has read. */
async function readChat() {
  const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
  const id = await openDirect(alice, bob);
  const sent = await sendText(bob, id, "hello");
  await api("POST", `/conversations/${id}/read`, { token: alice.token, body: { seq: sent.body.seq } });
  expect(await summary(alice, id)).toMatchObject({ unread: 0, markedUnread: false });
  return { alice, bob, id, seq: sent.body.seq as number };
}

describe("mark as unread", () => {
  it("shows a read chat as unread (count 1) to its member only, in the list and the summary", async () => {
    const { alice, bob, id } = await readChat();
    const res = await mark(alice, id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, unread: 1, markedUnread: true });
    expect(await listed(alice, id)).toMatchObject({ unread: 1, markedUnread: true });
    expect(await summary(bob, id)).toMatchObject({ markedUnread: false, unread: 0 });
    // Marking twice is the same as once.
    expect((await mark(alice, id)).body).toMatchObject({ unread: 1, markedUnread: true });
  });

  it("counts real unread messages as they are, and at least 1", async () => {
    const { alice, bob, id } = await readChat();
    await mark(alice, id);
    await sendText(bob, id, "two");
    await sendText(bob, id, "three");
    expect(await summary(alice, id)).toMatchObject({ unread: 2, markedUnread: true });
  });

  it("is cleared when the member reads, even when there was nothing new to read", async () => {
    const { alice, id, seq } = await readChat();
    await mark(alice, id);
    const read = await api("POST", `/conversations/${id}/read`, { token: alice.token, body: { seq } });
    expect(read.status).toBe(200);
    expect(await summary(alice, id)).toMatchObject({ unread: 0, markedUnread: false });
  });

  it("is cleared by a read over the socket, and by the member sending a message there", async () => {
    const { alice, id, seq } = await readChat();
    await mark(alice, id);
    const socket = await SocketClient.connect(alice.token);
    await socket.next((f) => f.type === "ready");
    socket.send({ type: "read", ref: "r1", conversationId: id, seq });
    await socket.next(isMark(id, false));
    expect(await summary(alice, id)).toMatchObject({ unread: 0, markedUnread: false });

    await mark(alice, id);
    expect((await sendText(alice, id, "back")).status).toBe(201);
    expect(await summary(alice, id)).toMatchObject({ unread: 0, markedUnread: false });
  });

  it("is taken off with DELETE, leaving real unread messages counted", async () => {
    const { alice, bob, id } = await readChat();
    await mark(alice, id);
    expect((await unmark(alice, id)).body).toMatchObject({ unread: 0, markedUnread: false });
    await mark(alice, id);
    await sendText(bob, id, "new");
    expect((await unmark(alice, id)).body).toMatchObject({ unread: 1, markedUnread: false });
  });

  it("reaches the member's other devices, and nobody else's", async () => {
    const { alice, bob, id } = await readChat();
    const [phone, other] = [await SocketClient.connect(alice.token), await SocketClient.connect(bob.token)];
    await Promise.all([phone.next((f) => f.type === "ready"), other.next((f) => f.type === "ready")]);
    await mark(alice, id);
    const on = await phone.next<ConversationFrame>(isMark(id, true));
    expect(on.changes).toEqual({ markedUnread: true, unread: 1 });
    await unmark(alice, id);
    expect((await phone.next<ConversationFrame>(isMark(id, false))).changes).toEqual({ markedUnread: false, unread: 0 });
    await sendText(bob, id, "ping"); // a frame after the marks: Bob's socket has seen everything sent to it
    await other.next((f) => f.type === "message" && f.message.seq > 1);
    expect(other.frames.some((f) => f.type === "conversation")).toBe(false);
  });

  it("works in groups, for the member who marked it only", async () => {
    const [owner, member] = [await makeUser("owner"), await makeUser("member")];
    const id = await createGroup(owner, [member]);
    expect((await mark(member, id)).body).toMatchObject({ markedUnread: true });
    expect(await listed(member, id)).toMatchObject({ markedUnread: true, unread: 1 });
    expect(await listed(owner, id)).toMatchObject({ markedUnread: false });
  });

  it("is refused for people outside the chat and for chats nobody created", async () => {
    const { id } = await readChat();
    const outsider = await makeUser("outsider");
    expectError(await mark(outsider, id), 403, "forbidden");
    expectError(await unmark(outsider, id), 403, "forbidden");
    expectError(await mark(outsider, "c_00000000000000000000"), 404, "not_found");
    expect((await api("PUT", `/conversations/${id}/unread`, {})).status).toBe(401);
  });
});
