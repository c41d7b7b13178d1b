// size: the Chats tab's whole behaviour in one spec file (rows, badges, menus, both languages), sharing one page load.
// The Chats tab: one row per conversation from the chat store, WeChat's badges and flags, live
// updates, opening a chat, the search bar, the "+" menu and the long-press menu. The store is
// filled directly here; the integration tests fill it from the real worker.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type { ConversationSummary, Message, MessagePreview, ServerFrame } from "../../../schema/protocol";
import { clientModule, lifecycle, loadComponent, renderPage, settled, tap, text, waitFor, type Rendered } from "../harness";
import { chats, message, session, signIn } from "./fixtures";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const i18n = () => clientModule<typeof I18n>("i18n/index");
let pageId: string;
let adapter: WxAdapter;

function summary(patch: Partial<ConversationSummary>): ConversationSummary {
  return {
    id: "c_aaaaaaaaaaaaaaaaaaaa",
    kind: "group",
    name: "Hiking",
    avatarMediaId: null,
    peer: null,
    memberCount: 3,
    lastSeq: 5,
    readSeq: 5,
    unread: 0,
    lastMessage: { seq: 5, senderId: "u_bob", type: "text", text: "See you at 8", at: Date.now() },
    lastMessageAt: Date.now(),
    pinned: false,
    doNotDisturb: false,
    muteAll: false,
    dissolved: false,
    role: "member",
    ...patch,
  };
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pageId = await loadComponent("pages/chats/index");
});

beforeEach(() => {
  adapter = createWxAdapter({
    fetch: async () => {
      throw new Error("no server in this test");
    },
  });
  installWx(adapter);
  session().endSession("user");
  chats().store.set({ conversations: [], synced: false, connection: "offline" });
});

