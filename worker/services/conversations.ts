// Conversation lists and creation. Messages themselves live in the conversation objects.
import { and, eq, inArray, ne } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { conversations, memberships, users } from "../../schema/d1";
import type { ConversationSummary, MessagePreview } from "../../schema/protocol";
import { directPolicy } from "../data/contacts";
import { readKey, readSummaries } from "../data/summaries";
import { db, type Db } from "../db";
import type { Env } from "../env";
import { sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { inChunks } from "../lib/sql";

const peerMembership = alias(memberships, "peer_membership");
const peerUser = alias(users, "peer_user");

/**
 * The caller's conversations, pinned first, then by last activity. Direct chats appear once
 * they have a message, and a chat the member deleted once a newer message came; unread = last seq − read seq (the sender's read seq moves to its own
 * messages, so your own messages never count). Memberships, names and settings come from D1; the
 * summaries and read positions from their summary shards, one query per shard touched, in
 * parallel (data/summaries.ts).
 */
export async function listConversations(env: Env, userId: string, conversationId?: string): Promise<ConversationSummary[]> {
  const rows = await db(env)
    .select({ c: conversations, m: memberships, peer: { id: peerUser.id, nickname: peerUser.nickname, avatarMediaId: peerUser.avatarMediaId } })
    .from(memberships)
    .innerJoin(conversations, eq(conversations.id, memberships.conversationId))
    .leftJoin(peerMembership, and(eq(conversations.kind, "direct"), eq(peerMembership.conversationId, conversations.id), ne(peerMembership.userId, userId)))
    .leftJoin(peerUser, eq(peerUser.id, peerMembership.userId))
    .where(and(eq(memberships.userId, userId), conversationId ? eq(conversations.id, conversationId) : undefined))
    .all();
  const { summaries, reads } = await readSummaries(
    env,
    rows.map((r) => ({ conversationId: r.c.id, userId })),
  );
  const listed = rows
    .map(({ c, m, peer }) => ({
      c,
      m,
      peer,
      // A row its shard does not have yet: D1's own columns (data/summaries.ts explains when).
      sum: summaries.get(c.id) ?? { lastSeq: c.lastSeq, lastMessageAt: c.lastMessageAt, lastPreview: c.lastPreview },
      read: reads.get(readKey(c.id, userId)) ?? { readSeq: m.readSeq, markedUnread: m.markedUnread },
    }))
    // A chat the member deleted stays out of the list until a message after it (one asked for by id is answered).
    .filter(({ c, m, sum }) => conversationId !== undefined || ((c.kind === "group" || sum.lastSeq > 0) && (m.clearedSeq === 0 || sum.lastSeq > m.clearedSeq)))
    .sort((a, b) => Number(b.m.pinned) - Number(a.m.pinned) || (b.sum.lastMessageAt ?? b.c.createdAt) - (a.sum.lastMessageAt ?? a.c.createdAt));
  return listed.map(({ c, m, peer, sum, read }) => ({
    id: c.id,
    kind: c.kind,
    name: c.kind === "direct" ? (peer?.nickname ?? "") : c.name,
    // A group without a picture of its own shows the grid of its members' faces (conversation/grid.ts).
    avatarMediaId: c.kind === "direct" ? (peer?.avatarMediaId ?? null) : (c.avatarMediaId ?? c.gridMediaId),
    peer: c.kind === "direct" && peer?.id ? { id: peer.id, nickname: peer.nickname!, avatarMediaId: peer.avatarMediaId ?? null } : null,
    memberCount: c.memberCount,
    lastSeq: sum.lastSeq,
    readSeq: read.readSeq,
    // A chat marked unread counts at least one until its member reads there.
    unread: Math.max(read.markedUnread ? 1 : 0, sum.lastSeq - read.readSeq),
    markedUnread: read.markedUnread,
    clearedSeq: m.clearedSeq,
    lastMessage: sum.lastPreview ? (JSON.parse(sum.lastPreview) as MessagePreview) : null,
    lastMessageAt: sum.lastMessageAt,
    pinned: m.pinned,
    doNotDisturb: m.doNotDisturb,
    muteAll: c.muteAll,
    dissolved: c.dissolvedAt !== null,
    role: m.role,
  }));
}

export async function getSummary(env: Env, userId: string, conversationId: string): Promise<ConversationSummary> {
  const [found] = await listConversations(env, userId, conversationId);
  if (!found) throw new ApiError("forbidden", "You are not a member of this conversation");
  return found;
}

/**
 * For routes about one conversation: one indexed D1 read answers "no" before any Durable Object
 * is touched, so guessed ids cost no object. 404 for an id nobody created, 403 for a non-member.
 */
export async function requireMembership(d: Db, userId: string, conversationId: string): Promise<void> {
  const row = await d
    .select({ id: conversations.id, member: memberships.userId })
    .from(conversations)
    .leftJoin(memberships, and(eq(memberships.conversationId, conversations.id), eq(memberships.userId, userId)))
    .where(eq(conversations.id, conversationId))
    .get();
  membershipVerdict({ exists: row !== undefined, member: row !== undefined && row.member !== null });
}

/** requireMembership's answer from what is known: 404 for an id nobody created, 403 for a non-member. */
export function membershipVerdict(m: { exists: boolean; member: boolean }): void {
  if (!m.exists) throw new ApiError("not_found", "No such conversation");
  if (!m.member) throw new ApiError("forbidden", "You are not a member of this conversation");
}

export async function requireUsers(d: Db, ids: string[]) {
  const found = new Set<string>();
  for (const part of inChunks(ids)) {
    for (const r of await d.select({ id: users.id }).from(users).where(inArray(users.id, part)).all()) found.add(r.id);
  }
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw new ApiError("invalid_request", `No such user: ${missing}`);
}

export async function createGroup(env: Env, d: Db, ownerId: string, name: string, memberIds: string[]): Promise<ConversationSummary> {
  const ids = [...new Set(memberIds.filter((id) => id !== ownerId))];
  await requireUsers(d, ids);
  const id = newId("c");
  unwrap(await conversationObject(env, id).createGroup({ id, name, ownerId, memberIds: ids }));
  return getSummary(env, ownerId, id);
}

/** The id of a pair's direct conversation is derived from the pair, so both sides find the same one. */
export async function directId(a: string, b: string): Promise<string> {
  return `d_${(await sha256Hex([a, b].sort().join(":"))).slice(0, 32)}`;
}

export async function openDirect(env: Env, d: Db, userId: string, peerId: string): Promise<{ summary: ConversationSummary; created: boolean }> {
  if (peerId === userId) throw new ApiError("invalid_request", "You cannot open a chat with yourself");
  // An unknown person is 404, as contacts.md answers every route about a user (a list of
  // members in a group body stays 400: the request names them).
  if (!(await d.select({ id: users.id }).from(users).where(eq(users.id, peerId)).get())) throw new ApiError("not_found", "No such user");
  const id = await directId(userId, peerId);
  // Starting a new chat follows the contacts rule; an existing one (say, after an unfriending)
  // still opens, so its history stays readable, and its object refuses sends as the rule says.
  const exists = await d.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, id)).get();
  if (!exists) {
    const reason = (await directPolicy(d, userId, peerId)).get(userId);
    if (reason === "blocked") throw new ApiError("blocked", "This person is not receiving your messages");
    if (reason === "not_friends") throw new ApiError("not_friends", "You are not friends: send a friend request first");
    if (reason === "account_deleted") throw new ApiError("account_deleted", "This account has been deleted");
  }
  const { created } = unwrap(await conversationObject(env, id).openDirect({ id, userIds: [userId, peerId] }));
  return { summary: await getSummary(env, userId, id), created };
}

export async function updateMemberSettings(d: Db, userId: string, conversationId: string, patch: { pinned?: boolean; doNotDisturb?: boolean }) {
  const updated = await d
    .update(memberships)
    .set(patch)
    .where(and(eq(memberships.conversationId, conversationId), eq(memberships.userId, userId)))
    .returning({ userId: memberships.userId });
  if (updated.length === 0) throw new ApiError("forbidden", "You are not a member of this conversation");
}
