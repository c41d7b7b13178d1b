// Discover and Moments pages against an in-memory /moments: the Discover entry's red count and
// new-posts dot (and the tab's), the timeline's picture grid (1, 2×2, 3×3), likes and comments as
// the server sent them, liking, commenting and replying, the composer's audience, and the
// notifications list marking itself read.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as MomentsService from "../../../miniprogram/services/moments";
import type * as Session from "../../../miniprogram/services/session";
import type { MomentPerson, MomentView, NotificationView } from "../../../schema/moments";
import { createFakeApi, type FakeApi } from "../fake-api";
import { clientModule, lifecycle, loadComponent, renderPage, settled, tap, text, waitFor, type Rendered } from "../harness";
import { createWxAdapter, installWx, type Picked, type WxAdapter } from "../wx-adapter";

const pages: Record<string, string> = {};
let server: FakeApi;
let adapter: WxAdapter;
let posts: MomentView[];
let notes: NotificationView[];
let settings: { friendsWindow: string; strangersWindow: string; coverMediaId: string | null; hiddenFrom: string[]; muted: string[] };
/** What the composer's "+" picks next (wx.chooseMedia); nothing cancels. */
let picks: Picked[] = [];
let badge: { newPosts: boolean; latestAuthor: MomentPerson | null; unreadNotifications: number };
const session = () => clientModule<typeof Session>("services/session");
const i18n = () => clientModule<typeof I18n>("i18n/index");

const person = (id: string, nickname: string, remark = ""): MomentPerson => ({ id, nickname, remark, avatarMediaId: null });
const ME = person("u-me", "Me");
const BOB = person("u-bob", "Bob", "Bobby");
const pics = (n: number) => Array.from({ length: n }, (_, i) => ({ mediaId: `md-${i}`, kind: "image" as const, thumbMediaId: null, width: 4, height: 3, durationMs: null }));
function moment(id: string, patch: Partial<MomentView> = {}): MomentView {
  return { id, author: BOB, text: `post ${id}`, media: [], location: null, createdAt: 1_700_000_000_000, audience: null, likes: [], comments: [], likedByMe: false, ...patch };
}

/** The worker's /moments routes, in memory, in front of the fake account API. */
async function momentsRoute(req: Request): Promise<Response | null> {
  const url = new URL(req.url);
  const method = req.headers.get("x-http-method-override") ?? req.method;
  if (url.pathname === "/media/urls") {
    const body = await req.clone().json();
    return Response.json({ urls: body.mediaIds.map((id: string) => ({ mediaId: id, url: `https://media.test/${id}`, expiresAt: Date.now() + 600_000 })), denied: [] });
  }
  if (url.pathname === "/contacts") {
    const friend = {
      user: { id: BOB.id, username: null, nickname: BOB.nickname, avatarMediaId: null, signature: "", status: "" },
      remark: BOB.remark,
      tags: [],
      online: false,
      since: 1,
      conversationId: "d_x",
      sortKey: "bob",
    };
    return Response.json({ friends: [friend], tags: ["Family"] });
  }
  if (!url.pathname.startsWith("/moments")) return null;
  const body =
    method === "GET" || method === "DELETE"
      ? null
      : await req
          .clone()
          .json()
          .catch(() => null);
  server.calls.push({ method, path: url.pathname + url.search, body, authorization: req.headers.get("authorization") });
  const id = url.pathname.split("/")[2] ?? "";
  const find = () => posts.find((p) => p.id === id)!;
  if (url.pathname === "/moments/badge") return Response.json(badge);
  if (url.pathname === "/moments/timeline") return Response.json({ moments: posts, nextCursor: null });
  if (url.pathname === "/moments/settings") {
    if (method === "PATCH") settings = { ...settings, ...body };
    return Response.json(settings);
  }
  if (url.pathname === "/moments/settings/hidden" || url.pathname === "/moments/settings/muted") {
    settings = { ...settings, [url.pathname.endsWith("hidden") ? "hiddenFrom" : "muted"]: body.userIds };
    return Response.json(settings);
  }
  if (url.pathname === "/moments/notifications") return Response.json({ notifications: notes, unread: notes.filter((n) => n.unread).length });
  if (url.pathname === "/moments/notifications/read") {
    badge.unreadNotifications = 0;
    return new Response(null, { status: 204 });
  }
  if (url.pathname === "/moments" && method === "POST") return Response.json(moment("mo-new", { author: ME, text: body.text }), { status: 201 });
  if (method === "DELETE" && url.pathname.split("/").length === 3) {
    posts = posts.filter((p) => p.id !== id);
    return new Response(null, { status: 204 });
  }
  if (url.pathname.endsWith("/like")) {
    const p = find();
    const liked = method === "PUT";
    Object.assign(p, { likedByMe: liked, likes: liked ? [...p.likes, { user: ME, createdAt: 1 }] : p.likes.filter((l) => l.user.id !== ME.id) });
    return Response.json(p);
  }
  if (url.pathname.endsWith("/comments") && method === "POST") {
    const p = find();
    const replyTo = body.replyTo ? (p.comments.find((c) => c.id === body.replyTo)?.user ?? null) : null;
    p.comments = [...p.comments, { id: `mc-${p.comments.length}`, user: ME, replyTo, text: body.text, createdAt: 2 }];
    return Response.json(p, { status: 201 });
  }
  return Response.json({ error: { code: "not_found", message: "no" } }, { status: 404 });
}