describe("Chats tab", () => {
  it("lists conversations with name, member count, preview, time and unread badge", async () => {
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    chats().store.set({
      synced: true,
      conversations: [
        summary({ id: "c_pinnedpinnedpinnedpi", name: "Family", pinned: true, unread: 3 }),
        summary({
          id: "d_directdirectdirectdi",
          kind: "direct",
          name: "",
          peer: { id: "u_bob", nickname: "Bob", avatarMediaId: null },
          unread: 120,
          lastMessage: { seq: 9, senderId: "u_bob", type: "image", text: "[Photo]", at: Date.now() },
        }),
        summary({ id: "c_mutedmutedmutedmute", name: "Work", doNotDisturb: true, unread: 4 }),
      ],
    });
    await settled();
    expect(text(comp, "#row-c_pinnedpinnedpinnedpi .chat-row__name")).toBe("Family (3)");
    expect(text(comp, "#row-c_pinnedpinnedpinnedpi .chat-row__badge")).toBe("3");
    expect(comp.querySelector("#row-c_pinnedpinnedpinnedpi")!.dom!.className).toContain("chat-row--pinned");
    expect(text(comp, "#row-d_directdirectdirectdi .chat-row__name")).toBe("Bob");
    expect(text(comp, "#row-d_directdirectdirectdi .chat-row__badge")).toBe("99+");
    expect(text(comp, "#row-d_directdirectdirectdi .chat-row__preview")).toBe("[Photo]");
    expect(text(comp, "#row-d_directdirectdirectdi .chat-row__time")).toMatch(/^\d\d:\d\d$/);
    // Muted: a dot instead of a number, and the count in front of the preview.
    expect(comp.querySelector("#row-c_mutedmutedmutedmute .chat-row__badge")).toBeUndefined();
    expect(comp.querySelector("#row-c_mutedmutedmutedmute .chat-row__dot")).toBeDefined();
    expect(text(comp, "#row-c_mutedmutedmutedmute .chat-row__preview")).toBe("[4] See you at 8");
  });

  it("sets the tab badge again when it is shown: WeChat refused the change made while a chat page was on top", async () => {
    signIn({ id: "u_me", nickname: "Me", allowStrangers: false });
    const comp = renderPage(pageId);
    adapter.pageStack.push("pages/chats/index");
    await lifecycle(comp, "onLoad");
    await lifecycle(comp, "onShow");
    chats().store.set({ synced: true, conversations: [summary({ id: "c_badgebadgebadgebadge", unread: 2 })] });
    wx.setTabBarBadge({ index: 0, text: "2" }); // what the app's store subscription does on this page
    await settled();
    expect(adapter.tabBadges.at(-1)).toEqual({ index: 0, text: "2" });
    const shown = adapter.tabBadges.length;
    // The chat is opened and read: the change comes while the chat page is on top, and WeChat refuses it.
    adapter.pageStack.push("pages/chat/index");
    chats().store.set({ conversations: [summary({ id: "c_badgebadgebadgebadge", unread: 0 })] });
    wx.removeTabBarBadge({ index: 0 });
    await settled();
    expect(adapter.tabBadges).toHaveLength(shown);
    // Back on Chats: onShow puts the badge right.
    adapter.pageStack.pop();
    await lifecycle(comp, "onShow");
    expect(adapter.tabBadges.slice(shown - 1)).toEqual([
      { index: 0, text: "2" },
      { index: 0, text: null },
    ]);
    chats().socket.stop();
  });

  it("shows a friend's avatar by the signed URL the server grants", async () => {
    adapter = createWxAdapter({
      fetch: async (req) => {
        const { mediaIds } = (await req.json()) as { mediaIds: string[] };
        expect(new URL(req.url).pathname).toBe("/media/urls");
        return Response.json({ urls: mediaIds.map((id) => ({ mediaId: id, url: `http://127.0.0.1:8787/media/${id}?e=1&s=x`, expiresAt: Date.now() + 600_000 })), denied: [] });
      },
    });
    installWx(adapter);
    signIn({ id: "u_me", nickname: "Me", allowStrangers: false });
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    chats().store.set({ synced: true, conversations: [summary({ id: "d_avataravataravataravat", kind: "direct", peer: { id: "u_bob", nickname: "Bob", avatarMediaId: "md_bobavatarbobavatarb" } })] });
    await waitFor(() => comp.instance.data.rows[0].avatar !== "", "avatar URL");
    expect(comp.instance.data.rows[0].avatar).toBe("http://127.0.0.1:8787/media/md_bobavatarbobavatarb?e=1&s=x");
    await settled();
    // The picture replaces the initial.
    expect(comp.querySelector("#row-d_avataravataravataravat .chat-row__avatar")).toBeDefined();
    expect(text(comp, "#row-d_avataravataravataravat .chat-row__avatar")).toBe("");
  });

  it("flags an unread mention of me, or of everyone, in red until it is read", async () => {
    signIn({ id: "u_me", nickname: "Me", allowStrangers: false });
    chats().start();
    chats().socket.stop();
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    /** A message as the store holds it: the server's copy, sent. */
    const stored = (seq: number, patch: Partial<Message>) => ({
      ...message("c_aaaaaaaaaaaaaaaaaaaa", seq, "u_bob", "text", { text: "hi" }, { createdAt: Date.now(), ...patch }),
      status: "sent" as const,
      error: "",
    });
    chats().store.set({ synced: true, conversations: [summary({ unread: 2, readSeq: 4 })], messages: { c_aaaaaaaaaaaaaaaaaaaa: [stored(4, { mentions: ["u_me"] }), stored(5, {})] } });
    await settled();
    // The mention at seq 4 was read already.
    expect(comp.querySelector(".chat-row__mention")).toBeUndefined();
    chats().store.set({ messages: { c_aaaaaaaaaaaaaaaaaaaa: [stored(4, {}), stored(5, { mentions: ["u_me"] })] } });
    await settled();
    expect(text(comp, ".chat-row__preview")).toBe("[You were mentioned] See you at 8");
    chats().store.set({ messages: { c_aaaaaaaaaaaaaaaaaaaa: [stored(5, { mentionAll: true })] } });
    await settled();
    expect(text(comp, ".chat-row__mention")).toBe("[You were mentioned]");
    chats().store.set({ conversations: [summary({ unread: 0, readSeq: 5 })] });
    await settled();
    expect(comp.querySelector(".chat-row__mention")).toBeUndefined();
    chats().signOut();
  });

  it("follows the store live: a new message updates the row", async () => {
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    chats().store.set({ synced: true, conversations: [summary({})] });
    await settled();
    expect(text(comp, ".chat-row__preview")).toBe("See you at 8");
    chats().store.set({ conversations: [summary({ unread: 1, lastMessage: { seq: 6, senderId: "u_bob", type: "text", text: "Running late", at: Date.now() } })] });
    await settled();
    expect(text(comp, ".chat-row__preview")).toBe("Running late");
    expect(text(comp, ".chat-row__badge")).toBe("1");
  });

  it("shows its empty state once synced with no conversations, and the connection state", async () => {
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    expect(comp.querySelector("#chats-empty")).toBeUndefined();
    chats().store.set({ synced: true, connection: "connecting" });
    await settled();
    expect(text(comp, "#chats-empty")).toBe("No chats yet Chats with your friends and groups will appear here.");
    expect(text(comp, "#connection")).toBe("Connecting…");
  });

  it("opens a conversation when its row is tapped", async () => {
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    chats().store.set({ synced: true, conversations: [summary({})] });
    await settled();
    await tap(comp, "#row-c_aaaaaaaaaaaaaaaaaaaa");
    expect(adapter.navigations).toEqual([{ api: "navigateTo", url: "/pages/chat/index?id=c_aaaaaaaaaaaaaaaaaaaa" }]);
  });

  it("pulls to refresh: the list comes from the server and the spinner stops", async () => {
    const served = [summary({ id: "c_freshfreshfreshfresh", name: "Fresh", lastSeq: 0, lastMessage: null })];
    adapter = createWxAdapter({
      fetch: async (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/conversations") return Response.json({ conversations: served });
        return Response.json({ messages: [], hasMore: false, lastSeq: 0 });
      },
    });
    let stopped = 0;
    installWx(adapter);
    (globalThis as unknown as { wx: Record<string, unknown> }).wx.stopPullDownRefresh = () => void stopped++;
    signIn({ id: "u_me", nickname: "Me", allowStrangers: false });
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    await (comp.instance as unknown as { onPullDownRefresh(): Promise<void> }).onPullDownRefresh();
    await settled();
    expect(text(comp, "#row-c_freshfreshfreshfresh .chat-row__name")).toBe("Fresh (3)");
    expect(stopped).toBe(1);
    expect(adapter.requests.map((r) => new URL(r.url).pathname)).toEqual(["/conversations"]);
  });

  /** A friend as GET /contacts lists them. */
  const friend = (id: string, nickname: string) => ({
    user: { id, username: null, nickname, avatarMediaId: null, signature: "", status: "" },
    remark: "",
    tags: [],
    online: false,
    since: 0,
    conversationId: "d_x",
    sortKey: nickname.toLowerCase(),
  });

  /** Signed in as Ann against `fetch`, the Chats page open and + → New Group Chat tapped. */
  async function openNewGroup(fetch: (req: Request) => Promise<Response>): Promise<Rendered> {
    adapter = createWxAdapter({ modalContent: () => "Weekend Hike", fetch });
    installWx(adapter);
    signIn({ id: "u_me", allowStrangers: false });
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    adapter.actionSheetChoice = 0;
    await tap(comp, "#plus");
    return comp;
  }

  it("starts a group from + → New Group Chat: friends picked, a name suggested from them, then created with them", async () => {
    const bodies: unknown[] = [];
    const comp = await openNewGroup(async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/contacts") return Response.json({ friends: [friend("u_bobbobbobbobbobbobbo", "Bob"), friend("u_carolcarolcarolcaro", "Carol")], tags: [] });
      if (path === "/conversations" && req.method === "POST") {
        bodies.push(await req.json());
        return Response.json(summary({ id: "c_newgroupnewgroupnewg", name: "Weekend Hike" }), { status: 201 });
      }
      return Response.json({ error: { code: "not_found", message: path } }, { status: 404 });
    });
    expect(adapter.actionSheets.at(-1)).toEqual(["New Group Chat", "Scan", "Face-to-Face Group"]);
    await waitFor(() => text(comp, "#new-group-picker >>> #picker") === "B Bob C Carol", "friends to pick");
    await tap(comp, "#new-group-picker >>> #pick-u_bobbobbobbobbobbobbo");
    await tap(comp, "#new-group-picker >>> #pick-u_carolcarolcarolcaro");
    await tap(comp, "#new-group-picker >>> #picker-done");
    await waitFor(() => adapter.navigations.length > 0, "the new group's chat");
    expect(adapter.modals.at(-1)).toEqual({ title: "New Group Chat", content: "Ann, Bob, Carol" });
    expect(bodies).toEqual([{ name: "Weekend Hike", memberIds: ["u_bobbobbobbobbobbobbo", "u_carolcarolcarolcaro"] }]);
    expect(adapter.navigations).toEqual([{ api: "navigateTo", url: "/pages/chat/index?id=c_newgroupnewgroupnewg" }]);
  });

  it("does not offer friends you have blocked for a new group", async () => {
    const comp = await openNewGroup(async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/contacts") return Response.json({ friends: [friend("u_bobbobbobbobbobbobbo", "Bob"), friend("u_carolcarolcarolcaro", "Carol")], tags: [] });
      if (path === "/contacts/blocks") return Response.json({ users: [friend("u_carolcarolcarolcaro", "Carol").user] });
      return Response.json({ error: { code: "not_found", message: path } }, { status: 404 });
    });
    await waitFor(() => text(comp, "#new-group-picker >>> #picker") === "B Bob", "friends to pick, Carol left out");
    expect(comp.querySelector("#new-group-picker >>> #pick-u_carolcarolcarolcaro")).toBeUndefined();
  });

  it("says why the server refused a new group, and opens nothing", async () => {
    const refusal = { code: "blocked", message: "You cannot add 1 person: one of you has blocked the other" };
    const comp = await openNewGroup(async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/contacts") return Response.json({ friends: [friend("u_bobbobbobbobbobbobbo", "Bob")], tags: [] });
      if (path === "/conversations" && req.method === "POST") return Response.json({ error: refusal }, { status: 403 });
      return Response.json({ error: { code: "not_found", message: path } }, { status: 404 });
    });
    await waitFor(() => text(comp, "#new-group-picker >>> #picker") === "B Bob", "friends to pick");
    await tap(comp, "#new-group-picker >>> #pick-u_bobbobbobbobbobbobbo");
    await tap(comp, "#new-group-picker >>> #picker-done");
    await waitFor(() => comp.instance.data.error !== "", "the refusal");
    expect(comp.instance.data.error).toBe(refusal.message);
    expect(adapter.navigations).toEqual([]);
  });

  it("sends a signed-out visitor to the login page", async () => {
    const comp = renderPage(pageId);
    await lifecycle(comp, "onShow");
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/login/index" }]);
  });
});

