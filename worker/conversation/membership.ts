// Who is in the conversation and with what standing: creating it with its first members, roles,
// nicknames, mutes, group settings, leaving, removal, dissolving, and a deleted account's exit.
// Every change runs under the mutex (the object's serial calls): the role check, D1 first, then
// this object's SQLite and cached member list, then a system message that reaches online members.
import { and, eq, inArray, sql } from "drizzle-orm";
import { members, meta, type MemberRow, type MetaRow } from "../../schema/conversation";
import { conversations, invites, memberships } from "../../schema/d1";
import type { UpdateGroupInput } from "../../schema/groups";
import { MESSAGE_LIMITS as L } from "../../schema/limits";
import type { SystemEvent } from "../../schema/protocol";
import { db as d1 } from "../db";
import { ApiError } from "../lib/errors";
import { inChunks } from "../lib/sql";
import { requireAddableToGroup } from "../data/contacts";
import { gridChanged } from "./grid";
import { appendSystem } from "./log";
import type { ConversationState, Role } from "./state";

export interface CreateGroupInput {
  id: string;
  name: string;
  ownerId: string;
  memberIds: string[];
}

export interface OpenDirectInput {
  id: string;
  userIds: [string, string];
}

// D1 and Durable Object SQLite both allow at most 100 bound parameters a statement. A D1
// membership row binds 11 (its columns with defaults included, cleared_seq the latest): 9 rows, 99.
export const D1_ROWS_PER_INSERT = 9;
export const MEMBER_ROWS_PER_INSERT = 12; // 8 columns each

export type BatchItem = Parameters<ReturnType<typeof d1>["batch"]>[0][number];

// ---- creation -------------------------------------------------------------------------

export async function createGroup(s: ConversationState, input: CreateGroupInput): Promise<{ seq: number }> {
  if (s.meta) throw new ApiError("conflict", "Conversation already exists");
  const now = Date.now();
  const ids = [...new Set([input.ownerId, ...input.memberIds])];
  if (ids.length > L.groupMembersMax) throw new ApiError("invalid_request", `A group holds at most ${L.groupMembersMax} members`);
  await requireAddableToGroup(d1(s.env), input.ownerId, input.memberIds);
  const rows: MemberRow[] = ids.map((userId) => ({
    userId,
    role: userId === input.ownerId ? "owner" : "member",
    joinedAt: now,
    visibleFromSeq: 1,
    readSeq: 0,
    mutedUntil: null,
    nickname: "",
    markedUnread: false,
  }));
  await writeD1Creation(s, { id: input.id, kind: "group", name: input.name, createdBy: input.ownerId, directKey: null }, rows, now);
  await s.migrateOnce();
  s.ctx.storage.transactionSync(() => {
    s.sql.insert(meta).values({ id: input.id, kind: "group", name: input.name, createdAt: now }).run();
    for (const part of inChunks(rows, MEMBER_ROWS_PER_INSERT)) s.sql.insert(members).values(part).run();
  });
  s.load();
  gridChanged(s);
  const msg = appendSystem(s, { event: "created", actorId: input.ownerId, name: input.name, memberIds: ids }, now);
  await s.fanout.settle();
  return { seq: msg.seq };
}

/** Idempotent: the first call creates the pair's conversation, later calls find it. */
export async function openDirect(s: ConversationState, input: OpenDirectInput): Promise<{ created: boolean }> {
  if (s.meta) return { created: false };
  const now = Date.now();
  const rows: MemberRow[] = input.userIds.map((userId) => ({ userId, role: "member", joinedAt: now, visibleFromSeq: 1, readSeq: 0, mutedUntil: null, nickname: "", markedUnread: false }));
  const directKey = [...input.userIds].sort().join(":");
  await writeD1Creation(s, { id: input.id, kind: "direct", name: "", createdBy: input.userIds[0], directKey }, rows, now);
  await s.migrateOnce();
  s.ctx.storage.transactionSync(() => {
    s.sql.insert(meta).values({ id: input.id, kind: "direct", name: "", createdAt: now }).run();
    s.sql.insert(members).values(rows).run();
  });
  s.load();
  await s.directRules.read();
  return { created: true };
}

