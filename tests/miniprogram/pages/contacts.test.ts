// The Contacts tab against an in-memory server: friends under an A–Z index (remark first),
// avatars, online dots and tags, filtering by tag, renaming and deleting tags, New Friends to
// accept, Add Friend by Qun ID, a friend's card to set the remark and tags, open the chat,
// block or delete, and the blocked list.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type { PublicProfile } from "../../../schema/api";
import type { FriendView } from "../../../schema/contacts";
import type { ServerFrame } from "../../../schema/protocol";
import { clientModule, input, lifecycle, loadComponent, renderPage, settled, tap, text, waitFor, type Rendered } from "../harness";
import { chats, session, signIn, stopSocketAfterAll } from "./fixtures";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const i18n = () => clientModule<typeof I18n>("i18n/index");
const ME = "u_annannannannannanna";
let pageId: string;
let adapter: WxAdapter;
let calls: Array<{ method: string; path: string; body: unknown }>;
let friends: FriendView[];
let blocked: PublicProfile[];
const BOB_AVATAR = "md_bobavatarbobavatarb";
const DAVID_AVATAR = "md_davidavatardavidava";
const ERIN_AVATAR = "md_erinavatarerinavata";

const profile = (id: string, nickname: string, username: string | null = null): PublicProfile => ({ id, username, nickname, avatarMediaId: null, signature: "", status: "" });
const friend = (id: string, nickname: string, patch: Partial<FriendView> = {}): FriendView => {
  const f = { user: profile(id, nickname), remark: "", tags: [], online: false, since: 0, conversationId: `d_${id.slice(2)}aaaaa`, ...patch };
  // The server's pinyin key; these names are Latin unless a spec gives the key itself.
  return { ...f, sortKey: patch.sortKey ?? (f.remark || f.user.nickname).toLowerCase() };
};

async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const method = req.headers.get("x-http-method-override") ?? req.method;
  const body = req.method === "GET" ? undefined : await req.text().then((t) => (t ? JSON.parse(t) : undefined));
  const p = url.pathname;
  calls.push({ method, path: url.pathname, body });
  if (p === "/contacts/blocks") return Response.json({ users: blocked });
  const block = p.match(/^\/contacts\/blocks\/(u_\w+)$/);
  if (block && method === "PUT") {
    const f = friends.find((x) => x.user.id === block[1])!;
    blocked = [...blocked, f.user];
    return new Response(null, { status: 204 });
  }
  if (block && method === "DELETE") {
    blocked = blocked.filter((u) => u.id !== block[1]);
    return new Response(null, { status: 204 });
  }
  const tag = p.match(/^\/contacts\/tags\/([^/]+)$/);
  if (tag) {
    const name = decodeURIComponent(tag[1]!);
    const next = method === "PUT" ? (body as { name: string }).name : null;
    friends = friends.map((f) => ({ ...f, tags: f.tags.flatMap((t) => (t !== name ? [t] : next ? [next] : [])) }));
    return Response.json({ changed: 1 });
  }
  if (p === "/media/urls") {
    const ids = (body as { mediaIds: string[] }).mediaIds;
    return Response.json({ urls: ids.map((mediaId) => ({ mediaId, url: `https://media.example/${mediaId}`, expiresAt: Date.now() + 3_600_000 })), denied: [] });
  }
  if (p === "/contacts") return Response.json({ friends, tags: [...new Set(friends.flatMap((f) => f.tags))].sort() });
  if (p === "/contacts/requests" && method === "GET") {
    return Response.json({
      incoming: [
        {
          id: "fr_1",
          from: { ...profile("u_daviddaviddaviddavi", "David"), avatarMediaId: DAVID_AVATAR },
          to: profile(ME, "Ann"),
          greeting: "Hi, I'm David from the climbing gym",
          status: "pending",
          createdAt: 0,
          respondedAt: null,
        },
      ],
      outgoing: [],
    });
  }
  if (p === "/contacts/requests" && method === "POST") return Response.json({ request: {} }, { status: 201 });
  if (p === "/contacts/requests/fr_1/accept") {
    friends = [...friends, friend("u_daviddaviddaviddavi", "David")];
    return Response.json({ conversationId: "d_david", friend: friends.at(-1) });
  }
  if (p === "/users/search") return Response.json({ users: url.searchParams.get("q") === "erin_w" ? [{ ...profile("u_erinerinerinerineri", "Erin", "erin_w"), avatarMediaId: ERIN_AVATAR }] : [] });
  const patch = p.match(/^\/contacts\/(u_\w+)$/);
  if (patch && method === "DELETE") {
    friends = friends.filter((f) => f.user.id !== patch[1]);
    return new Response(null, { status: 204 });
  }
  if (patch && method === "PATCH") {
    friends = friends.map((f) => (f.user.id === patch[1] ? { ...f, ...(body as Partial<FriendView>) } : f));
    return Response.json(friends.find((f) => f.user.id === patch[1]));
  }
  if (p === "/conversations") return Response.json({ conversations: [] });
  return Response.json({ error: { code: "not_found", message: p } }, { status: 404 });
}