describe("the long-press menu", () => {
  const ID = "c_menumenumenumenumenu";
  let requests: { method: string; path: string; body: unknown }[];

  /** Signed in, against a server that answers the list routes with `answer`'s summary; the page open with one chat. */
  async function openWith(chat: Partial<ConversationSummary>, answer: (method: string, path: string) => Partial<ConversationSummary> | null = () => null, confirm = true): Promise<Rendered> {
    requests = [];
    adapter = createWxAdapter({
      confirmModals: confirm,
      fetch: async (req) => {
        const path = new URL(req.url).pathname;
        // wx.request has no PATCH: the app sends POST with the override header, which the worker honours.
        const method = req.headers.get("x-http-method-override") ?? req.method;
        requests.push({ method, path, body: req.method === "GET" ? null : await req.json().catch(() => null) });
        const patch = answer(method, path);
        if (patch) return Response.json(summary({ id: ID, ...chat, ...patch }));
        if (path.endsWith("/read")) return Response.json({ readSeq: 5 });
        return Response.json({ error: { code: "not_found", message: path } }, { status: 404 });
      },
    });
    installWx(adapter);
    signIn({ id: "u_me", nickname: "Me", allowStrangers: false });
    chats().start();
    chats().socket.stop();
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    chats().store.set({ synced: true, conversations: [summary({ id: ID, ...chat }), summary({ id: "c_otherotherotherother", name: "Other", lastMessageAt: 1 })] });
    await settled();
    return comp;
  }

  async function longPress(comp: Rendered, x = 120, y = 200): Promise<void> {
    comp.querySelector(`#row-${ID}`)!.dispatchEvent("longpress", { touches: [{ clientX: x, clientY: y }] } as never);
    await settled();
  }
  const labels = (comp: Rendered) => text(comp, "#row-menu");
  const frame = (f: ServerFrame) => (chats() as unknown as { onFrame(f: ServerFrame): void }).onFrame(f);

  afterEach(() => {
    chats().signOut();
  });

  it("opens at the press point with mark as unread, pin, mute and delete, greys the row, and closes on a tap elsewhere", async () => {
    const comp = await openWith({});
    await longPress(comp, 120, 200);
    expect(labels(comp)).toBe("Mark as Unread Pin to Top Mute Notifications Delete Chat");
    expect(comp.querySelector("#row-menu")!.dom!.getAttribute("style")).toContain("left: 120px; top: 200px;");
    expect(comp.querySelector(`#row-${ID}`)!.dom!.className).toContain("chat-row--pressed");
    expect(adapter.actionSheets).toEqual([]);
    await tap(comp, "#row-menu-mask");
    expect(comp.querySelector("#row-menu")).toBeUndefined();
    expect(requests).toEqual([]);
  });

  it("stays on screen: near the right edge it moves left, near the bottom it opens above the finger", async () => {
    const comp = await openWith({});
    const { windowWidth, windowHeight } = wx.getSystemInfoSync();
    await longPress(comp, windowWidth - 5, windowHeight - 20);
    const style = comp.querySelector("#row-menu")!.dom!.getAttribute("style")!;
    const [left, top] = [Number(/left: (\d+)px/.exec(style)![1]), Number(/top: (\d+)px/.exec(style)![1])];
    expect(left + 168).toBeLessThanOrEqual(windowWidth);
    expect(top).toBe(windowHeight - 20 - 4 * 48);
  });

  it("offers Unpin, Unmute and Mark as Read for a pinned, muted, unread chat", async () => {
    const comp = await openWith({ pinned: true, doNotDisturb: true, unread: 2, readSeq: 3 });
    await longPress(comp);
    expect(labels(comp)).toBe("Mark as Read Unpin Unmute Notifications Delete Chat");
  });

  it("marks a chat unread: the server is told and the row shows WeChat's red dot, not a number; Mark as Read takes it off", async () => {
    const comp = await openWith({}, (method, path) => (path === `/conversations/${ID}/unread` ? { markedUnread: method === "PUT", unread: method === "PUT" ? 1 : 0 } : null));
    await longPress(comp);
    await tap(comp, "#menu-unread");
    await waitFor(() => comp.querySelector(`#row-${ID} .chat-row__dot`) !== undefined, "the dot");
    expect(requests).toEqual([{ method: "PUT", path: `/conversations/${ID}/unread`, body: null }]);
    expect(comp.querySelector(`#row-${ID} .chat-row__badge`)).toBeUndefined();
    await longPress(comp);
    expect(labels(comp)).toBe("Mark as Read Pin to Top Mute Notifications Delete Chat");
    await tap(comp, "#menu-read");
    await waitFor(() => comp.querySelector(`#row-${ID} .chat-row__dot`) === undefined, "the dot gone");
    expect(requests.at(-1)).toMatchObject({ method: "DELETE", path: `/conversations/${ID}/unread` });
  });

  it("pins and mutes from the menu with the member's settings route", async () => {
    const comp = await openWith({ lastMessageAt: 2 }, (_method, path) => {
      if (path !== `/conversations/${ID}/settings`) return null;
      return (requests.at(-1)!.body as Partial<ConversationSummary>) ?? null;
    });
    await longPress(comp);
    await tap(comp, "#menu-pin");
    await waitFor(() => comp.querySelector(`#row-${ID}`)!.dom!.className.includes("chat-row--pinned"), "pinned");
    await longPress(comp);
    await tap(comp, "#menu-mute");
    await waitFor(() => comp.querySelector(`#row-${ID} .chat-row__muted`) !== undefined, "muted");
    expect(requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ["PATCH", `/conversations/${ID}/settings`, { pinned: true }],
      ["PATCH", `/conversations/${ID}/settings`, { doNotDisturb: true }],
    ]);
  });

  it("deletes a chat after WeChat's confirmation: the row goes; cancelled, nothing is sent", async () => {
    const cancelled = await openWith({}, () => null, false);
    await longPress(cancelled);
    await tap(cancelled, "#menu-delete");
    expect(adapter.modals.at(-1)).toEqual({ title: "", content: "Delete this chat? Its chat history will be cleared on all your devices." });
    expect(requests).toEqual([]);
    expect(cancelled.querySelector(`#row-${ID}`)).toBeDefined();
    chats().signOut();

    const comp = await openWith({}, (_method, path) => (path === `/conversations/${ID}/clear` ? { clearedSeq: 5, unread: 0 } : null));
    await longPress(comp);
    await tap(comp, "#menu-delete");
    await waitFor(() => comp.querySelector(`#row-${ID}`) === undefined, "the row gone");
    expect(requests).toEqual([{ method: "POST", path: `/conversations/${ID}/clear`, body: { seq: 5 } }]);
    expect(comp.querySelector("#row-c_otherotherotherother")).toBeDefined();
  });

  it("shows what another device did at once: the mark, the pin, and a deleted chat gone", async () => {
    const comp = await openWith({ lastMessageAt: 2 });
    frame({ type: "conversation", conversationId: ID, changes: { markedUnread: true, unread: 1 } });
    await settled();
    expect(comp.querySelector(`#row-${ID} .chat-row__dot`)).toBeDefined();
    frame({ type: "conversation", conversationId: ID, changes: { pinned: true } });
    await settled();
    expect(comp.instance.data.rows.map((r: { id: string }) => r.id)).toEqual([ID, "c_otherotherotherother"]);
    frame({ type: "conversation", conversationId: ID, changes: { clearedSeq: 5, readSeq: 5, unread: 0, markedUnread: false } });
    await settled();
    expect(comp.querySelector(`#row-${ID}`)).toBeUndefined();
  });

  it("clears the dot as soon as the chat is opened", async () => {
    const comp = await openWith({ markedUnread: true, unread: 1 });
    expect(comp.querySelector(`#row-${ID} .chat-row__dot`)).toBeDefined();
    chats().setActive(ID); // what the chat page does on show
    await settled();
    expect(comp.querySelector(`#row-${ID} .chat-row__dot`)).toBeUndefined();
    expect(comp.querySelector(`#row-${ID} .chat-row__badge`)).toBeUndefined();
    chats().setActive(null);
  });

  it("opens the search page from the search bar, in both languages", async () => {
    const comp = await openWith({});
    expect(text(comp, "#open-search")).toBe("Search");
    await tap(comp, "#open-search");
    expect(adapter.navigations).toEqual([{ api: "navigateTo", url: "/pages/search/index" }]);
    i18n().setLocale("zh_CN");
    await settled();
    expect(text(comp, "#open-search")).toBe("搜索");
    await tap(comp, "#open-search");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: "/pages/search/index" });
    i18n().setLocale("en");
  });
});