async function writeD1Creation(s: ConversationState, c: { id: string; kind: "direct" | "group"; name: string; createdBy: string; directKey: string | null }, rows: MemberRow[], now: number) {
  const d = d1(s.env);
  const stmts = [
    d
      .insert(conversations)
      .values({ ...c, createdAt: now, memberCount: rows.length })
      .onConflictDoNothing(),
    ...inChunks(rows, D1_ROWS_PER_INSERT).map((part) =>
      d
        .insert(memberships)
        .values(part.map((m) => ({ conversationId: c.id, userId: m.userId, role: m.role, joinedAt: now, visibleFromSeq: m.visibleFromSeq, readSeq: m.readSeq })))
        .onConflictDoNothing(),
    ),
  ];
  await d.batch(stmts as [(typeof stmts)[0], ...(typeof stmts)[number][]]);
}

// ---- leaving and removal --------------------------------------------------------------

/** Leaving a dissolved group only takes it off the member's list: its log stays as it ended. */
export async function leave(s: ConversationState, userId: string): Promise<{ seq: number | null }> {
  const m = s.requireMeta();
  if (m.kind !== "group") throw new ApiError("invalid_request", "Only groups can be left");
  const me = s.requireMember(userId);
  const dissolved = m.dissolvedAt !== null;
  if (!dissolved && me.role === "owner" && s.members.size > 1) throw new ApiError("conflict", "Transfer ownership before leaving the group");
  await removeFromD1(s, m.id, [userId]);
  s.sql.delete(members).where(eq(members.userId, userId)).run();
  s.members.delete(userId);
  s.membersChanged();
  if (dissolved) return { seq: null };
  const msg = appendSystem(s, { event: "left", actorId: userId }, Date.now(), [userId]);
  return { seq: msg.seq };
}

/** Also revokes the invites the people who go had made: nobody rejoins with one of their own. */
async function removeFromD1(s: ConversationState, conversationId: string, userIds: string[]) {
  const d = d1(s.env);
  await d.batch([
    d.delete(memberships).where(and(eq(memberships.conversationId, conversationId), inArray(memberships.userId, userIds))),
    d
      .update(conversations)
      .set({ memberCount: s.members.size - userIds.length })
      .where(eq(conversations.id, conversationId)),
    d
      .update(invites)
      .set({ revokedAt: Date.now() })
      .where(and(eq(invites.conversationId, conversationId), inArray(invites.createdBy, userIds), sql`${invites.revokedAt} is null`)),
  ]);
}

/** The owner removes anyone else; admins remove ordinary members. */
export async function removeMembers(s: ConversationState, actorId: string, userIds: string[]): Promise<{ removed: string[]; seq: number }> {
  const m = s.requireGroup();
  const actor = s.requireRole(actorId, ["owner", "admin"]);
  const targets = [...new Set(userIds)];
  for (const id of targets) {
    if (id === actorId) throw new ApiError("invalid_request", "Leave the group instead of removing yourself");
    s.requireOutranks(actor, s.requireTarget(id), "remove");
  }
  await removeFromD1(s, m.id, targets);
  s.ctx.storage.transactionSync(() => {
    for (const part of inChunks(targets)) s.sql.delete(members).where(inArray(members.userId, part)).run();
  });
  for (const id of targets) s.members.delete(id);
  s.membersChanged();
  // The removed hear about it too, so their devices can grey the group out at once.
  const msg = appendSystem(s, { event: "removed", actorId, memberIds: targets }, Date.now(), targets);
  return { removed: targets, seq: msg.seq };
}

/** The owner ends the group: members keep its history to read, and every later write is refused. */
export async function dissolve(s: ConversationState, actorId: string): Promise<{ seq: number }> {
  s.requireGroup();
  s.requireRole(actorId, ["owner"]);
  return dissolveNow(s, actorId);
}

/** Moderation: dissolves an open group for an operator (the worker checked the operator role). */
export async function dissolveByOperator(s: ConversationState, operatorId: string): Promise<{ seq: number }> {
  s.requireGroup();
  return dissolveNow(s, operatorId);
}

/** Callers hold the mutex and have checked the group is open. */
async function dissolveNow(s: ConversationState, actorId: string): Promise<{ seq: number }> {
  const m = s.requireGroup();
  const now = Date.now();
  const d = d1(s.env);
  await d.batch([
    d.update(conversations).set({ dissolvedAt: now }).where(eq(conversations.id, m.id)),
    d
      .update(invites)
      .set({ revokedAt: now })
      .where(and(eq(invites.conversationId, m.id), sql`${invites.revokedAt} is null`)),
  ]);
  const msg = appendSystem(s, { event: "dissolved", actorId }, now);
  s.sql.update(meta).set({ dissolvedAt: now }).run();
  s.meta = { ...m, dissolvedAt: now };
  return { seq: msg.seq };
}

