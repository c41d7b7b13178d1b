// The contact rules read from D1 that more than one layer enforces: the conversation object
// checks them on every direct send and group add, the gateway sends presence by them, and the
// contacts and conversations services check them before calling an object. D1 is their source
// of truth; writes to contacts stay in services/contacts.ts.
import { and, eq, inArray, or, sql } from "drizzle-orm";
import { blocks, friendships, users } from "../../schema/d1";
import type { CardMessageBody } from "../../schema/protocol";
import type { Db } from "../db";
import { ApiError } from "../lib/errors";
import { inChunks } from "../lib/sql";

/** Why someone may not message the other in a direct chat (null: they may). */
export type DirectRefusal = "blocked" | "not_friends" | "account_deleted" | null;

/** Why each of the two may not message the other in their direct chat (null: they may). */
export async function directPolicy(d: Db, a: string, b: string): Promise<Map<string, DirectRefusal>> {
  const [friendRows, blockRows, people] = await Promise.all([
    d
      .select({ userId: friendships.userId })
      .from(friendships)
      .where(or(and(eq(friendships.userId, a), eq(friendships.friendId, b)), and(eq(friendships.userId, b), eq(friendships.friendId, a))))
      .all(),
    d
      .select({ userId: blocks.userId, blockedId: blocks.blockedId })
      .from(blocks)
      .where(or(and(eq(blocks.userId, a), eq(blocks.blockedId, b)), and(eq(blocks.userId, b), eq(blocks.blockedId, a))))
      .all(),
    d
      .select({ id: users.id, allowStrangers: users.allowStrangers, deletedAt: users.deletedAt })
      .from(users)
      .where(inArray(users.id, [a, b]))
      .all(),
  ]);
  const friends = friendRows.length === 2;
  const open = new Map(people.map((p) => [p.id, p.allowStrangers]));
  const deleted = new Set(people.filter((p) => p.deletedAt !== null).map((p) => p.id));
  const reason = (sender: string, recipient: string): DirectRefusal => {
    if (deleted.has(recipient)) return "account_deleted";
    if (blockRows.some((r) => r.userId === recipient && r.blockedId === sender)) return "blocked";
    if (!friends && !open.get(recipient)) return "not_friends";
    return null;
  };
  return new Map([
    [a, reason(a, b)],
    [b, reason(b, a)],
  ]);
}

/**
 * Only friends may be put in a group (strangers join by the group's QR code or face to face):
 * the adder must be friends with each of `userIds`, with no block either way. Callers check
 * before writing anything, so a refusal adds nobody.
 */
export async function requireAddableToGroup(d: Db, adderId: string, userIds: string[]) {
  const others = [...new Set(userIds)].filter((id) => id !== adderId);
  if (others.length === 0) return;
  const hidden = await blockedEitherWay(d, adderId);
  const blocked = others.filter((id) => hidden.has(id));
  if (blocked.length > 0) {
    throw new ApiError("blocked", `You cannot add ${people(blocked)}: one of you has blocked the other`, { blocked });
  }
  const friends = new Set<string>();
  for (const part of inChunks(others)) {
    const rows = await d
      .select({ id: friendships.friendId })
      .from(friendships)
      .where(and(eq(friendships.userId, adderId), inArray(friendships.friendId, part)))
      .all();
    for (const r of rows) friends.add(r.id);
  }
  const notFriends = others.filter((id) => !friends.has(id));
  if (notFriends.length > 0) {
    throw new ApiError(
      "not_friends",
      `You can add only your friends to a group: ${people(notFriends)} ${notFriends.length === 1 ? "is not your friend" : "are not your friends"}. They can join with an invitation to the group`,
      { notFriends },
    );
  }
}

const people = (ids: string[]) => (ids.length === 1 ? "1 person" : `${ids.length} people`);

/**
 * Friends of `userId` (people who have them as a friend) with no block between them in either
 * direction: presence goes to them. Blocking keeps the friendship, so it must be excluded here.
 */
export async function friendIdsOf(d: Db, userId: string): Promise<string[]> {
  const rows = await d.all<{ id: string }>(sql`
    select f.user_id as id from friendships f
    where f.friend_id = ${userId}
      and not exists (select 1 from blocks b where (b.user_id = f.user_id and b.blocked_id = f.friend_id) or (b.user_id = f.friend_id and b.blocked_id = f.user_id))`);
  return rows.map((r) => r.id);
}

/** Which of `userId`'s contacts are blocked by them or have blocked them: no presence either way. */
export async function blockedEitherWay(d: Db, userId: string): Promise<Set<string>> {
  const rows = await d
    .select({ userId: blocks.userId, blockedId: blocks.blockedId })
    .from(blocks)
    .where(or(eq(blocks.userId, userId), eq(blocks.blockedId, userId)))
    .all();
  return new Set(rows.map((r) => (r.userId === userId ? r.blockedId : r.userId)));
}

/**
 * What a contact card of `userId` carries when `senderId` shares it: the person's profile now.
 * A sender may share their own card, or a friend's with no block between them either way.
 */
export async function cardOf(d: Db, senderId: string, userId: string): Promise<CardMessageBody> {
  const [person, friend, block] = await Promise.all([
    d.select({ id: users.id, nickname: users.nickname, avatarMediaId: users.avatarMediaId, username: users.username, deletedAt: users.deletedAt }).from(users).where(eq(users.id, userId)).get(),
    d
      .select({ id: friendships.friendId })
      .from(friendships)
      .where(and(eq(friendships.userId, senderId), eq(friendships.friendId, userId)))
      .get(),
    d
      .select({ id: blocks.userId })
      .from(blocks)
      .where(or(and(eq(blocks.userId, senderId), eq(blocks.blockedId, userId)), and(eq(blocks.userId, userId), eq(blocks.blockedId, senderId))))
      .get(),
  ]);
  if (!person) throw new ApiError("not_found", "body.userId: no such user");
  if (person.deletedAt !== null) throw new ApiError("account_deleted", "This account has been deleted");
  if (userId !== senderId) {
    if (block) throw new ApiError("blocked", "You cannot share this person's card: one of you has blocked the other");
    if (!friend) throw new ApiError("not_friends", "You can share the cards of your friends only");
  }
  return { userId: person.id, nickname: person.nickname, avatarMediaId: person.avatarMediaId, username: person.username };
}
