// Contacts: friend requests, mutual friendships (each side keeps its own remark and tags),
// blocks, and telling direct chats when the rule these put on them changes. D1 is the source of
// truth; the rule itself is read in data/contacts.ts, and the direct conversation's object
// caches it and is told when it changes (reportChange).
import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { PublicProfile } from "../../schema/api";
import { CONTACT_LIMITS, type ContactsList, type FriendRequestView, type FriendView } from "../../schema/contacts";
import { blocks, conversations, friendRequests, friendships, users } from "../../schema/d1";
import type { ServerFrame } from "../../schema/protocol";
import { blockedEitherWay } from "../data/contacts";
import type { Db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { compareNames, sortKeyOf } from "../lib/pinyin";
import { unwrap } from "../lib/result";
import { conversationObject, gateway, groupByShard, pushToUser } from "../lib/shards";
import { inChunks } from "../lib/sql";
import { requireUser, toPublicProfile } from "./accounts";
import { directId, openDirect } from "./conversations";
import * as ratelimit from "./ratelimit";
import { listTags, prepareFriendTags } from "./tags";

/**
 * Reports a contacts change to a direct chat's object. D1 already holds the change, so a failed
 * call is tried again (a fresh stub each time); if all fail, the object's hourly re-read heals it.
 */
export async function reportChange(env: Env, conversationId: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      unwrap(await conversationObject(env, conversationId).contactsChanged());
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

/** Tells the pair's direct conversation (if it exists) that the rule changed. */
async function directChanged(env: Env, d: Db, a: string, b: string) {
  const id = await directId(a, b);
  const exists = await d.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, id)).get();
  if (exists) await reportChange(env, id);
}

/**
 * After a user changes allowStrangers: their direct chats with people who are not their friends
 * re-read the rule (between friends the setting changes nothing), a few objects at a time.
 */
export async function strangersSettingChanged(env: Env, d: Db, userId: string) {
  const rows = await d.all<{ id: string }>(sql`
    select m.conversation_id as id from memberships m
    join conversations c on c.id = m.conversation_id and c.kind = 'direct'
    join memberships p on p.conversation_id = m.conversation_id and p.user_id != m.user_id
    where m.user_id = ${userId}
      and not exists (select 1 from friendships f where f.user_id = m.user_id and f.friend_id = p.user_id)`);
  for (const part of inChunks(rows, 8)) await Promise.all(part.map((r) => reportChange(env, r.id)));
}

async function isBlocked(d: Db, by: string, who: string) {
  return !!(await d
    .select({ u: blocks.userId })
    .from(blocks)
    .where(and(eq(blocks.userId, by), eq(blocks.blockedId, who)))
    .get());
}

async function areFriends(d: Db, a: string, b: string) {
  return !!(await d
    .select({ u: friendships.userId })
    .from(friendships)
    .where(and(eq(friendships.userId, a), eq(friendships.friendId, b)))
    .get());
}

async function profiles(d: Db, ids: string[]): Promise<Map<string, PublicProfile>> {
  const out = new Map<string, PublicProfile>();
  for (const part of inChunks(ids)) {
    for (const u of await d.select().from(users).where(inArray(users.id, part)).all()) out.set(u.id, toPublicProfile(u));
  }
  return out;
}

/** Which of `userIds` have a socket open now: one call per gateway shard. */
export async function onlineAmong(env: Env, userIds: string[]): Promise<Set<string>> {
  const answers = await Promise.all([...groupByShard(userIds)].map(([shard, ids]) => gateway(env, shard).online(ids)));
  return new Set(answers.flat());
}

// ---- friends ---------------------------------------------------------------------------

/** The user's friends (or the one friend asked for) as they see them, online state included. */
async function friendViews(env: Env, d: Db, userId: string, only?: string): Promise<FriendView[]> {
  const rows = await d
    .select({ f: friendships, u: users })
    .from(friendships)
    .innerJoin(users, eq(users.id, friendships.friendId))
    .where(and(eq(friendships.userId, userId), only === undefined ? undefined : eq(friendships.friendId, only)))
    .all();
  if (rows.length === 0) return [];
  const hidden = await blockedEitherWay(d, userId);
  const online = await onlineAmong(
    env,
    rows.map((r) => r.f.friendId).filter((id) => !hidden.has(id)),
  );
  return Promise.all(
    rows.map(async ({ f, u }) => ({
      user: toPublicProfile(u),
      remark: f.remark,
      tags: JSON.parse(f.tags) as string[],
      online: online.has(u.id),
      since: f.createdAt,
      conversationId: await directId(userId, u.id),
      sortKey: sortKeyOf(f.remark || u.nickname),
    })),
  );
}