/**
 * A member's account was deleted: a group they owned goes to the longest-standing admin, else
 * the longest-standing member (as WeChat does), or is dissolved when they were alone; then they
 * leave. Direct chats keep both members, so the peer keeps the history. Safe to call again.
 */
export async function accountDeleted(s: ConversationState, userId: string): Promise<{ handedOverTo: string | null; dissolved: boolean }> {
  const m = s.meta;
  const me = s.members.get(userId);
  if (!m || m.kind !== "group" || !me) return { handedOverTo: null, dissolved: false };
  let handedOverTo: string | null = null;
  let dissolved = false;
  if (m.dissolvedAt === null && me.role === "owner") {
    const senior = (a: MemberRow, b: MemberRow) => a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : 1);
    const others = [...s.members.values()].filter((x) => x.userId !== userId).sort(senior);
    const heir = others.find((x) => x.role === "admin") ?? others[0];
    if (heir) {
      await writeRoles(s, m.id, [
        [heir.userId, "owner"],
        [userId, "member"],
      ]);
      appendSystem(s, { event: "owner_transferred", actorId: userId, memberId: heir.userId }, Date.now());
      handedOverTo = heir.userId;
    } else {
      await dissolveNow(s, userId);
      dissolved = true;
    }
  }
  await removeFromD1(s, m.id, [userId]);
  s.sql.delete(members).where(eq(members.userId, userId)).run();
  s.members.delete(userId);
  s.membersChanged();
  if (s.meta!.dissolvedAt === null) appendSystem(s, { event: "left", actorId: userId }, Date.now());
  return { handedOverTo, dissolved };
}

// ---- roles, nicknames, mutes, settings ------------------------------------------------

/** The owner makes a member an admin, or an admin a member again. */
export async function setAdmin(s: ConversationState, actorId: string, targetId: string, admin: boolean): Promise<{ seq: number | null }> {
  const m = s.requireGroup();
  s.requireRole(actorId, ["owner"]);
  const target = s.requireTarget(targetId);
  if (target.role === "owner") throw new ApiError("invalid_request", "The owner's role changes only by transferring ownership");
  const role: Role = admin ? "admin" : "member";
  if (target.role === role) return { seq: null };
  await writeRoles(s, m.id, [[targetId, role]]);
  return { seq: appendSystem(s, { event: admin ? "admin_set" : "admin_unset", actorId, memberId: targetId }, Date.now()).seq };
}

/** The owner hands the group to another member and becomes an ordinary member. */
export async function transferOwnership(s: ConversationState, actorId: string, targetId: string): Promise<{ seq: number }> {
  const m = s.requireGroup();
  s.requireRole(actorId, ["owner"]);
  if (targetId === actorId) throw new ApiError("invalid_request", "You already own this group");
  s.requireTarget(targetId);
  await writeRoles(s, m.id, [
    [targetId, "owner"],
    [actorId, "member"],
  ]);
  return { seq: appendSystem(s, { event: "owner_transferred", actorId, memberId: targetId }, Date.now()).seq };
}

async function writeRoles(s: ConversationState, conversationId: string, changes: [string, Role][]) {
  const d = d1(s.env);
  const stmts = changes.map(([userId, role]) =>
    d
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.conversationId, conversationId), eq(memberships.userId, userId))),
  );
  await d.batch(stmts as [(typeof stmts)[0], ...(typeof stmts)[number][]]);
  s.ctx.storage.transactionSync(() => {
    for (const [userId, role] of changes) s.sql.update(members).set({ role }).where(eq(members.userId, userId)).run();
  });
  for (const [userId, role] of changes) s.members.get(userId)!.role = role;
}

/** A member's own nickname in this group ("" clears it). */
export async function setNickname(s: ConversationState, userId: string, nickname: string): Promise<{ seq: number | null }> {
  const m = s.requireGroup();
  const me = s.requireMember(userId);
  if (me.nickname === nickname) return { seq: null };
  await d1(s.env)
    .update(memberships)
    .set({ nickname })
    .where(and(eq(memberships.conversationId, m.id), eq(memberships.userId, userId)));
  s.sql.update(members).set({ nickname }).where(eq(members.userId, userId)).run();
  me.nickname = nickname;
  return { seq: appendSystem(s, { event: "nickname", actorId: userId, nickname }, Date.now()).seq };
}

