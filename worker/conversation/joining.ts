// How people come into a group: added by a member, by an invite link (joining at once or asking),
// by a decided join request, or from a face-to-face room. Invites and join requests live in D1
// (the HTTP side lists them too); this object writes them under its mutex, so use limits and the
// member limit hold under concurrent joins.
import { and, asc, desc, eq, gt, inArray, sql } from "drizzle-orm";
import { members, type MemberRow } from "../../schema/conversation";
import { conversations, invites, joinRequests, memberships, type Invite, type JoinRequest } from "../../schema/d1";
import type { AcceptInviteResult, JoinRequestView } from "../../schema/groups";
import { MESSAGE_LIMITS as L } from "../../schema/limits";
import { db as d1 } from "../db";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { inChunks } from "../lib/sql";
import { requireAddableToGroup } from "../data/contacts";
import { inviteProblem, toJoinRequestView } from "../data/invites";
import { appendSystem } from "./log";
import { D1_ROWS_PER_INSERT, MEMBER_ROWS_PER_INSERT, type BatchItem } from "./membership";
import type { ConversationState } from "./state";

/**
 * A member adds people from their friends. Plain members need the group to allow it, and with
 * invite confirmation on their invitations become join requests for the owner and admins
 * (whose approval later does not ask about the inviter's friendships again).
 */
export async function addMembers(s: ConversationState, actorId: string, userIds: string[]): Promise<{ added: string[]; requested: string[]; seq: number | null }> {
  const m = s.requireGroup();
  const actor = s.requireMember(actorId);
  if (actor.role === "member" && !m.membersCanInvite) throw new ApiError("forbidden", "Only the owner and admins can invite people to this group");
  const fresh = [...new Set(userIds)].filter((u) => !s.members.has(u));
  if (fresh.length === 0) return { added: [], requested: [], seq: null };
  await requireAddableToGroup(d1(s.env), actorId, fresh);
  if (actor.role === "member" && m.inviteConfirmation) {
    const requests = await fileJoinRequests(s, fresh, { invitedBy: actorId, inviteCode: null, message: "" });
    return { added: [], requested: requests.map((r) => r.userId), seq: null };
  }
  const seq = await admit(s, actorId, fresh, undefined);
  return { added: fresh, requested: [], seq };
}

/**
 * Writes new members (D1 first, with `alongside` in the same batch, then this object) and
 * announces them. Callers hold the mutex, so the member limit holds under concurrent joins.
 */
async function admit(s: ConversationState, actorId: string, userIds: string[], via: "link" | "approval" | "face_to_face" | undefined, alongside: BatchItem[] = []): Promise<number> {
  const m = s.requireGroup();
  if (s.members.size + userIds.length > L.groupMembersMax) {
    throw new ApiError("group_full", `A group holds at most ${L.groupMembersMax} members`);
  }
  const now = Date.now();
  const joinSeq = s.lastSeq + 1; // the "joined" notice below
  const visibleFromSeq = m.newMembersSeeHistory ? 1 : joinSeq;
  const rows: MemberRow[] = userIds.map((userId) => ({ userId, role: "member", joinedAt: now, visibleFromSeq, readSeq: visibleFromSeq - 1, mutedUntil: null, nickname: "", markedUnread: false }));
  const d = d1(s.env);
  const stmts: BatchItem[] = [
    ...inChunks(rows, D1_ROWS_PER_INSERT).map((part) =>
      d
        .insert(memberships)
        .values(part.map((r) => ({ conversationId: m.id, userId: r.userId, role: r.role, joinedAt: now, visibleFromSeq, readSeq: r.readSeq })))
        .onConflictDoNothing(),
    ),
    d
      .update(conversations)
      .set({ memberCount: s.members.size + userIds.length })
      .where(eq(conversations.id, m.id)),
    ...alongside,
  ];
  await d.batch(stmts as [BatchItem, ...BatchItem[]]);
  s.ctx.storage.transactionSync(() => {
    for (const part of inChunks(rows, MEMBER_ROWS_PER_INSERT)) s.sql.insert(members).values(part).run();
  });
  for (const r of rows) s.members.set(r.userId, r);
  s.membersChanged();
  const msg = appendSystem(s, { event: "joined", actorId, memberIds: userIds, ...(via ? { via } : {}) }, now);
  return msg.seq;
}

