// The offline cache against WeChat's storage limits (the wx adapter refuses a value over 1 MB and
// a total over 10 MB, as WeChat does): sixty busy chats, more than one key can hold, all come back
// offline; past the budget the least recently used chats' messages are evicted, never the list;
// a write WeChat refuses is logged.
import { groupSummary, signInAgainst, signOutClients, textMessage } from "./fixtures";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ChatClient } from "../../../miniprogram/services/chats";
import type { ConversationSummary, Message } from "../../../schema/protocol";
import { STORAGE_KEY_LIMIT, type WxAdapter } from "../wx-adapter";

const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const CHATS = 60;
const PER_CHAT = 50;
const idOf = (i: number) => `c_cache${String(i).padStart(15, "0")}`;
/** About 400 bytes a message, as a chat's text messages are. */
const TEXT = "A message of the kind people send in a busy group chat, long enough to weigh what a real one weighs. ".repeat(3);

const summary = (i: number): ConversationSummary => groupSummary(idOf(i), { name: `Chat ${i}`, memberCount: 3, lastSeq: PER_CHAT, readSeq: PER_CHAT, lastMessageAt: 1_000_000 + i, role: "member" });
const message = (conversationId: string, seq: number): Message => textMessage(conversationId, seq, `${seq}: ${TEXT}`, { createdAt: 1_000_000 + seq });

async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  if (url.pathname === "/conversations") return Response.json({ conversations: Array.from({ length: CHATS }, (_, i) => summary(i)) });
  const m = /^\/conversations\/([^/]+)\/messages$/.exec(url.pathname);
  if (m) {
    const after = Number(url.searchParams.get("after") ?? 0);
    const messages = Array.from({ length: PER_CHAT - after }, (_, k) => message(m[1]!, after + k + 1));
    return Response.json({ messages, hasMore: false, lastSeq: PER_CHAT });
  }
  return Response.json({ error: { code: "not_found", message: url.pathname } }, { status: 404 });
}

let adapter: WxAdapter;
let clients: ChatClient[];

function client(options?: { cacheBudgetBytes?: number }): ChatClient {
  const c = new ChatClient(options);
  clients.push(c);
  c.start();
  return c;
}

/** A device that synced every chat and wrote its cache, then was closed. */
async function syncedDevice(options?: { cacheBudgetBytes?: number }, opened?: string): Promise<void> {
  const device = client(options);
  await device.refresh();
  if (opened) device.setActive(opened);
  device.saveNow();
  device.setActive(null);
  device.socket.stop();
}

function cacheBytes(): number {
  let total = 0;
  for (const [k, v] of adapter.storage) if (k.startsWith("qun.cache.c.")) total += Buffer.byteLength(v);
  return total;
}

beforeEach(() => {
  clients = [];
  adapter = signInAgainst(ME, server);
});

afterEach(() => {
  signOutClients(clients);
  vi.restoreAllMocks();
});

describe("the offline cache", () => {
  it("brings back sixty chats of fifty messages offline, more than one 1 MB key could hold", async () => {
    await syncedDevice();
    let total = 0;
    for (const [k, v] of adapter.storage) if (k.startsWith("qun.cache")) total += Buffer.byteLength(v);
    expect(total).toBeGreaterThan(STORAGE_KEY_LIMIT);
    adapter.setOffline(true);
    const offline = client();
    const state = offline.store.get();
    expect(state.conversations).toHaveLength(CHATS);
    for (let i = 0; i < CHATS; i++) expect(state.messages[idOf(i)]).toHaveLength(PER_CHAT);
  });

  it("keeps within its budget by evicting the least recently used chats' messages, never the list or the chat just opened", async () => {
    const budget = 200 * 1024; // about nine chats' worth
    await syncedDevice({ cacheBudgetBytes: budget }, idOf(0));
    expect(cacheBytes()).toBeLessThanOrEqual(budget);
    adapter.setOffline(true);
    const offline = client({ cacheBudgetBytes: budget });
    const state = offline.store.get();
    expect(state.conversations).toHaveLength(CHATS);
    const kept = Object.keys(state.messages).filter((id) => (state.messages[id]?.length ?? 0) > 0);
    expect(kept.length).toBeGreaterThan(3);
    expect(kept.length).toBeLessThan(CHATS);
    expect(kept).toContain(idOf(0)); // opened last: used most recently
  });

  it("logs a write WeChat refuses instead of swallowing it, and still keeps the list", async () => {
    // Another part of the app filled storage to just under WeChat's 10 MB.
    for (let i = 0; i < 10; i++) adapter.storage.set(`other.${i}`, JSON.stringify("x".repeat(1_040_000)));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await syncedDevice();
    expect(warn.mock.calls.some(([m]) => typeof m === "string" && m.startsWith("[cache] could not write"))).toBe(true);
  });

  it("forgets every chat's key on sign-out", async () => {
    await syncedDevice();
    expect([...adapter.storage.keys()].some((k) => k.startsWith("qun.cache"))).toBe(true);
    const device = client();
    device.signOut();
    expect([...adapter.storage.keys()].filter((k) => k.startsWith("qun.cache"))).toEqual([]);
  });
});
