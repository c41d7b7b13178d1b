// Moments (朋友圈, docs/moments.md): calls over /moments, the rows pages draw (WeChat's picture
// grid, names as the viewer knows them, likes and comments), and the Discover tab's badge: a red
// count of unread notifications, else a dot when a friend posted after what this device showed.
import type { CommentView, MomentMediaView, MomentPerson, MomentView, NotificationView } from "../../schema/moments";
import { listTime, t } from "../i18n/index";
import { api } from "./api";
import { initialOf } from "./format";
import { mediaUrl, mediaUrls } from "./media";
import { session } from "./session";
import { readStorage, STORAGE_KEYS, writeStorage } from "./storage";

export type { MomentView };

export const timeline = (cursor?: string) => api.get<"/moments/timeline">("/moments/timeline", cursor ? { cursor } : {});
export const album = (userId: string, cursor?: string) => api.get<"/moments/users/:userId">(`/moments/users/${userId}`, cursor ? { cursor } : {});
export const createMoment = (body: Record<string, unknown>) => api.post<"/moments">("/moments", body);
export const deleteMoment = (id: string) => api.del<"/moments/:id">(`/moments/${id}`);
export const like = (id: string) => api.put<"/moments/:id/like">(`/moments/${id}/like`);
export const unlike = (id: string) => api.del<"/moments/:id/like">(`/moments/${id}/like`);
export const comment = (id: string, text: string, replyTo?: string) => api.post<"/moments/:id/comments">(`/moments/${id}/comments`, replyTo ? { text, replyTo } : { text });
export const deleteComment = (id: string, commentId: string) => api.del<"/moments/:id/comments/:commentId">(`/moments/${id}/comments/${commentId}`);
export const notifications = () => api.get<"/moments/notifications">("/moments/notifications");
export const markNotificationsRead = (until: number) => api.post<"/moments/notifications/read">("/moments/notifications/read", { until });
export const momentSettings = () => api.get<"/moments/settings">("/moments/settings");

/** WeChat's picture grid: one picture large, four as 2×2, any other count in rows of three. */
export function gridOf(count: number): "single" | "four" | "nine" {
  return count === 1 ? "single" : count === 4 ? "four" : "nine";
}

/** A person as the viewer knows them: their remark, else their nickname. */
export const nameOf = (p: MomentPerson) => p.remark || p.nickname;

export interface PictureRow {
  mediaId: string;
  url: string;
  video: boolean;
}
export interface CommentRow {
  id: string;
  name: string;
  replyTo: string;
  text: string;
  mine: boolean;
}
export interface MomentRow {
  id: string;
  authorId: string;
  name: string;
  initial: string;
  avatar: string;
  text: string;
  grid: string;
  pictures: PictureRow[];
  location: string;
  time: string;
  mine: boolean;
  likedByMe: boolean;
  likes: string;
  comments: CommentRow[];
  hasActivity: boolean;
}

const me = () => session.get().user?.id ?? "";

/** The picture to draw for a media item: its thumbnail (or a video's poster) when there is one. */
const shown = (m: MomentMediaView) => m.thumbMediaId ?? m.mediaId;

export function rowOf(m: MomentView, now = Date.now()): MomentRow {
  const comments = m.comments.map((c: CommentView) => ({ id: c.id, name: nameOf(c.user), replyTo: c.replyTo ? nameOf(c.replyTo) : "", text: c.text, mine: c.user.id === me() }));
  return {
    id: m.id,
    authorId: m.author.id,
    name: nameOf(m.author),
    initial: initialOf(nameOf(m.author)),
    avatar: mediaUrl(m.author.avatarMediaId),
    text: m.text,
    grid: gridOf(m.media.length),
    pictures: m.media.map((x) => ({ mediaId: x.mediaId, url: mediaUrl(shown(x)), video: x.kind === "video" })),
    location: m.location?.name ?? "",
    time: listTime(m.createdAt, now),
    mine: m.author.id === me(),
    likedByMe: m.likedByMe,
    likes: m.likes.map((l) => nameOf(l.user)).join(t("moments.listSeparator")),
    comments,
    hasActivity: m.likes.length > 0 || comments.length > 0,
  };
}

/** Signed URLs for the pictures and avatars of these posts (a post's viewers may fetch them). */
export async function loadPictures(posts: MomentView[]): Promise<void> {
  const ids = posts.flatMap((m) => [...m.media.map(shown), ...(m.author.avatarMediaId ? [m.author.avatarMediaId] : [])]);
  if (ids.length) await mediaUrls(ids);
}

