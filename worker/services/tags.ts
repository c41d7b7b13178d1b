// Contact tags (WeChat's friend groups): each user's own named tags, empty ones included, and
// which friends carry them. Names live in contact_tags; a friend's tags in friendships.tags.
// Changes to friendships.tags are single SQL statements over the JSON, so two edits at once
// cannot undo each other the way a read-modify-write would.
import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import { CONTACT_LIMITS, type TagView } from "../../schema/contacts";
import { contactTags, friendships } from "../../schema/d1";
import type { Db } from "../db";
import { ApiError } from "../lib/errors";

const hasTag = (name: string): SQL => sql`exists (select 1 from json_each(${friendships.tags}) where value = ${name})`;

const addTag = (d: Db, userId: string, name: string, friendIds: string[]) =>
  d
    .update(friendships)
    .set({ tags: sql`json_insert(${friendships.tags}, '$[#]', ${name})` })
    .where(
      and(
        eq(friendships.userId, userId),
        inArray(friendships.friendId, friendIds),
        sql`not ${hasTag(name)}`,
        // A tag deleted since the caller checked is not brought back onto friends.
        sql`exists (select 1 from contact_tags where user_id = ${userId} and name = ${name})`,
      ),
    );

const removeTag = (d: Db, userId: string, name: string, friendIds?: string[]) =>
  d
    .update(friendships)
    .set({ tags: sql`(select json_group_array(value) from json_each(${friendships.tags}) where value != ${name})` })
    .where(and(eq(friendships.userId, userId), friendIds ? inArray(friendships.friendId, friendIds) : undefined, hasTag(name)));

function isUniqueViolation(e: unknown) {
  return /UNIQUE constraint failed/i.test(String((e as { cause?: unknown })?.cause ?? e));
}

export async function listTags(d: Db, userId: string): Promise<TagView[]> {
  return d.all<TagView>(sql`
    select t.name as name, t.created_at as createdAt,
      (select count(*) from friendships f where f.user_id = t.user_id and exists (select 1 from json_each(f.tags) where value = t.name)) as count
    from contact_tags t where t.user_id = ${userId}
    order by t.name`);
}

export async function getTag(d: Db, userId: string, name: string): Promise<TagView> {
  const found = (await listTags(d, userId)).find((t) => t.name === name);
  if (!found) throw new ApiError("not_found", `You have no tag "${name}"`);
  return found;
}

async function tagNames(d: Db, userId: string): Promise<Set<string>> {
  const rows = await d.select({ name: contactTags.name }).from(contactTags).where(eq(contactTags.userId, userId)).all();
  return new Set(rows.map((r) => r.name));
}

/** Throws unless every id is one of the user's friends; answers their current tags. */
async function requireFriends(d: Db, userId: string, friendIds: string[]): Promise<Map<string, string[]>> {
  if (friendIds.length === 0) return new Map();
  const rows = await d
    .select({ friendId: friendships.friendId, tags: friendships.tags })
    .from(friendships)
    .where(and(eq(friendships.userId, userId), inArray(friendships.friendId, friendIds)))
    .all();
  const found = new Map(rows.map((r) => [r.friendId, JSON.parse(r.tags) as string[]]));
  const missing = friendIds.filter((id) => !found.has(id));
  if (missing.length > 0) throw new ApiError("not_found", "Only your friends can be tagged", { notFriends: missing });
  return found;
}

function checkRoomFor(name: string, current: Map<string, string[]>) {
  const full = [...current].filter(([, tags]) => !tags.includes(name) && tags.length >= CONTACT_LIMITS.tagsPerFriend).map(([id]) => id);
  if (full.length > 0) throw new ApiError("tag_limit", `A friend can have at most ${CONTACT_LIMITS.tagsPerFriend} tags`, { full });
}