beforeAll(async () => {
  installWx(createWxAdapter());
  for (const p of ["discover", "moments", "moments-compose", "moments-notifications", "moments-settings"]) pages[p] = await loadComponent(`pages/${p}/index`);
});

beforeEach(() => {
  server = createFakeApi();
  picks = [];
  adapter = createWxAdapter({ fetch: async (req) => (await momentsRoute(req)) ?? server.fetch(req), chooseMedia: () => picks });
  installWx(adapter);
  posts = [];
  notes = [];
  badge = { newPosts: false, latestAuthor: null, unreadNotifications: 0 };
  settings = { friendsWindow: "all", strangersWindow: "none", coverMediaId: null, hiddenFrom: [BOB.id], muted: [] };
  const user = server.user(ME.id, { nickname: "Me" });
  session().startSession({ ...server.tokensFor(user.id), user, created: false });
  i18n().setLocale("en");
});

async function open(page: string, query?: Record<string, string>): Promise<Rendered> {
  const wx = adapter.wx as unknown as Record<string, (o: { url: string }) => void>;
  wx[page === "discover" ? "switchTab" : "navigateTo"]!({ url: `/pages/${page}/index` });
  const comp = renderPage(pages[page]!);
  if ((comp.instance as unknown as { onLoad?: unknown }).onLoad) await lifecycle(comp, "onLoad", query);
  if ((comp.instance as unknown as { onShow?: unknown }).onShow) await lifecycle(comp, "onShow");
  await settled(6);
  return comp;
}

describe("the Discover tab", () => {
  it("shows the unread notifications count on the Moments entry and on the tab", async () => {
    badge = { newPosts: true, latestAuthor: BOB, unreadNotifications: 3 };
    const comp = await open("discover");
    expect(text(comp, "#open-moments")).toBe("Moments 3");
    expect(comp.querySelector("#moments-new")).toBeFalsy();
    expect(adapter.tabBadges.filter((b) => b.index === 2).at(-1)).toEqual({ index: 2, text: "3" });
    await tap(comp, "#open-moments");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: "/pages/moments/index" });
  });

  it("shows a dot for new posts from friends when no notification is unread, and asks since what this device showed", async () => {
    badge = { newPosts: true, latestAuthor: BOB, unreadNotifications: 0 };
    adapter.storage.set("qun.moments.seen", "1234");
    const comp = await open("discover");
    expect(comp.querySelector("#moments-new")).toBeDefined();
    expect(comp.querySelector("#moments-unread")).toBeUndefined();
    expect(adapter.tabBadges.filter((b) => b.index === 2).at(-1)).toEqual({ index: 2, text: "dot" });
    expect(server.calls.find((c) => c.path.startsWith("/moments/badge"))!.path).toBe("/moments/badge?since=1234");
  });

  it("redraws while open when news brings a new badge", async () => {
    const comp = await open("discover");
    expect(text(comp, "#open-moments")).toBe("Moments");
    badge = { newPosts: false, latestAuthor: null, unreadNotifications: 4 };
    await clientModule<typeof MomentsService>("services/moments").refreshMomentsBadge();
    await settled();
    expect(text(comp, "#open-moments")).toBe("Moments 4");
  });

  it("is the third of four tabs, 发现 in Chinese", async () => {
    i18n().setLocale("zh_CN");
    await open("discover");
    expect(adapter.tabLabels).toEqual(["消息", "通讯录", "发现", "我"]);
    i18n().setLocale("en");
    await open("discover");
    expect(adapter.tabLabels).toEqual(["Chats", "Contacts", "Discover", "Me"]);
  });
});