export async function listFriends(env: Env, d: Db, userId: string): Promise<{ friends: FriendView[]; tags: string[] }> {
  const friends = await friendViews(env, d, userId);
  friends.sort((x, y) => compareNames({ key: x.sortKey, name: x.remark || x.user.nickname }, { key: y.sortKey, name: y.remark || y.user.nickname }));
  return { friends, tags: (await listTags(d, userId)).map((t) => t.name) }; // every tag, empty ones too, by name
}

export async function getFriend(env: Env, d: Db, userId: string, friendId: string): Promise<FriendView> {
  const [found] = await friendViews(env, d, userId, friendId);
  if (!found) throw new ApiError("not_found", "Not in your contacts");
  return found;
}

export async function updateFriend(env: Env, d: Db, userId: string, friendId: string, patch: { remark?: string; tags?: string[] }) {
  if (!(await areFriends(d, userId, friendId))) throw new ApiError("not_found", "Not in your contacts");
  const prepared = patch.tags !== undefined ? await prepareFriendTags(d, userId, patch.tags) : null;
  const set: { remark?: string; tags?: string } = {};
  if (patch.remark !== undefined) set.remark = patch.remark;
  if (prepared) set.tags = prepared.json;
  const update = d
    .update(friendships)
    .set(set)
    .where(and(eq(friendships.userId, userId), eq(friendships.friendId, friendId)));
  if (prepared?.create) await d.batch([prepared.create, update]);
  else await update;
  return getFriend(env, d, userId, friendId);
}

/** Ends the friendship for both sides. The chat and its history stay; new messages follow the stranger rule. */
export async function deleteFriend(env: Env, d: Db, userId: string, friendId: string) {
  const removed = await d
    .delete(friendships)
    .where(or(and(eq(friendships.userId, userId), eq(friendships.friendId, friendId)), and(eq(friendships.userId, friendId), eq(friendships.friendId, userId))))
    .returning({ u: friendships.userId });
  if (removed.length === 0) throw new ApiError("not_found", "Not in your contacts");
  await directChanged(env, d, userId, friendId);
}

// ---- requests --------------------------------------------------------------------------

function requestView(r: typeof friendRequests.$inferSelect, people: Map<string, PublicProfile>): FriendRequestView {
  return {
    id: r.id,
    from: people.get(r.fromUserId)!,
    to: people.get(r.toUserId)!,
    greeting: r.greeting,
    status: r.status,
    createdAt: r.createdAt,
    respondedAt: r.respondedAt,
  };
}

export async function listRequests(d: Db, userId: string): Promise<{ incoming: FriendRequestView[]; outgoing: FriendRequestView[] }> {
  const rows = await d
    .select()
    .from(friendRequests)
    .where(and(or(eq(friendRequests.toUserId, userId), eq(friendRequests.fromUserId, userId)), eq(friendRequests.status, "pending")))
    .all();
  const people = await profiles(d, [...new Set(rows.flatMap((r) => [r.fromUserId, r.toUserId]))]);
  rows.sort((a, b) => b.createdAt - a.createdAt);
  return {
    incoming: rows.filter((r) => r.toUserId === userId).map((r) => requestView(r, people)),
    outgoing: rows.filter((r) => r.fromUserId === userId).map((r) => requestView(r, people)),
  };
}

/**
 * Sends (or refreshes) a friend request. If the other person already asked you, this accepts
 * theirs instead, as two people adding each other at once expect.
 */
