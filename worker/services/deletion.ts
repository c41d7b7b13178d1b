// Account deletion (PIPL Art. 47, GDPR Art. 17): what goes at once, what stays as a tombstone.
//
// Order, chosen so that an interruption at any point is finished by running deleteAccount again
// (the daily cron does so for every account with deletedAt set and deletionFinishedAt unset):
//   1. one D1 batch: the user row becomes a tombstone (deletedAt, no username/openid/unionid/
//      password/profile, so the person can register again) and every session is revoked;
//   2. their sockets are closed;
//   3. contacts (both sides), tags, friend requests (both directions), blocks, join requests,
//      invites they made, in one D1 batch; their direct chats re-read the contacts rules. First,
//      so nobody can put them in a group any more (that needs friendship) while step 4 runs;
//   4. groups: each conversation object hands over or dissolves what they owned and removes them;
//   5. media: R2 objects first, then the media index;
//   6. groups once more (an add that was already under way during step 4), their read positions
//      from every summary shard (direct chats' too: nobody reads them any more), then the session
//      rows and deletionFinishedAt.
// Every step finds what is left and deletes it, so running it twice changes nothing more.
import { and, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import { DELETED_NICKNAME, type AccountDeletion } from "../../schema/api";
import { deleteUserReads } from "../data/summaries";
import {
  blocks,
  contactTags,
  conversations,
  friendRequests,
  friendships,
  invites,
  joinRequests,
  memberships,
  momentComments,
  momentHides,
  momentLikes,
  moments,
  momentSettings,
  noticeBanks,
  noticeSettings,
  refreshTokens,
  sessions,
  users,
} from "../../schema/d1";
import { db, type Db } from "../db";
import type { Env } from "../env";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { inChunks } from "../lib/sql";
import { contactsChanged, reportChange } from "./contacts";
import { deleteAllMedia } from "./media";
import { closeSessionSockets } from "./sessions";

/** Conversation objects called at once while leaving groups or updating direct chats. */
const PARALLEL = 8;

async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const part of inChunks(items, PARALLEL)) out.push(...(await Promise.all(part.map(fn))));
  return out;
}

/** Step 1: the tombstone and the revocation land together, so no token outlives the identity. */
async function tombstone(d: Db, userId: string, now: number) {
  await d.batch([
    d
      .update(users)
      .set({
        deletedAt: sql`coalesce(${users.deletedAt}, ${now})`,
        username: null,
        openid: null,
        unionid: null,
        passwordHash: null,
        nickname: DELETED_NICKNAME,
        avatarMediaId: null,
        signature: "",
        status: "",
        allowStrangers: false,
        updatedAt: now,
      })
      .where(eq(users.id, userId)),
    d
      .update(sessions)
      .set({ revokedAt: now, revokedReason: "account_deleted" })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt))),
    d.delete(refreshTokens).where(inArray(refreshTokens.sessionId, d.select({ id: sessions.id }).from(sessions).where(eq(sessions.userId, userId)))),
  ]);
}

/** Steps 4 and 6: every group they are still in. Direct chats keep them, so the peer keeps the history. */
async function leaveGroups(env: Env, d: Db, userId: string): Promise<AccountDeletion> {
  const groups = await d
    .select({ id: memberships.conversationId })
    .from(memberships)
    .innerJoin(conversations, eq(conversations.id, memberships.conversationId))
    .where(and(eq(memberships.userId, userId), eq(conversations.kind, "group")))
    .all();
  const report: AccountDeletion = { handedOver: [], dissolved: [] };
  await inBatches(groups, async ({ id }) => {
    const r = unwrap(await conversationObject(env, id).accountDeleted(userId));
    if (r.handedOverTo) report.handedOver.push({ conversationId: id, to: r.handedOverTo });
    if (r.dissolved) report.dissolved.push(id);
  });
  return report;
}