/** Joins someone who entered this group's face-to-face room (called by the room, not by clients). */
export async function joinFaceToFace(s: ConversationState, userId: string): Promise<{ seq: number | null }> {
  s.requireGroup();
  if (s.members.has(userId)) return { seq: null };
  return { seq: await admit(s, userId, [userId], "face_to_face") };
}

// ---- invites --------------------------------------------------------------------------

/** Owner and admins, and members when the group lets them; not for invite-only groups. */
export async function createInvite(s: ConversationState, actorId: string, input: { code: string; expiresAt: number; maxUses: number | null }): Promise<Invite> {
  const m = s.requireGroup();
  const actor = s.requireMember(actorId);
  if (actor.role === "member" && !m.membersCanInvite) throw new ApiError("forbidden", "Only the owner and admins can invite people to this group");
  if (m.joinPolicy === "invite_only") throw new ApiError("join_closed", "This group is invite-only: members add people from their contacts");
  const [row] = await d1(s.env)
    .insert(invites)
    .values({ code: input.code, conversationId: m.id, createdBy: actorId, createdAt: Date.now(), expiresAt: input.expiresAt, maxUses: input.maxUses })
    .returning();
  return row!;
}

/** Active invites: all of them for the owner and admins, a member's own for a member. */
export async function listInvites(s: ConversationState, actorId: string): Promise<Invite[]> {
  const m = s.requireMeta();
  const actor = s.requireMember(actorId);
  const rows = await d1(s.env)
    .select()
    .from(invites)
    .where(and(eq(invites.conversationId, m.id), sql`${invites.revokedAt} is null`, gt(invites.expiresAt, Date.now())))
    .orderBy(desc(invites.createdAt))
    .all();
  return actor.role === "member" ? rows.filter((r) => r.createdBy === actorId) : rows;
}

/** Its creator, the owner or an admin revokes an invite; revoking twice is harmless. */
export async function revokeInvite(s: ConversationState, actorId: string, code: string): Promise<Invite> {
  const m = s.requireMeta();
  const actor = s.requireMember(actorId);
  const d = d1(s.env);
  const row = await d
    .select()
    .from(invites)
    .where(and(eq(invites.code, code), eq(invites.conversationId, m.id)))
    .get();
  if (!row) throw new ApiError("not_found", "No such invite");
  if (row.createdBy !== actorId && actor.role === "member") throw new ApiError("forbidden", "Only its creator, the owner or an admin can revoke an invite");
  if (row.revokedAt !== null) return row;
  const [updated] = await d.update(invites).set({ revokedAt: Date.now() }).where(eq(invites.code, code)).returning();
  return updated!;
}

/** Someone holding an invite code joins (open policy) or asks to (approval policy). */
export async function acceptInvite(s: ConversationState, userId: string, code: string, message: string): Promise<AcceptInviteResult> {
  const m = s.requireMeta();
  const d = d1(s.env);
  const inv = await d
    .select()
    .from(invites)
    .where(and(eq(invites.code, code), eq(invites.conversationId, m.id)))
    .get();
  if (!inv) throw new ApiError("not_found", "No such invite");
  const problem = inviteProblem(inv, { dissolvedAt: m.dissolvedAt, joinPolicy: m.joinPolicy }, Date.now());
  if (problem) throw problem;
  if (s.members.has(userId)) return { status: "joined", conversationId: m.id, seq: null };
  if (m.joinPolicy === "approval") {
    const [request] = await fileJoinRequests(s, [userId], { invitedBy: inv.createdBy, inviteCode: code, message });
    return { status: "pending", conversationId: m.id, requestId: request!.id };
  }
  const seq = await admit(s, userId, [userId], "link", [
    d
      .update(invites)
      .set({ uses: sql`${invites.uses} + 1` })
      .where(eq(invites.code, code)),
  ]);
  return { status: "joined", conversationId: m.id, seq };
}