async function open(): Promise<Rendered> {
  const comp = renderPage(pageId);
  await lifecycle(comp, "onLoad");
  await lifecycle(comp, "onShow");
  await waitFor(() => comp.instance.data.loaded === true, "contacts");
  await settled();
  return comp;
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pageId = await loadComponent("pages/contacts/index");
});

beforeEach(() => {
  calls = [];
  friends = [
    friend("u_bobbobbobbobbobbobbo", "Bob", { online: true, tags: ["Hiking"], user: { ...profile("u_bobbobbobbobbobbobbo", "Bob"), avatarMediaId: BOB_AVATAR } }),
    friend("u_zoezoezoezoezoezoezo", "zoe", { remark: "Aunt Zoe", tags: ["Family"] }),
    friend("u_carolcarolcarolcaro", "Carol", { tags: ["Hiking", "Work"] }),
    friend("u_numbernumbernumbern", "42"),
  ];
  blocked = [];
  adapter = createWxAdapter({ fetch: server, modalContent: () => "Trails" });
  installWx(adapter);
  chats().signOut();
  signIn({ id: ME, username: "ann", allowStrangers: false });
});

stopSocketAfterAll();

describe("Contacts tab", () => {
  it("lists friends under an A–Z index by remark or nickname, with # last", async () => {
    const comp = await open();
    expect(comp.instance.data.sections.map((s: { letter: string }) => s.letter)).toEqual(["A", "B", "C", "#"]);
    expect(text(comp, "#section-A")).toBe("A A Aunt Zoe Family");
    expect(text(comp, "#friend-u_carolcarolcarolcaro")).toBe("C Carol Hiking, Work");
    expect(comp.querySelector("#friend-u_bobbobbobbobbobbobbo .contacts-row__online")).toBeDefined();
    expect(comp.querySelector("#friend-u_carolcarolcarolcaro .contacts-row__online")).toBeUndefined();
    expect(text(comp, "#friend-count")).toBe("4 friends");
  });

  it("files Chinese names under their pinyin letter, by the server's sort key (张三 under Z)", async () => {
    friends = [
      friend("u_zhangzhangzhangzhan", "张三", { sortKey: "zhang san" }),
      friend("u_lilililililililili1", "李四", { sortKey: "li si" }),
      friend("u_zengzengzengzengzen", "曾小贤", { sortKey: "zeng xiao xian" }),
      friend("u_alicealicealiceali1", "alice"),
    ];
    const comp = await open();
    const sections = comp.instance.data.sections.map((s: { letter: string; items: { name: string }[] }) => [s.letter, s.items.map((i) => i.name)]);
    expect(sections).toEqual([
      ["A", ["alice"]],
      ["L", ["李四"]],
      ["Z", ["曾小贤", "张三"]],
    ]);
  });

  it("patches a friend's online dot from a presence frame without asking the server, and refetches only the lists a contacts frame names", async () => {
    const comp = await open();
    const emit = (frame: ServerFrame) => {
      for (const l of (chats().socket as unknown as { listeners: Set<(f: ServerFrame) => void> }).listeners) l(frame);
    };
    const asked = calls.length;
    emit({ type: "presence", userId: "u_carolcarolcarolcaro", online: true });
    await settled();
    expect(comp.querySelector("#friend-u_carolcarolcarolcaro .contacts-row__online")).toBeDefined();
    emit({ type: "presence", userId: "u_bobbobbobbobbobbobbo", online: false });
    await settled();
    expect(comp.querySelector("#friend-u_bobbobbobbobbobbobbo .contacts-row__online")).toBeUndefined();
    expect(calls.slice(asked).filter((c) => c.path.startsWith("/contacts"))).toEqual([]);
    // (Every Contacts page this file opened still listens, so a list may be asked once per page: only that list.)
    emit({ type: "contacts", changed: ["requests"] });
    await waitFor(() => calls.length > asked, "the requests");
    await settled();
    expect(new Set(calls.slice(asked).map((c) => c.path))).toEqual(new Set(["/contacts/requests"]));
    const before = calls.length;
    emit({ type: "friend_request", request: {} as never });
    await waitFor(() => calls.length > before, "the requests again");
    await settled();
    expect(new Set(calls.slice(before).map((c) => c.path))).toEqual(new Set(["/contacts/requests"]));
    emit({ type: "contacts", changed: ["blocks"] });
    await settled(5);
    expect(calls.slice(before).some((c) => c.path === "/contacts")).toBe(false);
  });

  it("draws avatars of friends and of people asking, from signed URLs asked in one call, and initials for the rest", async () => {
    const comp = await open();
    const row = (id: string) => comp.instance.data.sections.flatMap((s: { items: { userId: string; avatar: string }[] }) => s.items).find((r: { userId: string }) => r.userId === id);
    await waitFor(() => row("u_bobbobbobbobbobbobbo").avatar !== "", "Bob's avatar");
    expect(row("u_bobbobbobbobbobbobbo").avatar).toBe(`https://media.example/${BOB_AVATAR}`);
    expect(text(comp, "#friend-u_bobbobbobbobbobbobbo")).toBe("Bob Hiking");
    expect(text(comp, "#friend-u_carolcarolcarolcaro")).toBe("C Carol Hiking, Work");
    expect(calls.filter((c) => c.path === "/media/urls").map((c) => c.body)).toEqual([{ mediaIds: [BOB_AVATAR, DAVID_AVATAR] }]);
    expect(comp.instance.data.requests[0].avatar).toBe(`https://media.example/${DAVID_AVATAR}`);
  });

  it("renames a tag from its long-press menu, and deletes one after confirmation", async () => {
    const comp = await open();
    adapter.actionSheetChoice = 0;
    comp.querySelectorAll("#tags .contacts-tag")[1]!.dispatchEvent("longpress"); // "Hiking"
    await waitFor(() => text(comp, "#tags") === "Family Trails Work", "renamed tag");
    expect(adapter.actionSheets.at(-1)).toEqual(["Rename Tag", "Delete Tag"]);
    expect(calls.find((c) => c.method === "PUT")).toMatchObject({ path: "/contacts/tags/Hiking", body: { name: "Trails" } });
    expect(text(comp, "#friend-u_carolcarolcarolcaro")).toBe("C Carol Trails, Work");
    adapter.actionSheetChoice = 1;
    comp.querySelectorAll("#tags .contacts-tag")[0]!.dispatchEvent("longpress"); // "Family"
    await waitFor(() => text(comp, "#tags") === "Trails Work", "deleted tag");
    expect(adapter.modals.at(-1)).toEqual({ title: "Delete Tag", content: 'Delete "Family"? Friends in it stay your friends.' });
    expect(text(comp, "#friend-count")).toBe("4 friends");
  });

  it("jumps to a letter's section from the letter bar on the right", async () => {
    const comp = await open();
    expect(text(comp, "#letter-index")).toBe("A B C #");
    await tap(comp, "#index-C");
    await tap(comp, "#index-hash");
    expect(adapter.scrolls).toEqual(["#section-C", "#section-hash"]);
    expect(text(comp, "#section-hash")).toBe("# 4 42");
  });

  it("filters by a tag, and shows everyone again when it is tapped twice", async () => {
    const comp = await open();
    expect(text(comp, "#tags")).toBe("Family Hiking Work");
    comp.querySelectorAll("#tags .contacts-tag")[1]!.dispatchEvent("tap"); // "Hiking"
    await settled();
    expect(comp.instance.data.sections.flatMap((s: { items: { name: string }[] }) => s.items.map((i) => i.name))).toEqual(["Bob", "Carol"]);
    comp.querySelectorAll("#tags .contacts-tag")[1]!.dispatchEvent("tap");
    await settled();
    expect(comp.instance.data.sections.flatMap((s: { items: unknown[] }) => s.items)).toHaveLength(4);
  });

  it("shows new friend requests with their greeting and accepts one", async () => {
    const comp = await open();
    expect(text(comp, "#requests-badge")).toBe("1");
    await tap(comp, "#new-friends");
    expect(text(comp, "#request-fr_1")).toContain("Hi, I'm David from the climbing gym");
    await tap(comp, "#request-fr_1 .request__accept");
    await waitFor(() => text(comp, "#friend-count") === "5 friends", "David added");
    expect(calls.some((c) => c.path === "/contacts/requests/fr_1/accept")).toBe(true);
  });

  it("finds someone by Qun ID and sends a friend request with a greeting", async () => {
    const comp = await open();
    await tap(comp, "#add-friend");
    await input(comp, "#search-input", "nobody");
    await tap(comp, "#search");
    await waitFor(() => comp.instance.data.searched === true, "search");
    expect(text(comp, "#not-found")).toBe("No user with this Qun ID");
    await input(comp, "#search-input", "erin_w");
    await tap(comp, "#search");
    await waitFor(() => comp.instance.data.found.length === 1, "Erin");
    await tap(comp, "#found-u_erinerinerinerineri .found__add");
    await waitFor(() => comp.instance.data.found[0].sent === true, "request sent");
    expect(calls.find((c) => c.method === "POST" && c.path === "/contacts/requests")!.body).toEqual({ userId: "u_erinerinerinerineri", greeting: "Hi, I'm Ann" });
    expect(text(comp, "#found-u_erinerinerinerineri .found__add")).toBe("Sent");
    await waitFor(() => comp.instance.data.found[0].avatar !== "", "Erin's avatar");
    expect(comp.instance.data.found[0].avatar).toBe(`https://media.example/${ERIN_AVATAR}`);
  });

  it("sets a friend's remark and tags from their card, and the index follows", async () => {
    const comp = await open();
    await tap(comp, "#friend-u_carolcarolcarolcaro");
    expect(comp.instance.data.tagsDraft).toBe("Hiking, Work");
    await input(comp, "#remark-input", "Boss Carol");
    await input(comp, "#tags-input", "Work, Work，Climbing");
    await tap(comp, "#card-save");
    await waitFor(() => comp.instance.data.card === null, "card closed");
    await waitFor(() => text(comp, "#friend-u_carolcarolcarolcaro") === "B Boss Carol Work, Climbing", "new remark");
    expect(calls.find((c) => c.method === "PATCH")).toMatchObject({ path: "/contacts/u_carolcarolcarolcaro", body: { remark: "Boss Carol", tags: ["Work", "Climbing"] } });
  });

  it("opens the direct chat from a friend's card", async () => {
    const comp = await open();
    await tap(comp, "#friend-u_bobbobbobbobbobbobbo");
    await tap(comp, "#card-message");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: "/pages/chat/index?id=d_bobbobbobbobbobbobboaaaaa" });
  });

  it("blocks a friend from their card's More menu after confirmation, and unblocks them from Blocked", async () => {
    const comp = await open();
    expect(comp.querySelector("#blocked")).toBeUndefined();
    await tap(comp, "#friend-u_carolcarolcarolcaro");
    adapter.actionSheetChoice = 0;
    await tap(comp, "#card-more");
    await waitFor(() => comp.instance.data.card === null, "card closed");
    expect(adapter.actionSheets.at(-1)).toEqual(["Block", "Delete Contact"]);
    expect(adapter.modals.at(-1)).toEqual({ title: "Block", content: "Carol will not be able to message you or send you friend requests." });
    expect(calls.find((c) => c.method === "PUT")!.path).toBe("/contacts/blocks/u_carolcarolcarolcaro");
    await waitFor(() => text(comp, "#blocked") === "Blocked 1", "Blocked entry");
    await tap(comp, "#blocked");
    expect(text(comp, "#blocked-list")).toBe("C Carol Unblock");
    await tap(comp, "#blocked-u_carolcarolcarolcaro .blocked__unblock");
    await waitFor(() => comp.instance.data.blocked.length === 0, "unblocked");
    expect(calls.find((c) => c.method === "DELETE")!.path).toBe("/contacts/blocks/u_carolcarolcarolcaro");
    expect(comp.querySelector("#blocked")).toBeUndefined();
  });

  it("deletes a friend from their card after confirmation, and the index follows", async () => {
    const comp = await open();
    await tap(comp, "#friend-u_bobbobbobbobbobbobbo");
    adapter.actionSheetChoice = 1;
    await tap(comp, "#card-more");
    await waitFor(() => text(comp, "#friend-count") === "3 friends", "Bob deleted");
    expect(adapter.modals.at(-1)).toEqual({ title: "Delete Contact", content: "Delete Bob? You will also be removed from their contacts." });
    expect(calls.find((c) => c.method === "DELETE")!.path).toBe("/contacts/u_bobbobbobbobbobbobbo");
    expect(comp.querySelector("#friend-u_bobbobbobbobbobbobbo")).toBeUndefined();
  });

  it("changes nothing when a block or delete is cancelled", async () => {
    adapter = createWxAdapter({ fetch: server, confirmModals: false });
    installWx(adapter);
    const comp = await open();
    await tap(comp, "#friend-u_bobbobbobbobbobbobbo");
    adapter.actionSheetChoice = 1;
    await tap(comp, "#card-more");
    expect(adapter.modals).toHaveLength(1);
    expect(calls.filter((c) => c.method !== "GET" && c.path.startsWith("/contacts"))).toEqual([]);
    expect(comp.instance.data.card).not.toBeNull();
  });

  it("shows its empty state when there are no friends", async () => {
    friends = [];
    const comp = await open();
    expect(text(comp, "#contacts-empty")).toBe("No contacts yet Friends you add will be listed here.");
  });

  it("sends a signed-out visitor to the login page", async () => {
    session().endSession("user");
    const comp = renderPage(pageId);
    await lifecycle(comp, "onShow");
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/login/index" }]);
  });
});

