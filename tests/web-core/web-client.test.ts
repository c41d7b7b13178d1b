// The web client's core against the real worker under `wrangler dev`: the mini-program's chat
// store on the browser platform (web/src/platform/: IndexedDB through fake-indexeddb, fetch,
// Node's WebSocket with the token as a subprotocol). Two browsers talk; an offline message
// survives a reload and is stored once; a reconnect catches up by seq; a read on one computer
// clears the badge on the other.
import { afterEach, describe, expect, it } from "vitest";
import { MESSAGE_LIMITS } from "../../schema/limits";
import type { WebClient } from "../../web/src/platform/index";
import { indexedDbStorage } from "../../web/src/platform/index";
import { png } from "../support/media-files";
import { baseUrl, Browser, devUser, directChat, secondSession, waitFor } from "./harness";

let browsers: Browser[] = [];
const browser = () => {
  const b = new Browser();
  browsers.push(b);
  return b;
};

afterEach(() => {
  for (const b of browsers) b.close();
  browsers = [];
});

/** The text messages a client shows in a chat, as "text:status" (a direct chat opens with a system message). */
const texts = (client: WebClient, id: string) => (client.chats.store.get().messages[id] ?? []).filter((m) => m.type === "text").map((m) => `${(m.body as { text?: string } | null)?.text}:${m.status}`);
const lastSeq = (client: WebClient, id: string) => (client.chats.store.get().messages[id] ?? []).reduce((max, m) => Math.max(max, m.seq), 0);

