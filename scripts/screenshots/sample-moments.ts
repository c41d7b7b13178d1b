// The screenshots' sample Moments (scripts/screenshots/render.ts): a timeline with one, four and
// nine pictures (WeChat's grids), likes, comments and a reply, a cover, my album, the
// notifications and the settings, and `momentsRoute`, the worker's /moments routes answering them.
import type { MomentPerson, MomentView, NotificationView } from "../../schema/moments";
import { BOB, CAROL, DAVE, ERIN, FRANK, GRACE, ME, minutes, NAME_DAVE, NAME_ERIN, NAME_GRACE, NAMES, say } from "./people.ts";

const person = (id: string, nickname: string): MomentPerson => ({ id, nickname, remark: "", avatarMediaId: null });
export const P = {
  ann: person(ME, NAMES.ann),
  bob: person(BOB, NAMES.bob),
  carol: person(CAROL, NAMES.carol),
  dave: person(DAVE, NAME_DAVE),
  erin: person(ERIN, NAME_ERIN),
  grace: person(GRACE, NAME_GRACE),
};
const pics = (prefix: string, n: number, width = 1200, height = 1200) =>
  Array.from({ length: n }, (_, i) => ({ mediaId: `md_${prefix}${i}`, kind: "image" as const, thumbMediaId: null, width, height, durationMs: null }));
export const COVER = "md_cover";

function post(id: string, author: MomentPerson, text: string, at: number, patch: Partial<MomentView> = {}): MomentView {
  return { id, author, text, media: [], location: null, createdAt: at, audience: null, likes: [], comments: [], likedByMe: false, ...patch };
}
export const posts: MomentView[] = [
  post("mo_one", P.bob, say("Sunrise from the summit, worth the 5 am start", "山顶日出，五点起床值了"), minutes(25), {
    media: pics("sunrise_wide", 1, 1440, 1080),
    location: { name: say("Sheshan", "佘山"), latitude: 31.1, longitude: 121.2 },
    likes: [
      { user: P.ann, createdAt: minutes(20) },
      { user: P.carol, createdAt: minutes(18) },
      { user: P.dave, createdAt: minutes(10) },
    ],
    likedByMe: true,
    comments: [
      { id: "mc_1", user: P.carol, replyTo: null, text: say("So beautiful!", "太美了！"), createdAt: minutes(17) },
      { id: "mc_2", user: P.bob, replyTo: P.carol, text: say("Come along next time", "下次一起来"), createdAt: minutes(15) },
    ],
  }),
  post("mo_four", P.carol, say("Weekend picnic with the family", "周末和家人去野餐"), minutes(60 * 3), {
    media: pics("picnic", 4),
    likes: [{ user: P.erin, createdAt: minutes(100) }],
  }),
  post("mo_nine", P.erin, say("Nine days in Yunnan, my favourite shots", "云南九日，最爱的九张"), minutes(60 * 26), {
    media: pics("yunnan", 9),
    comments: [{ id: "mc_3", user: P.ann, replyTo: null, text: say("Which one is Lijiang?", "哪张是丽江？"), createdAt: minutes(60 * 20) }],
  }),
  post("mo_text", P.grace, say("First day at the new job. Wish me luck!", "新工作第一天，祝我好运！"), minutes(60 * 50)),
];
/** My own posts, for the album. */
export const myPosts: MomentView[] = [
  post("mo_mine1", P.ann, say("Trail map for Saturday", "周六的路线"), minutes(60 * 24 * 2), { media: pics("map_tall", 1, 1080, 1440) }),
  post("mo_mine2", P.ann, say("Tea in Hangzhou", "杭州喝茶"), minutes(60 * 24 * 12), { media: pics("tea", 3) }),
  post("mo_mine3", P.ann, say("New shoes for the season", "新季度的登山鞋"), minutes(60 * 24 * 40)),
];
export const notifications: NotificationView[] = [
  { kind: "like", momentId: "mo_mine1", commentId: null, user: P.bob, text: "", createdAt: minutes(8), unread: true },
  { kind: "comment", momentId: "mo_mine1", commentId: "mc_9", user: P.carol, text: say("Count me in!", "算我一个！"), createdAt: minutes(30), unread: true },
  { kind: "reply", momentId: "mo_nine", commentId: "mc_10", user: P.erin, text: say("The third one", "第三张"), createdAt: minutes(60 * 19), unread: false },
];
export const settings = { friendsWindow: "6m", strangersWindow: "3d", coverMediaId: COVER, hiddenFrom: [GRACE], muted: [FRANK] };

/** The /moments routes; null for any other path. */
export async function momentsRoute(req: Request): Promise<Response | null> {
  const path = new URL(req.url).pathname;
  if (!path.startsWith("/moments")) return null;
  if (path === "/moments/badge") return Response.json({ newPosts: true, latestAuthor: P.bob, unreadNotifications: 2 });
  if (path === "/moments/timeline") return Response.json({ moments: posts, nextCursor: null });
  if (path === `/moments/users/${ME}`) return Response.json({ moments: myPosts, nextCursor: null, owner: P.ann, coverMediaId: COVER });
  if (path === "/moments/settings") return Response.json(settings);
  if (path === "/moments/notifications") return Response.json({ notifications, unread: 2 });
  if (path === "/moments/notifications/read") return new Response(null, { status: 204 });
  return null;
}