/** Owner and admins (over those they outrank) silence a member for a while; 0 lifts it. */
export async function muteMember(s: ConversationState, actorId: string, targetId: string, durationSeconds: number): Promise<{ mutedUntil: number | null; seq: number }> {
  const m = s.requireGroup();
  const actor = s.requireRole(actorId, ["owner", "admin"]);
  if (targetId === actorId) throw new ApiError("invalid_request", "You cannot mute yourself");
  const target = s.requireTarget(targetId);
  s.requireOutranks(actor, target, "mute");
  const now = Date.now();
  const mutedUntil = durationSeconds > 0 ? now + durationSeconds * 1000 : null;
  await d1(s.env)
    .update(memberships)
    .set({ mutedUntil })
    .where(and(eq(memberships.conversationId, m.id), eq(memberships.userId, targetId)));
  s.sql.update(members).set({ mutedUntil }).where(eq(members.userId, targetId)).run();
  target.mutedUntil = mutedUntil;
  const event: SystemEvent = mutedUntil === null ? { event: "unmuted", actorId, memberId: targetId } : { event: "muted", actorId, memberId: targetId, until: mutedUntil };
  return { mutedUntil, seq: appendSystem(s, event, now).seq };
}

/** Owner and admins: name, avatar, announcement, join settings and mute-all. */
export async function updateGroup(s: ConversationState, actorId: string, patch: UpdateGroupInput): Promise<{ seqs: number[] }> {
  const m = s.requireGroup();
  s.requireRole(actorId, ["owner", "admin"]);
  const now = Date.now();
  const set: Partial<MetaRow> = {};
  const events: SystemEvent[] = [];
  if (patch.name !== undefined && patch.name !== m.name) {
    set.name = patch.name;
    events.push({ event: "renamed", actorId, name: patch.name });
  }
  if (patch.avatarMediaId !== undefined && patch.avatarMediaId !== m.avatarMediaId) {
    set.avatarMediaId = patch.avatarMediaId;
    events.push({ event: "avatar_changed", actorId, avatarMediaId: patch.avatarMediaId });
  }
  if (patch.announcement !== undefined && patch.announcement !== m.announcement) {
    Object.assign(set, { announcement: patch.announcement, announcementAt: now, announcementBy: actorId });
    events.push({ event: "announcement", actorId, text: patch.announcement });
  }
  const settings: Partial<Pick<MetaRow, "joinPolicy" | "inviteConfirmation" | "membersCanInvite" | "newMembersSeeHistory">> = {};
  for (const key of ["joinPolicy", "inviteConfirmation", "membersCanInvite", "newMembersSeeHistory"] as const) {
    if (patch[key] !== undefined && patch[key] !== m[key]) (settings as Record<string, unknown>)[key] = patch[key];
  }
  if (Object.keys(settings).length > 0) {
    Object.assign(set, settings);
    events.push({ event: "settings_changed", actorId, settings });
  }
  if (patch.muteAll !== undefined && patch.muteAll !== m.muteAll) {
    set.muteAll = patch.muteAll;
    events.push({ event: "mute_all", actorId, on: patch.muteAll });
  }
  if (events.length === 0) return { seqs: [] };
  const { newMembersSeeHistory: _localOnly, ...mirrored } = set;
  if (Object.keys(mirrored).length > 0) await d1(s.env).update(conversations).set(mirrored).where(eq(conversations.id, m.id));
  s.sql.update(meta).set(set).run();
  s.meta = { ...m, ...set };
  if (set.avatarMediaId === null) gridChanged(s); // without a picture of its own: a grid of who is in it now
  return { seqs: events.map((e) => appendSystem(s, e, now).seq) };
}

/**
 * Its uploader deleted the media this group uses as its avatar: the group has none rather
 * than an id nobody can fetch. No system message: nobody here changed anything.
 */
export async function avatarDeleted(s: ConversationState, mediaIds: string[]): Promise<{ cleared: boolean }> {
  const m = s.meta;
  if (!m || m.avatarMediaId === null || !mediaIds.includes(m.avatarMediaId)) return { cleared: false };
  await d1(s.env).update(conversations).set({ avatarMediaId: null }).where(eq(conversations.id, m.id));
  s.sql.update(meta).set({ avatarMediaId: null }).run();
  s.meta = { ...m, avatarMediaId: null };
  gridChanged(s);
  return { cleared: true };
}