describe("Chats tab in Chinese", () => {
  const signInAsAn = () => signIn({ id: "u_me", nickname: "安", allowStrangers: false });

  it("says everything in Chinese: title, tab labels, search, empty list, connection state and the + menu", async () => {
    i18n().setLocale("zh_CN");
    signInAsAn();
    const comp = renderPage(pageId);
    adapter.pageStack.push("pages/chats/index");
    await lifecycle(comp, "onLoad");
    await lifecycle(comp, "onShow");
    chats().socket.stop(); // no server here: the connection state is set by hand
    await settled();
    chats().store.set({ synced: true, conversations: [], connection: "connecting" });
    await settled();
    expect(adapter.titles.at(-1)).toBe("消息");
    expect(adapter.tabLabels).toEqual(["消息", "通讯录", "发现", "我"]);
    expect(text(comp, "#open-search")).toBe("搜索");
    expect(text(comp, "#chats-empty")).toBe("暂无聊天 和朋友、群聊的聊天会显示在这里。");
    expect(text(comp, "#connection")).toBe("连接中…");
    expect(comp.instance.data.s.plus).toBe("发起群聊、扫一扫、面对面建群"); // the + button's aria-label
    await tap(comp, "#plus");
    expect(adapter.actionSheets.at(-1)).toEqual(["发起群聊", "扫一扫", "面对面建群"]);
  });

  it("says the long-press menu and the delete confirmation in Chinese, as WeChat does", async () => {
    i18n().setLocale("zh_CN");
    signInAsAn();
    adapter = createWxAdapter({ confirmModals: false });
    installWx(adapter);
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    chats().store.set({ synced: true, conversations: [summary({ id: "c_zhmenuzhmenuzhmenuzh" })] });
    await settled();
    comp.querySelector("#row-c_zhmenuzhmenuzhmenuzh")!.dispatchEvent("longpress", { touches: [{ clientX: 100, clientY: 100 }] } as never);
    await settled();
    expect(text(comp, "#row-menu")).toBe("标为未读 置顶聊天 消息免打扰 删除该聊天");
    await tap(comp, "#menu-delete");
    expect(adapter.modals.at(-1)).toEqual({ title: "", content: "删除后，将清空该聊天的消息记录" });
    chats().store.set({ conversations: [summary({ id: "c_zhmenuzhmenuzhmenuzh", pinned: true, doNotDisturb: true, markedUnread: true, unread: 1 })] });
    await settled();
    comp.querySelector("#row-c_zhmenuzhmenuzhmenuzh")!.dispatchEvent("longpress", { touches: [{ clientX: 100, clientY: 100 }] } as never);
    await settled();
    expect(text(comp, "#row-menu")).toBe("标为已读 取消置顶 开启新消息提醒 删除该聊天");
    // Marked unread and muted: the dot, and no "[1]" before the preview.
    expect(comp.querySelector("#row-c_zhmenuzhmenuzhmenuzh .chat-row__dot")).toBeDefined();
    expect(text(comp, "#row-c_zhmenuzhmenuzhmenuzh .chat-row__preview")).toBe("See you at 8");
    i18n().setLocale("en");
  });

  it("writes the previews the server summarised in English in Chinese, from the message type", async () => {
    i18n().setLocale("zh_CN");
    signInAsAn();
    const comp = renderPage(pageId);
    await lifecycle(comp, "onLoad");
    await lifecycle(comp, "onShow"); // starts the chat client, which knows who "me" is
    chats().socket.stop();
    const last = (type: MessagePreview["type"], text: string, senderId = "u_bob"): MessagePreview => ({ seq: 5, senderId, type, text, at: Date.now() });
    chats().store.set({
      synced: true,
      conversations: [
        summary({ id: "c_photophotophotophoto", kind: "direct", peer: { id: "u_bob", nickname: "鲍勃", avatarMediaId: null }, lastMessage: last("image", "[Photo]") }),
        summary({ id: "c_filefilefilefilefile", lastMessage: last("file", "[File] 报告.pdf") }),
        summary({ id: "c_voicevoicevoicevoice", lastMessage: last("voice", "[Voice]", "u_me"), doNotDisturb: true, unread: 2 }),
        summary({ id: "c_placeplaceplaceplace", lastMessage: last("location", "[Location] 西湖") }),
        summary({ id: "c_eventeventeventevent", lastMessage: last("system", "[joined]") }),
        summary({ id: "c_recalledrecalledreca", lastMessage: last("video", "") }),
        summary({ id: "c_gonegonegonegonegone", dissolved: true }),
      ],
    });
    await settled();
    const preview = (id: string) => text(comp, `#row-${id} .chat-row__preview`);
    expect(preview("c_photophotophotophoto")).toBe("[图片]");
    expect(preview("c_filefilefilefilefile")).toBe("[文件] 报告.pdf");
    expect(preview("c_voicevoicevoicevoice")).toBe("[2] 我：[语音]");
    expect(preview("c_placeplaceplaceplace")).toBe("[位置] 西湖");
    expect(preview("c_eventeventeventevent")).toBe("[群消息]");
    expect(preview("c_recalledrecalledreca")).toBe("撤回了一条消息");
    expect(preview("c_gonegonegonegonegone")).toBe("该群已解散");
    expect(text(comp, "#row-c_filefilefilefilefile .chat-row__name")).toBe("Hiking(3)");

    // Switched to English (on Me): the open list redraws in English.
    i18n().setLocale("en");
    await settled();
    expect(preview("c_photophotophotophoto")).toBe("[Photo]");
    expect(preview("c_voicevoicevoicevoice")).toBe("[2] You: [Voice]");
    expect(text(comp, "#row-c_filefilefilefilefile .chat-row__name")).toBe("Hiking (3)");
  });
});
