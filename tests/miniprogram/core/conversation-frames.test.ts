// The `conversation` frame on the device: parsed like every frame (core/socket.ts parseFrames),
// applied to the chat store so the list follows what the user did on another device (the unread
// mark, pin, do-not-disturb, delete chat), and the list actions of this device (mark unread,
// delete chat, reading clears the mark at once) against a fake server.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { applyConversationChanges, isListed, markedOnly } from "../../../miniprogram/core/conversations";
import { parseFrames } from "../../../miniprogram/core/socket";
import { ChatClient } from "../../../miniprogram/services/chats";
import type { ConversationSummary, Message, ServerFrame } from "../../../schema/protocol";
import type { WxAdapter } from "../wx-adapter";
import { groupSummary, signInAgainst, signOutClients, textMessage } from "./fixtures";

const C = "c_framesframesframesfr";
const OTHER = "c_otherotherotherother";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";

let adapter: WxAdapter;
let served: ConversationSummary[];
let requests: { method: string; path: string; body: unknown }[];
let clients: ChatClient[];

const message = (seq: number): Message => textMessage(C, seq, `message ${seq}`, { id: `m${seq}`, createdAt: 1_000 + seq });

/** The server: the list as `served` says, three messages in C, and the list routes answering summaries. */
async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const body = req.method === "GET" ? null : await req.json().catch(() => null);
  requests.push({ method: req.method, path: url.pathname, body });
  if (url.pathname === "/conversations") return Response.json({ conversations: served });
  if (url.pathname === `/conversations/${C}/messages`) {
    const after = Number(url.searchParams.get("after") ?? 0);
    const floor = served.find((c) => c.id === C)?.clearedSeq ?? 0;
    return Response.json({ messages: [1, 2, 3].filter((s) => s > Math.max(after, floor)).map(message), hasMore: false, lastSeq: 3 });
  }
  if (url.pathname === `/conversations/${OTHER}/messages`) return Response.json({ messages: [], hasMore: false, lastSeq: 0 });
  if (url.pathname === `/conversations/${C}/unread`) return Response.json(groupSummary(C, { lastSeq: 3, readSeq: 3, unread: req.method === "PUT" ? 1 : 0, markedUnread: req.method === "PUT" }));
  if (url.pathname === `/conversations/${C}/clear`) return Response.json(groupSummary(C, { lastSeq: 3, readSeq: 3, unread: 0, clearedSeq: 3 }));
  if (url.pathname === `/conversations/${C}/read`) return Response.json({ readSeq: 3 });
  return Response.json({ error: { code: "not_found", message: url.pathname } }, { status: 404 });
}

function client(): ChatClient {
  const c = new ChatClient();
  clients.push(c);
  c.start();
  c.socket.stop(); // no socket server here: frames are handed to the client as the socket would
  return c;
}
const frame = (device: ChatClient, f: ServerFrame) => (device as unknown as { onFrame(f: ServerFrame): void }).onFrame(f);
const summaryOf = (device: ChatClient, id = C) => device.store.get().conversations.find((c) => c.id === id)!;
const seqs = (device: ChatClient) => (device.store.get().messages[C] ?? []).map((m) => m.seq);

beforeEach(() => {
  served = [groupSummary(C, { lastSeq: 3, readSeq: 3, lastMessageAt: 2_000 }), groupSummary(OTHER, { lastSeq: 0, readSeq: 0, lastMessageAt: 3_000, lastMessage: null })];
  requests = [];
  clients = [];
  adapter = signInAgainst(ME, server);
});

afterEach(() => {
  signOutClients(clients);
});

describe("parsing the conversation frame", () => {
  it("reads the mark, pin, mute and delete-chat changes the server sends", () => {
    const sent = { type: "conversation", conversationId: C, changes: { markedUnread: true, unread: 1, pinned: true, doNotDisturb: false, clearedSeq: 7, readSeq: 7 } };
    expect(parseFrames(JSON.stringify(sent))).toEqual([sent]);
    expect(parseFrames(JSON.stringify({ type: "batch", frames: [sent] }))).toEqual([sent]);
  });

  it("drops a conversation frame whose changes have the wrong types, and says which field", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(parseFrames(JSON.stringify({ type: "conversation", conversationId: C, changes: { pinned: "yes" } }))).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('"conversation" frame: changes.pinned:'));
    warn.mockRestore();
  });
});

describe("applying the changes to a summary", () => {
  const base = groupSummary(C, { lastSeq: 5, readSeq: 4, unread: 1, pinned: false, clearedSeq: 2 });

  it("moves only the fields the frame carries", () => {
    expect(applyConversationChanges(base, { pinned: true })).toEqual({ ...base, pinned: true });
    expect(applyConversationChanges(base, { markedUnread: true, unread: 1 })).toEqual({ ...base, markedUnread: true, unread: 1 });
    expect(applyConversationChanges(base, { avatarMediaId: null, doNotDisturb: true })).toEqual({ ...base, avatarMediaId: null, doNotDisturb: true });
  });

  it("never moves the read seq or the cleared seq back, whatever order frames come in", () => {
    expect(applyConversationChanges(base, { readSeq: 3, clearedSeq: 1 })).toMatchObject({ readSeq: 4, clearedSeq: 2 });
    expect(applyConversationChanges(base, { readSeq: 5, clearedSeq: 5, unread: 0 })).toMatchObject({ readSeq: 5, clearedSeq: 5, unread: 0 });
  });

  it("leaves a deleted chat out of the list until a newer message, and shows a mark with nothing new as a dot", () => {
    expect(isListed(groupSummary(C, { lastSeq: 5, clearedSeq: 5 }))).toBe(false);
    expect(isListed(groupSummary(C, { lastSeq: 6, clearedSeq: 5 }))).toBe(true);
    expect(isListed(groupSummary(C, { lastSeq: 5 }))).toBe(true);
    expect(markedOnly(groupSummary(C, { lastSeq: 5, readSeq: 5, markedUnread: true }))).toBe(true);
    expect(markedOnly(groupSummary(C, { lastSeq: 6, readSeq: 5, markedUnread: true }))).toBe(false);
    expect(markedOnly(groupSummary(C, { lastSeq: 5, readSeq: 5 }))).toBe(false);
  });
});