describe("the web client core", () => {
  it("lets two browsers exchange messages over their sockets, each shown once and in order", async () => {
    const [ann, bob] = [await devUser("webann"), await devUser("webbob")];
    const chat = await directChat(ann, bob);
    const a = browser().open(ann);
    const b = browser().open(bob);
    await Promise.all([a.chats.start(), b.chats.start()]);
    await waitFor(() => a.chats.store.get().connection === "online" && b.chats.store.get().connection === "online");

    a.chats.send(chat, { type: "text", body: { text: "hello from Ann's browser" } });
    await waitFor(() => expect(texts(b, chat)).toEqual(["hello from Ann's browser:sent"]));
    b.chats.send(chat, { type: "text", body: { text: "and back from Bob's" } });
    await waitFor(() => expect(texts(a, chat)).toEqual(["hello from Ann's browser:sent", "and back from Bob's:sent"]));
    await waitFor(() => expect(texts(b, chat)).toEqual(["hello from Ann's browser:sent", "and back from Bob's:sent"]));
    // The socket carried the sends: no message went by HTTPS.
    expect(browsers[0]!.requests.filter((r) => r.startsWith("POST") && r.endsWith("/messages"))).toEqual([]);
    expect(b.chats.conversation(chat)?.lastMessage?.text).toBe("and back from Bob's");
  });

  it("keeps a message written offline through a reload, in IndexedDB, and sends it exactly once when back online", async () => {
    const [ann, bob] = [await devUser("webann"), await devUser("webbob")];
    const chat = await directChat(ann, bob);
    const annsBrowser = browser();
    annsBrowser.offline = true;
    const before = annsBrowser.open(ann);
    await before.chats.start();
    const clientId = before.chats.send(chat, { type: "text", body: { text: "written on the train" } });
    await before.chats.flushOutbox();
    expect(before.chats.pending()).toEqual([{ clientId, status: "sending" }]);
    annsBrowser.close(); // the tab is reloaded: memory is gone, IndexedDB stays

    const after = annsBrowser.open(ann);
    await after.chats.start(); // still offline
    expect(after.chats.pending()).toEqual([{ clientId, status: "sending" }]);
    expect(after.chats.store.get().messages[chat]?.filter((m) => m.clientId === clientId)).toMatchObject([{ seq: 0, status: "sending", body: { text: "written on the train" } }]);

    annsBrowser.offline = false;
    after.chats.wake(); // the network is back: reconnect now rather than after the backoff
    await waitFor(() => expect(after.chats.pending()).toEqual([]));
    await waitFor(() => expect(texts(after, chat)).toEqual(["written on the train:sent"]));
    expect(after.chats.store.get().messages[chat]?.filter((m) => m.clientId === clientId)).toMatchObject([{ status: "sent" }]);
    await after.chats.flushOutbox();

    const history = await fetch(`${baseUrl()}/conversations/${chat}/messages?after=0`, { headers: { authorization: `Bearer ${bob.accessToken}` } }).then((r) => r.json());
    const stored = (history as { messages: { clientId: string | null; type: string; body: unknown }[] }).messages.filter((m) => m.type === "text");
    expect(stored.map((m) => [m.clientId, m.body])).toEqual([[clientId, { text: "written on the train" }]]);
  });

  it("catches up by seq after frames were lost: on reconnecting it pulls only what came after the last seq it held", async () => {
    const [ann, bob] = [await devUser("webann"), await devUser("webbob")];
    const chat = await directChat(ann, bob);
    const a = browser().open(ann);
    const bobsBrowser = browser();
    const b = bobsBrowser.open(bob);
    await Promise.all([a.chats.start(), b.chats.start()]);
    await waitFor(() => a.chats.store.get().synced && b.chats.store.get().synced && b.chats.store.get().connection === "online");
    a.chats.send(chat, { type: "text", body: { text: "one" } });
    await waitFor(() => expect(texts(b, chat)).toEqual(["one:sent"]));

    bobsBrowser.losingFrames = true; // Bob's network drops what the server pushes; his socket looks fine
    for (const text of ["two", "three", "four"]) a.chats.send(chat, { type: "text", body: { text } });
    await a.chats.flushOutbox();
    await waitFor(() => expect(texts(a, chat)).toHaveLength(4));
    await new Promise((r) => setTimeout(r, 300)); // the pushes reached Bob's side and were lost
    expect(texts(b, chat)).toEqual(["one:sent"]);

    bobsBrowser.losingFrames = false;
    const held = lastSeq(b, chat);
    const asked = bobsBrowser.requests.length;
    b.chats.socket.drop(); // the heartbeat noticed: reconnect, `ready`, catch-up
    await waitFor(() => expect(texts(b, chat)).toEqual(["one:sent", "two:sent", "three:sent", "four:sent"]));
    expect(bobsBrowser.requests.slice(asked).filter((r) => r.startsWith(`GET /conversations/${chat}/messages`))).toEqual([
      `GET /conversations/${chat}/messages?after=${held}&limit=${MESSAGE_LIMITS.historyCompactPageMax}&format=compact`,
    ]);
  });

  it("clears the unread badge on the user's other computer when they read the chat on one", async () => {
    const [ann, bob] = [await devUser("webann"), await devUser("webbob")];
    const chat = await directChat(ann, bob);
    const annAtWork = browser().open(ann);
    const annAtHome = browser().open(await secondSession(ann));
    const b = browser().open(bob);
    await Promise.all([annAtWork.chats.start(), annAtHome.chats.start(), b.chats.start()]);
    // Online and listed: the count before the two messages is the list's.
    await waitFor(() => [annAtWork, annAtHome, b].every((c) => c.chats.store.get().connection === "online" && c.chats.store.get().synced));

    // Whatever the new chat counts already (the server may count its opening notice), two more.
    const before = annAtWork.chats.conversation(chat)!.unread;
    expect(annAtHome.chats.conversation(chat)?.unread).toBe(before);
    b.chats.send(chat, { type: "text", body: { text: "are you there?" } });
    b.chats.send(chat, { type: "text", body: { text: "ping" } });
    await waitFor(() => expect(annAtWork.chats.conversation(chat)?.unread).toBe(before + 2));
    await waitFor(() => expect(annAtHome.chats.conversation(chat)?.unread).toBe(before + 2));

    annAtWork.chats.setActive(chat); // opened at work
    expect(annAtWork.chats.conversation(chat)?.unread).toBe(0);
    const newest = lastSeq(annAtWork, chat);
    await waitFor(() => expect(annAtHome.chats.conversation(chat)).toMatchObject({ unread: 0, readSeq: newest }));
  });

  it("forgets the user's chats and unsent messages in IndexedDB on sign-out, so the next person at the computer finds none", async () => {
    const [ann, bob] = [await devUser("webann"), await devUser("webbob")];
    const chat = await directChat(ann, bob);
    const shared = browser();
    const first = shared.open(ann);
    await first.chats.start();
    await waitFor(() => first.chats.store.get().synced);
    first.chats.send(chat, { type: "text", body: { text: "sent before leaving" } });
    await waitFor(() => expect(texts(first, chat)).toEqual(["sent before leaving:sent"]));
    shared.offline = true;
    first.chats.networkChanged(false); // the browser's "offline" event
    first.chats.send(chat, { type: "text", body: { text: "never sent" } });
    first.chats.saveNow();
    await first.chats.flushOutbox();
    await waitFor(async () => expect(await indexedDbStorage("qun", shared.indexedDB).get("qun.outbox")).toHaveLength(1));

    const staged = await first.uploads.stage(new Blob([Uint8Array.from(png(4, 3))], { type: "image/png" })); // picked, not sent yet

    await first.signOut(); // offline: the server is not told, the chats go all the same
    expect(first.session.get()).toMatchObject({ accessToken: null, user: null, endedBy: "user" });
    expect(first.chats.store.get().conversations).toEqual([]);
    const storage = indexedDbStorage("qun", shared.indexedDB);
    await waitFor(async () => expect([await storage.get("qun.outbox"), await storage.get("qun.cache"), await storage.get("qun.files")]).toEqual([undefined, undefined, undefined]));
    await expect(first.uploads.file(staged)).rejects.toMatchObject({ code: "not_found" });

    const again = shared.open(ann); // even the same user, back later: nothing was kept
    await again.chats.start();
    expect(again.chats.pending()).toEqual([]);
    expect(again.chats.store.get().conversations).toEqual([]);
  });

  it("uploads a picture staged in IndexedDB and sends it: the other browser gets the image message with its media id", async () => {
    const [ann, bob] = [await devUser("webann"), await devUser("webbob")];
    const chat = await directChat(ann, bob);
    const a = browser().open(ann);
    const b = browser().open(bob);
    await Promise.all([a.chats.start(), b.chats.start()]);
    await waitFor(() => a.chats.store.get().synced && b.chats.store.get().synced);

    const path = await a.uploads.stage(new Blob([Uint8Array.from(png(4, 3))], { type: "image/png" }));
    const progress: number[] = [];
    const unwatch = a.chats.store.subscribe((s) => {
      const p = s.messages[chat]?.find((m) => m.type === "image" && m.seq === 0)?.progress;
      if (typeof p === "number" && progress.at(-1) !== p) progress.push(p);
    });
    a.chats.sendMedia(chat, { type: "image", body: { width: 4, height: 3 } } as never, { kind: "image", path, fields: { name: "dot.png", width: 4, height: 3 }, preview: null });
    await waitFor(() => expect(b.chats.store.get().messages[chat]?.filter((m) => m.type === "image")).toMatchObject([{ status: "sent", body: { width: 4, height: 3, mediaId: expect.any(String) } }]));
    unwatch();
    expect(progress[0]).toBe(0);
    expect(a.chats.pending()).toEqual([]);
    // Uploaded: the staged copy is gone from the browser.
    await expect(a.uploads.file(path)).rejects.toMatchObject({ code: "not_found" });
  });
});
