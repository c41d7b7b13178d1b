// The screenshots' sample contacts, search results, group invite and face-to-face room
// (scripts/screenshots/render.ts), and `picture`, the sample photos drawn as SVG data URLs.
import type { FaceToFaceRoom, InvitePreview } from "../../schema/groups";
import type { Message } from "../../schema/protocol";
import type { SearchResponse } from "../../schema/search";
import { BOB, CAROL, DAVE, ERIN, FRANK, GRACE, GROUP, HIKING, ME, minutes, NAME_ERIN, NAME_FRANK, NAME_GRACE, NAMES, now, say } from "./people.ts";

const SCENES = [
  ["#f9c98b", "#9cc9e8", "#5b8c5a", "#3f6b46"],
  ["#8ec5fc", "#e0c3fc", "#6a8caf", "#3b5a7a"],
  ["#ffd194", "#f6a5a5", "#c0714f", "#7a3e2b"],
  ["#a1e3d8", "#f3f9a7", "#4f9d69", "#2e6b4a"],
  ["#fbc2eb", "#a6c1ee", "#8a7fb8", "#5a4f87"],
  ["#fddb92", "#d1fdff", "#78a55a", "#4b7340"],
];
/**
 * A sample photo (a landscape in one of six palettes, picked by the media id) as an SVG data URL:
 * 4:3 when the id says "wide", 3:4 when it says "tall", else square.
 */
export function picture(mediaId: string): string {
  const n = [...mediaId].reduce((sum, ch) => sum + ch.charCodeAt(0), 0);
  const [sky1, sky2, hill1, hill2] = SCENES[n % SCENES.length]!;
  const sun = 20 + (n % 50);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" preserveAspectRatio="xMidYMid slice"${size(mediaId)}><defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky1}"/><stop offset="1" stop-color="${sky2}"/></linearGradient></defs><rect width="120" height="120" fill="url(#s)"/><circle cx="${sun + 30}" cy="36" r="11" fill="#fff8d6"/><path d="M0 80 L30 52 L58 74 L86 50 L120 78 L120 120 L0 120 Z" fill="${hill1}"/><path d="M0 98 L40 82 L74 96 L120 86 L120 120 L0 120 Z" fill="${hill2}"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
}

const size = (id: string) => (id.includes("wide") ? ' width="480" height="360"' : id.includes("tall") ? ' width="360" height="480"' : "");
const profile = (id: string, nickname: string, username: string | null = null) => ({ id, username, nickname, avatarMediaId: null, signature: "", status: "" });
/** Friends with the pinyin sort keys the server computes (docs/contacts.md): the index letters. */
const friendList: Array<[string, string, string, string]> = [
  [BOB, NAMES.bob, "", say("bob", "bao bo")],
  [CAROL, NAMES.carol, "", say("carol", "ka luo er")],
  [ERIN, NAME_ERIN, "", say("erin", "zhao xiao yu")],
  [FRANK, NAME_FRANK, say("Frank (work)", "王磊（同事）"), say("frank (work)", "wang lei （tong shi ）")],
  [GRACE, NAME_GRACE, "", say("grace", "chen jing")],
];
export const friends = friendList.map(([id, nickname, remark, sortKey], i) => ({
  user: profile(id, nickname),
  remark,
  tags: i < 3 ? [say("Hiking", "徒步")] : [],
  online: i % 2 === 0,
  since: minutes(60 * 24 * (30 + i)),
  conversationId: `d_${id.slice(2)}xxxxx`,
  sortKey,
}));
export const tags = [say("Hiking", "徒步"), say("Family", "家人")];

