// The Chat page's bubbles, long-press menu, multi-select and navigation bar, as WeChat draws them:
// tails, a voice message's length with a red dot until this device played it, pictures at their own
// ratio, a location tile instead of a live map, locale time separators, the dark menu above (or
// below) a bubble, check boxes with a bottom bar, and a custom bar with the name, the member count
// and "…". Against a small in-memory server (chat.test.ts covers the older behaviours).
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Menu from "../../../miniprogram/pages/chat/menu";
import type * as Bubbles from "../../../miniprogram/pages/chat/bubbles";
import type * as Played from "../../../miniprogram/services/played";
import type * as StaticMap from "../../../miniprogram/services/static-map";
import type { GroupInfo } from "../../../schema/groups";
import type { ConversationSummary, Message } from "../../../schema/protocol";
import { clientModule, lifecycle, loadComponent, readJson, settled, tap, text, waitFor, type Rendered } from "../harness";
import { chats, groupInfo, groupMember, message, signIn, stopSocketAfterAll, unloadPagesAfterEach } from "./fixtures";
import { MINIPROGRAM_ROOT } from "../../../scripts/build-miniprogram.ts";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";
import { join } from "node:path";

const i18n = () => clientModule<typeof I18n>("i18n/index");
const GROUP = "c_hikinghikinghikinghi";
const DIRECT = "d_annbobannbobannbobann";
const OTHER = "c_otherotherotherother";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const BOB = "u_bbbbbbbbbbbbbbbbbbbb";

let adapter: WxAdapter;
let pageId: string;
let hides: number[];
let forwarded: Array<{ seq: number; to: string[] }>;
let groupName: string;

/** Yesterday at 21:04, local time: the first message's separator reads "Yesterday 21:04". */
function yesterdayAt2104(): number {
  const d = new Date();
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() - 1, 21, 4).getTime();
}

const msg = (seq: number, senderId: string, type: Message["type"], body: Record<string, unknown> | null, extra: Partial<Message> = {}): Message => message(GROUP, seq, senderId, type, body, extra);

const messages = (): Message[] => [
  msg(1, BOB, "text", { text: "Dinner?" }, { createdAt: yesterdayAt2104() }),
  msg(2, ME, "text", { text: "Yes!" }),
  msg(3, BOB, "image", { mediaId: "md_imageimageimageimag", width: 800, height: 600 }),
  msg(4, BOB, "image", { mediaId: "md_talltalltalltalltal", width: 100, height: 1000 }),
  msg(5, BOB, "voice", { mediaId: "md_voicevoicevoicevoic", durationMs: 10_000 }),
  msg(6, BOB, "video", { mediaId: "md_videovideovideovide", durationMs: 3_000 }),
  msg(7, BOB, "file", { mediaId: "md_filefilefilefilefil", name: "route.gpx", size: 2048 }),
  msg(8, BOB, "location", { latitude: 31.23, longitude: 121.47, name: "Trailhead", address: "1 Mountain Rd" }),
  msg(9, ME, "voice", { mediaId: "md_minevoiceminevoicem", durationMs: 3_000 }),
];

const summary = (): ConversationSummary => ({
  id: GROUP,
  kind: "group",
  name: groupName,
  avatarMediaId: null,
  peer: null,
  memberCount: 2,
  lastSeq: 9,
  readSeq: 9,
  unread: 0,
  lastMessage: null,
  lastMessageAt: Date.now(),
  pinned: false,
  doNotDisturb: false,
  muteAll: false,
  dissolved: false,
  role: "owner",
});

const direct = (): ConversationSummary => ({ ...summary(), id: DIRECT, kind: "direct", name: "", peer: { id: BOB, nickname: "Bob", avatarMediaId: null }, lastMessageAt: Date.now() - 5000 });
const other = (): ConversationSummary => ({ ...summary(), id: OTHER, name: "Club", lastSeq: 0, lastMessageAt: Date.now() - 9000 });

const info = (): GroupInfo => groupInfo(GROUP, groupName, [groupMember(ME, "Ann", { role: "owner" }), groupMember(BOB, "Bob")]);