export async function sendRequest(env: Env, d: Db, fromId: string, body: { userId: string; greeting?: string; remark?: string }): Promise<{ request: FriendRequestView; created: boolean }> {
  const toId = body.userId;
  if (toId === fromId) throw new ApiError("invalid_request", "You cannot add yourself");
  const target = await d.select().from(users).where(eq(users.id, toId)).get();
  if (!target) throw new ApiError("not_found", "No such user");
  if (target.deletedAt !== null) throw new ApiError("account_deleted", "This account has been deleted");
  if (await areFriends(d, fromId, toId)) throw new ApiError("already_friends", "You are already friends");
  if (await isBlocked(d, fromId, toId)) throw new ApiError("conflict", "You blocked this person; unblock them first");
  if (await isBlocked(d, toId, fromId)) throw new ApiError("blocked", "This person is not accepting your friend requests");

  const theirs = await d
    .select()
    .from(friendRequests)
    .where(and(eq(friendRequests.fromUserId, toId), eq(friendRequests.toUserId, fromId), eq(friendRequests.status, "pending")))
    .get();
  if (theirs) {
    await acceptRequest(env, d, fromId, theirs.id, body.remark);
    const [row] = await d.select().from(friendRequests).where(eq(friendRequests.id, theirs.id)).all();
    return { request: requestView(row!, await profiles(d, [fromId, toId])), created: false };
  }

  // Counted before the insert, so parallel sends cannot all slip under the day's allowance.
  const limit = { key: `friend-requests:${fromId}`, max: CONTACT_LIMITS.requestsPerDay, windowSeconds: 24 * 3600, message: "Too many friend requests today; try tomorrow" };
  const taken = await ratelimit.take(d, [limit]);

  const now = Date.now();
  let mine: typeof friendRequests.$inferSelect | undefined;
  let row: typeof friendRequests.$inferSelect;
  try {
    mine = await d
      .select()
      .from(friendRequests)
      .where(and(eq(friendRequests.fromUserId, fromId), eq(friendRequests.toUserId, toId), eq(friendRequests.status, "pending")))
      .get();
    // Asking again refreshes the greeting (and remark) and moves it to the top of their list. The
    // upsert on the pending-request index keeps it to one row when two sends race.
    const greeting = body.greeting ?? mine?.greeting ?? "";
    const remark = body.remark ?? mine?.remark ?? "";
    [row] = (await d
      .insert(friendRequests)
      .values({ id: newId("fr"), fromUserId: fromId, toUserId: toId, greeting, remark, status: "pending", createdAt: now })
      .onConflictDoUpdate({ target: [friendRequests.fromUserId, friendRequests.toUserId], targetWhere: sql`status = 'pending'`, set: { greeting, remark, createdAt: now } })
      .returning()) as [typeof friendRequests.$inferSelect];
  } catch (e) {
    await ratelimit.giveBack(d, taken);
    throw e;
  }
  const view = requestView(row, await profiles(d, [fromId, toId]));
  await notify(env, [toId], { type: "friend_request", request: view });
  return { request: view, created: !mine };
}

async function pendingFor(d: Db, userId: string, requestId: string) {
  const r = await d.select().from(friendRequests).where(eq(friendRequests.id, requestId)).get();
  if (!r || (r.toUserId !== userId && r.fromUserId !== userId)) throw new ApiError("not_found", "No such friend request");
  if (r.toUserId !== userId) throw new ApiError("forbidden", "Only the person asked can answer a friend request");
  if (r.status !== "pending") throw new ApiError("conflict", `This request was already ${r.status}`);
  return r;
}

export async function acceptRequest(env: Env, d: Db, userId: string, requestId: string, remark?: string): Promise<{ conversationId: string; friend: FriendView }> {
  const r = await pendingFor(d, userId, requestId);
  const requester = r.fromUserId;
  if (await isBlocked(d, userId, requester)) throw new ApiError("conflict", "You blocked this person; unblock them first");
  if (await isBlocked(d, requester, userId)) throw new ApiError("blocked", "This person is not accepting your friend requests");
  const now = Date.now();
  // Two devices answering at once, or a block landing meanwhile: only the answer that finds the
  // request still pending writes friendships (the inserts check its own accepted row).
  const answered = sql`exists (select 1 from friend_requests where id = ${r.id} and status = 'accepted' and responded_at = ${now})`;
  const [won] = await d.batch([
    d
      .update(friendRequests)
      .set({ status: "accepted", respondedAt: now })
      .where(and(eq(friendRequests.id, r.id), eq(friendRequests.status, "pending"))),
    // Columns in the table's order: user_id, friend_id, remark, tags, created_at.
    d
      .insert(friendships)
      .select(sql`select ${userId}, ${requester}, ${remark ?? ""}, '[]', ${now} where ${answered}`)
      .onConflictDoNothing(),
    d.insert(friendships).select(sql`select ${requester}, ${userId}, ${r.remark}, '[]', ${now} where ${answered}`).onConflictDoNothing(),
    // Their mirror request, if any, is answered by the same acceptance.
    d
      .update(friendRequests)
      .set({ status: "accepted", respondedAt: now })
      .where(and(eq(friendRequests.fromUserId, userId), eq(friendRequests.toUserId, requester), eq(friendRequests.status, "pending"), answered)),
  ]);
  if (won.meta.changes === 0) throw new ApiError("conflict", "This request was already answered");
  const { summary } = await openDirect(env, d, userId, requester);
  unwrap(await conversationObject(env, summary.id).befriended(userId, requester, r.greeting));
  await presenceBetween(env, userId, requester, true);
  // The requester's devices see the new friend without refetching on a hunch.
  await contactsChanged(env, requester, ["friends", "requests"]);
  return { conversationId: summary.id, friend: await getFriend(env, d, userId, requester) };
}