describe("the Moments timeline", () => {
  it("lays out pictures as WeChat does: one large, four as 2×2, others in rows of three", async () => {
    posts = [moment("a", { media: pics(1) }), moment("b", { media: pics(4) }), moment("c", { media: pics(9) }), moment("d", { media: pics(2) })];
    const comp = await open("moments");
    const grid = (i: number) => comp.querySelector(`#moment-${i} .moment-grid`)!.dom!.className;
    expect([grid(0), grid(1), grid(2), grid(3)].map((c) => c.match(/moment-grid--(\w+)/)![1])).toEqual(["single", "four", "nine", "nine"]);
    expect(comp.querySelectorAll("#moment-2 .moment-grid__cell")).toHaveLength(9);
    comp.querySelectorAll("#moment-1 .moment-grid__cell")[2]!.dispatchEvent("tap");
    await waitFor(() => adapter.previews.length > 0, "the preview");
    expect(adapter.previews[0]).toEqual({ urls: ["https://media.test/md-0", "https://media.test/md-1", "https://media.test/md-2", "https://media.test/md-3"], current: "https://media.test/md-2" });
  });

  it("shows names as I know them, the likes and comments the server sent, and remembers the newest post it showed", async () => {
    posts = [moment("a", { createdAt: 1_700_000_000_500, likes: [{ user: BOB, createdAt: 1 }], comments: [{ id: "mc-0", user: BOB, replyTo: ME, text: "hi there", createdAt: 1 }] })];
    const comp = await open("moments");
    expect(text(comp, "#moment-0 .moment__name")).toBe("Bobby");
    expect(text(comp, "#moment-0 .moment__likes")).toBe("♡ Bobby");
    expect(text(comp, "#moment-0 .moment__comment")).toBe("Bobby replied to Me : hi there");
    expect(Number(adapter.storage.get("qun.moments.seen"))).toBe(1_700_000_000_500);
  });

  it("likes from the menu, and comments and replies through the input bar", async () => {
    posts = [moment("a", { comments: [{ id: "mc-0", user: BOB, replyTo: null, text: "first", createdAt: 1 }] })];
    const comp = await open("moments");
    await tap(comp, "#moment-0 .moment__more");
    await tap(comp, "#moment-0 .like-button");
    await waitFor(() => text(comp, "#moment-0 .moment__likes") === "♡ Me", "the like");
    expect(server.calls.some((c) => c.method === "PUT" && c.path === "/moments/a/like")).toBe(true);

    await tap(comp, "#moment-0 .moment__comment");
    expect(comp.instance.data.commenting).toMatchObject({ momentId: "a", replyTo: "mc-0", placeholder: "Reply to Bobby" });
    comp.querySelector("#comment-input")!.dispatchEvent("input", { detail: { value: "answer" } });
    await settled();
    await tap(comp, "#send-comment");
    await waitFor(() => (text(comp, "#moment-0 .moment__activity") ?? "").includes("answer"), "the reply");
    expect(server.calls.find((c) => c.method === "POST" && c.path === "/moments/a/comments")!.body).toEqual({ text: "answer", replyTo: "mc-0" });
    expect(comp.querySelector("#comment-bar")).toBeFalsy();
  });

  it("deletes my own post after asking", async () => {
    posts = [moment("mine", { author: ME }), moment("theirs")];
    const comp = await open("moments");
    expect(comp.querySelector("#moment-1 .moment__delete")).toBeFalsy(); // not on someone else's
    await tap(comp, "#moment-0 .moment__delete");
    await waitFor(() => comp.instance.data.rows.length === 1, "the post gone");
    expect(adapter.modals.at(-1)?.content).toBe("Delete this post?");
    expect(server.calls.some((c) => c.method === "DELETE" && c.path === "/moments/mine")).toBe(true);
  });

  it("speaks Chinese first: 赞, 评论 and the reply line", async () => {
    i18n().setLocale("zh_CN");
    posts = [moment("a", { comments: [{ id: "mc-0", user: BOB, replyTo: ME, text: "好的", createdAt: 1 }] })];
    const comp = await open("moments");
    await tap(comp, "#moment-0 .moment__more");
    expect(text(comp, "#moment-0 .moment__menu")).toBe("赞 评论");
    expect(text(comp, "#moment-0 .moment__comment")).toBe("Bobby 回复 Me : 好的");
    expect(text(comp, "#compose-moment")).toBe("发表");
  });

  it("opens the notifications from the bar when some are unread", async () => {
    badge.unreadNotifications = 2;
    const comp = await open("moments");
    expect(text(comp, "#moments-notifications")).toBe("2 new messages");
    await tap(comp, "#moments-notifications");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: "/pages/moments-notifications/index" });
  });
});