async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname;
  if (path === "/conversations") return Response.json({ conversations: [summary(), direct(), other()] });
  if (path === `/conversations/${GROUP}/messages` && req.method === "GET") {
    const after = Number(url.searchParams.get("after") ?? 0);
    return Response.json({ messages: messages().filter((m) => m.seq > after), hasMore: false, lastSeq: 9 });
  }
  if (path.startsWith("/conversations/") && path.endsWith("/messages") && req.method === "GET") return Response.json({ messages: [], hasMore: false, lastSeq: 0 });
  if (path === `/conversations/${GROUP}/receipts`) return Response.json({ reads: [{ userId: BOB, seq: 2 }], lastSeq: 9 });
  if (path.endsWith("/receipts")) return Response.json({ reads: [], lastSeq: 0 });
  if (path === `/groups/${GROUP}`) return Response.json(info());
  if (path === "/media/urls") {
    const { mediaIds } = (await req.json()) as { mediaIds: string[] };
    return Response.json({ urls: mediaIds.map((id) => ({ mediaId: id, url: `http://127.0.0.1:8787/media/${id}?e=1&s=sig`, expiresAt: Date.now() + 600_000 })), denied: [] });
  }
  if (path.startsWith("/media/md_")) return new Response(new Uint8Array(16));
  const forward = path.match(/\/messages\/(\d+)\/forward$/);
  if (forward) {
    const body = (await req.json()) as { to: string[] };
    forwarded.push({ seq: Number(forward[1]), to: body.to });
    return Response.json({ results: body.to.map((conversationId) => ({ conversationId, ok: true, seq: 1 })) });
  }
  const hide = path.match(/\/messages\/(\d+)\/hide$/);
  if (hide) {
    hides.push(Number(hide[1]));
    return Response.json({ seq: Number(hide[1]) });
  }
  if (path.endsWith("/read")) return Response.json({ seq: 9 });
  return Response.json({ error: { code: "not_found", message: `no ${path}` } }, { status: 404 });
}

const pages = unloadPagesAfterEach();

async function openChat(id = GROUP): Promise<Rendered> {
  const comp = pages.render(pageId);
  await lifecycle(comp, "onLoad", { id });
  await chats().refresh();
  if (id === GROUP) await waitFor(() => comp.instance.data.members.length === 2 && comp.instance.data.bubbles.length === 9, "messages and members");
  else await waitFor(() => comp.instance.data.title !== "", "the title");
  await settled();
  return comp;
}

const at = (seq: number) => `#m-s${seq}`;
const classesOf = (comp: Rendered, selector: string) => (comp.querySelector(selector)?.dom as HTMLElement | undefined)?.className ?? "";
const styleOf = (comp: Rendered, selector: string) => (comp.querySelector(selector)?.dom as HTMLElement | undefined)?.getAttribute("style") ?? "";

async function longPress(comp: Rendered, seq: number, clientY = 400): Promise<void> {
  const touch = { clientX: 120, clientY };
  comp.querySelector(`#b-s${seq}`)!.dispatchEvent("longpress", { touches: [touch], changedTouches: [touch] });
  await settled();
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pageId = await loadComponent("pages/chat/index");
});

beforeEach(() => {
  hides = [];
  forwarded = [];
  groupName = "Hiking";
  adapter = createWxAdapter({ fetch: server });
  installWx(adapter);
  chats().signOut();
  signIn({ id: ME });
});

stopSocketAfterAll();