describe("Contacts tab in Chinese", () => {
  it("says everything in Chinese: title, tab labels, entries, count, Add Friend, the card and its More menu", async () => {
    i18n().setLocale("zh_CN");
    adapter.pageStack.push("pages/contacts/index");
    const comp = await open();
    expect(adapter.titles.at(-1)).toBe("通讯录");
    expect(adapter.tabLabels).toEqual(["消息", "通讯录", "发现", "我"]);
    expect(text(comp, "#new-friends")).toBe("新的朋友 1");
    expect(text(comp, "#add-friend")).toBe("添加朋友");
    expect(text(comp, "#friend-count")).toBe("4位联系人");
    expect(text(comp, "#friend-u_carolcarolcarolcaro")).toBe("C Carol Hiking、Work");

    await tap(comp, "#add-friend");
    expect(comp.instance.data.s.searchPlaceholder).toBe("Qun号"); // the search field's placeholder
    expect(text(comp, "#search")).toBe("搜索");
    await input(comp, "#search-input", "erin_w");
    await tap(comp, "#search");
    await waitFor(() => comp.instance.data.found.length === 1, "Erin");
    expect(text(comp, "#found-u_erinerinerinerineri .request__greeting")).toBe("Qun号：erin_w");
    expect(text(comp, "#found-u_erinerinerinerineri .found__add")).toBe("添加");
    await tap(comp, "#found-u_erinerinerinerineri .found__add");
    await waitFor(() => comp.instance.data.found[0].sent === true, "request sent");
    expect(calls.find((c) => c.method === "POST" && c.path === "/contacts/requests")!.body).toEqual({ userId: "u_erinerinerinerineri", greeting: "我是Ann" });
    expect(text(comp, "#found-u_erinerinerinerineri .found__add")).toBe("已发送");

    await tap(comp, "#friend-u_carolcarolcarolcaro");
    expect(text(comp, "#card-save")).toBe("保存");
    expect(text(comp, "#card-message")).toBe("发消息");
    adapter.actionSheetChoice = 1;
    await tap(comp, "#card-more");
    await waitFor(() => adapter.modals.length > 0, "the confirmation");
    expect(adapter.actionSheets.at(-1)).toEqual(["加入黑名单", "删除联系人"]);
    expect(adapter.modals.at(-1)).toEqual({ title: "删除联系人", content: "删除联系人“Carol”？同时会将你从对方的通讯录中删除。" });
  });
});