const word = say("trail", "山顶");
function hit(seq: number, senderId: string, text: string, at: number, conversationId = GROUP): { message: Message; snippet: string; highlights: Array<[number, number]> } {
  const message: Message = {
    conversationId,
    seq,
    id: `m${seq}`,
    senderId,
    clientId: null,
    type: "text",
    body: { text },
    mentions: [],
    mentionAll: false,
    replyTo: null,
    forwarded: null,
    createdAt: at,
    recalledAt: null,
    recalledBy: null,
  };
  const start = text.indexOf(word);
  return { message, snippet: text, highlights: start >= 0 ? [[start, start + word.length]] : [] };
}
/** Messages mentioning the word searched, in the hiking group. */
export const searchHits = [
  hit(20, BOB, say("The view from the trail was amazing", "山顶的风景太美了"), minutes(60 * 5)),
  hit(14, CAROL, say("Who is taking the trail map?", "谁带去山顶的地图？"), minutes(60 * 30)),
  hit(11, ME, say("Let's meet below the trail at 8", "早上8点在山顶下面集合"), minutes(60 * 50)),
];
export const searchQuery = word;
export const searchResponse: SearchResponse = {
  contacts: [{ userId: ERIN, nickname: NAME_ERIN, remark: "", username: "erin", avatarMediaId: null, matched: "tag", tag: say("trail runners", "山顶跑团") }],
  groups: [{ conversation: { id: GROUP, kind: "group", name: HIKING, avatarMediaId: null }, memberCount: 3, member: { userId: CAROL, name: NAMES.carol } }],
  messages: {
    chats: [
      { conversation: { id: GROUP, kind: "group", name: HIKING, avatarMediaId: null }, total: 3, hits: searchHits.slice(0, 1) },
      {
        conversation: { id: "d_bobbobbobbobbobbobbobbob", kind: "direct", name: NAMES.bob, avatarMediaId: null },
        total: 1,
        hits: [hit(8, BOB, say("Meet you at the trail", "山顶见"), minutes(60 * 72), "d_bobbobbobbobbobbobbobbob")],
      },
    ],
    cursor: null,
    searched: 4,
  },
};
/** A message and its neighbours, as Message context shows it around a search hit. */
export const contextMessages: Message[] = [
  hit(18, CAROL, say("Anyone been up Sheshan lately?", "最近有人去过佘山吗？"), minutes(60 * 5 + 9)).message,
  hit(19, ME, say("Last month, it was foggy", "上个月去了，雾很大"), minutes(60 * 5 + 6)).message,
  searchHits[0]!.message,
  hit(21, CAROL, say("Photos please!", "求照片！"), minutes(60 * 5 - 2)).message,
  hit(22, BOB, say("Sending them tonight", "晚上发"), minutes(60 * 5 - 4)).message,
];

export const invitePreview: InvitePreview = {
  code: "3fZ0aB7kLmN2pQ4rS6tU8v",
  conversationId: GROUP,
  name: HIKING,
  avatarMediaId: null,
  memberCount: 12,
  approvalRequired: false,
  alreadyMember: false,
  expiresAt: now + 6 * 86_400_000,
};
export const faceToFaceRoom: FaceToFaceRoom = {
  roomId: "r_facefacefaceface",
  code: "2580",
  expiresAt: now + 10 * 60_000,
  members: [
    { userId: ME, nickname: NAMES.ann, avatarMediaId: null, joinedAt: minutes(2), entered: false },
    { userId: BOB, nickname: NAMES.bob, avatarMediaId: null, joinedAt: minutes(1), entered: false },
    { userId: CAROL, nickname: NAMES.carol, avatarMediaId: null, joinedAt: minutes(1), entered: false },
    { userId: ERIN, nickname: NAME_ERIN, avatarMediaId: null, joinedAt: minutes(0.5), entered: false },
  ],
  conversationId: null,
};

/** The contacts, search, invite and face-to-face routes; null for any other path. */
export async function socialRoute(req: Request): Promise<Response | null> {
  const url = new URL(req.url);
  const path = url.pathname;
  if (path === "/media/urls") {
    const body = (await req.clone().json()) as { mediaIds: string[] };
    return Response.json({ urls: body.mediaIds.map((mediaId) => ({ mediaId, url: picture(mediaId), expiresAt: now + 3_600_000 })), denied: [] });
  }
  // Dave, whose card Bob shares, is no friend of mine: his profile offers Add to Contacts.
  if (path === `/contacts/${DAVE}`) return Response.json({ error: { code: "not_found", message: "Not a friend" } }, { status: 404 });
  if (path === "/contacts") return Response.json({ friends, tags });
  if (path === "/contacts/requests")
    return Response.json({
      incoming: [
        {
          id: "fr_1",
          from: profile(GRACE, NAME_GRACE),
          to: profile(ME, NAMES.ann),
          greeting: say("Hi, I'm Grace from the hiking club", "你好，我是徒步群的陈静"),
          status: "pending",
          createdAt: minutes(90),
          respondedAt: null,
        },
      ],
      outgoing: [],
    });
  if (path === "/me")
    return Response.json({ ...profile(ME, NAMES.ann, "ann"), signature: say("Mountains on weekends", "周末去爬山"), hasPassword: false, wechatLinked: true, allowStrangers: true, createdAt: 0 });
  if (path === "/notices")
    return Response.json({ settings: { enabled: true, preview: true, dnd: null, utcOffset: 480 }, banked: { tmpl_new_message: 3 }, templateIds: ["tmpl_new_message"], reachable: true });
  if (path === "/health") return Response.json({ status: "ok", environment: "production", db: { ok: true, ms: 0 }, time: now });
  if (path.endsWith("/read")) return Response.json({ seq: 0 });
  if (path === "/contacts/blocks") return Response.json({ users: [] });
  if (path === "/contacts/tags") return Response.json({ tags: tags.map((name, i) => ({ name, count: 3 - i, createdAt: 0 })) });
  if (path === "/search") return Response.json(searchResponse);
  if (path === `/conversations/${GROUP}/search`) return Response.json({ conversationId: GROUP, total: searchHits.length, hits: searchHits, nextBefore: null });
  if (path === `/invites/${invitePreview.code}`) return Response.json(invitePreview);
  if (path === "/face-to-face/rooms") return Response.json(faceToFaceRoom);
  return null;
}
