// D1 reads of Moments: pages of posts a viewer may see, the likes and comments of a page the
// viewer may see, notifications, and the people they name. Every query takes its rules from
// moment-rules.ts; nothing here writes.
import { type SQL, sql } from "drizzle-orm";
import type { MomentPerson } from "../../schema/moments";
import type { Db } from "../db";
import { inChunks } from "../lib/sql";
import { canSeeComment, canSeeInteraction, canSeePost, timelineAuthors } from "./moment-rules";

export interface PostRow {
  id: string;
  authorId: string;
  text: string;
  media: string;
  location: string | null;
  visibility: "all" | "include" | "exclude" | "private";
  audienceTags: string;
  audienceUsers: string;
  createdAt: number;
}
export interface LikeRow {
  momentId: string;
  userId: string;
  createdAt: number;
}
export interface CommentRow {
  id: string;
  momentId: string;
  userId: string;
  authorId: string;
  replyToId: string | null;
  replyToUserId: string | null;
  text: string;
  createdAt: number;
}

const POST_COLUMNS = sql`m.id as id, m.author_id as authorId, m.text as text, m.media as media, m.location as location,
  m.visibility as visibility, m.audience_tags as audienceTags, m.audience_users as audienceUsers, m.created_at as createdAt`;

export interface Cursor {
  createdAt: number;
  id: string;
}
export const parseCursor = (s: string | undefined): Cursor | null => {
  if (!s) return null;
  const i = s.indexOf("_");
  return { createdAt: Number(s.slice(0, i)), id: s.slice(i + 1) };
};
export const cursorOf = (p: { createdAt: number; id: string }) => `${p.createdAt}_${p.id}`;

const before = (c: Cursor | null): SQL => (c ? sql`and (m.created_at < ${c.createdAt} or (m.created_at = ${c.createdAt} and m.id < ${c.id}))` : sql``);

/** A page of the viewer's timeline: their own and their friends' posts they may see, newest first. One read. */
export function timelinePage(d: Db, viewer: string, cursor: Cursor | null, limit: number, now: number): Promise<PostRow[]> {
  return d.all<PostRow>(sql`select ${POST_COLUMNS} from moments m
    where ${timelineAuthors(viewer)} and ${canSeePost(viewer, now)} ${before(cursor)}
    order by m.created_at desc, m.id desc limit ${limit}`);
}

/** The newest post by someone else on the viewer's timeline after `since` (for the Discover dot). */
export async function newestFriendPost(d: Db, viewer: string, since: number, now: number): Promise<PostRow | null> {
  const rows = await d.all<PostRow>(sql`select ${POST_COLUMNS} from moments m
    where m.author_id != ${viewer} and m.created_at > ${since} and ${timelineAuthors(viewer)} and ${canSeePost(viewer, now)}
    order by m.created_at desc limit 1`);
  return rows[0] ?? null;
}

/**
 * Whose Discover dot a new post lights: the author's friends whose timeline draws from the author
 * (they have not muted them) and who may see the post, by the same rules every read uses.
 */
export async function postAudience(d: Db, momentId: string, now: number): Promise<string[]> {
  // The rules' own subqueries alias friendships as f: the outer alias must differ or they would shadow it.
  const viewer = sql`audience.friend_id`;
  const rows = await d.all<{ id: string }>(sql`select audience.friend_id as id from moments m join friendships audience on audience.user_id = m.author_id
    where m.id = ${momentId} and ${timelineAuthors(viewer)} and ${canSeePost(viewer, now)}`);
  return rows.map((r) => r.id);
}

/** A page of one person's posts that the viewer may see (their album). */
export function albumPage(d: Db, viewer: string, ownerId: string, cursor: Cursor | null, limit: number, now: number): Promise<PostRow[]> {
  return d.all<PostRow>(sql`select ${POST_COLUMNS} from moments m
    where m.author_id = ${ownerId} and ${canSeePost(viewer, now)} ${before(cursor)}
    order by m.created_at desc, m.id desc limit ${limit}`);
}

/** One post if the viewer may see it. */
export async function visiblePost(d: Db, viewer: string, momentId: string, now: number): Promise<PostRow | null> {
  const rows = await d.all<PostRow>(sql`select ${POST_COLUMNS} from moments m where m.id = ${momentId} and ${canSeePost(viewer, now)}`);
  return rows[0] ?? null;
}