describe("Chat bubbles", () => {
  it("draws WeChat's tail toward the avatar on text, voice and file bubbles, green on mine, and none on pictures and places", async () => {
    const comp = await openChat();
    expect(classesOf(comp, "#b-s1")).toContain("bubble--tail");
    expect(classesOf(comp, "#b-s1")).not.toContain("bubble--mine");
    expect(classesOf(comp, "#b-s2")).toMatch(/bubble--mine.*bubble--tail/);
    expect(classesOf(comp, "#b-s5")).toContain("bubble--tail");
    expect(classesOf(comp, "#b-s7")).toContain("bubble--tail");
    expect(classesOf(comp, "#b-s3")).not.toContain("bubble--tail");
    expect(classesOf(comp, "#b-s8")).not.toContain("bubble--tail");
  });

  it("writes a voice message's length beside the bubble, 10\" style, with a red dot until this device plays it, remembered in storage", async () => {
    const comp = await openChat();
    expect(text(comp, `#b-s5 .bubble__duration`)).toBeNull();
    expect(text(comp, `${at(5)} .msg__voice-length`)).toBe('10"');
    expect(comp.querySelector(`${at(5)} #unplayed-s5`)).toBeDefined();
    // My own voice message has its length, never a dot.
    expect(text(comp, `${at(9)} .msg__voice-length`)).toBe('3"');
    expect(comp.querySelector(`${at(9)} .msg__unplayed`)).toBeUndefined();

    await tap(comp, `${at(5)} .bubble__voice`);
    await waitFor(() => comp.instance.data.playing === 5, "playing");
    expect(comp.querySelector(`${at(5)} .msg__unplayed`)).toBeUndefined();
    expect(JSON.parse(adapter.storage.get("qun.played") ?? "{}")).toEqual({ [GROUP]: [5] });

    // Opening the chat again (another page, the same device) keeps it played.
    await lifecycle(comp, "onUnload");
    pages.forget();
    const again = await openChat();
    expect(again.querySelector(`${at(5)} .msg__unplayed`)).toBeUndefined();
  });

  it("keeps the played record small: the newest 200 seqs of a chat, the 50 chats played last", () => {
    const played = clientModule<typeof Played>("services/played");
    played.forgetPlayed();
    for (let seq = 1; seq <= 205; seq++) played.markPlayed("c_a", seq);
    expect(played.isPlayed("c_a", 5)).toBe(false);
    expect(played.isPlayed("c_a", 6)).toBe(true);
    for (let i = 0; i < 50; i++) played.markPlayed(`c_${i}`, 1);
    // c_a was played least recently: it is the one let go.
    expect(played.isPlayed("c_a", 205)).toBe(false);
    expect(played.isPlayed("c_49", 1)).toBe(true);
    expect(Object.keys(JSON.parse(adapter.storage.get("qun.played")!))).toHaveLength(50);
    expect(played.markPlayed("c_49", 1)).toBe(false);
  });

  it("draws pictures at their own ratio, the long side capped and the short side kept, and a square when the size is unknown", async () => {
    const comp = await openChat();
    // 800×600 → 150×113; 100×1000 → 15 wide is too thin: 60×150 (cropped); the video has no size: 140×140.
    expect(styleOf(comp, `${at(3)} .bubble__image`)).toMatch(/width: ?150px; ?height: ?113px/);
    expect(styleOf(comp, `${at(4)} .bubble__image`)).toMatch(/width: ?60px; ?height: ?150px/);
    expect(styleOf(comp, `${at(6)} .bubble__video`)).toMatch(/width: ?140px; ?height: ?140px/);
    const bubbles = clientModule<typeof Bubbles>("pages/chat/bubbles");
    expect(bubbles.mediaBox(1080, 1920)).toEqual({ width: 84, height: 150 });
    expect(bubbles.mediaBox(undefined, 300)).toEqual({ width: 140, height: 140 });
  });

  it("draws a location as a still map tile with a pin instead of a live <map>, and builds Tencent's static map URL once a key is set", async () => {
    const comp = await openChat();
    expect(text(comp, `${at(8)} .bubble__location-name`)).toBe("Trailhead");
    expect(comp.querySelector(`${at(8)} .bubble__map--tile .bubble__pin`)).toBeDefined();
    expect(comp.querySelector(`${at(8)} map`)).toBeUndefined();
    await tap(comp, `${at(8)} .bubble__location`);
    expect(adapter.maps).toEqual([{ latitude: 31.23, longitude: 121.47, name: "Trailhead", address: "1 Mountain Rd" }]);
    const { staticMapUrl } = clientModule<typeof StaticMap>("services/static-map");
    expect(staticMapUrl(31.23, 121.47, 220, 100, "")).toBe("");
    expect(staticMapUrl(31.23, 121.47, 220, 100, "ABCDE-KEY")).toBe(
      "https://apis.map.qq.com/ws/staticmap/v2/?center=31.230000,121.470000&zoom=15&size=220*100&scale=2&markers=color%3Ared%7C31.230000%2C121.470000&key=ABCDE-KEY",
    );
  });

  it("writes the hour in time separators the locale's way: Yesterday 21:04, 昨天 21:04", async () => {
    const comp = await openChat();
    expect(text(comp, `${at(1)} .msg-time`)).toBe("Yesterday 21:04");
    i18n().setLocale("zh_CN");
    await settled();
    expect(text(comp, `${at(1)} .msg-time`)).toBe("昨天 21:04");
  });
});