describe("posting and notifications", () => {
  it("titles the composer 发表文字 for words alone and 发表动态 once a picture is picked, as WeChat does", async () => {
    i18n().setLocale("zh_CN");
    const comp = await open("moments-compose");
    expect(adapter.titles.at(-1)).toBe("发表文字");
    picks = [{ type: "image", tempFilePath: "wxfile://tmp/beach.jpg", size: 2048, width: 4, height: 3 }];
    await tap(comp, "#add-media");
    await settled();
    expect(adapter.titles.at(-1)).toBe("发表动态");
    await (comp.instance as unknown as { onRemoveMedia: (e: unknown) => void }).onRemoveMedia({ currentTarget: { dataset: { index: 0 } } });
    await settled();
    expect(adapter.titles.at(-1)).toBe("发表文字");
  });

  it("posts text to chosen tags only, after choosing who can see it", async () => {
    const comp = await open("moments-compose");
    comp.querySelector("#compose-text")!.dispatchEvent("input", { detail: { value: "for the family" } });
    await settled();
    // The picker's change event, as WeChat sends it.
    await (comp.instance as unknown as { onVisibility: (e: unknown) => Promise<void> }).onVisibility({ detail: { value: 2 } });
    await settled();
    expect(text(comp, "#visibility-name")).toBe("Only chosen");
    comp.instance.setData({ tags: [{ name: "Family", chosen: false }] });
    await settled();
    await tap(comp, "#post-moment");
    expect(text(comp, "#error-tips")).toContain("Choose tags or friends");
    await tap(comp, "#audience-tag-0");
    await tap(comp, "#post-moment");
    await waitFor(() => server.calls.some((c) => c.method === "POST" && c.path === "/moments"), "the post");
    await settled(6);
    expect(server.calls.find((c) => c.path === "/moments")!.body).toEqual({ text: "for the family", media: [], visibility: "include", tags: ["Family"], userIds: [] });
    expect(adapter.navigations.at(-1)?.api).toBe("navigateBack");
  });

  it("lists notifications and marks them read up to the newest shown", async () => {
    notes = [
      { kind: "comment", momentId: "a", commentId: "mc-1", user: BOB, text: "nice", createdAt: 2000, unread: true },
      { kind: "like", momentId: "a", commentId: null, user: BOB, text: "", createdAt: 1000, unread: false },
    ];
    const comp = await open("moments-notifications");
    expect(text(comp, "#notification-0")).toContain("Bobby commented: nice");
    expect(text(comp, "#notification-1")).toContain("liked your post");
    await waitFor(() => server.calls.some((c) => c.path === "/moments/notifications/read"), "the read mark");
    expect(server.calls.find((c) => c.path === "/moments/notifications/read")!.body).toEqual({ until: 2000 });
  });
});

describe("Moments settings", () => {
  it("shows the windows and lists, saves a window at once, and takes someone off the hidden list after asking", async () => {
    const comp = await open("moments-settings");
    expect(text(comp, "#friends-window")).toBe("Friends can see my posts from All time");
    expect(text(comp, "#strangers-window")).toBe("Non-friends can see my posts from Nothing");
    expect(text(comp, "#hidden-list")).toContain("Bobby");
    await (comp.instance as unknown as { onFriendsWindow: (e: unknown) => Promise<void> }).onFriendsWindow({ detail: { value: 0 } });
    await settled();
    expect(server.calls.find((c) => c.method === "PATCH")!.body).toEqual({ friendsWindow: "3d" });
    expect(text(comp, "#friends-window")).toBe("Friends can see my posts from The last 3 days");
    await tap(comp, "#hidden-list .settings-person");
    await waitFor(() => server.calls.some((c) => c.path === "/moments/settings/hidden"), "the list saved");
    expect(adapter.modals.at(-1)?.content).toBe("Take Bobby off this list?");
    expect(server.calls.find((c) => c.path === "/moments/settings/hidden")!.body).toEqual({ userIds: [] });
    await waitFor(() => !(text(comp, "#hidden-list") ?? "").includes("Bobby"), "Bobby gone");
  });
});
