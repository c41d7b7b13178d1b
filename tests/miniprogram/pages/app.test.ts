// App() startup (miniprogram/app.ts). simulate has no App runtime, so a stand-in `App` keeps the
// options object and the spec plays onLaunch/onShow. With a session in storage the chats come
// back from the cache before the socket connects, the socket connects with the token and goes
// online, and the Chats tab's badge counts unread messages of chats that are not muted; when the
// server ends the session the app goes back to the login page; with no session it goes there at once.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Badge from "../../../miniprogram/services/badge";
import type * as Chats from "../../../miniprogram/services/chats";
import type { ConversationSummary, Message } from "../../../schema/protocol";
import { clientModule, settled, waitFor } from "../harness";
import { closeSockets, createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const chats = () => clientModule<typeof Chats>("services/chats").chats;
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const HIKING = "c_hikinghikinghikinghi";
const WORK = "c_workworkworkworkwork";

interface AppOptions {
  onLaunch(options?: { path: string; query: Record<string, string> }): void;
  onShow(): void;
}
let app: AppOptions;
let server: Server;
let wss: WebSocketServer;
/** The server's end of every socket the app opened, newest last. */
const serverSockets: WebSocket[] = [];
/** Socket upgrades the server took: the path and the Authorization header. */
let upgrades: Array<{ url: string; authorization: string | undefined }>;
/** Frames the app sent over its socket. */
const received: Array<{ type: string; conversationId?: string; seq?: number }> = [];
let apiBase: string;
let adapter: WxAdapter;
/** REST calls the app made, by path. */
let calls: string[];

const summary = (patch: Partial<ConversationSummary>): ConversationSummary => ({
  id: HIKING,
  kind: "group",
  name: "Hiking",
  avatarMediaId: null,
  peer: null,
  memberCount: 3,
  lastSeq: 2,
  readSeq: 0,
  unread: 2,
  lastMessage: null,
  lastMessageAt: 1_700_000_000_000,
  pinned: false,
  doNotDisturb: false,
  muteAll: false,
  dissolved: false,
  role: "member",
  ...patch,
});
const cached = [summary({}), summary({ id: WORK, name: "Work", lastSeq: 5, unread: 5, doNotDisturb: true, lastMessageAt: 1_600_000_000_000 })];
const message = (seq: number, text: string): Message => ({
  conversationId: HIKING,
  seq,
  id: `m${seq}`,
  senderId: "u_bbbbbbbbbbbbbbbbbbbb",
  clientId: null,
  type: "text",
  body: { text },
  mentions: [],
  mentionAll: false,
  replyTo: null,
  forwarded: null,
  createdAt: 1_700_000_000_000 + seq,
  recalledAt: null,
  recalledBy: null,
});

/** The REST side: the list as the cache has it (nothing new), so no history is asked for. */
async function api(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  calls.push(path);
  if (path === "/conversations") return Response.json({ conversations: cached });
  if (path === "/moments/badge") return Response.json({ newPosts: false, latestAuthor: null, unreadNotifications: 2 });
  return Response.json({ error: { code: "not_found", message: `no ${path}` } }, { status: 404 });
}

beforeAll(async () => {
  server = createServer();
  wss = new WebSocketServer({ server, path: "/ws" });
  wss.on("connection", (ws, req: IncomingMessage) => {
    upgrades.push({ url: req.url ?? "", authorization: req.headers.authorization });
    serverSockets.push(ws);
    ws.send(JSON.stringify({ type: "ready", userId: ME, sessionId: "s1", serverTime: Date.now() }));
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data));
      received.push(frame);
      if (frame.type === "ping") ws.send(JSON.stringify({ type: "pong" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  upgrades = [];
  calls = [];

  // A device that was signed in: tokens, the chats cache and the server address in wx storage.
  adapter = createWxAdapter({ fetch: api });
  installWx(adapter);
  const user = { id: ME, username: null, nickname: "Ann", avatarMediaId: null, signature: "", status: "", hasPassword: false, wechatLinked: false, allowStrangers: true, createdAt: 0 };
  const tokens = { accessToken: "access-1", accessTokenExpiresAt: Date.now() + 600_000, refreshToken: "refresh-1-0123456789abcdef", refreshTokenExpiresAt: Date.now() + 86_400_000 };
  adapter.storage.set("qun.session", JSON.stringify({ tokens, user }));
  adapter.storage.set("qun.apiBase", JSON.stringify(apiBase));
  adapter.storage.set("qun.cache", JSON.stringify({ userId: ME, conversations: cached, messages: { [HIKING]: [message(1, "Who is coming?"), message(2, "Me!")] } }));

  (globalThis as { App?: (options: AppOptions) => void }).App = (options) => void (app = options);
  clientModule("app");
});

afterAll(async () => {
  chats().socket.stop();
  closeSockets(adapter);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("App startup", () => {
  it("with a stored session shows the cached chats at once, then connects the socket with the token and goes online", async () => {
    expect(app).toBeDefined();
    app.onLaunch();
    // Before any answer from the network: the list and the messages are the cache's.
    expect(
      chats()
        .store.get()
        .conversations.map((c) => c.id),
    ).toEqual([HIKING, WORK]);
    expect(
      chats()
        .store.get()
        .messages[HIKING]!.map((m) => (m.body as { text: string }).text),
    ).toEqual(["Who is coming?", "Me!"]);
    expect(upgrades).toEqual([]);
    // WeChat refuses tab-bar badges during onLaunch (no tab page is up yet)...
    expect(adapter.tabBadges).toEqual([]);
    // ...so the first tab page sets it when shown: the two unread in Hiking, not the five in muted Work.
    adapter.pageStack.push("pages/chats/index");
    clientModule<typeof Badge>("services/badge").applyTabBadge();
    await settled();
    expect(adapter.tabBadges).toEqual([{ index: 0, text: "2" }]);

    await waitFor(() => chats().store.get().connection === "online", "online");
    expect(upgrades).toEqual([{ url: "/ws?batch=1", authorization: "Bearer access-1" }]);
    await waitFor(() => calls.includes("/conversations"), "the list caught up");
    expect(adapter.navigations).toEqual([]);

    // Back in the foreground: start() again does not open a second socket.
    app.onShow();
    await settled(5);
    expect(upgrades).toHaveLength(1);
    expect(adapter.sockets).toHaveLength(1);
  });

  it("reconnects as soon as the phone's network returns, not after the backoff, and catches up", async () => {
    const before = upgrades.length;
    const lists = calls.filter((c) => c === "/conversations").length;
    adapter.setOffline(true); // wx.onNetworkStatusChange: isConnected false
    await waitFor(() => chats().store.get().connection !== "online", "offline");
    await new Promise((resolve) => setTimeout(resolve, 100));
    adapter.setOffline(false); // the network is back: the backoff would wait 0.5 s to 1 s more
    await waitFor(() => upgrades.length > before, "a new socket", 300);
    await waitFor(() => chats().store.get().connection === "online", "online");
    await waitFor(() => calls.filter((c) => c === "/conversations").length > lists, "caught up");
  });

  it("on show, probes a socket that died silently in the background and reconnects at once", async () => {
    const before = upgrades.length;
    adapter.killSocketsSilently(); // no close event, no pong: the status still says online
    expect(chats().store.get().connection).toBe("online");
    app.onShow();
    // The probe waits 3 s for its pong; the heartbeat alone would take up to 35 s.
    await waitFor(() => upgrades.length > before, "a new socket", 4_500);
    await waitFor(() => chats().store.get().connection === "online", "online");
  }, 10_000);

  it("reports reads of an open chat at most once a second: the first at once, then the newest", async () => {
    chats().setActive(HIKING);
    await waitFor(() => received.some((f) => f.type === "read"), "the first read");
    const push = (seq: number) => {
      for (const ws of wss.clients) ws.send(JSON.stringify({ type: "message", message: message(seq, `busy ${seq}`) }));
    };
    for (const seq of [3, 4, 5]) push(seq);
    await waitFor(() => chats().store.get().messages[HIKING]!.length === 5, "three more messages");
    await settled(5);
    const reads = () => received.filter((f) => f.type === "read").map((f) => [f.conversationId, f.seq]);
    expect(reads()).toEqual([[HIKING, 2]]); // three messages, no read yet: the second is waiting
    await waitFor(() => reads().length === 2, "the trailing read", 2_000);
    expect(reads()).toEqual([
      [HIKING, 2],
      [HIKING, 5],
    ]);
    expect(chats().conversation(HIKING)).toMatchObject({ unread: 0, readSeq: 5 }); // the badge did not wait
    chats().setActive(null);
  });

  it("asks for the Discover badge once for a burst of Moments news and shows its count on the tab", async () => {
    await waitFor(() => chats().store.get().connection === "online", "online");
    const asked = () => calls.filter((c) => c === "/moments/badge").length;
    const before = asked();
    const live = serverSockets.at(-1)!;
    live.send(JSON.stringify({ type: "moments", event: "post" }));
    live.send(
      JSON.stringify({
        type: "batch",
        frames: [
          { type: "moments", event: "notification" },
          { type: "moments", event: "notification" },
        ],
      }),
    );
    await waitFor(() => asked() > before, "the badge asked again", 3000);
    await settled(5);
    expect(asked()).toBe(before + 1);
    expect(adapter.tabBadges.filter((b) => b.index === 2).at(-1)).toEqual({ index: 2, text: "2" });
  });

  it("goes back to the login page with a toast as soon as the server says the session ended, and forgets the chats", async () => {
    // The frame alone, with no close after it: the close event reaches a client seconds later.
    for (const ws of wss.clients) ws.send(JSON.stringify({ type: "session_ended", reason: "signed_out" }));
    await waitFor(() => adapter.navigations.length > 0, "back to the login page");
    await settled();
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/login/index" }]);
    expect(adapter.toasts).toEqual([{ title: "Please sign in again", icon: "none" }]);
    expect(chats().store.get().conversations).toEqual([]);
    expect(adapter.storage.has("qun.cache")).toBe(false);
    expect(adapter.storage.has("qun.session")).toBe(false);
    // Neither tab keeps the signed-out account's count: Chats' badge and Discover's are cleared.
    const last = (index: number) => adapter.tabBadges.filter((b) => b.index === index).at(-1);
    expect([last(0), last(2)]).toEqual([
      { index: 0, text: null },
      { index: 2, text: "nodot" },
    ]);
  });

  it("without a session goes to the login page and opens no socket", async () => {
    adapter = createWxAdapter({ fetch: api });
    installWx(adapter);
    upgrades = [];
    app.onLaunch();
    app.onShow();
    await settled(5);
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/login/index" }]);
    expect(adapter.toasts).toEqual([]);
    expect(adapter.sockets).toEqual([]);
    expect(upgrades).toEqual([]);
  });

  it("signed out, sends a scanned group code's Join page through the login page instead of losing it", async () => {
    adapter = createWxAdapter({ fetch: api });
    installWx(adapter);
    const q = encodeURIComponent("https://qun.example/j/ABCDEFGHJKMN");
    app.onLaunch({ path: "pages/join/index", query: { q } });
    await settled();
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: `/pages/login/index?next=${encodeURIComponent(`/pages/join/index?q=${q}`)}` }]);
  });

  it("speaks WeChat's language from launch: Chinese on a Chinese phone, until the user picks on Me", async () => {
    const i18n = clientModule<typeof I18n>("i18n/index");
    adapter = createWxAdapter({ fetch: api, language: "zh_CN" });
    installWx(adapter);
    app.onLaunch();
    expect(i18n.locale()).toBe("zh_CN");
    adapter.storage.set("qun.locale", JSON.stringify("en"));
    app.onLaunch();
    expect(i18n.locale()).toBe("en");
  });
});