describe("Chat long-press menu", () => {
  it("opens above the bubble with its arrow at the bubble, below it when the bubble is close to the navigation bar, and inside the window", async () => {
    const comp = await openChat();
    await longPress(comp, 2, 400);
    let menu = comp.instance.data.menu;
    expect(menu.show).toBe(true);
    expect(menu.below).toBe(false);
    // Six items: five to a row, two rows of 56 px plus 8 px padding, and the 8 px arrow above the bubble.
    expect(menu.top).toBe(400 - 8 - (2 * 56 + 16));
    expect(classesOf(comp, "#bubble-menu >>> #bubble-menu-panel")).not.toContain("bubble-menu--below");
    await tap(comp, "#bubble-menu >>> #bubble-menu-mask");
    await longPress(comp, 2, 90);
    menu = comp.instance.data.menu;
    expect(menu.below).toBe(true);
    expect(menu.top).toBe(90 + 8);
    expect(classesOf(comp, "#bubble-menu >>> #bubble-menu-panel")).toContain("bubble-menu--below");

    const { menuPlacement } = clientModule<typeof Menu>("pages/chat/menu");
    // A bubble at the right edge: the panel stays 8 px inside, the arrow still points at the bubble.
    expect(menuPlacement({ left: 300, right: 360, top: 500, bottom: 540 }, 3, { top: 64, width: 375 })).toEqual({ left: 183, top: 500 - 8 - 72, width: 184, arrowX: 147, below: false });
  });

  it("deletes a message for me from the menu, and copies text", async () => {
    const comp = await openChat();
    await longPress(comp, 1);
    await tap(comp, "#bubble-menu >>> #menu-Copy");
    expect(adapter.clipboard).toBe("Dinner?");
    expect(comp.instance.data.menu.show).toBe(false);
    await longPress(comp, 1);
    await tap(comp, "#bubble-menu >>> #menu-Delete");
    await waitFor(() => hides.length === 1, "the hide");
    await settled();
    expect(comp.querySelector(at(1))).toBeUndefined();
  });

  it("says its items in Chinese", async () => {
    i18n().setLocale("zh_CN");
    const comp = await openChat();
    await longPress(comp, 1);
    expect(text(comp, "#bubble-menu >>> #bubble-menu-panel")).toBe("复制 转发 引用 多选 撤回 投诉 删除");
    await tap(comp, "#bubble-menu >>> #menu-Select");
    expect(text(comp, "#select-bar")).toBe("逐条转发 删除");
    expect(text(comp, "#cancel-select")).toBe("取消");
  });
});

describe("Chat multi-select", () => {
  it("puts check boxes on the bubbles: taps pick messages, Forward One by One sends each to the chats picked, Cancel leaves", async () => {
    const comp = await openChat();
    await longPress(comp, 1);
    await tap(comp, "#bubble-menu >>> #menu-Select");
    expect(comp.querySelector(`${at(1)} .msg__check--on`)).toBeDefined();
    expect(comp.querySelector(`${at(2)} .msg__check`)).toBeDefined();
    expect(comp.querySelector(`${at(2)} .msg__check--on`)).toBeUndefined();
    // In multi-select a tap picks the message instead of opening it.
    await tap(comp, `${at(5)} .msg__select-cover`);
    expect(comp.instance.data.playing).toBe(0);
    await tap(comp, `${at(2)} .msg__select-cover`);
    await tap(comp, `${at(5)} .msg__select-cover`); // and a second tap unpicks
    expect(comp.instance.data.selected).toEqual({ s1: true, s2: true });
    // The bar says Cancel instead of back while picking.
    expect(comp.querySelector("#nav-back")).toBeUndefined();
    await tap(comp, "#forward-selected");
    expect(comp.instance.data.selecting).toBe(false);
    await settled();
    await tap(comp, `#forward-picker >>> #pick-${OTHER}`);
    await tap(comp, "#forward-picker >>> #chat-picker-done");
    await waitFor(() => forwarded.length === 2, "two forwards");
    expect(forwarded).toEqual([
      { seq: 1, to: [OTHER] },
      { seq: 2, to: [OTHER] },
    ]);
    await waitFor(() => adapter.toasts.length > 0, "toast");
    expect(adapter.toasts.at(-1)).toEqual({ title: "Sent", icon: "success" });

    await longPress(comp, 7);
    await tap(comp, "#bubble-menu >>> #menu-Select");
    await tap(comp, "#cancel-select");
    expect(comp.instance.data.selecting).toBe(false);
    expect(comp.querySelector(".msg__check")).toBeUndefined();
    expect(comp.querySelector("#nav-back")).toBeDefined();
  });

  it("deletes the messages picked for me", async () => {
    const comp = await openChat();
    await longPress(comp, 7);
    await tap(comp, "#bubble-menu >>> #menu-Select");
    await tap(comp, `${at(8)} .msg__select-cover`);
    await tap(comp, "#delete-selected");
    await waitFor(() => hides.length === 2, "the hides");
    await settled();
    expect(hides).toEqual([7, 8]);
    expect(comp.querySelector(at(7))).toBeUndefined();
    expect(comp.querySelector(at(8))).toBeUndefined();
    expect(comp.instance.data.selecting).toBe(false);
  });
});