/** Makes a new tag, optionally with friends in it, all or nothing. */
export async function createTag(d: Db, userId: string, name: string, friendIds: string[]): Promise<TagView> {
  const names = await tagNames(d, userId);
  if (names.has(name)) throw new ApiError("tag_exists", `You already have a tag "${name}"`);
  if (names.size >= CONTACT_LIMITS.tagsPerUser) throw new ApiError("tag_limit", `You can have at most ${CONTACT_LIMITS.tagsPerUser} tags`);
  const ids = [...new Set(friendIds)];
  checkRoomFor(name, await requireFriends(d, userId, ids));
  const insert = d.insert(contactTags).values({ userId, name, createdAt: Date.now() });
  try {
    if (ids.length > 0) await d.batch([insert, addTag(d, userId, name, ids)]);
    else await insert;
  } catch (e) {
    if (isUniqueViolation(e)) throw new ApiError("tag_exists", `You already have a tag "${name}"`);
    throw e;
  }
  return getTag(d, userId, name);
}

export async function addToTag(d: Db, userId: string, name: string, friendIds: string[]): Promise<TagView> {
  if (!(await tagNames(d, userId)).has(name)) throw new ApiError("not_found", `You have no tag "${name}"`);
  const ids = [...new Set(friendIds)];
  checkRoomFor(name, await requireFriends(d, userId, ids));
  await addTag(d, userId, name, ids);
  return getTag(d, userId, name);
}

export async function removeFromTag(d: Db, userId: string, name: string, friendId: string): Promise<TagView> {
  if (!(await tagNames(d, userId)).has(name)) throw new ApiError("not_found", `You have no tag "${name}"`);
  await requireFriends(d, userId, [friendId]);
  await removeTag(d, userId, name, [friendId]);
  return getTag(d, userId, name);
}

/** Renames a tag everywhere it is used. */
export async function renameTag(d: Db, userId: string, from: string, to: string): Promise<{ tag: TagView; changed: number }> {
  const names = await tagNames(d, userId);
  if (!names.has(from)) throw new ApiError("not_found", `You have no tag "${from}"`);
  if (from === to) return { tag: await getTag(d, userId, to), changed: 0 };
  if (names.has(to)) throw new ApiError("tag_exists", `You already have a tag "${to}"`);
  let results;
  try {
    results = await d.batch([
      d
        .update(contactTags)
        .set({ name: to })
        .where(and(eq(contactTags.userId, userId), eq(contactTags.name, from))),
      d
        .update(friendships)
        .set({ tags: sql`(select json_group_array(case when value = ${from} then ${to} else value end) from json_each(${friendships.tags}))` })
        .where(and(eq(friendships.userId, userId), hasTag(from))),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw new ApiError("tag_exists", `You already have a tag "${to}"`);
    throw e;
  }
  return { tag: await getTag(d, userId, to), changed: results[1].meta.changes };
}

/** Deletes a tag and takes it off every friend; the friends stay. */
export async function deleteTag(d: Db, userId: string, name: string): Promise<{ changed: number }> {
  const results = await d.batch([d.delete(contactTags).where(and(eq(contactTags.userId, userId), eq(contactTags.name, name))), removeTag(d, userId, name)]);
  if (results[0].meta.changes === 0) throw new ApiError("not_found", `You have no tag "${name}"`);
  return { changed: results[1].meta.changes };
}

/**
 * For PATCH /contacts/:userId, which sets one friend's whole tag list: the JSON to store, and
 * the insert that makes names not made yet (run in the same batch), within the per-user limit.
 */
export async function prepareFriendTags(d: Db, userId: string, tags: string[]) {
  const wanted = [...new Set(tags)];
  const names = await tagNames(d, userId);
  const fresh = wanted.filter((t) => !names.has(t));
  if (names.size + fresh.length > CONTACT_LIMITS.tagsPerUser) throw new ApiError("tag_limit", `You can have at most ${CONTACT_LIMITS.tagsPerUser} tags`);
  const now = Date.now();
  const create =
    fresh.length === 0
      ? null
      : d
          .insert(contactTags)
          .values(fresh.map((name, i) => ({ userId, name, createdAt: now + i })))
          .onConflictDoNothing();
  return { json: JSON.stringify(wanted), create };
}