describe("the chat store and the conversation frame", () => {
  it("shows another device's unread mark, pin and mute at once, pinned chats first", async () => {
    const device = client();
    await device.refresh();
    expect(device.store.get().conversations.map((c) => c.id)).toEqual([OTHER, C]);
    frame(device, { type: "conversation", conversationId: C, changes: { markedUnread: true, unread: 1 } });
    expect(summaryOf(device)).toMatchObject({ markedUnread: true, unread: 1 });
    frame(device, { type: "conversation", conversationId: C, changes: { pinned: true, doNotDisturb: true } });
    expect(summaryOf(device)).toMatchObject({ pinned: true, doNotDisturb: true, markedUnread: true });
    expect(device.store.get().conversations.map((c) => c.id)).toEqual([C, OTHER]);
  });

  it("drops every held message up to the cleared seq when another device deleted the chat, and does not pull them again", async () => {
    const device = client();
    await device.refresh();
    expect(seqs(device)).toEqual([1, 2, 3]);
    frame(device, { type: "conversation", conversationId: C, changes: { clearedSeq: 3, readSeq: 3, unread: 0, markedUnread: false } });
    expect(seqs(device)).toEqual([]);
    expect(isListed(summaryOf(device))).toBe(false);
    expect(device.store.get().hasOlder[C]).toBe(false);
    served = [groupSummary(C, { lastSeq: 3, readSeq: 3, clearedSeq: 3 })];
    await device.refresh();
    expect(seqs(device)).toEqual([]);
  });

  it("drops what a device held of a chat deleted while it was away, from the cleared seq in the list", async () => {
    const device = client();
    await device.refresh();
    expect(seqs(device)).toEqual([1, 2, 3]);
    // Deleted elsewhere through seq 2; message 3 came after, so the chat is listed with it only.
    served = [groupSummary(C, { lastSeq: 3, readSeq: 2, unread: 1, clearedSeq: 2 })];
    await device.refresh();
    expect(seqs(device)).toEqual([3]);
  });

  it("shows none of a deleted chat's cached messages when it is opened again from elsewhere (a contact's Send Message)", async () => {
    const device = client();
    await device.refresh();
    expect(seqs(device)).toEqual([1, 2, 3]);
    served = [groupSummary(C, { lastSeq: 3, readSeq: 3, clearedSeq: 3 })];
    device.upsert(served[0]!);
    expect(seqs(device)).toEqual([]);
  });

  it("marks a chat unread through the server and shows it, and takes the mark off", async () => {
    const device = client();
    await device.refresh();
    await device.markUnread(C, true);
    expect(requests.at(-1)).toMatchObject({ method: "PUT", path: `/conversations/${C}/unread` });
    expect(summaryOf(device)).toMatchObject({ markedUnread: true, unread: 1 });
    await device.markUnread(C, false);
    expect(requests.at(-1)).toMatchObject({ method: "DELETE", path: `/conversations/${C}/unread` });
    expect(summaryOf(device)).toMatchObject({ markedUnread: false, unread: 0 });
  });

  it("clears the mark as soon as the chat is opened, and tells the server with a read", async () => {
    const device = client();
    await device.refresh();
    frame(device, { type: "conversation", conversationId: C, changes: { markedUnread: true, unread: 1 } });
    device.setActive(C);
    expect(summaryOf(device)).toMatchObject({ markedUnread: false, unread: 0 });
    await vi.waitFor(() => expect(requests.some((r) => r.method === "POST" && r.path === `/conversations/${C}/read`)).toBe(true));
    expect(requests.find((r) => r.path === `/conversations/${C}/read`)!.body).toEqual({ seq: 3 });
    device.setActive(null);
  });

  it("deletes a chat through the server with the last seq shown, and drops it here", async () => {
    const device = client();
    await device.refresh();
    await device.clearChat(C);
    expect(requests.at(-1)).toEqual({ method: "POST", path: `/conversations/${C}/clear`, body: { seq: 3 } });
    expect(seqs(device)).toEqual([]);
    expect(isListed(summaryOf(device))).toBe(false);
  });

  it("changes nothing when the chat cannot be deleted for want of a network, and says so", async () => {
    const device = client();
    await device.refresh();
    adapter.setOffline(true);
    await expect(device.clearChat(C)).rejects.toMatchObject({ code: "network" });
    expect(seqs(device)).toEqual([1, 2, 3]);
    expect(isListed(summaryOf(device))).toBe(true);
  });
});
