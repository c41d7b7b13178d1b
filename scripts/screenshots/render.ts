// `npm run screenshots`, step 1: renders Chats, Chat and Group info (with its QR code) with
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
    lastSeq: 8,
    readSeq: 6,
    unread: 2,
    lastMessage: { seq: 8, senderId: BOB, type: "location", text: say("[Location] Trailhead", "[Location] 佘山北门"), at: minutes(2) },
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
  if (path === `/conversations/${GROUP}/messages`) return Response.json({ messages, hasMore: false, lastSeq: 8 });
  if (path === `/conversations/${GROUP}/receipts`)
    return Response.json({
      reads: [
        { userId: BOB, seq: 6 },
        { userId: CAROL, seq: 3 },
      ],
      lastSeq: 8,
    });
  if (path === `/groups/${GROUP}`) return Response.json(group);
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
main { display: block; min-height: 100vh; font-family: -apple-system, "PingFang SC", "Noto Sans", "Helvetica Neue", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; }
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

function writePage(name: string, page: string, comp: Rendered, extraCss = "") {
  const json = readJson(join(MINIPROGRAM_ROOT, `${page}.json`));
  const weuiTags = Object.entries(json.usingComponents ?? {})
    .filter(([, t]) => t.startsWith("weui-miniprogram/"))
    .map(([tag]) => tag);
  const css = [
    BASE_CSS,
    weuiCss(weuiTags),
    scope(readFileSync(join(MINIPROGRAM_ROOT, "app.wxss"), "utf8"), "main"),
    scope(readFileSync(join(MINIPROGRAM_ROOT, `${page}.wxss`), "utf8"), "main"),
    extraCss,
  ].join("\n");
  const title = titles.at(-1) ?? (json.navigationBarTitleText as string) ?? "Qun";
  const bar = `<div style="height:44px;display:flex;align-items:center;justify-content:center;background:#ededed;font:500 17px -apple-system,'Noto Sans',sans-serif;border-bottom:0.5px solid rgba(0,0,0,.1)">${title}</div>`;
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
  const pages = { chats: await loadComponent("pages/chats/index"), chat: await loadComponent("pages/chat/index"), info: await loadComponent("pages/group-info/index") };
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
  chats().setActive(null);
  await waitFor(() => chat.instance.data.members.length === 3 && chat.instance.data.bubbles.length === 8, "chat");
  await chats().loadReceipts(GROUP);
  await settled();
  writePage("chat", "pages/chat/index", chat, ".main--chat { height: 800px; } .main--chat-info { display: none; }");

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