export async function declineRequest(d: Db, userId: string, requestId: string) {
  const r = await pendingFor(d, userId, requestId);
  const done = await d
    .update(friendRequests)
    .set({ status: "declined", respondedAt: Date.now() })
    .where(and(eq(friendRequests.id, r.id), eq(friendRequests.status, "pending")));
  if (done.meta.changes === 0) throw new ApiError("conflict", "This request was already answered");
}

// ---- blocks ----------------------------------------------------------------------------

export async function listBlocked(d: Db, userId: string): Promise<PublicProfile[]> {
  const rows = await d.select({ u: users }).from(blocks).innerJoin(users, eq(users.id, blocks.blockedId)).where(eq(blocks.userId, userId)).all();
  return rows.map((r) => toPublicProfile(r.u));
}

/**
 * Blocks someone: their messages to you and their friend requests are refused, and pending
 * requests between you go away in both directions (so they cannot accept one you sent before).
 */
export async function block(env: Env, d: Db, userId: string, blockedId: string) {
  if (blockedId === userId) throw new ApiError("invalid_request", "You cannot block yourself");
  await requireUser(d, blockedId).catch(() => {
    throw new ApiError("not_found", "No such user");
  });
  await d.batch([
    d.insert(blocks).values({ userId, blockedId, createdAt: Date.now() }).onConflictDoNothing(),
    d.delete(friendRequests).where(and(eq(friendRequests.fromUserId, blockedId), eq(friendRequests.toUserId, userId), eq(friendRequests.status, "pending"))),
    d.delete(friendRequests).where(and(eq(friendRequests.fromUserId, userId), eq(friendRequests.toUserId, blockedId), eq(friendRequests.status, "pending"))),
  ]);
  await directChanged(env, d, userId, blockedId);
  if (await areFriends(d, userId, blockedId)) await presenceBetween(env, userId, blockedId, false);
}

export async function unblock(env: Env, d: Db, userId: string, blockedId: string) {
  const removed = await d
    .delete(blocks)
    .where(and(eq(blocks.userId, userId), eq(blocks.blockedId, blockedId)))
    .returning({ u: blocks.userId });
  if (removed.length === 0) throw new ApiError("not_found", "You have not blocked this person");
  await directChanged(env, d, userId, blockedId);
  if ((await areFriends(d, userId, blockedId)) && !(await isBlocked(d, blockedId, userId))) await presenceBetween(env, userId, blockedId, true);
}

// ---- live notices ----------------------------------------------------------------------

/** Tells all of a user's devices which of their contact lists changed: one gateway call. */
export async function contactsChanged(env: Env, userId: string, changed: ContactsList[]) {
  await notify(env, [userId], { type: "contacts", changed });
}

async function notify(env: Env, userIds: string[], frame: ServerFrame) {
  const text = JSON.stringify(frame);
  await Promise.allSettled([...groupByShard(userIds)].map(([shard, ids]) => gateway(env, shard).push(ids, [text])));
}

/**
 * Presence frames otherwise go out only when a device connects or leaves, so when two people
 * start (or, after an unblock, resume) seeing each other, each hears the other's state now;
 * when a block hides them, each hears "offline", as they will until it is lifted.
 */
async function presenceBetween(env: Env, a: string, b: string, visible: boolean) {
  const online = await onlineAmong(env, [a, b]);
  const tell = (to: string, about: string) =>
    online.has(to) ? pushToUser(env, to, [JSON.stringify({ type: "presence", userId: about, online: visible && online.has(about) } satisfies ServerFrame)]) : 0;
  await Promise.allSettled([tell(a, b), tell(b, a)]);
}