/** Which of these media belong to a post the viewer may see. */
export async function visiblePostMedia(d: Db, viewer: string, mediaIds: string[], now: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of inChunks(mediaIds, 80)) {
    const rows = await d.all<{ mediaId: string }>(sql`select distinct mm.media_id as mediaId from moment_media mm join moments m on m.id = mm.moment_id
      where mm.media_id in (${sql.join(
        part.map((id) => sql`${id}`),
        sql`, `,
      )}) and ${canSeePost(viewer, now)}`);
    for (const r of rows) out.add(r.mediaId);
  }
  return out;
}

const idList = (ids: string[]) =>
  sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );

/** The likes and comments on these posts that the viewer may see, oldest first. */
export async function interactions(d: Db, viewer: string, momentIds: string[]): Promise<{ likes: LikeRow[]; comments: CommentRow[] }> {
  const likes: LikeRow[] = [];
  const comments: CommentRow[] = [];
  for (const part of inChunks(momentIds, 40)) {
    const [l, c] = await Promise.all([
      d.all<LikeRow>(sql`select l.moment_id as momentId, l.user_id as userId, l.created_at as createdAt from moment_likes l
        where l.moment_id in (${idList(part)}) and ${canSeeInteraction(viewer, sql`l.user_id`, sql`l.author_id`)} order by l.created_at`),
      d.all<CommentRow>(sql`select c.id as id, c.moment_id as momentId, c.user_id as userId, c.author_id as authorId, c.reply_to_id as replyToId,
          c.reply_to_user_id as replyToUserId, c.text as text, c.created_at as createdAt from moment_comments c
        where c.moment_id in (${idList(part)}) and ${canSeeComment(viewer, "c", sql`c.author_id`)} order by c.created_at`),
    ]);
    likes.push(...l);
    comments.push(...c);
  }
  return { likes, comments };
}

/** One comment on a post, if the viewer may see it (a reply's target). */
export async function visibleComment(d: Db, viewer: string, momentId: string, commentId: string): Promise<CommentRow | null> {
  const rows = await d.all<CommentRow>(sql`select c.id as id, c.moment_id as momentId, c.user_id as userId, c.author_id as authorId, c.reply_to_id as replyToId,
      c.reply_to_user_id as replyToUserId, c.text as text, c.created_at as createdAt from moment_comments c
    where c.id = ${commentId} and c.moment_id = ${momentId} and ${canSeeComment(viewer, "c", sql`c.author_id`)}`);
  return rows[0] ?? null;
}

export interface NotificationRow {
  kind: "like" | "comment" | "reply";
  momentId: string;
  commentId: string | null;
  userId: string;
  text: string;
  createdAt: number;
}

/**
 * Likes and comments by others on the viewer's posts, and replies to the viewer on posts they can
 * still see, newest first: derived from the interactions themselves, so an unliked like or a
 * deleted comment or post leaves no notification behind.
 */
export function notifications(d: Db, viewer: string, limit: number, now: number, since = -1): Promise<NotificationRow[]> {
  return d.all<NotificationRow>(sql`select * from (
      select 'like' as kind, l.moment_id as momentId, null as commentId, l.user_id as userId, '' as text, l.created_at as createdAt
        from moment_likes l where l.author_id = ${viewer} and l.user_id != ${viewer} and ${canSeeInteraction(viewer, sql`l.user_id`, sql`l.author_id`)}
      union all
      select case when c.reply_to_user_id = ${viewer} then 'reply' else 'comment' end, c.moment_id, c.id, c.user_id, c.text, c.created_at
        from moment_comments c where c.author_id = ${viewer} and c.user_id != ${viewer} and ${canSeeComment(viewer, "c", sql`c.author_id`)}
      union all
      select 'reply', c.moment_id, c.id, c.user_id, c.text, c.created_at
        from moment_comments c join moments m on m.id = c.moment_id
        where c.reply_to_user_id = ${viewer} and c.author_id != ${viewer} and c.user_id != ${viewer}
          and ${canSeeComment(viewer, "c", sql`c.author_id`)} and ${canSeePost(viewer, now)}
    ) where createdAt > ${since} order by createdAt desc limit ${limit}`);
}

/** People as the viewer knows them (nickname, and the viewer's remark for friends). */
export async function people(d: Db, viewer: string, ids: string[]): Promise<Map<string, MomentPerson>> {
  const out = new Map<string, MomentPerson>();
  for (const part of inChunks([...new Set(ids)], 80)) {
    const rows = await d.all<MomentPerson>(sql`select u.id as id, u.nickname as nickname, u.avatar_media_id as avatarMediaId,
        coalesce((select f.remark from friendships f where f.user_id = ${viewer} and f.friend_id = u.id), '') as remark
      from users u where u.id in (${idList(part)})`);
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}
