// `npm run screenshots`, step 1: renders Chats, Chat (also with a bubble's long-press menu,
// its emoji and + panels open, and a direct chat holding a contact card), the Profile a card opens
// and Group info (with its QR code) with
// miniprogram-simulate from sample data, in the language SCREEN_LOCALE names (zh_CN, the default,
// or en; the sample people and messages are in that language too), then writes each page's DOM
// with its styles as plain HTML under .build/screens/<locale>/: WXSS scoped the way simulate
// scopes classes ("main--x" for the page, "mp-cells--x" for a WeUI component), rpx turned into px
// for a 375 px wide phone, and display rules for wx-* tags.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import QRCode from "qrcode";
import { afterAll, it } from "vitest";
import type * as I18n from "../../miniprogram/i18n/index";
import type * as Chats from "../../miniprogram/services/chats";
import type * as Session from "../../miniprogram/services/session";
import type { GroupInfo } from "../../schema/groups";
import type { ConversationSummary, Message } from "../../schema/protocol";
import { MINIPROGRAM_ROOT, REPO_ROOT, weuiDistDir } from "../build-miniprogram.ts";
import { clientModule, lifecycle, loadComponent, readJson, renderPage, settled, waitFor, type Rendered } from "../../tests/miniprogram/harness";
import { createWxAdapter, installWx } from "../../tests/miniprogram/wx-adapter";

const LOCALE: "zh_CN" | "en" = process.env.SCREEN_LOCALE === "en" ? "en" : "zh_CN";
const OUT = join(REPO_ROOT, ".build", "screens", LOCALE);
/** The sample data's words in the language shown. */
const say = (en: string, zh: string) => (LOCALE === "en" ? en : zh);
const HIKING = say("Weekend Hiking", "周末徒步");
const NAMES = { ann: say("Ann", "安妮"), bob: say("Bob", "鲍勃"), carol: say("Carol", "卡罗尔") };
const ME = "u_annannannannannanna";
const BOB = "u_bobbobbobbobbobbobb";
const CAROL = "u_carolcarolcarolcaro";
const GROUP = "c_hikinghikinghikinghi";
const now = Date.now();
const minutes = (n: number) => now - n * 60_000;

const conversations: ConversationSummary[] = [
  {
    id: GROUP,
    kind: "group",
    name: HIKING,
    avatarMediaId: null,
    peer: null,
    memberCount: 3,
    lastSeq: 9,
    readSeq: 6,
    unread: 3,
    lastMessage: { seq: 9, senderId: BOB, type: "image", text: "[Photo]", at: minutes(1) },
    lastMessageAt: minutes(2),
    pinned: true,
    doNotDisturb: false,
    muteAll: false,
    dissolved: false,
    role: "owner",
  },
  {
    id: "d_bobbobbobbobbobbobbobbob",
    kind: "direct",
    name: "",
    avatarMediaId: null,
    peer: { id: BOB, nickname: NAMES.bob, avatarMediaId: null },
    memberCount: 2,
    lastSeq: 12,
    readSeq: 12,
    // Marked unread from the long-press menu: WeChat's red dot, no number.
    unread: 1,
    markedUnread: true,
    lastMessage: { seq: 12, senderId: ME, type: "text", text: say("See you tomorrow!", "明天见！"), at: minutes(35) },
    lastMessageAt: minutes(35),
    pinned: false,
    doNotDisturb: false,
    muteAll: false,
    dissolved: false,
    role: "member",
  },
  {
    id: "c_familyfamilyfamilyfa",
    kind: "group",
    name: say("Family", "相亲相爱一家人"),
    avatarMediaId: null,
    peer: null,
    memberCount: 6,
    lastSeq: 40,
    readSeq: 33,
    unread: 7,
    lastMessage: { seq: 40, senderId: CAROL, type: "image", text: "[Photo]", at: minutes(60 * 26) },
    lastMessageAt: minutes(60 * 26),
    pinned: false,
    doNotDisturb: true,
    muteAll: false,
    dissolved: false,
    role: "member",
  },
  {
    id: "d_carolcarolcarolcarolcaro",
    kind: "direct",
    name: "",
    avatarMediaId: null,
    peer: { id: CAROL, nickname: NAMES.carol, avatarMediaId: null },
    memberCount: 2,
    lastSeq: 3,
    readSeq: 2,
    unread: 1,
    lastMessage: { seq: 3, senderId: CAROL, type: "voice", text: "[Voice]", at: minutes(60 * 24 * 3) },
    lastMessageAt: minutes(60 * 24 * 3),
    pinned: false,
    doNotDisturb: false,
    muteAll: false,
    dissolved: false,
    role: "member",
  },
];