/** Step 3: contacts and requests, both directions, in one batch; then the direct chats' rules. */
async function deleteContacts(env: Env, d: Db, userId: string) {
  const friends = (await d.select({ id: friendships.userId }).from(friendships).where(eq(friendships.friendId, userId)).all()).map((r) => r.id);
  await d.batch([
    d.delete(friendships).where(or(eq(friendships.userId, userId), eq(friendships.friendId, userId))),
    d.delete(contactTags).where(eq(contactTags.userId, userId)),
    d.delete(friendRequests).where(or(eq(friendRequests.fromUserId, userId), eq(friendRequests.toUserId, userId))),
    d.delete(blocks).where(or(eq(blocks.userId, userId), eq(blocks.blockedId, userId))),
    d.delete(joinRequests).where(eq(joinRequests.userId, userId)),
    d.delete(invites).where(eq(invites.createdBy, userId)),
    // Notices (docs/notices.md): the banked subscriptions and settings are the account's own.
    d.delete(noticeBanks).where(eq(noticeBanks.userId, userId)),
    d.delete(noticeSettings).where(eq(noticeSettings.userId, userId)),
    // Moments: their posts (with everyone's likes and comments on them), their likes and comments, their settings.
    d.delete(moments).where(eq(moments.authorId, userId)),
    d.delete(momentLikes).where(eq(momentLikes.userId, userId)),
    d.delete(momentComments).where(eq(momentComments.userId, userId)),
    d.delete(momentSettings).where(eq(momentSettings.userId, userId)),
    d.delete(momentHides).where(or(eq(momentHides.userId, userId), eq(momentHides.otherId, userId))),
  ]);
  const directs = await d
    .select({ id: memberships.conversationId })
    .from(memberships)
    .innerJoin(conversations, eq(conversations.id, memberships.conversationId))
    .where(and(eq(memberships.userId, userId), eq(conversations.kind, "direct")))
    .all();
  // Each chat now refuses sends to the deleted account with account_deleted.
  await inBatches(directs, ({ id }) => reportChange(env, id));
  // Former friends' devices drop them from their lists without waiting for a refresh.
  await Promise.allSettled(friends.map((f) => contactsChanged(env, f, ["friends", "requests"])));
}

/**
 * Deletes an account, or finishes a deletion that was interrupted. The caller has checked the
 * password or the confirmation (the first time; a retry needs neither).
 */
export async function deleteAccount(env: Env, userId: string, now = Date.now()): Promise<AccountDeletion> {
  const d = db(env);
  await tombstone(d, userId, now);
  // Step 2: every socket of the account hears `session_ended` account_deleted and closes (all of
  // them, not only live sessions, so a retry still closes one a failed first run left open).
  await closeSessionSockets(env, userId, "all", "account_deleted");
  await deleteContacts(env, d, userId);
  const report = await leaveGroups(env, d, userId);
  await deleteAllMedia(env, userId);
  const late = await leaveGroups(env, d, userId);
  report.handedOver.push(...late.handedOver);
  report.dissolved.push(...late.dissolved);
  await deleteUserReads(env, userId);
  // The rows go last: a retry before this still closes every socket.
  await d.batch([d.delete(sessions).where(eq(sessions.userId, userId)), d.update(users).set({ deletionFinishedAt: Date.now() }).where(eq(users.id, userId))]);
  return report;
}

/** Daily cron: finishes deletions that stopped midway (a failed request, a crash). */
export async function finishDeletions(env: Env, limit = 20): Promise<number> {
  const d = db(env);
  const pending = await d
    .select({ id: users.id })
    .from(users)
    .where(and(isNotNull(users.deletedAt), isNull(users.deletionFinishedAt)))
    .limit(limit)
    .all();
  let finished = 0;
  for (const { id } of pending) {
    try {
      await deleteAccount(env, id);
      finished++;
    } catch (e) {
      console.error(JSON.stringify({ msg: "account deletion retry failed", userId: id, error: String(e) }));
    }
  }
  return finished;
}
