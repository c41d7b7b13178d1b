// The list a catch-up fetches races the socket: a message can be pushed while GET /conversations
// is on its way. The server's list counts unread up to its own lastSeq, so the store keeps what it
// learnt after that list (the count, the last message) and never counts a message the list already
// counted. Both clients share this (core/chat-sync.ts).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChatClient } from "../../../miniprogram/services/chats";
import type { ConversationSummary, Message, ServerFrame } from "../../../schema/protocol";
import { groupSummary, signInAgainst, signOutClients, textMessage } from "./fixtures";

const C = "c_racesraceracesraceso";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";

let listed: ConversationSummary[];
/** Holds the list's answer until the spec lets it go. */
let releaseList: (() => void) | null;
let clients: ChatClient[];

const message = (seq: number): Message => textMessage(C, seq, `message ${seq}`, { id: `m${seq}`, createdAt: 1_000 + seq });
const summary = (lastSeq: number, unread: number) =>
  groupSummary(C, {
    lastSeq,
    readSeq: lastSeq - unread,
    unread,
    lastMessageAt: 1_000 + lastSeq,
    lastMessage: { seq: lastSeq, senderId: "u_bbbbbbbbbbbbbbbbbbbb", type: "text", text: `message ${lastSeq}`, at: 1_000 + lastSeq },
  });

async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/conversations") {
    const answer = listed; // what the server knew when the request reached it
    await new Promise<void>((resolve) => (releaseList = resolve));
    return Response.json({ conversations: answer });
  }
  if (url.pathname === `/conversations/${C}/messages`) {
    const after = Number(url.searchParams.get("after") ?? 0);
    const last = listed[0]?.lastSeq ?? 0;
    return Response.json({ messages: Array.from({ length: Math.max(0, last - after) }, (_, i) => message(after + i + 1)), hasMore: false, lastSeq: last });
  }
  return Response.json({ error: { code: "not_found", message: url.pathname } }, { status: 404 });
}

function client(): ChatClient {
  const c = new ChatClient();
  clients.push(c);
  c.start();
  c.socket.stop(); // frames are handed over as the socket would
  return c;
}
const frame = (device: ChatClient, f: ServerFrame) => (device as unknown as { onFrame(f: ServerFrame): void }).onFrame(f);
const settle = () => new Promise((r) => setTimeout(r, 20));
const waitForList = async () => {
  for (let i = 0; i < 100 && !releaseList; i++) await settle();
  expect(releaseList).not.toBeNull();
};

/** A device that already lists C with one unread message (seq 1) and holds it. */
async function deviceWithOneUnread(): Promise<ChatClient> {
  listed = [summary(1, 1)];
  const device = client();
  const first = device.refresh();
  await waitForList();
  releaseList!();
  releaseList = null;
  await first;
  expect(device.store.get().conversations[0]).toMatchObject({ lastSeq: 1, unread: 1 });
  return device;
}

beforeEach(() => {
  releaseList = null;
  clients = [];
  signInAgainst(ME, server);
});

afterEach(() => {
  releaseList?.();
  signOutClients(clients);
});

describe("the catch-up list racing the socket", () => {
  it("keeps a message pushed while the list was on its way: counted, and the chat's last message", async () => {
    const device = await deviceWithOneUnread();
    const refreshing = device.refresh(); // the list the server answers still says seq 1
    await waitForList();
    listed = [summary(2, 2)];
    frame(device, { type: "message", message: message(2) });
    await settle();
    releaseList!();
    await refreshing;
    expect(device.store.get().conversations[0]).toMatchObject({ lastSeq: 2, unread: 2, lastMessage: { seq: 2, text: "message 2" } });
  });

  it("does not count twice a message the list already counted when its push comes after the list", async () => {
    const device = await deviceWithOneUnread();
    listed = [summary(2, 2)]; // stored before the list was asked for; its push is late
    const refreshing = device.refresh();
    await waitForList();
    releaseList!();
    await refreshing;
    frame(device, { type: "message", message: message(2) });
    await settle();
    expect(device.store.get().conversations[0]).toMatchObject({ lastSeq: 2, unread: 2 });
    expect((device.store.get().messages[C] ?? []).map((m) => m.seq)).toEqual([1, 2]);
  });
});