function msg(seq: number, senderId: string, type: Message["type"], body: Record<string, unknown>, at: number, extra: Partial<Message> = {}): Message {
  return {
    conversationId: GROUP,
    seq,
    id: `m${seq}`,
    senderId,
    clientId: null,
    type,
    body,
    mentions: [],
    mentionAll: false,
    replyTo: null,
    forwarded: null,
    createdAt: at,
    recalledAt: null,
    recalledBy: null,
    ...extra,
  };
}

const messages: Message[] = [
  msg(1, ME, "system", { event: "created", actorId: ME, name: HIKING, memberIds: [BOB, CAROL] }, minutes(30)),
  msg(2, BOB, "text", { text: say("@Ann are we still on for Saturday?", `@${NAMES.ann} 周六还去吗？`) }, minutes(12), { mentions: [ME] }),
  msg(3, ME, "text", { text: say("Yes! Meet at the trailhead at 8.", "去！早上8点山脚下见。") }, minutes(11)),
  msg(4, CAROL, "voice", { mediaId: "md_voicevoicevoicevoic", durationMs: 9_000 }, minutes(10)),
  msg(5, CAROL, "file", { mediaId: "md_filefilefilefilefil", name: say("route.gpx", "路线.gpx"), size: 284_000 }, minutes(9)),
  msg(6, ME, "text", { text: say("Perfect, thanks Carol", "太好了，谢谢卡罗尔") }, minutes(3), {
    replyTo: { seq: 5, senderId: CAROL, type: "file", preview: say("[File] route.gpx", "[文件] 路线.gpx"), recalled: false },
  }),
  msg(7, BOB, "system", { event: "recalled", actorId: BOB, targetSeq: 0, senderId: BOB }, minutes(2)),
  msg(8, BOB, "location", { latitude: 31.23, longitude: 121.47, name: say("Trailhead", "佘山北门"), address: say("North gate, Sheshan", "上海市松江区佘山") }, minutes(2)),
  // A portrait photo (3:4): drawn at its own ratio.
  msg(9, BOB, "image", { mediaId: "md_photophotophotophot", width: 1080, height: 1440 }, minutes(1)),
];
/** The sample photo: a hillside at dawn, drawn as an SVG (simulate's <image> loads nothing). */
const photoSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 90 120"><defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f9c98b"/><stop offset="1" stop-color="#9cc9e8"/></linearGradient></defs><rect width="90" height="120" fill="url(#s)"/><circle cx="62" cy="38" r="10" fill="#fff3c4"/><path d="M0 86 L28 58 L50 78 L70 62 L90 80 L90 120 L0 120 Z" fill="#5b8c5a"/><path d="M0 100 L34 84 L60 98 L90 90 L90 120 L0 120 Z" fill="#3f6b46"/></svg>`;
const photoDataUrl = `data:image/svg+xml;base64,${Buffer.from(photoSvg).toString("base64")}`;

/** The direct chat with Bob: WeChat face codes in his text, and the contact card of Dave he shares. */
const BOB_CHAT = "d_bobbobbobbobbobbobbobbob";
const DAVE = "u_davedavedavedavedave";
const NAME_DAVE = say("Dave", "大卫");
const bobMessages: Message[] = [
  { ...msg(10, ME, "text", { text: say("See you tomorrow!", "明天见！") }, minutes(40)), conversationId: BOB_CHAT },
  { ...msg(11, BOB, "text", { text: say("Sure[强] My friend wants to come too[偷笑]", "好的[强] 我朋友也想一起去[偷笑]") }, minutes(36)), conversationId: BOB_CHAT },
  { ...msg(12, BOB, "card", { userId: DAVE, nickname: NAME_DAVE, avatarMediaId: null, username: "dave_hikes" }, minutes(35)), conversationId: BOB_CHAT },
];

const members = [
  { userId: ME, role: "owner" as const, profileNickname: NAMES.ann },
  { userId: BOB, role: "admin" as const, profileNickname: NAMES.bob },
  { userId: CAROL, role: "member" as const, profileNickname: NAMES.carol },
];
const group: GroupInfo = {
  id: GROUP,
  name: HIKING,
  avatarMediaId: null,
  announcement: say("Bring water and a jacket", "记得带水和外套"),
  announcementAt: minutes(40),
  announcementBy: ME,
  muteAll: false,
  dissolvedAt: null,
  memberCount: 3,
  joinPolicy: "open",
  inviteConfirmation: false,
  membersCanInvite: true,
  newMembersSeeHistory: false,
  members: members.map((m) => ({ ...m, nickname: "", avatarMediaId: null, joinedAt: 0, mutedUntil: null })),
};
const inviteUrl = "https://qun.example.com/j/3fZ0aB7kLmN2pQ4rS6tU8v";
const qrSvg = await QRCode.toString(inviteUrl, { type: "svg", margin: 1 });
const qrDataUrl = `data:image/svg+xml;base64,${Buffer.from(qrSvg).toString("base64")}`;

async function server(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  if (path === "/conversations") return Response.json({ conversations });
  if (path === `/conversations/${GROUP}/messages`) return Response.json({ messages, hasMore: false, lastSeq: 9 });
  if (path === `/conversations/${GROUP}/receipts`)
    return Response.json({
      reads: [
        { userId: BOB, seq: 6 },
        { userId: CAROL, seq: 3 },
      ],
      lastSeq: 8,
    });
  if (path === `/groups/${GROUP}`) return Response.json(group);
  if (path === `/conversations/${BOB_CHAT}/messages`) return Response.json({ messages: bobMessages, hasMore: false, lastSeq: 12 });
  if (path === `/users/${DAVE}`)
    return Response.json({ id: DAVE, username: "dave_hikes", nickname: NAME_DAVE, avatarMediaId: null, signature: say("Weekends are for mountains", "周末属于山野"), status: "" });
  if (path === `/groups/${GROUP}/join-requests`) return Response.json({ requests: [] });
  if (path === `/groups/${GROUP}/invites`) {
    return Response.json(
      {
        code: "3fZ0aB7kLmN2pQ4rS6tU8v",
        url: inviteUrl,
        conversationId: GROUP,
        createdBy: ME,
        createdAt: now,
        expiresAt: now + 7 * 86_400_000,
        revokedAt: null,
        maxUses: null,
        uses: 0,
        qrSvgUrl: "",
        qrPngUrl: "",
        qrSvg,
        qrPngDataUrl: qrDataUrl,
      },
      { status: 201 },
    );
  }
  if (path.endsWith("/messages")) return Response.json({ messages: [], hasMore: false, lastSeq: 0 });
  return Response.json({ error: { code: "not_found", message: path } }, { status: 404 });
}

// ---- WXSS → CSS ---------------------------------------------------------------------------

/** Scopes class selectors with simulate's prefix and turns rpx into px (750 rpx = 375 px). */
function scope(css: string, prefix: string): string {
  let out = "";
  let depth = 0;
  let buffer = "";
  const flushSelector = () => {
    const sel = buffer.startsWith("@") ? buffer : buffer.replace(/\.(?=[A-Za-z_])/g, `.${prefix}--`).replace(/(^|[\s,>+~])page(?=[\s,.{:[]|$)/g, "$1main");
    out += sel;
    buffer = "";
  };
  for (const ch of css.replace(/\/\*[\s\S]*?\*\//g, "")) {
    if (ch === "{") {
      if (depth === 0 || buffer.trim().length > 0) flushSelector();
      out += ch;
      depth++;
      continue;
    }
    if (ch === "}") {
      out += buffer.replace(/(-?[\d.]+)rpx/g, (_, n: string) => `${Number(n) / 2}px`) + ch;
      buffer = "";
      depth--;
      continue;
    }
    if (ch === ";" && depth > 0) {
      out += buffer.replace(/(-?[\d.]+)rpx/g, (_, n: string) => `${Number(n) / 2}px`) + ch;
      buffer = "";
      continue;
    }
    buffer += ch;
  }
  return out + buffer;
}

const BASE_CSS = `
html, body { margin: 0; }
main { display: block; min-height: 100vh; font-family: -apple-system, "PingFang SC", "Noto Sans", "Helvetica Neue", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Noto Color Emoji", sans-serif; }
wx-view, wx-scroll-view, wx-form, wx-progress, wx-map, wx-textarea, mp-cells, mp-cell, mp-half-screen-dialog, mp-toptips, mp-loading { display: block; }
wx-text, wx-label { display: inline; }
wx-page-meta { display: none; }
mp-icon { display: inline-block; }
wx-image { display: inline-block; background-size: cover; background-position: center; }
wx-map { background: repeating-linear-gradient(45deg, #e9efe4 0 10px, #dfe8d8 10px 20px); }
wx-input { display: block; line-height: 40px; }
wx-button { display: block; padding: 10px 24px; margin: 8px auto; border-radius: 8px; text-align: center; font-weight: 500; font-size: 17px; background: #f2f2f2; color: #06ae56; width: 184px; box-sizing: border-box; }
wx-button[type="primary"] { background: #07c160; color: #fff; }
wx-switch { display: inline-block; width: 52px; height: 32px; border-radius: 16px; background: #e5e5e5; }
wx-scroll-view { overflow-y: auto; }
`;

function weuiCss(tags: string[]): string {
  const base = readFileSync(join(weuiDistDir(), "weui-wxss/dist/style/weui.wxss"), "utf8");
  return tags
    .map((tag) => {
      const dir = tag.replace(/^mp-/, "");
      let own = "";
      try {
        own = readFileSync(join(weuiDistDir(), dir, `${dir}.wxss`), "utf8");
      } catch {
        own = "";
      }
      return scope(base + own, tag);
    })
    .join("\n");
}

/** A page's WXSS with the sheets it @imports put in their place (WeChat resolves them the same way). */
function wxssOf(file: string): string {
  return readFileSync(file, "utf8").replace(/@import\s+["']([^"']+)["'];?/g, (_, path: string) => wxssOf(join(file, "..", path)));
}

function writePage(name: string, page: string, comp: Rendered, extraCss = "") {
  const json = readJson(join(MINIPROGRAM_ROOT, `${page}.json`));
  const weuiTags = Object.entries(json.usingComponents ?? {})
    .filter(([, t]) => t.startsWith("weui-miniprogram/"))
    .map(([tag]) => tag);
  // The project's own components (the chat's emoji and + panels): their styles scoped by their tag.
  const ownComponents = Object.entries(json.usingComponents ?? {}).filter(([, t]) => t.startsWith("/components/"));
  const css = [
    BASE_CSS,
    weuiCss(weuiTags),
    scope(readFileSync(join(MINIPROGRAM_ROOT, "app.wxss"), "utf8"), "main"),
    scope(wxssOf(join(MINIPROGRAM_ROOT, `${page}.wxss`)), "main"),
    ...ownComponents.map(([tag, target]) => `${tag} { display: block; }\n${scope(wxssOf(join(MINIPROGRAM_ROOT, `${target}.wxss`)), tag)}`),
    extraCss,
  ].join("\n");
  const title = titles.at(-1) ?? (json.navigationBarTitleText as string) ?? "Qun";
  // A page with "navigationStyle": "custom" draws its own bar (the chat page); others get WeChat's.
  const bar =
    json.navigationStyle === "custom"
      ? ""
      : `<div style="height:44px;display:flex;align-items:center;justify-content:center;background:#ededed;font:500 17px -apple-system,'Noto Sans',sans-serif;border-bottom:0.5px solid rgba(0,0,0,.1)">${title}</div>`;
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `${name}.html`), `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body>${bar}${comp.dom!.outerHTML}</body></html>`);
}

// ---- Rendering ------------------------------------------------------------------------------

const chats = () => clientModule<typeof Chats>("services/chats").chats;

afterAll(() => chats().socket.stop());

/** Navigation bar titles the pages set (the one on top is drawn above each page). */
let titles: string[] = [];

it("renders the main pages", async () => {
  const adapter = createWxAdapter({ fetch: server, language: LOCALE });
  titles = adapter.titles;
  installWx(adapter);
  clientModule<typeof I18n>("i18n/index").setLocale(LOCALE);
  clientModule<typeof Session>("services/session").startSession({
    accessToken: "access-1",
    accessTokenExpiresAt: now + 60_000,
    refreshToken: "refresh-1-0123456789abcdef",
    refreshTokenExpiresAt: now + 86_400_000,
    user: { id: ME, username: "ann", nickname: NAMES.ann, avatarMediaId: null, signature: "", status: "", hasPassword: false, wechatLinked: false, allowStrangers: true, createdAt: 0 },
    created: false,
  });
  chats().start();
  chats().socket.stop(); // no live server here: the sample data comes through refresh()
  await chats().refresh();

  // Every page is loaded before any is rendered: a page loaded after another's WeUI dialogs were
  // rendered would draw its own dialogs empty (simulate shares WeUI's registrations).
  const pages = {
    chats: await loadComponent("pages/chats/index"),
    chat: await loadComponent("pages/chat/index"),
    info: await loadComponent("pages/group-info/index"),
    profile: await loadComponent("pages/profile/index"),
  };
  const list = renderPage(pages.chats);
  adapter.pageStack.splice(0, adapter.pageStack.length, "pages/chats/index");
  await lifecycle(list, "onLoad");
  await lifecycle(list, "onShow");
  chats().socket.stop();
  chats().store.set({ connection: "online" });
  await settled();
  writePage("chats", "pages/chats/index", list);

  const chat = renderPage(pages.chat);
  await lifecycle(chat, "onLoad", { id: GROUP });
  // An iPhone 14's bar (the screenshot's size): a 47 px status bar, the capsule 32 px tall 4 px below it.
  chat.instance.setData({ nav: { statusBar: 47, height: 40, bottom: 87, capsule: 93, windowWidth: 390 } });
  chats().setActive(null);
  await waitFor(() => chat.instance.data.members.length === 3 && chat.instance.data.bubbles.length === 9, "chat");
  await chats().loadReceipts(GROUP);
  await settled();
  // The chat fills an iPhone 14's 844 px; the sample photo stands in for the signed URL's picture.
  // Opened, a chat shows its newest messages: the list is drawn from the bottom up.
  const chatCss = `.main--chat { height: 844px; } .main--chat-messages { display: flex; flex-direction: column; justify-content: flex-end; overflow: hidden; } .main--bubble__image { background-image: url("${photoDataUrl}"); background-size: cover; }`;
  writePage("chat", "pages/chat/index", chat, chatCss);
  // The same chat with Bob's photo long-pressed: the dark menu over it. simulate lays nothing out,
  // so the finger is put where the photo is drawn on the screenshot (the middle of its top edge;
  // the last bubble, so the same in both languages).
  const finger = { clientX: 118, clientY: 625 };
  chat.querySelector("#b-s9")!.dispatchEvent("longpress", { touches: [finger], changedTouches: [finger] });
  await settled();
  writePage("chat-menu", "pages/chat/index", chat, chatCss);
  chat.instance.setData({ menu: { ...chat.instance.data.menu, show: false } });

  // The composer's panels, each open in place of the keyboard.
  chat.instance.onToggleEmoji();
  await settled();
  writePage("chat-emoji", "pages/chat/index", chat, chatCss);
  chat.instance.onTogglePlus();
  await settled();
  writePage("chat-plus", "pages/chat/index", chat, chatCss);
  chat.instance.onTogglePlus();

  // A direct chat with a contact card and face codes drawn as emoji, and the profile the card opens.
  const direct = renderPage(pages.chat);
  await lifecycle(direct, "onLoad", { id: BOB_CHAT });
  direct.instance.setData({ nav: { statusBar: 47, height: 40, bottom: 87, capsule: 93, windowWidth: 390 } });
  chats().setActive(null);
  await waitFor(() => direct.instance.data.bubbles.length === 3, "Bob's chat");
  await settled();
  writePage("chat-card", "pages/chat/index", direct, chatCss);
  const profile = renderPage(pages.profile);
  await lifecycle(profile, "onLoad", { userId: DAVE });
  await waitFor(() => profile.instance.data.loaded, "the profile");
  writePage("profile", "pages/profile/index", profile);

  const info = renderPage(pages.info);
  await lifecycle(info, "onLoad", { id: GROUP });
  await waitFor(() => info.instance.data.info !== null, "group info");
  // WeUI's half-screen dialog runs a 300 ms hide timer when it first renders closed; a dialog opened
  // before that fires is closed by it. A person taps later than that: so does this.
  await new Promise((resolve) => setTimeout(resolve, 400));
  info.instance.onShowQr();
  await waitFor(() => info.instance.data.qr !== null, "QR");
  await settled();
  // simulate keeps <image src> as a property, not an attribute: draw the QR as its background.
  writePage("group-info-qr", "pages/group-info/index", info, `.main--qr__image { background-image: url("${qrDataUrl}"); background-size: contain; background-repeat: no-repeat; }`);
});