describe("Chat read counts", () => {
  it('opens who read my message from "N read" in a group', async () => {
    const comp = await openChat();
    expect(text(comp, "#read-s2")).toBe("1 read");
    await tap(comp, "#read-s2");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: `/pages/read-list/index?id=${GROUP}&seq=2` });
  });
});

describe("Chat navigation bar", () => {
  it("is the page's own: back, the group's name with its member count, and … to Chat Info; the floating icon is gone", async () => {
    expect(readJson(join(MINIPROGRAM_ROOT, "pages/chat/index.json")).navigationStyle).toBe("custom");
    const comp = await openChat();
    expect(text(comp, "#nav-title")).toBe("Hiking (2)");
    expect(comp.querySelector(".chat-info")).toBeUndefined();
    expect(comp.querySelector("#messages #open-info")).toBeUndefined();
    expect(comp.querySelector("#nav #open-info")).toBeDefined();
    await tap(comp, "#open-info");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: `/pages/group-info/index?id=${GROUP}` });
    await tap(comp, "#nav-back");
    expect(adapter.navigations.at(-1)?.api).toBe("navigateBack");
    // Icon-only buttons say what they do (their aria-labels, bound in the template, read these).
    expect(comp.instance.data.s).toMatchObject({ back: "Back", info: "Chat Info" });
  });

  it("follows a rename and a member count change at run time", async () => {
    const comp = await openChat();
    chats().store.set({
      conversations: chats()
        .store.get()
        .conversations.map((c) => (c.id === GROUP ? { ...c, name: "Hiking Club", memberCount: 12 } : c)),
    });
    await settled();
    expect(text(comp, "#nav-title")).toBe("Hiking Club (12)");
    i18n().setLocale("zh_CN");
    await settled();
    expect(text(comp, "#nav-title")).toBe("Hiking Club(12)");
    expect(comp.instance.data.s).toMatchObject({ back: "返回", info: "聊天信息" });
  });

  it("takes a direct chat's … to the peer's profile, under the peer's name", async () => {
    const comp = await openChat(DIRECT);
    expect(text(comp, "#nav-title")).toBe("Bob");
    await tap(comp, "#open-info");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: `/pages/profile/index?userId=${BOB}` });
  });

  it("sits below the status bar and leaves the capsule its room", async () => {
    // An iPhone 14's: a 47 px status bar, the capsule 32 px tall 4 px below it, 6 px from the right.
    const wx = (globalThis as unknown as { wx: Record<string, unknown> }).wx;
    const saved = { getWindowInfo: wx.getWindowInfo, getMenuButtonBoundingClientRect: wx.getMenuButtonBoundingClientRect };
    wx.getWindowInfo = () => ({ statusBarHeight: 47, windowWidth: 390, windowHeight: 844, pixelRatio: 3, screenWidth: 390, screenHeight: 844, screenTop: 0, safeArea: {} });
    wx.getMenuButtonBoundingClientRect = () => ({ top: 51, bottom: 83, left: 297, right: 384, width: 87, height: 32 });
    try {
      const comp = await openChat();
      expect(comp.instance.data.nav).toEqual({ statusBar: 47, height: 40, bottom: 87, capsule: 93, windowWidth: 390 });
      expect(styleOf(comp, "#nav")).toMatch(/padding-top: ?47px; ?height: ?40px; ?padding-right: ?93px/);
    } finally {
      Object.assign(wx, saved);
    }
  });
});
