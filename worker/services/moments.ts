// size: the whole Moments service (posting, reading, likes, comments, notifications, settings) in one place; reads and rules are in data/moments.ts and data/moment-rules.ts.
// Moments (朋友圈, docs/moments.md): posting (media checked against the author's uploads, an
// include/exclude audience expanded from friends and tags), deleting, likes and comments, and
// the views built from data/moments.ts. Writes are a few rows per post or interaction in one D1
// batch; reads write nothing.
import { and, eq, inArray, sql } from "drizzle-orm";
import { contactTags, friendships, momentAudience, momentComments, momentHides, momentLikes, momentMedia, moments, momentSettings } from "../../schema/d1";
import {
  type AlbumResponse,
  type CommentView,
  type CreateMomentBody,
  MOMENT_LIMITS,
  type MomentMediaView,
  type MomentPage,
  type MomentPerson,
  type MomentSettingsView,
  type MomentView,
  type NotificationView,
} from "../../schema/moments";
import { loadMedia } from "../data/media";
import * as q from "../data/moments";
import { flagAll, screenTexts } from "../data/safety";
import type { Db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { batch, inChunks } from "../lib/sql";
import { pushToUsers } from "../lib/shards";
import type { ServerFrame } from "../../schema/protocol";
import { take } from "./ratelimit";

const notFound = () => new ApiError("not_found", "No such post, or you cannot see it");

/** Runs work after the answer (the route passes the request's waitUntil). */
export type Later = (task: Promise<unknown>) => void;
const detached: Later = (task) => void task.catch(() => undefined);

// ---- live news ----------------------------------------------------------------------------

/**
 * Tells the devices of `userIds` that their Discover badge changed. Only a hint (docs/moments.md#live-news):
 * the device asks /moments/badge, so the frame itself carries nothing a rule would have to hide.
 * A failed push is logged, not retried: the badge is asked again whenever Discover is shown.
 */
async function announce(env: Env, userIds: string[], event: "post" | "notification"): Promise<void> {
  if (userIds.length === 0) return;
  try {
    await pushToUsers(env, userIds, [JSON.stringify({ type: "moments", event } satisfies ServerFrame)]);
  } catch (e) {
    console.error(JSON.stringify({ msg: "moments news failed", event, error: String(e) }));
  }
}

// ---- posting ------------------------------------------------------------------------------

/** Pictures (≤ 9) or one video, each uploaded by the author, with previews of their own. */
async function checkMedia(env: Env, authorId: string, items: CreateMomentBody["media"]): Promise<MomentMediaView[]> {
  if (items.length === 0) return [];
  const ids = items.flatMap((i) => [i.mediaId, ...(i.thumbMediaId ? [i.thumbMediaId] : [])]);
  if (new Set(ids).size !== ids.length) throw new ApiError("invalid_request", "media: the same media twice");
  const rows = await loadMedia(env, ids);
  const views: MomentMediaView[] = [];
  for (const item of items) {
    const m = rows.get(item.mediaId);
    if (!m || m.ownerId !== authorId) throw new ApiError("forbidden", "media: use pictures or a video you uploaded");
    if ((m.kind !== "image" && m.kind !== "video") || m.previewOf !== null) throw new ApiError("invalid_request", "media: a post shows pictures or one video");
    if (item.thumbMediaId) {
      const t = rows.get(item.thumbMediaId);
      if (!t || t.ownerId !== authorId || t.previewOf !== m.id) throw new ApiError("invalid_request", "media: a thumbnail must be uploaded as that media's preview");
    }
    views.push({ mediaId: m.id, kind: m.kind, thumbMediaId: item.thumbMediaId ?? null, width: m.width, height: m.height, durationMs: m.durationMs });
  }
  if (views.some((v) => v.kind === "video") && views.length > 1) throw new ApiError("invalid_request", "media: a post shows one video, or up to nine pictures");
  return views;
}

/** The friends an include/exclude post names: those chosen and those in the chosen tags now. */
async function expandAudience(d: Db, authorId: string, userIds: string[], tags: string[]): Promise<string[]> {
  const chosen = [...new Set(userIds)];
  const friends = new Set<string>();
  for (const part of inChunks(chosen)) {
    const rows = await d
      .select({ id: friendships.friendId })
      .from(friendships)
      .where(and(eq(friendships.userId, authorId), inArray(friendships.friendId, part)))
      .all();
    for (const r of rows) friends.add(r.id);
  }
  const notFriends = chosen.filter((id) => !friends.has(id));
  if (notFriends.length > 0) throw new ApiError("not_friends", "userIds: choose among your friends", { notFriends });
  if (tags.length > 0) {
    const known = await d
      .select({ name: contactTags.name })
      .from(contactTags)
      .where(and(eq(contactTags.userId, authorId), inArray(contactTags.name, tags)))
      .all();
    const missing = tags.filter((t) => !known.some((k) => k.name === t));
    if (missing.length > 0) throw new ApiError("not_found", "tags: you have no tag of that name", { missing });
    const tagged = await d.all<{ id: string }>(sql`select f.friend_id as id from friendships f
      where f.user_id = ${authorId} and exists (select 1 from json_each(f.tags) j where j.value in (${sql.join(
        tags.map((t) => sql`${t}`),
        sql`, `,
      )}))`);
    for (const r of tagged) friends.add(r.id);
  }
  return [...friends];
}

export async function createMoment(env: Env, d: Db, authorId: string, body: CreateMomentBody, later: Later = detached, now = Date.now()): Promise<MomentView> {
  const media = await checkMedia(env, authorId, body.media);
  const audience = body.visibility === "include" || body.visibility === "exclude" ? await expandAudience(d, authorId, body.userIds, body.tags) : [];
  const review = await screenTexts(env, authorId, [{ kind: "moment", text: body.text }]);
  await take(d, [{ key: `moments:${authorId}`, max: MOMENT_LIMITS.postsPerDay, windowSeconds: 86_400, message: "You have posted a lot today; try tomorrow" }], now);
  const id = newId("mo");
  const mediaIds = media.flatMap((m) => [m.mediaId, ...(m.thumbMediaId ? [m.thumbMediaId] : [])]);
  // One batch: the post, its audience (50 rows a statement) and its media, all or nothing.
  await batch(d, [
    d.insert(moments).values({
      id,
      authorId,
      text: body.text,
      media: JSON.stringify(media),
      location: body.location ? JSON.stringify(body.location) : null,
      visibility: body.visibility,
      audienceTags: JSON.stringify(body.tags),
      audienceUsers: JSON.stringify([...new Set(body.userIds)]),
      createdAt: now,
    }),
    ...inChunks(audience, 45).map((part) => d.insert(momentAudience).values(part.map((userId) => ({ momentId: id, userId })))),
    ...(mediaIds.length > 0 ? [d.insert(momentMedia).values(mediaIds.map((mediaId) => ({ momentId: id, mediaId })))] : []),
  ]);
  await flagAll(env, review);
  const row = await q.visiblePost(d, authorId, id, now);
  if (!row) throw notFound();
  const [view] = await views(d, authorId, [row]);
  // Friends who may see it hear at once (their Discover dot), by the rules every read applies.
  later(q.postAudience(d, id, now).then((audience) => announce(env, audience, "post")));
  return view!;
}

export async function deleteMoment(d: Db, userId: string, momentId: string): Promise<void> {
  // Likes, comments, audience and media rows go with it (foreign keys): nothing else to update.
  const gone = await d
    .delete(moments)
    .where(and(eq(moments.id, momentId), eq(moments.authorId, userId)))
    .returning({ id: moments.id });
  if (gone.length === 0) throw notFound();
}

// ---- reading ------------------------------------------------------------------------------

/** Views of posts the viewer may see, with only the likes and comments the viewer may see. */
async function views(d: Db, viewer: string, posts: q.PostRow[]): Promise<MomentView[]> {
  if (posts.length === 0) return [];
  const { likes, comments } = await q.interactions(
    d,
    viewer,
    posts.map((p) => p.id),
  );
  const who = await q.people(d, viewer, [...posts.map((p) => p.authorId), ...likes.map((l) => l.userId), ...comments.flatMap((c) => [c.userId, ...(c.replyToUserId ? [c.replyToUserId] : [])])]);
  const person = (id: string): MomentPerson => who.get(id) ?? { id, nickname: "", remark: "", avatarMediaId: null };
  return posts.map((p) => {
    const postComments: CommentView[] = comments
      .filter((c) => c.momentId === p.id)
      .slice(-MOMENT_LIMITS.interactionsPerPost)
      .map((c) => ({ id: c.id, user: person(c.userId), replyTo: c.replyToUserId ? person(c.replyToUserId) : null, text: c.text, createdAt: c.createdAt }));
    const postLikes = likes.filter((l) => l.momentId === p.id);
    return {
      id: p.id,
      author: person(p.authorId),
      text: p.text,
      media: JSON.parse(p.media) as MomentMediaView[],
      location: p.location ? (JSON.parse(p.location) as MomentView["location"]) : null,
      createdAt: p.createdAt,
      audience: p.authorId === viewer ? { visibility: p.visibility, userIds: JSON.parse(p.audienceUsers) as string[], tags: JSON.parse(p.audienceTags) as string[] } : null,
      likes: postLikes.slice(-MOMENT_LIMITS.interactionsPerPost).map((l) => ({ user: person(l.userId), createdAt: l.createdAt })),
      comments: postComments,
      likedByMe: postLikes.some((l) => l.userId === viewer),
    };
  });
}

const pageOf = async (d: Db, viewer: string, rows: q.PostRow[], limit: number): Promise<MomentPage> => {
  const last = rows.at(-1);
  return { moments: await views(d, viewer, rows), nextCursor: rows.length === limit && last ? q.cursorOf(last) : null };
};

export async function timeline(d: Db, viewer: string, query: { cursor?: string; limit?: number }, now = Date.now()): Promise<MomentPage> {
  const limit = query.limit ?? MOMENT_LIMITS.pageSize;
  return pageOf(d, viewer, await q.timelinePage(d, viewer, q.parseCursor(query.cursor), limit, now), limit);
}

export async function album(d: Db, viewer: string, ownerId: string, query: { cursor?: string; limit?: number }, now = Date.now()): Promise<AlbumResponse> {
  const owner = (await q.people(d, viewer, [ownerId])).get(ownerId);
  if (!owner) throw new ApiError("not_found", "No such user");
  const limit = query.limit ?? MOMENT_LIMITS.pageSize;
  const page = await pageOf(d, viewer, await q.albumPage(d, viewer, ownerId, q.parseCursor(query.cursor), limit, now), limit);
  const settings = await d.select({ cover: momentSettings.coverMediaId }).from(momentSettings).where(eq(momentSettings.userId, ownerId)).get();
  return { ...page, owner, coverMediaId: settings?.cover ?? null };
}

export async function getMoment(d: Db, viewer: string, momentId: string, now = Date.now()): Promise<MomentView> {
  const row = await q.visiblePost(d, viewer, momentId, now);
  if (!row) throw notFound();
  const [view] = await views(d, viewer, [row]);
  return view!;
}

// ---- likes and comments -------------------------------------------------------------------

/** Only the author and the author's friends interact with a post they can see (a non-friend may only look). */
async function interactable(d: Db, userId: string, momentId: string, now: number): Promise<q.PostRow> {
  const row = await q.visiblePost(d, userId, momentId, now);
  if (!row) throw notFound();
  if (row.authorId !== userId) {
    const friend = await d
      .select({ one: sql`1` })
      .from(friendships)
      .where(and(eq(friendships.userId, row.authorId), eq(friendships.friendId, userId)))
      .get();
    if (!friend) throw new ApiError("not_friends", "Only the author's friends can like or comment");
  }
  return row;
}

export async function like(env: Env, d: Db, userId: string, momentId: string, later: Later = detached, now = Date.now()): Promise<MomentView> {
  const post = await interactable(d, userId, momentId, now);
  const added = await d.insert(momentLikes).values({ momentId, userId, authorId: post.authorId, createdAt: now }).onConflictDoNothing().returning({ at: momentLikes.createdAt });
  // The author's notification count changed (a like already there changes nothing).
  if (added.length > 0 && post.authorId !== userId) later(announce(env, [post.authorId], "notification"));
  return getMoment(d, userId, momentId, now);
}

export async function unlike(d: Db, userId: string, momentId: string, now = Date.now()): Promise<MomentView> {
  await d.delete(momentLikes).where(and(eq(momentLikes.momentId, momentId), eq(momentLikes.userId, userId)));
  return getMoment(d, userId, momentId, now);
}

export async function comment(env: Env, d: Db, userId: string, momentId: string, body: { text: string; replyTo?: string | undefined }, later: Later = detached, now = Date.now()): Promise<MomentView> {
  const post = await interactable(d, userId, momentId, now);
  let replyToUserId: string | null = null;
  if (body.replyTo) {
    const target = await q.visibleComment(d, userId, momentId, body.replyTo);
    if (!target) throw new ApiError("not_found", "replyTo: no such comment on this post");
    replyToUserId = target.userId === userId ? null : target.userId;
  }
  const review = await screenTexts(env, userId, [{ kind: "moment_comment", text: body.text }]);
  await take(d, [{ key: `moment-comments:${userId}`, max: MOMENT_LIMITS.commentsPerHour, windowSeconds: 3600, message: "You have commented a lot this hour; try later" }], now);
  const commentId = newId("mc");
  await d.insert(momentComments).values({ id: commentId, momentId, userId, authorId: post.authorId, replyToId: body.replyTo ?? null, replyToUserId, text: body.text, createdAt: now });
  await flagAll(env, review);
  later(commentNews(env, d, { momentId, commentId, writer: userId, author: post.authorId, answered: replyToUserId }, now));
  return getMoment(d, userId, momentId, now);
}

/**
 * Whose notifications a new comment adds to: the post's author, and the person answered when they
 * may still see both the post and the comment (as their notifications list will decide).
 */
async function commentNews(env: Env, d: Db, c: { momentId: string; commentId: string; writer: string; author: string; answered: string | null }, now: number): Promise<void> {
  const to = c.author !== c.writer ? [c.author] : [];
  if (c.answered && c.answered !== c.author) {
    const [post, seen] = await Promise.all([q.visiblePost(d, c.answered, c.momentId, now), q.visibleComment(d, c.answered, c.momentId, c.commentId)]);
    if (post && seen) to.push(c.answered);
  }
  await announce(env, to, "notification");
}

/** The comment's writer, or the post's author, may delete it. */
export async function deleteComment(d: Db, userId: string, momentId: string, commentId: string, now = Date.now()): Promise<MomentView> {
  const gone = await d
    .delete(momentComments)
    .where(and(eq(momentComments.id, commentId), eq(momentComments.momentId, momentId), sql`(${momentComments.userId} = ${userId} or ${momentComments.authorId} = ${userId})`))
    .returning({ id: momentComments.id });
  if (gone.length === 0) throw new ApiError("not_found", "No such comment of yours");
  return getMoment(d, userId, momentId, now);
}

// ---- notifications and the Discover badge ----------------------------------------------------

async function readAt(d: Db, userId: string): Promise<number> {
  const row = await d.select({ at: momentSettings.notificationsReadAt }).from(momentSettings).where(eq(momentSettings.userId, userId)).get();
  return row?.at ?? 0;
}

export async function notifications(d: Db, viewer: string, now = Date.now()): Promise<{ notifications: NotificationView[]; unread: number }> {
  const [rows, read] = await Promise.all([q.notifications(d, viewer, MOMENT_LIMITS.notificationsPage, now), readAt(d, viewer)]);
  const who = await q.people(
    d,
    viewer,
    rows.map((r) => r.userId),
  );
  const list = rows.map((r) => ({ ...r, user: who.get(r.userId) ?? { id: r.userId, nickname: "", remark: "", avatarMediaId: null }, unread: r.createdAt > read }));
  return { notifications: list.map(({ userId: _, ...n }) => n), unread: list.filter((n) => n.unread).length };
}

export async function markNotificationsRead(d: Db, userId: string, now = Date.now()): Promise<void> {
  await d
    .insert(momentSettings)
    .values({ userId, notificationsReadAt: now })
    .onConflictDoUpdate({ target: momentSettings.userId, set: { notificationsReadAt: now } });
}

export async function badge(d: Db, viewer: string, since: number | undefined, now = Date.now()) {
  const read = await readAt(d, viewer);
  const [newest, unread] = await Promise.all([q.newestFriendPost(d, viewer, since ?? now, now), q.notifications(d, viewer, 100, now, read)]);
  const latestAuthor = newest ? ((await q.people(d, viewer, [newest.authorId])).get(newest.authorId) ?? null) : null;
  return { newPosts: newest !== null, latestAuthor, unreadNotifications: unread.length };
}

// ---- settings ------------------------------------------------------------------------------

export async function getSettings(d: Db, userId: string): Promise<MomentSettingsView> {
  const [row, hides] = await Promise.all([d.select().from(momentSettings).where(eq(momentSettings.userId, userId)).get(), d.select().from(momentHides).where(eq(momentHides.userId, userId)).all()]);
  return {
    friendsWindow: row?.friendsWindow ?? "all",
    strangersWindow: row?.strangersWindow ?? "none",
    coverMediaId: row?.coverMediaId ?? null,
    hiddenFrom: hides.filter((h) => h.kind === "hide").map((h) => h.otherId),
    muted: hides.filter((h) => h.kind === "mute").map((h) => h.otherId),
  };
}

export async function updateSettings(
  env: Env,
  d: Db,
  userId: string,
  patch: { friendsWindow?: "3d" | "1m" | "6m" | "all" | undefined; strangersWindow?: "none" | "3d" | "1m" | "6m" | "all" | undefined; coverMediaId?: string | null | undefined },
) {
  if (patch.coverMediaId) {
    const m = (await loadMedia(env, [patch.coverMediaId])).get(patch.coverMediaId);
    if (!m || m.ownerId !== userId) throw new ApiError("forbidden", "coverMediaId: use a picture you uploaded");
    if (m.kind !== "image" || m.previewOf !== null) throw new ApiError("invalid_request", "coverMediaId: a cover must be a picture");
  }
  const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  await d
    .insert(momentSettings)
    .values({ userId, ...set })
    .onConflictDoUpdate({ target: momentSettings.userId, set });
  return getSettings(d, userId);
}

/** Replaces the list of people hidden from (hide) or muted by (mute) the user; they must be friends. */
export async function setHideList(d: Db, userId: string, kind: "hide" | "mute", userIds: string[]) {
  const ids = [...new Set(userIds)].filter((id) => id !== userId);
  const friends = new Set<string>();
  for (const part of inChunks(ids)) {
    for (const r of await d
      .select({ id: friendships.friendId })
      .from(friendships)
      .where(and(eq(friendships.userId, userId), inArray(friendships.friendId, part)))
      .all())
      friends.add(r.id);
  }
  const notFriends = ids.filter((id) => !friends.has(id));
  if (notFriends.length > 0) throw new ApiError("not_friends", "userIds: choose among your friends", { notFriends });
  await batch(d, [
    d.delete(momentHides).where(and(eq(momentHides.userId, userId), eq(momentHides.kind, kind))),
    ...inChunks(ids, 30).map((part) => d.insert(momentHides).values(part.map((otherId) => ({ userId, otherId, kind })))),
  ]);
  return getSettings(d, userId);
}