// ---- join requests --------------------------------------------------------------------

export async function listJoinRequests(s: ConversationState, actorId: string, status: JoinRequest["status"]): Promise<JoinRequestView[]> {
  const m = s.requireMeta();
  s.requireRole(actorId, ["owner", "admin"]);
  const rows = await d1(s.env)
    .select()
    .from(joinRequests)
    .where(and(eq(joinRequests.conversationId, m.id), eq(joinRequests.status, status)))
    .orderBy(asc(joinRequests.createdAt))
    .all();
  return rows.map(toJoinRequestView);
}

/** Owner and admins approve (the person joins, within the member limit) or decline. */
export async function decideJoinRequest(s: ConversationState, actorId: string, requestId: string, approve: boolean): Promise<{ request: JoinRequestView; seq: number | null }> {
  const m = s.requireGroup();
  s.requireRole(actorId, ["owner", "admin"]);
  const d = d1(s.env);
  const req = await d
    .select()
    .from(joinRequests)
    .where(and(eq(joinRequests.id, requestId), eq(joinRequests.conversationId, m.id)))
    .get();
  if (!req) throw new ApiError("not_found", "No such join request");
  if (req.status !== "pending") throw new ApiError("conflict", `This request was already ${req.status}`);
  const now = Date.now();
  const decided = { status: approve ? ("approved" as const) : ("declined" as const), decidedBy: actorId, decidedAt: now };
  const decide = d.update(joinRequests).set(decided).where(eq(joinRequests.id, requestId));
  let seq: number | null = null;
  if (!approve || s.members.has(req.userId)) {
    await decide;
  } else {
    const useInvite = req.inviteCode
      ? [
          d
            .update(invites)
            .set({ uses: sql`${invites.uses} + 1` })
            .where(eq(invites.code, req.inviteCode)),
        ]
      : [];
    seq = await admit(s, actorId, [req.userId], "approval", [decide, ...useInvite]);
  }
  // The person asking learns the outcome, and the other deciders see it leave their lists.
  const request = toJoinRequestView({ ...req, ...decided });
  s.fanout.pushTo([req.userId, ...s.deciders()], { type: "join_request", conversationId: m.id, request });
  return { request, seq };
}

/** One pending request per person: asking again returns the open one. Owner and admins hear live. */
async function fileJoinRequests(s: ConversationState, userIds: string[], from: { invitedBy: string | null; inviteCode: string | null; message: string }): Promise<JoinRequestView[]> {
  const m = s.requireGroup();
  const d = d1(s.env);
  const open = new Map<string, JoinRequest>();
  for (const part of inChunks(userIds)) {
    const rows = await d
      .select()
      .from(joinRequests)
      .where(and(eq(joinRequests.conversationId, m.id), eq(joinRequests.status, "pending"), inArray(joinRequests.userId, part)))
      .all();
    for (const r of rows) open.set(r.userId, r);
  }
  const now = Date.now();
  const fresh: JoinRequest[] = userIds
    .filter((u) => !open.has(u))
    .map((userId) => ({ id: newId("jr"), conversationId: m.id, userId, ...from, status: "pending", createdAt: now, decidedBy: null, decidedAt: null }));
  for (const part of inChunks(fresh, D1_ROWS_PER_INSERT)) await d.insert(joinRequests).values(part);
  for (const r of fresh) s.fanout.pushTo(s.deciders(), { type: "join_request", conversationId: m.id, request: toJoinRequestView(r) });
  return userIds.map((u) => toJoinRequestView(open.get(u) ?? fresh.find((r) => r.userId === u)!));
}