/** The full-size URLs of a post's pictures, for wx.previewImage. */
export async function fullSizeUrls(m: MomentView): Promise<string[]> {
  const got = await mediaUrls(m.media.map((x) => x.mediaId));
  return m.media.map((x) => got[x.mediaId] ?? "").filter(Boolean);
}

export function notificationRow(n: NotificationView) {
  const key = n.kind === "like" ? "moments.notifyLike" : n.kind === "reply" ? "moments.notifyReply" : "moments.notifyComment";
  return {
    ...n,
    name: nameOf(n.user),
    initial: initialOf(nameOf(n.user)),
    avatar: mediaUrl(n.user.avatarMediaId),
    line: n.kind === "like" ? t(key) : `${t(key)}: ${n.text}`,
    time: listTime(n.createdAt),
  };
}

// ---- the Discover tab's badge ----------------------------------------------------------------

/** The Discover tab's index in app.json's tab bar. */
export const DISCOVER_TAB = 2;
interface Badge {
  newPosts: boolean;
  unread: number;
  latestAvatar: string | null;
}
/** Null until the server was asked this session: the tab shows nothing of Moments before that. */
let badge: Badge | null = null;
/** The gathering of news frames under way (momentsNews), if any. */
let newsTimer: ReturnType<typeof setTimeout> | null = null;

/** The newest post time this device showed on the timeline. */
export const seenUntil = () => Number(readStorage<number>(STORAGE_KEYS.momentsSeen) ?? 0) || 0;
export function markSeen(newest: number) {
  if (newest > seenUntil()) writeStorage(STORAGE_KEYS.momentsSeen, newest);
  if (badge) badge = { ...badge, newPosts: false };
}

export const momentsBadge = () => badge;

/** Shows the badge on the Discover tab: the unread count, else a dot for new posts. */
export function applyMomentsBadge(): void {
  if (typeof wx.setTabBarBadge !== "function" || !badge) return;
  if (badge.unread > 0) wx.setTabBarBadge({ index: DISCOVER_TAB, text: badge.unread > 99 ? "99+" : String(badge.unread), fail: () => undefined });
  else {
    wx.removeTabBarBadge({ index: DISCOVER_TAB, fail: () => undefined });
    if (badge.newPosts) wx.showTabBarRedDot({ index: DISCOVER_TAB, fail: () => undefined });
    else wx.hideTabBarRedDot({ index: DISCOVER_TAB, fail: () => undefined });
  }
}

const badgeListeners = new Set<(b: Badge) => void>();
/** Called with every badge the server answers (Discover redraws while open); returns the unsubscribe. */
export function onMomentsBadge(listener: (b: Badge) => void): () => void {
  badgeListeners.add(listener);
  return () => badgeListeners.delete(listener);
}

/** Asks the server whether a friend posted since this device looked, and how many notifications are unread. */
export async function refreshMomentsBadge(): Promise<Badge> {
  const res = await api.get<"/moments/badge">("/moments/badge", { since: seenUntil() });
  if (res.latestAuthor?.avatarMediaId) await mediaUrls([res.latestAuthor.avatarMediaId]).catch(() => undefined);
  const next: Badge = { newPosts: res.newPosts, unread: res.unreadNotifications, latestAvatar: res.latestAuthor ? mediaUrl(res.latestAuthor.avatarMediaId) : null };
  badge = next;
  applyMomentsBadge();
  for (const listener of badgeListeners) listener(next);
  return next;
}

// Signed out: the next account must not see this one's count or dot, here or on the tab.
session.subscribe((state, previous) => {
  if (!previous.tokens || state.tokens) return;
  badge = null;
  if (newsTimer) clearTimeout(newsTimer);
  newsTimer = null;
  if (typeof wx.removeTabBarBadge !== "function") return;
  wx.removeTabBarBadge({ index: DISCOVER_TAB, fail: () => undefined });
  wx.hideTabBarRedDot({ index: DISCOVER_TAB, fail: () => undefined });
});

/** How long news frames are gathered before the badge is asked once (a burst of likes is one request). */
export const NEWS_GATHER_MS = 1000;

/**
 * A `moments` frame arrived (a friend posted, or someone liked or commented): ask for the badge
 * again, once per burst. The frame says nothing more on purpose: the badge applies every rule.
 */
export function momentsNews(): void {
  if (newsTimer) return;
  newsTimer = setTimeout(() => {
    newsTimer = null;
    refreshMomentsBadge().catch(() => undefined);
  }, NEWS_GATHER_MS);
}
