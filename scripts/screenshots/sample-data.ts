// The screenshots' sample chats (scripts/screenshots/render.ts): the Chats list, the group's and
// Bob's messages, the group with its invite QR code, in the language SCREEN_LOCALE names (people.ts),
// and `server`, the worker's routes answering with them and with sample-social.ts's contacts,
// search results and pictures and sample-moments.ts's posts.
import QRCode from "qrcode";
import type { GroupInfo } from "../../schema/groups";
import type { ConversationSummary, Message } from "../../schema/protocol";
import { momentsRoute } from "./sample-moments.ts";
import { BOB, CAROL, DAVE, GROUP, HIKING, ME, minutes, NAME_DAVE, NAMES, now, say } from "./people.ts";
import { contextMessages, socialRoute } from "./sample-social.ts";

export const conversations: ConversationSummary[] = [
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

export const messages: Message[] = [
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
export const photoDataUrl = `data:image/svg+xml;base64,${Buffer.from(photoSvg).toString("base64")}`;

/** The direct chat with Bob: WeChat face codes in his text, and the contact card of Dave he shares. */
export const BOB_CHAT = "d_bobbobbobbobbobbobbobbob";
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
export const qrDataUrl = `data:image/svg+xml;base64,${Buffer.from(qrSvg).toString("base64")}`;

/**
 * The account's signed-in devices (GET /me/sessions): this phone, and the browser once
 * pages-more.ts has signed one in (after the Chats shot, which so shows no "Web Qun signed in" bar).
 */
export const signedInDevices = {
  sessions: [{ id: "s_phonephonephonephone", kind: "miniprogram", device: "iPhone 15", createdAt: minutes(600), lastSeenAt: minutes(1), current: true }] as Array<Record<string, unknown>>,
};

/** The worker's routes the pages call, answering with the sample data. */
export async function server(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  const other = (await socialRoute(req)) ?? (await momentsRoute(req));
  if (other) return other;
  if (path === `/groups/${GROUP}/members`) return Response.json({ members: group.members });
  if (path === `/conversations/${GROUP}/messages` && new URL(req.url).searchParams.has("around")) return Response.json({ messages: contextMessages, hasMore: false, lastSeq: 22 });
  if (path === "/conversations") return Response.json({ conversations });
  if (path === "/me/sessions") return Response.json({ sessions: signedInDevices.sessions });
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
  if (path === `/conversations/${BOB_CHAT}/receipts`) return Response.json({ reads: [{ userId: BOB, seq: 12 }], lastSeq: 12 });
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
  console.warn(`sample server: no ${req.method} ${path}`);
  return Response.json({ error: { code: "not_found", message: path } }, { status: 404 });
}
