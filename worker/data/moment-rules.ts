// Who may see a post, and whose likes and comments a viewer sees: the one home of Moments'
// privacy rules (docs/moments.md#rules). Every read of posts, likes, comments and notifications
// (timeline, album, one post, media URLs, notifications, the badge) is built from these SQL
// conditions, so one rule cannot drift between paths. They are evaluated at read time against
// friendships, blocks and settings as they are now: unfriending, blocking, hiding or deleting
// takes effect on the next read, with nothing per reader to update.
import { type SQL, sql } from "drizzle-orm";
import { WINDOW_MS } from "../../schema/moments";

/** The oldest created_at a window allows, as SQL over a moment_settings column (null: the default). */
function windowStart(column: SQL, fallback: "all" | "none", now: number): SQL {
  const none = now + 1;
  return sql`coalesce((select case ${column}
      when '3d' then ${now - WINDOW_MS["3d"]} when '1m' then ${now - WINDOW_MS["1m"]} when '6m' then ${now - WINDOW_MS["6m"]}
      when 'none' then ${none} else 0 end from moment_settings s where s.user_id = m.author_id), ${fallback === "all" ? 0 : none})`;
}

const blockedEitherWay = (a: SQL, b: SQL) => sql`exists (select 1 from blocks b where (b.user_id = ${a} and b.blocked_id = ${b}) or (b.user_id = ${b} and b.blocked_id = ${a}))`;

/**
 * The post `m` (a moments row aliased m) is visible to `viewer`:
 * - its author always sees it;
 * - nobody else sees a private post, and no one blocked either way, or hidden by the author (不让他看);
 * - a friend of the author sees an "all" post, an "include" post naming them, an "exclude" post
 *   not naming them, within the author's window for friends (last 3 days / month / 6 months / all);
 * - a non-friend sees only "all" posts, within the author's window for non-friends (none by default).
 * `viewer` is a user id, or a column when one query asks for many viewers at once (a new post's audience).
 */
export function canSeePost(viewer: string | SQL, now: number): SQL {
  const friend = sql`exists (select 1 from friendships f where f.user_id = m.author_id and f.friend_id = ${viewer})`;
  const named = sql`exists (select 1 from moment_audience a where a.moment_id = m.id and a.user_id = ${viewer})`;
  return sql`(m.author_id = ${viewer} or (
    m.visibility != 'private'
    and not ${blockedEitherWay(sql`m.author_id`, sql`${viewer}`)}
    and not exists (select 1 from moment_hides h where h.user_id = m.author_id and h.kind = 'hide' and h.other_id = ${viewer})
    and case when ${friend}
      then (m.visibility = 'all' or (m.visibility = 'include' and ${named}) or (m.visibility = 'exclude' and not ${named}))
        and m.created_at >= ${windowStart(sql`s.friends_window`, "all", now)}
      else m.visibility = 'all' and m.created_at >= ${windowStart(sql`s.strangers_window`, "none", now)}
    end))`;
}

/**
 * A like or comment by `who` (a column) on a post by `author` shows to `viewer` only when it is
 * the viewer's own, the author's, or a friend's of the viewer's (and no block stands between
 * viewer and them). Two strangers commenting on a mutual friend's post never see each other.
 */
export function canSeeInteraction(viewer: string, who: SQL, author: SQL): SQL {
  return sql`(${who} = ${viewer} or ((${who} = ${author} or exists (select 1 from friendships vf where vf.user_id = ${viewer} and vf.friend_id = ${who}))
    and not ${blockedEitherWay(who, sql`${viewer}`)}))`;
}

/** A comment shows when its writer does and, for a reply, when the person answered does too (their name is in it). */
export function canSeeComment(viewer: string, c: string, author: SQL): SQL {
  const col = (name: string) => sql.raw(`${c}.${name}`);
  return sql`(${canSeeInteraction(viewer, col("user_id"), author)} and (${col("reply_to_user_id")} is null or ${canSeeInteraction(viewer, col("reply_to_user_id"), author)}))`;
}

/** Authors whose posts the viewer's timeline draws from: themselves and their friends, less those they muted (不看他). */
export function timelineAuthors(viewer: string | SQL): SQL {
  return sql`(m.author_id = ${viewer} or (m.author_id in (select f.friend_id from friendships f where f.user_id = ${viewer})
    and m.author_id not in (select h.other_id from moment_hides h where h.user_id = ${viewer} and h.kind = 'mute')))`;
}
