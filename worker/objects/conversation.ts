// One object per conversation: the single writer of its message log and membership.
// Lifecycle: load (migrate, cache meta and members) → commands (send, read, recall, members)
// → each write is durable before its reply leaves (output gate) → a background flush copies
// the summary to D1 and then pushes frames to the gateway shards, batching whatever queued
// up while the previous flush was in flight.
import { DurableObject } from "cloudflare:workers";
import { and, asc, desc, eq, gt, gte, inArray, lt, sql } from "drizzle-orm";
import { drizzle, type DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../schema/conversation-migrations/migrations.js";
import * as tables from "../../schema/conversation";
import { directRules, members, messages, meta, type MemberRow, type MessageRow, type MetaRow } from "../../schema/conversation";
import { conversations, invites, joinRequests, memberships, type Invite, type JoinRequest } from "../../schema/d1";
import type { AcceptInviteResult, JoinRequestView, UpdateGroupInput } from "../../schema/groups";
import { MESSAGE_LIMITS as L } from "../../schema/limits";
import type { Ack, HistoryPage, Message, MessagePreview, MessageType, QuotedMessage, SendInput, ServerFrame, SystemEvent } from "../../schema/protocol";
import { db as d1 } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import type { ReadResult } from "./gateway";
import { previewText } from "../lib/preview";
import { guard, type Result } from "../lib/result";
import { gateway, groupByShard, shardOf } from "../lib/shards";
import { inviteProblem, toJoinRequestView } from "../services/invites";
import { directPolicy, requireAddableToGroup } from "../services/contacts";
import { checkForwardMedia, checkMessageMedia, dropRefs, mediaIdsOf, recordRefs } from "../services/media";

type Role = MemberRow["role"];
const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1 };

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

interface Outgoing {
  frame: string;
  /** Users who get this frame although they are no longer members (e.g. told they were removed). */
  alsoTo?: string[];
  /** Users who get this frame instead of every member (a group's read receipts). */
  only?: string[];
  /** A reply, kept so the flush can give readers who may not see its quote a copy without it. */
  reply?: Message;
}

// D1 and Durable Object SQLite both allow at most 100 bound parameters a statement.
const D1_ROWS_PER_INSERT = 10;
const MEMBER_ROWS_PER_INSERT = 14; // 7 columns each
const SQL_IN_CHUNK = 90;

type BatchItem = Parameters<ReturnType<typeof d1>["batch"]>[0][number];

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * What a reader whose history starts at `visibleFromSeq` may see of a quote: nothing of a message
 * from before it. The one rule for history, one message, catch-up and pushes.
 */
export function quoteSeenBy(quote: QuotedMessage, visibleFromSeq: number): QuotedMessage {
  return quote.seq < visibleFromSeq ? { seq: quote.seq, unavailable: true } : quote;
}

/** JSON with object keys sorted, so a retry matches its stored message whatever its key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** How old a direct chat's stored contacts rules may get before a send re-reads them from D1. */
export const DIRECT_RULES_RECHECK_MS = 60 * 60 * 1000;

export class ConversationObject extends DurableObject<Env> {
  private readonly sql: DrizzleSqliteDODatabase<typeof tables>;
  private meta: MetaRow | null = null;
  private members = new Map<string, MemberRow>();
  private lastSeq = 0;
  private lastPreview: MessagePreview | null = null;
  /** Member ids grouped by gateway shard, rebuilt when membership changes. */
  private shards = new Map<number, string[]>();
  /** The highest first-visible seq of any member: replies quoting at or after it need no per-reader copy. */
  private latestVisibleFrom = 1;

  private outbox: Outgoing[] = [];
  /** Read positions to copy to D1 (unread counts) at the next flush. */
  private pendingReads = new Map<string, number>();
  /**
   * Reads other members need to hear of, as the range each one advanced over. A sender reading
   * their own new message (nothing else unread) is implied by the message, so it goes to D1 only.
   * In groups a read goes to the reader and to the senders of the messages it covers (the only
   * ones shown read counts), not to all 500 members.
   */
  private pushReads = new Map<string, { from: number; to: number }>();
  /** Gateway stubs, kept while they work: a stub that threw is made again (and calls on one stub arrive in order). */
  private gateways = new Map<number, ReturnType<typeof gateway>>();
  private summaryDirty = false;
  /** Tests only: while set, the flush's summary write waits for it (summary before push is then observable). */
  summaryGate: Promise<void> | null = null;
  private flushing: Promise<void> | null = null;
  /** Direct chats only: why each member may not send (null = may); null until read from storage or D1. */
  private directPolicy: Map<string, "blocked" | "not_friends" | "account_deleted" | null> | null = null;
  /** When the stored rules were last read from D1, and a background re-read under way, if any. */
  private directPolicySyncedAt = 0;
  private directRecheck: Promise<void> | null = null;
  private buckets = new Map<string, { tokens: number; at: number }>();
  /** Since the object woke: how often it flushed and how many gateway calls that took. */
  private counters = { flushes: 0, gatewayCalls: 0, framesPushed: 0, readCalls: 0 };
  /** Membership changes await D1, during which other calls run: they queue here instead. */
  private membershipQueue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = drizzle(ctx.storage, { schema: tables });
    void ctx.blockConcurrencyWhile(async () => {
      // An object nobody created (a guessed id) writes nothing: its schema comes with createGroup/openDirect.
      if (!this.hasSchema()) return;
      await this.migrateOnce();
      this.load();
    });
  }

  private migrated = false;

  private hasSchema(): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").toArray().length > 0;
  }

  private async migrateOnce() {
    if (this.migrated) return;
    await migrate(this.sql, migrations);
    this.migrated = true;
  }

  private load() {
    this.meta = this.sql.select().from(meta).get() ?? null;
    this.members = new Map(this.sql.select().from(members).all().map((m) => [m.userId, m]));
    const last = this.sql.select().from(messages).orderBy(desc(messages.seq)).limit(1).get();
    this.lastSeq = last?.seq ?? 0;
    this.lastPreview = last ? this.preview(last) : null;
    this.rebuildShards();
    // Chats from before the rules were stored have no rows: their first send reads D1 once.
    const rules = this.meta?.kind === "direct" ? this.sql.select().from(directRules).all() : [];
    this.directPolicy = rules.length > 0 && rules.length === this.members.size ? new Map(rules.map((r) => [r.senderId, r.refusal])) : null;
    this.directPolicySyncedAt = Math.min(...rules.map((r) => r.syncedAt));
  }

  private rebuildShards() {
    this.shards = new Map();
    this.latestVisibleFrom = Math.max(1, ...[...this.members.values()].map((m) => m.visibleFromSeq));
    for (const id of this.members.keys()) {
      const s = shardOf(id);
      const list = this.shards.get(s);
      if (list) list.push(id);
      else this.shards.set(s, [id]);
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.membershipQueue.then(fn, fn);
    this.membershipQueue = run.catch(() => undefined);
    return run;
  }

  // ---- creation ---------------------------------------------------------------------

  async createGroup(input: CreateGroupInput): Promise<Result<{ seq: number }>> {
    return guard(() => this.exclusive(async () => {
      if (this.meta) throw new ApiError("conflict", "Conversation already exists");
      const now = Date.now();
      const ids = [...new Set([input.ownerId, ...input.memberIds])];
      if (ids.length > L.groupMembersMax) throw new ApiError("invalid_request", `A group holds at most ${L.groupMembersMax} members`);
      await requireAddableToGroup(d1(this.env), input.ownerId, input.memberIds);
      const rows: MemberRow[] = ids.map((userId) => ({
        userId,
        role: userId === input.ownerId ? "owner" : "member",
        joinedAt: now,
        visibleFromSeq: 1,
        readSeq: 0,
        mutedUntil: null,
        nickname: "",
      }));
      await this.writeD1Creation({ id: input.id, kind: "group", name: input.name, createdBy: input.ownerId, directKey: null }, rows, now);
      await this.migrateOnce();
      this.ctx.storage.transactionSync(() => {
        this.sql.insert(meta).values({ id: input.id, kind: "group", name: input.name, createdAt: now }).run();
        for (const part of chunk(rows, MEMBER_ROWS_PER_INSERT)) this.sql.insert(members).values(part).run();
      });
      this.load();
      const msg = this.appendSystem({ event: "created", actorId: input.ownerId, name: input.name, memberIds: ids }, now);
      await this.settle();
      return { seq: msg.seq };
    }));
  }

  /** Idempotent: the first call creates the pair's conversation, later calls find it. */
  async openDirect(input: OpenDirectInput): Promise<Result<{ created: boolean }>> {
    return guard(() => this.exclusive(async () => {
      if (this.meta) return { created: false };
      const now = Date.now();
      const rows: MemberRow[] = input.userIds.map((userId) => ({ userId, role: "member", joinedAt: now, visibleFromSeq: 1, readSeq: 0, mutedUntil: null, nickname: "" }));
      const directKey = [...input.userIds].sort().join(":");
      await this.writeD1Creation({ id: input.id, kind: "direct", name: "", createdBy: input.userIds[0], directKey }, rows, now);
      await this.migrateOnce();
      this.ctx.storage.transactionSync(() => {
        this.sql.insert(meta).values({ id: input.id, kind: "direct", name: "", createdAt: now }).run();
        this.sql.insert(members).values(rows).run();
      });
      this.load();
      await this.readDirectPolicy();
      return { created: true };
    }));
  }

  private async writeD1Creation(
    c: { id: string; kind: "direct" | "group"; name: string; createdBy: string; directKey: string | null },
    rows: MemberRow[],
    now: number,
  ) {
    const d = d1(this.env);
    const stmts = [
      d.insert(conversations).values({ ...c, createdAt: now, memberCount: rows.length }).onConflictDoNothing(),
      ...chunk(rows, D1_ROWS_PER_INSERT).map((part) =>
        d
          .insert(memberships)
          .values(part.map((m) => ({ conversationId: c.id, userId: m.userId, role: m.role, joinedAt: now, visibleFromSeq: m.visibleFromSeq, readSeq: m.readSeq })))
          .onConflictDoNothing(),
      ),
    ];
    await d.batch(stmts as [(typeof stmts)[0], ...(typeof stmts)[number][]]);
  }

  // ---- membership ---------------------------------------------------------------------

  /**
   * A member adds people from their friends. Plain members need the group to allow it, and with
   * invite confirmation on their invitations become join requests for the owner and admins
   * (whose approval later does not ask about the inviter's friendships again).
   */
  async addMembers(actorId: string, userIds: string[]): Promise<Result<{ added: string[]; requested: string[]; seq: number | null }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireGroup();
      const actor = this.requireMember(actorId);
      if (actor.role === "member" && !m.membersCanInvite) throw new ApiError("forbidden", "Only the owner and admins can invite people to this group");
      const fresh = [...new Set(userIds)].filter((u) => !this.members.has(u));
      if (fresh.length === 0) return { added: [], requested: [], seq: null };
      await requireAddableToGroup(d1(this.env), actorId, fresh);
      if (actor.role === "member" && m.inviteConfirmation) {
        const requests = await this.fileJoinRequests(fresh, { invitedBy: actorId, inviteCode: null, message: "" });
        return { added: [], requested: requests.map((r) => r.userId), seq: null };
      }
      const seq = await this.admit(actorId, fresh, undefined);
      return { added: fresh, requested: [], seq };
    }));
  }

  /**
   * Writes new members (D1 first, with `alongside` in the same batch, then this object) and
   * announces them. Callers hold the mutex, so the member limit holds under concurrent joins.
   */
  private async admit(actorId: string, userIds: string[], via: "link" | "approval" | "face_to_face" | undefined, alongside: BatchItem[] = []): Promise<number> {
    const m = this.requireGroup();
    if (this.members.size + userIds.length > L.groupMembersMax) {
      throw new ApiError("group_full", `A group holds at most ${L.groupMembersMax} members`);
    }
    const now = Date.now();
    const joinSeq = this.lastSeq + 1; // the "joined" notice below
    const visibleFromSeq = m.newMembersSeeHistory ? 1 : joinSeq;
    const rows: MemberRow[] = userIds.map((userId) => ({ userId, role: "member", joinedAt: now, visibleFromSeq, readSeq: visibleFromSeq - 1, mutedUntil: null, nickname: "" }));
    const d = d1(this.env);
    const stmts: BatchItem[] = [
      ...chunk(rows, D1_ROWS_PER_INSERT).map((part) =>
        d
          .insert(memberships)
          .values(part.map((r) => ({ conversationId: m.id, userId: r.userId, role: r.role, joinedAt: now, visibleFromSeq, readSeq: r.readSeq })))
          .onConflictDoNothing(),
      ),
      d.update(conversations).set({ memberCount: this.members.size + userIds.length }).where(eq(conversations.id, m.id)),
      ...alongside,
    ];
    await d.batch(stmts as [BatchItem, ...BatchItem[]]);
    this.ctx.storage.transactionSync(() => {
      for (const part of chunk(rows, MEMBER_ROWS_PER_INSERT)) this.sql.insert(members).values(part).run();
    });
    for (const r of rows) this.members.set(r.userId, r);
    this.rebuildShards();
    const msg = this.appendSystem({ event: "joined", actorId, memberIds: userIds, ...(via ? { via } : {}) }, now);
    return msg.seq;
  }

  /** Leaving a dissolved group only takes it off the member's list: its log stays as it ended. */
  async leave(userId: string): Promise<Result<{ seq: number | null }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireMeta();
      if (m.kind !== "group") throw new ApiError("invalid_request", "Only groups can be left");
      const me = this.requireMember(userId);
      const dissolved = m.dissolvedAt !== null;
      if (!dissolved && me.role === "owner" && this.members.size > 1) throw new ApiError("conflict", "Transfer ownership before leaving the group");
      await this.removeFromD1(m.id, [userId]);
      this.sql.delete(members).where(eq(members.userId, userId)).run();
      this.members.delete(userId);
      this.rebuildShards();
      if (dissolved) return { seq: null };
      const msg = this.appendSystem({ event: "left", actorId: userId }, Date.now(), [userId]);
      return { seq: msg.seq };
    }));
  }

  /** Also revokes the invites the people who go had made: nobody rejoins with one of their own. */
  private async removeFromD1(conversationId: string, userIds: string[]) {
    const d = d1(this.env);
    await d.batch([
      d.delete(memberships).where(and(eq(memberships.conversationId, conversationId), inArray(memberships.userId, userIds))),
      d.update(conversations).set({ memberCount: this.members.size - userIds.length }).where(eq(conversations.id, conversationId)),
      d
        .update(invites)
        .set({ revokedAt: Date.now() })
        .where(and(eq(invites.conversationId, conversationId), inArray(invites.createdBy, userIds), sql`${invites.revokedAt} is null`)),
    ]);
  }

  // ---- group administration -----------------------------------------------------------
  // Every change: the role check, D1 first, then this object's SQLite, then a system message
  // that reaches online members live. All of it under the membership mutex.

  /** Owner and admins: name, avatar, announcement, join settings and mute-all. */
  async updateGroup(actorId: string, patch: UpdateGroupInput): Promise<Result<{ seqs: number[] }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireGroup();
      this.requireRole(actorId, ["owner", "admin"]);
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
      if (Object.keys(mirrored).length > 0) await d1(this.env).update(conversations).set(mirrored).where(eq(conversations.id, m.id));
      this.sql.update(meta).set(set).run();
      this.meta = { ...m, ...set };
      return { seqs: events.map((e) => this.appendSystem(e, now).seq) };
    }));
  }

  /**
   * Its uploader deleted the media this group uses as its avatar: the group has none rather
   * than an id nobody can fetch. No system message: nobody here changed anything.
   */
  async avatarDeleted(mediaIds: string[]): Promise<Result<{ cleared: boolean }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.meta;
      if (!m || m.avatarMediaId === null || !mediaIds.includes(m.avatarMediaId)) return { cleared: false };
      await d1(this.env).update(conversations).set({ avatarMediaId: null }).where(eq(conversations.id, m.id));
      this.sql.update(meta).set({ avatarMediaId: null }).run();
      this.meta = { ...m, avatarMediaId: null };
      return { cleared: true };
    }));
  }

  /** A member's own nickname in this group ("" clears it). */
  async setNickname(userId: string, nickname: string): Promise<Result<{ seq: number | null }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireGroup();
      const me = this.requireMember(userId);
      if (me.nickname === nickname) return { seq: null };
      await d1(this.env).update(memberships).set({ nickname }).where(and(eq(memberships.conversationId, m.id), eq(memberships.userId, userId)));
      this.sql.update(members).set({ nickname }).where(eq(members.userId, userId)).run();
      me.nickname = nickname;
      return { seq: this.appendSystem({ event: "nickname", actorId: userId, nickname }, Date.now()).seq };
    }));
  }

  /** The owner removes anyone else; admins remove ordinary members. */
  async removeMembers(actorId: string, userIds: string[]): Promise<Result<{ removed: string[]; seq: number }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireGroup();
      const actor = this.requireRole(actorId, ["owner", "admin"]);
      const targets = [...new Set(userIds)];
      for (const id of targets) {
        if (id === actorId) throw new ApiError("invalid_request", "Leave the group instead of removing yourself");
        this.requireOutranks(actor, this.requireTarget(id), "remove");
      }
      await this.removeFromD1(m.id, targets);
      this.ctx.storage.transactionSync(() => {
        for (const part of chunk(targets, SQL_IN_CHUNK)) this.sql.delete(members).where(inArray(members.userId, part)).run();
      });
      for (const id of targets) this.members.delete(id);
      this.rebuildShards();
      // The removed hear about it too, so their devices can grey the group out at once.
      const msg = this.appendSystem({ event: "removed", actorId, memberIds: targets }, Date.now(), targets);
      return { removed: targets, seq: msg.seq };
    }));
  }

  /** The owner makes a member an admin, or an admin a member again. */
  async setAdmin(actorId: string, targetId: string, admin: boolean): Promise<Result<{ seq: number | null }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireGroup();
      this.requireRole(actorId, ["owner"]);
      const target = this.requireTarget(targetId);
      if (target.role === "owner") throw new ApiError("invalid_request", "The owner's role changes only by transferring ownership");
      const role: Role = admin ? "admin" : "member";
      if (target.role === role) return { seq: null };
      await this.writeRoles(m.id, [[targetId, role]]);
      return { seq: this.appendSystem({ event: admin ? "admin_set" : "admin_unset", actorId, memberId: targetId }, Date.now()).seq };
    }));
  }

  /** The owner hands the group to another member and becomes an ordinary member. */
  async transferOwnership(actorId: string, targetId: string): Promise<Result<{ seq: number }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireGroup();
      this.requireRole(actorId, ["owner"]);
      if (targetId === actorId) throw new ApiError("invalid_request", "You already own this group");
      this.requireTarget(targetId);
      await this.writeRoles(m.id, [[targetId, "owner"], [actorId, "member"]]);
      return { seq: this.appendSystem({ event: "owner_transferred", actorId, memberId: targetId }, Date.now()).seq };
    }));
  }

  /** Owner and admins (over those they outrank) silence a member for a while; 0 lifts it. */
  async muteMember(actorId: string, targetId: string, durationSeconds: number): Promise<Result<{ mutedUntil: number | null; seq: number }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireGroup();
      const actor = this.requireRole(actorId, ["owner", "admin"]);
      if (targetId === actorId) throw new ApiError("invalid_request", "You cannot mute yourself");
      const target = this.requireTarget(targetId);
      this.requireOutranks(actor, target, "mute");
      const now = Date.now();
      const mutedUntil = durationSeconds > 0 ? now + durationSeconds * 1000 : null;
      await d1(this.env).update(memberships).set({ mutedUntil }).where(and(eq(memberships.conversationId, m.id), eq(memberships.userId, targetId)));
      this.sql.update(members).set({ mutedUntil }).where(eq(members.userId, targetId)).run();
      target.mutedUntil = mutedUntil;
      const event: SystemEvent = mutedUntil === null ? { event: "unmuted", actorId, memberId: targetId } : { event: "muted", actorId, memberId: targetId, until: mutedUntil };
      return { mutedUntil, seq: this.appendSystem(event, now).seq };
    }));
  }

  /** The owner ends the group: members keep its history to read, and every later write is refused. */
  async dissolve(actorId: string): Promise<Result<{ seq: number }>> {
    return guard(() => this.exclusive(async () => {
      this.requireGroup();
      this.requireRole(actorId, ["owner"]);
      return this.dissolveNow(actorId);
    }));
  }

  /**
   * A member's account was deleted: a group they owned goes to the longest-standing admin, else
   * the longest-standing member (as WeChat does), or is dissolved when they were alone; then they
   * leave. Direct chats keep both members, so the peer keeps the history. Safe to call again.
   */
  async accountDeleted(userId: string): Promise<Result<{ handedOverTo: string | null; dissolved: boolean }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.meta;
      const me = this.members.get(userId);
      if (!m || m.kind !== "group" || !me) return { handedOverTo: null, dissolved: false };
      let handedOverTo: string | null = null;
      let dissolved = false;
      if (m.dissolvedAt === null && me.role === "owner") {
        const senior = (a: MemberRow, b: MemberRow) => a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : 1);
        const others = [...this.members.values()].filter((x) => x.userId !== userId).sort(senior);
        const heir = others.find((x) => x.role === "admin") ?? others[0];
        if (heir) {
          await this.writeRoles(m.id, [[heir.userId, "owner"], [userId, "member"]]);
          this.appendSystem({ event: "owner_transferred", actorId: userId, memberId: heir.userId }, Date.now());
          handedOverTo = heir.userId;
        } else {
          await this.dissolveNow(userId);
          dissolved = true;
        }
      }
      await this.removeFromD1(m.id, [userId]);
      this.sql.delete(members).where(eq(members.userId, userId)).run();
      this.members.delete(userId);
      this.rebuildShards();
      if (this.meta!.dissolvedAt === null) this.appendSystem({ event: "left", actorId: userId }, Date.now());
      return { handedOverTo, dissolved };
    }));
  }

  /** Callers hold the mutex and have checked the group is open. */
  private async dissolveNow(actorId: string): Promise<{ seq: number }> {
    const m = this.requireGroup();
    const now = Date.now();
    const d = d1(this.env);
    await d.batch([
      d.update(conversations).set({ dissolvedAt: now }).where(eq(conversations.id, m.id)),
      d.update(invites).set({ revokedAt: now }).where(and(eq(invites.conversationId, m.id), sql`${invites.revokedAt} is null`)),
    ]);
    const msg = this.appendSystem({ event: "dissolved", actorId }, now);
    this.sql.update(meta).set({ dissolvedAt: now }).run();
    this.meta = { ...m, dissolvedAt: now };
    return { seq: msg.seq };
  }

  // ---- invites and join requests ------------------------------------------------------

  /** Owner and admins, and members when the group lets them; not for invite-only groups. */
  async createInvite(actorId: string, input: { code: string; expiresAt: number; maxUses: number | null }): Promise<Result<Invite>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireGroup();
      const actor = this.requireMember(actorId);
      if (actor.role === "member" && !m.membersCanInvite) throw new ApiError("forbidden", "Only the owner and admins can invite people to this group");
      if (m.joinPolicy === "invite_only") throw new ApiError("join_closed", "This group is invite-only: members add people from their contacts");
      const [row] = await d1(this.env)
        .insert(invites)
        .values({ code: input.code, conversationId: m.id, createdBy: actorId, createdAt: Date.now(), expiresAt: input.expiresAt, maxUses: input.maxUses })
        .returning();
      return row!;
    }));
  }

  /** Active invites: all of them for the owner and admins, a member's own for a member. */
  async listInvites(actorId: string): Promise<Result<Invite[]>> {
    return guard(async () => {
      const m = this.requireMeta();
      const actor = this.requireMember(actorId);
      const rows = await d1(this.env)
        .select()
        .from(invites)
        .where(and(eq(invites.conversationId, m.id), sql`${invites.revokedAt} is null`, gt(invites.expiresAt, Date.now())))
        .orderBy(desc(invites.createdAt))
        .all();
      return actor.role === "member" ? rows.filter((r) => r.createdBy === actorId) : rows;
    });
  }

  /** Its creator, the owner or an admin revokes an invite; revoking twice is harmless. */
  async revokeInvite(actorId: string, code: string): Promise<Result<Invite>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireMeta();
      const actor = this.requireMember(actorId);
      const d = d1(this.env);
      const row = await d.select().from(invites).where(and(eq(invites.code, code), eq(invites.conversationId, m.id))).get();
      if (!row) throw new ApiError("not_found", "No such invite");
      if (row.createdBy !== actorId && actor.role === "member") throw new ApiError("forbidden", "Only its creator, the owner or an admin can revoke an invite");
      if (row.revokedAt !== null) return row;
      const [updated] = await d.update(invites).set({ revokedAt: Date.now() }).where(eq(invites.code, code)).returning();
      return updated!;
    }));
  }

  /**
   * Someone holding an invite code joins (open policy) or asks to (approval policy). Uses are
   * counted under the mutex, so a use limit holds under concurrent accepts.
   */
  async acceptInvite(userId: string, code: string, message: string): Promise<Result<AcceptInviteResult>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireMeta();
      const d = d1(this.env);
      const inv = await d.select().from(invites).where(and(eq(invites.code, code), eq(invites.conversationId, m.id))).get();
      if (!inv) throw new ApiError("not_found", "No such invite");
      const problem = inviteProblem(inv, { dissolvedAt: m.dissolvedAt, joinPolicy: m.joinPolicy }, Date.now());
      if (problem) throw problem;
      if (this.members.has(userId)) return { status: "joined", conversationId: m.id, seq: null };
      if (m.joinPolicy === "approval") {
        const [request] = await this.fileJoinRequests([userId], { invitedBy: inv.createdBy, inviteCode: code, message });
        return { status: "pending", conversationId: m.id, requestId: request!.id };
      }
      const seq = await this.admit(userId, [userId], "link", [d.update(invites).set({ uses: sql`${invites.uses} + 1` }).where(eq(invites.code, code))]);
      return { status: "joined", conversationId: m.id, seq };
    }));
  }

  /** Joins someone who entered this group's face-to-face room (called by the room, not by clients). */
  async joinFaceToFace(userId: string): Promise<Result<{ seq: number | null }>> {
    return guard(() => this.exclusive(async () => {
      this.requireGroup();
      if (this.members.has(userId)) return { seq: null };
      return { seq: await this.admit(userId, [userId], "face_to_face") };
    }));
  }

  async joinRequests(actorId: string, status: JoinRequest["status"]): Promise<Result<JoinRequestView[]>> {
    return guard(async () => {
      const m = this.requireMeta();
      this.requireRole(actorId, ["owner", "admin"]);
      const rows = await d1(this.env)
        .select()
        .from(joinRequests)
        .where(and(eq(joinRequests.conversationId, m.id), eq(joinRequests.status, status)))
        .orderBy(asc(joinRequests.createdAt))
        .all();
      return rows.map(toJoinRequestView);
    });
  }

  /** Owner and admins approve (the person joins, within the member limit) or decline. */
  async decideJoinRequest(actorId: string, requestId: string, approve: boolean): Promise<Result<{ request: JoinRequestView; seq: number | null }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireGroup();
      this.requireRole(actorId, ["owner", "admin"]);
      const d = d1(this.env);
      const req = await d.select().from(joinRequests).where(and(eq(joinRequests.id, requestId), eq(joinRequests.conversationId, m.id))).get();
      if (!req) throw new ApiError("not_found", "No such join request");
      if (req.status !== "pending") throw new ApiError("conflict", `This request was already ${req.status}`);
      const now = Date.now();
      const decided = { status: approve ? ("approved" as const) : ("declined" as const), decidedBy: actorId, decidedAt: now };
      const decide = d.update(joinRequests).set(decided).where(eq(joinRequests.id, requestId));
      let seq: number | null = null;
      if (!approve || this.members.has(req.userId)) {
        await decide;
      } else {
        const useInvite = req.inviteCode ? [d.update(invites).set({ uses: sql`${invites.uses} + 1` }).where(eq(invites.code, req.inviteCode))] : [];
        seq = await this.admit(actorId, [req.userId], "approval", [decide, ...useInvite]);
      }
      // The person asking learns the outcome, and the other deciders see it leave their lists.
      const request = toJoinRequestView({ ...req, ...decided });
      this.pushTo([req.userId, ...this.deciders()], { type: "join_request", conversationId: m.id, request });
      return { request, seq };
    }));
  }

  /** One pending request per person: asking again returns the open one. Owner and admins hear live. */
  private async fileJoinRequests(userIds: string[], from: { invitedBy: string | null; inviteCode: string | null; message: string }): Promise<JoinRequestView[]> {
    const m = this.requireGroup();
    const d = d1(this.env);
    const open = new Map<string, JoinRequest>();
    for (const part of chunk(userIds, SQL_IN_CHUNK)) {
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
    for (const part of chunk(fresh, D1_ROWS_PER_INSERT)) await d.insert(joinRequests).values(part);
    for (const r of fresh) this.pushTo(this.deciders(), { type: "join_request", conversationId: m.id, request: toJoinRequestView(r) });
    return userIds.map((u) => toJoinRequestView(open.get(u) ?? fresh.find((r) => r.userId === u)!));
  }

  private async writeRoles(conversationId: string, changes: [string, Role][]) {
    const d = d1(this.env);
    const stmts = changes.map(([userId, role]) => d.update(memberships).set({ role }).where(and(eq(memberships.conversationId, conversationId), eq(memberships.userId, userId))));
    await d.batch(stmts as [(typeof stmts)[0], ...(typeof stmts)[number][]]);
    this.ctx.storage.transactionSync(() => {
      for (const [userId, role] of changes) this.sql.update(members).set({ role }).where(eq(members.userId, userId)).run();
    });
    for (const [userId, role] of changes) this.members.get(userId)!.role = role;
  }

  /** The owner and admins: who decides join requests. */
  private deciders(): string[] {
    return [...this.members.values()].filter((x) => x.role !== "member").map((x) => x.userId);
  }

  /** A frame for some users only (not a message in the log). */
  private pushTo(userIds: string[], frame: ServerFrame) {
    this.ctx.waitUntil(this.toShards(groupByShard(userIds), [JSON.stringify(frame)]));
  }

  // ---- messages -----------------------------------------------------------------------

  async send(senderId: string, input: SendInput): Promise<Result<Ack>> {
    return guard(async () => {
      await this.checkDirectPolicy(senderId);
      // Only messages that carry media look anything up in D1: text stays on the in-memory path.
      if (mediaIdsOf(input.type, input.body as Record<string, unknown>).length === 0) return this.sendNow(senderId, input, null);
      return this.sendWithMedia(senderId, input, null, () => checkMessageMedia(this.env, senderId, input.type, input.body as Record<string, unknown>));
    });
  }

  /**
   * Checks the media (the sender's own uploads, or for a forward what the forwarder could read),
   * appends, then records where the media was sent before acknowledging, so every member who
   * sees the message can get its URLs. A retry skips the check and repeats the (idempotent) record
   * from the stored message, never from what was resent (a recalled one records nothing).
   */
  private async sendWithMedia(senderId: string, input: SendInput, forwarded: Message["forwarded"], check: () => Promise<string[]>): Promise<Ack> {
    this.requireOpen();
    this.requireMember(senderId);
    const retry = this.storedRetry(senderId, input, forwarded);
    const checked = retry ? [] : await check();
    const ack = this.sendNow(senderId, input, forwarded);
    const ids = ack.duplicate ? this.storedMediaIds(ack.seq) : checked;
    await recordRefs(this.env, ack.conversationId, ack.seq, ids);
    // A recall that ran while the record was in flight dropped refs before they were written.
    if (ids.length > 0 && this.storedMediaIds(ack.seq).length === 0) await dropRefs(this.env, ack.conversationId, ack.seq);
    return ack;
  }

  /**
   * The stored message this send retries, if any. A retry must be the same request: the same
   * clientId with another type, body, reply, mentions or forward is refused (client_id_reused).
   * A recalled message's body and mentions are gone, so only the rest is compared for it.
   */
  private storedRetry(senderId: string, input: SendInput, forwarded: Message["forwarded"]): MessageRow | null {
    const row = this.sql.select().from(messages).where(and(eq(messages.senderId, senderId), eq(messages.clientId, input.clientId))).get();
    if (!row) return null;
    const mentions = input.type === "text" ? [...new Set(input.mentions ?? [])] : [];
    const same =
      row.type === input.type &&
      row.replyTo === (input.replyTo ?? null) &&
      (row.forwarded === null ? null : canonicalJson(JSON.parse(row.forwarded))) === (forwarded ? canonicalJson(forwarded) : null) &&
      (row.recalledAt !== null ||
        (canonicalJson(JSON.parse(row.body!)) === canonicalJson(input.body) &&
          row.mentions === (mentions.length ? JSON.stringify(mentions) : null) &&
          row.mentionAll === (input.type === "text" ? (input.mentionAll ?? false) : false)));
    if (!same) throw new ApiError("client_id_reused", `clientId ${input.clientId} was already used for a different message: use a new clientId for a new message`);
    return row;
  }

  /** The media a stored message carries (none once recalled). */
  private storedMediaIds(seq: number): string[] {
    const row = this.sql.select({ type: messages.type, body: messages.body }).from(messages).where(eq(messages.seq, seq)).get();
    return row?.body ? mediaIdsOf(row.type as MessageType, JSON.parse(row.body)) : [];
  }

  // ---- direct chats: who may message whom (contacts) ---------------------------------

  /**
   * Direct chats carry the contacts rules: a blocked sender is refused, and so is a non-friend
   * unless the recipient allows strangers. Kept in this object's SQLite and memory, and read
   * from D1 only when the contacts service calls contactsChanged() (friendship, blocks or the
   * setting changed), or once for a chat older than the stored rules.
   */
  private async checkDirectPolicy(senderId: string) {
    const m = this.meta;
    if (!m || m.kind !== "direct" || !this.members.has(senderId)) return; // sendNow refuses those
    if (!this.directPolicy) {
      await this.exclusive(async () => {
        if (!this.directPolicy) await this.readDirectPolicy();
      });
    }
    // A change whose report never arrived (the service's call failed after its D1 write) heals
    // here: stale rules are re-read in the background, at most once an interval, never per send.
    if (Date.now() - this.directPolicySyncedAt > DIRECT_RULES_RECHECK_MS && !this.directRecheck) {
      this.directRecheck = this.exclusive(() => this.readDirectPolicy())
        .catch((e) => console.error(JSON.stringify({ msg: "direct rules re-read failed", conversationId: m.id, error: String(e) })))
        .finally(() => (this.directRecheck = null));
      this.ctx.waitUntil(this.directRecheck);
    }
    const reason = this.directPolicy!.get(senderId);
    if (reason === "blocked") throw new ApiError("blocked", "Your message was not delivered: this person is not receiving your messages");
    if (reason === "not_friends") throw new ApiError("not_friends", "You are not friends: send a friend request first");
    if (reason === "account_deleted") throw new ApiError("account_deleted", "This account has been deleted: messages to it are not delivered");
  }

  /**
   * Reads the pair's rules from D1 and stores them. Callers hold the mutex, and the contacts
   * service calls after its D1 write, so the last change is the one that stays.
   */
  private async readDirectPolicy() {
    const [a, b] = [...this.members.keys()];
    const policy = await directPolicy(d1(this.env), a!, b ?? a!);
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.delete(directRules).run();
      this.sql.insert(directRules).values([...policy].map(([senderId, refusal]) => ({ senderId, refusal, syncedAt: now }))).run();
    });
    this.directPolicy = policy;
    this.directPolicySyncedAt = now;
  }

  async contactsChanged(): Promise<Result<null>> {
    return guard(() => this.exclusive(async () => {
      if (this.meta?.kind === "direct") await this.readDirectPolicy();
      return null;
    }));
  }

  /** A friend request between the two was accepted: the notice opens their chat. */
  async befriended(actorId: string, requesterId: string, greeting: string): Promise<Result<{ seq: number }>> {
    return guard(() => this.exclusive(async () => {
      const m = this.requireOpen();
      if (m.kind !== "direct") throw new ApiError("invalid_request", "Only direct chats");
      this.requireMember(actorId);
      await this.readDirectPolicy();
      const msg = this.appendSystem({ event: "friends", actorId, requesterId, greeting }, Date.now());
      return { seq: msg.seq };
    }));
  }

  /** Copies a message the caller can read into this conversation. */
  async receiveForward(senderId: string, clientId: string, source: Message): Promise<Result<Ack>> {
    return guard(async () => {
      await this.checkDirectPolicy(senderId);
      if (source.body === null || source.type === "system") throw new ApiError("invalid_request", "That message cannot be forwarded");
      const input = { clientId, type: source.type, body: source.body } as SendInput;
      const origin = source.forwarded ?? { conversationId: source.conversationId, seq: source.seq, senderId: source.senderId };
      const ids = mediaIdsOf(source.type, source.body);
      if (ids.length > 0) return this.sendWithMedia(senderId, input, origin, () => checkForwardMedia(this.env, ids));
      return this.sendNow(senderId, input, origin);
    });
  }

  private sendNow(senderId: string, input: SendInput, forwarded: Message["forwarded"]): Ack {
    const m = this.requireOpen();
    const member = this.requireMember(senderId);
    // A retry of something already stored returns the first ack and writes nothing.
    const existing = this.storedRetry(senderId, input, forwarded);
    if (existing) return { conversationId: m.id, clientId: input.clientId, seq: existing.seq, id: existing.id, createdAt: existing.createdAt, duplicate: true };

    const now = Date.now();
    // A personal mute holds whatever the role (the owner may mute an admin); mute-all spares the owner and admins.
    if (member.mutedUntil !== null && member.mutedUntil > now) throw new ApiError("forbidden", "You are muted in this group");
    if (member.role === "member" && m.muteAll) throw new ApiError("forbidden", "Only the owner and admins can speak while the group is muted");
    this.takeToken(senderId, now);

    let mentions: string[] = [];
    let mentionAll = false;
    if (input.type === "text") {
      mentions = [...new Set(input.mentions ?? [])];
      mentionAll = input.mentionAll ?? false;
      if ((mentions.length > 0 || mentionAll) && m.kind === "direct") throw new ApiError("invalid_request", "Mentions are for groups");
      if (mentionAll && member.role === "member") throw new ApiError("forbidden", "Only the owner and admins can mention everyone");
      const stranger = mentions.find((u) => !this.members.has(u));
      if (stranger) throw new ApiError("invalid_request", `Mentioned user ${stranger} is not in this conversation`);
    }
    if (input.replyTo !== undefined) {
      const target = this.sql.select({ seq: messages.seq }).from(messages).where(eq(messages.seq, input.replyTo)).get();
      if (!target || input.replyTo < member.visibleFromSeq) throw new ApiError("invalid_request", "The quoted message does not exist");
    }

    const row: MessageRow = {
      seq: this.lastSeq + 1,
      id: newId("m"),
      senderId,
      clientId: input.clientId,
      type: input.type,
      body: JSON.stringify(input.body),
      mentions: mentions.length ? JSON.stringify(mentions) : null,
      mentionAll,
      replyTo: input.replyTo ?? null,
      forwarded: forwarded ? JSON.stringify(forwarded) : null,
      createdAt: now,
      recalledAt: null,
      recalledBy: null,
    };
    this.ctx.storage.transactionSync(() => {
      this.sql.insert(messages).values(row).run();
      this.markOwnRead(senderId, row.seq);
    });
    this.appended(row);
    this.kick();
    return { conversationId: m.id, clientId: input.clientId, seq: row.seq, id: row.id, createdAt: now, duplicate: false };
  }

  /** What you send or cause yourself is read: it never counts as unread on your own devices. */
  private markOwnRead(userId: string, seq: number) {
    const member = this.members.get(userId);
    if (!member || member.readSeq >= seq) return;
    const implied = member.readSeq === seq - 1; // only their own new message was unread
    const pending = this.pushReads.get(userId);
    if (pending) pending.to = seq;
    else if (!implied) this.pushReads.set(userId, { from: member.readSeq, to: seq });
    this.storeReadSeq(userId, seq); // now, with the message it makes read: never unread after a crash
    member.readSeq = seq;
    this.pendingReads.set(userId, seq);
  }

  /** A member's read seq in this object's SQLite (never moved back). Raw SQL: it runs per send and per flush. */
  private storeReadSeq(userId: string, seq: number) {
    this.ctx.storage.sql.exec("UPDATE members SET read_seq = max(read_seq, ?) WHERE user_id = ?", seq, userId);
  }

  private appendSystem(event: SystemEvent, now: number, alsoTo?: string[]): MessageRow {
    const row: MessageRow = {
      seq: this.lastSeq + 1,
      id: newId("m"),
      senderId: event.actorId,
      clientId: null,
      type: "system",
      body: JSON.stringify(event),
      mentions: null,
      mentionAll: false,
      replyTo: null,
      forwarded: null,
      createdAt: now,
      recalledAt: null,
      recalledBy: null,
    };
    this.sql.insert(messages).values(row).run();
    this.appended(row, alsoTo);
    this.markOwnRead(event.actorId, row.seq);
    this.kick();
    return row;
  }

  private appended(row: MessageRow, alsoTo?: string[]) {
    this.lastSeq = row.seq;
    this.lastPreview = this.preview(row);
    this.summaryDirty = true;
    const frame: ServerFrame = { type: "message", message: this.toMessage(row, this.quotes([row])) };
    this.outbox.push({ frame: JSON.stringify(frame), ...(alsoTo ? { alsoTo } : {}), ...(row.replyTo !== null ? { reply: frame.message } : {}) });
  }

  async history(userId: string, q: { after?: number; before?: number; limit?: number }): Promise<Result<HistoryPage>> {
    return guard(() => {
      this.requireMeta();
      const member = this.requireMember(userId);
      const limit = q.limit ?? L.historyPageDefault;
      const floor = member.visibleFromSeq;
      let rows: MessageRow[];
      let hasMore: boolean;
      if (q.after !== undefined) {
        const from = Math.max(q.after, floor - 1);
        rows = this.sql.select().from(messages).where(gt(messages.seq, from)).orderBy(asc(messages.seq)).limit(limit + 1).all();
        hasMore = rows.length > limit;
        rows = rows.slice(0, limit);
      } else {
        const before = q.before ?? this.lastSeq + 1;
        rows = this.sql
          .select()
          .from(messages)
          .where(and(lt(messages.seq, before), gte(messages.seq, floor)))
          .orderBy(desc(messages.seq))
          .limit(limit + 1)
          .all();
        hasMore = rows.length > limit;
        rows = rows.slice(0, limit).reverse();
      }
      const quotes = this.quotes(rows);
      return { messages: rows.map((r) => this.toMessage(r, quotes, floor)), hasMore, lastSeq: this.lastSeq };
    });
  }

  async getMessage(userId: string, seq: number): Promise<Result<Message>> {
    return guard(() => {
      this.requireMeta();
      const member = this.requireMember(userId);
      const row = this.sql.select().from(messages).where(eq(messages.seq, seq)).get();
      if (!row || seq < member.visibleFromSeq) throw new ApiError("not_found", "No such message");
      return this.toMessage(row, this.quotes([row]), member.visibleFromSeq);
    });
  }

  /**
   * Recall: the sender within two minutes; in groups the owner at any time, and admins for
   * messages of ordinary members. The content is erased (tombstone) and a "recalled" notice
   * with the next seq tells every device, including those that catch up later.
   */
  async recall(userId: string, seq: number): Promise<Result<{ seq: number }>> {
    return guard(async () => {
      const m = this.requireOpen();
      const actor = this.requireMember(userId);
      const row = this.sql.select().from(messages).where(eq(messages.seq, seq)).get();
      if (!row || seq < actor.visibleFromSeq) throw new ApiError("not_found", "No such message");
      if (row.type === "system") throw new ApiError("invalid_request", "System notices cannot be recalled");
      if (row.recalledAt !== null) throw new ApiError("conflict", "Already recalled");
      const now = Date.now();
      const own = row.senderId === userId;
      const senderRole = this.members.get(row.senderId)?.role ?? "member";
      const byRank = m.kind === "group" && (actor.role === "owner" || (actor.role === "admin" && senderRole === "member"));
      if (!byRank) {
        if (!own) throw new ApiError("forbidden", "You can only recall your own messages");
        if (now - row.createdAt > L.recallWindowMs) throw new ApiError("forbidden", "Messages can only be recalled within 2 minutes");
      }
      let notice!: MessageRow;
      this.ctx.storage.transactionSync(() => {
        this.sql.update(messages).set({ body: null, mentions: null, recalledAt: now, recalledBy: userId }).where(eq(messages.seq, seq)).run();
        notice = this.appendSystem({ event: "recalled", actorId: userId, targetSeq: seq, senderId: row.senderId }, now);
      });
      // No new download URLs through this conversation; URLs already issued run out on their own.
      if (row.body !== null && mediaIdsOf(row.type as MessageType, JSON.parse(row.body)).length > 0) await dropRefs(this.env, m.id, seq);
      return { seq: notice.seq };
    });
  }

  async markRead(userId: string, seq: number): Promise<Result<{ readSeq: number }>> {
    return guard(() => {
      this.requireMeta();
      const member = this.requireMember(userId);
      const target = Math.min(seq, this.lastSeq);
      if (target <= member.readSeq) return { readSeq: member.readSeq };
      const pending = this.pushReads.get(userId);
      this.pushReads.set(userId, { from: pending?.from ?? member.readSeq, to: target });
      // Stored by the next flush with the others (one transaction, raw SQL): with a busy group
      // open on every member's screen, a query built and run per read was a fifth of the work.
      // A crash in between loses only a read position, which the device reports again.
      member.readSeq = target;
      this.pendingReads.set(userId, target);
      this.kick();
      return { readSeq: target };
    });
  }

  /** Several members' reads at once (a gateway's reads of one moment), each answered on its own. */
  async markReads(reads: { userId: string; seq: number }[]): Promise<ReadResult[]> {
    this.counters.readCalls++;
    const out: ReadResult[] = [];
    for (const { userId, seq } of reads) {
      const r = await this.markRead(userId, seq);
      out.push(r.ok ? { userId, ok: true } : { userId, ok: false, code: r.code, message: r.message });
    }
    return out;
  }

  /** Everyone's read position: direct chats show "read", groups count readers per message. */
  async receipts(userId: string): Promise<Result<{ reads: { userId: string; seq: number }[]; lastSeq: number }>> {
    return guard(() => {
      this.requireMeta();
      this.requireMember(userId);
      return { reads: [...this.members.values()].map((m) => ({ userId: m.userId, seq: m.readSeq })), lastSeq: this.lastSeq };
    });
  }

  async typing(userId: string): Promise<Result<null>> {
    return guard(async () => {
      const m = this.requireOpen();
      this.requireMember(userId);
      if (m.kind !== "direct") return null; // typing is shown in direct chats only
      // Whoever may not message the other does not get to show "typing..." either.
      try {
        await this.checkDirectPolicy(userId);
      } catch {
        return null;
      }
      const frame = JSON.stringify({ type: "typing", conversationId: m.id, userId } satisfies ServerFrame);
      const others = [...this.members.keys()].filter((u) => u !== userId);
      await this.toShards(groupByShard(others), [frame]);
      return null;
    });
  }

  async info(userId: string): Promise<Result<{ meta: MetaRow; members: MemberRow[]; lastSeq: number }>> {
    return guard(() => {
      const m = this.requireMeta();
      this.requireMember(userId);
      return { meta: m, members: [...this.members.values()], lastSeq: this.lastSeq };
    });
  }

  // ---- fan-out ------------------------------------------------------------------------

  private kick() {
    if (this.flushing) return;
    const run: Promise<void> = this.flush().finally(() => {
      if (this.flushing === run) this.flushing = null;
      // Work queued after the loop's last check and before this callback.
      if (this.outbox.length > 0 || this.pendingReads.size > 0) this.kick();
    });
    this.flushing = run;
    this.ctx.waitUntil(run);
  }

  /** Waits until everything queued so far is in D1 and pushed (used where a reply reads D1). */
  private async settle() {
    while (this.flushing) await this.flushing;
  }

  /**
   * Copies the summary to D1 first and only then pushes, so a device that connects, lists its
   * conversations and then catches up can never miss a message that was pushed before it
   * connected. Failures are logged: devices repair from seq on their next catch-up.
   */
  private async flush() {
    try {
      while (this.outbox.length > 0 || this.pendingReads.size > 0 || this.summaryDirty) {
        const batch = this.outbox;
        this.outbox = [];
        const reads = this.pendingReads;
        this.pendingReads = new Map();
        const pushed = this.pushReads;
        this.pushReads = new Map();
        if (reads.size > 0) {
          this.ctx.storage.transactionSync(() => {
            for (const [userId, seq] of reads) this.storeReadSeq(userId, seq);
          });
        }
        try {
          await this.writeSummary(reads);
        } catch (e) {
          console.error(JSON.stringify({ msg: "summary write failed", conversation: this.meta?.id, error: String(e) }));
          this.summaryDirty = true;
        }
        const plain = batch.filter((o) => !o.alsoTo);
        const frames = plain.map((o) => o.frame);
        const special = batch.filter((o) => o.alsoTo);
        if (pushed.size > 0 && this.meta) {
          const frame = JSON.stringify({ type: "read", conversationId: this.meta.id, reads: [...pushed].map(([userId, r]) => ({ userId, seq: r.to })) } satisfies ServerFrame);
          if (this.meta.kind === "direct") frames.push(frame);
          else special.push({ frame, only: this.readAudience(pushed) });
        }
        await this.deliver(frames, special, plain);
        if (this.summaryDirty && this.outbox.length === 0 && this.pendingReads.size === 0) break; // retry with the next write
      }
    } catch (e) {
      console.error(JSON.stringify({ msg: "flush failed", conversation: this.meta?.id, error: String(e) }));
    }
  }

  /**
   * One D1 batch per flush: the summary when it changed, and every read position since the last.
   * Prepared statements rather than the query builder: this runs for every flush of a busy group.
   */
  private async writeSummary(reads: Map<string, number>) {
    if (this.summaryGate) await this.summaryGate;
    if (!this.meta) return;
    const id = this.meta.id;
    const stmts: D1PreparedStatement[] = [];
    if (this.summaryDirty) {
      this.summaryDirty = false;
      stmts.push(
        this.env.DB.prepare("UPDATE conversations SET last_seq = ?, last_message_at = ?, last_preview = ? WHERE id = ? AND last_seq < ?").bind(
          this.lastSeq,
          this.lastPreview?.at ?? null,
          this.lastPreview ? JSON.stringify(this.lastPreview) : null,
          id,
          this.lastSeq,
        ),
      );
    }
    if (reads.size > 0) {
      const read = this.env.DB.prepare("UPDATE memberships SET read_seq = max(read_seq, ?) WHERE conversation_id = ? AND user_id = ?");
      for (const [userId, seq] of reads) stmts.push(read.bind(seq, id, userId));
    }
    if (stmts.length > 0) await this.env.DB.batch(stmts);
  }

  async stats() {
    return { ...this.counters, members: this.members.size, shards: this.shards.size, lastSeq: this.lastSeq };
  }

  private async deliver(frames: string[], special: Outgoing[], plain: Outgoing[] = []) {
    const calls: Promise<number>[] = [];
    const variants = frames.length > 0 ? this.quoteVariants(frames, plain) : null;
    if (variants) for (const v of variants) calls.push(this.toShards(v.byShard, v.frames));
    else if (frames.length > 0) calls.push(this.toShards(this.shards, frames));
    for (const o of special) calls.push(this.toShards(groupByShard(o.only ?? new Set([...this.members.keys(), ...(o.alsoTo ?? [])])), [o.frame]));
    const shardCalls = await Promise.all(calls);
    this.counters.flushes++;
    this.counters.gatewayCalls += shardCalls.reduce((a, b) => a + b, 0);
    this.counters.framesPushed += frames.length + special.length;
  }

  /**
   * Members whose history starts after a message quoted in `frames` get a copy of the frames with
   * that quote unavailable: one copy per distinct set of hidden quotes (usually one, the
   * newcomers), each serialised once. Null when everyone may see every quote (the common case).
   */
  private quoteVariants(frames: string[], plain: Outgoing[]): { byShard: Map<number, string[]>; frames: string[] }[] | null {
    const replies = plain.flatMap((o, i) => (o.reply?.replyTo ? [{ i, message: o.reply, quote: o.reply.replyTo }] : []));
    if (replies.length === 0 || replies.every((r) => r.quote.seq >= this.latestVisibleFrom)) return null;
    const hidden = new Map<number, string>(); // frame index → its copy with the quote unavailable
    const readers = new Map<string, string[]>(); // hidden indexes → members
    for (const m of this.members.values()) {
      const hides = replies.filter((r) => {
        const seen = quoteSeenBy(r.quote, m.visibleFromSeq);
        if (!seen.unavailable) return false;
        if (!hidden.has(r.i)) hidden.set(r.i, JSON.stringify({ type: "message", message: { ...r.message, replyTo: seen } } satisfies ServerFrame));
        return true;
      });
      const key = hides.map((r) => r.i).join(",");
      const list = readers.get(key);
      if (list) list.push(m.userId);
      else readers.set(key, [m.userId]);
    }
    if (hidden.size === 0) return null;
    return [...readers].map(([key, userIds]) => {
      const hides = new Set(key === "" ? [] : key.split(",").map(Number));
      return { byShard: groupByShard(userIds), frames: frames.map((f, i) => (hides.has(i) ? hidden.get(i)! : f)) };
    });
  }

  /** One deliver call per shard; failures are logged (devices repair from seq). Returns the calls made. */
  private async toShards(byShard: Map<number, string[]>, frames: string[]): Promise<number> {
    const shards = [...byShard.keys()];
    const results = await Promise.allSettled(shards.map((shard) => this.gateway(shard).deliver(byShard.get(shard)!, frames)));
    results.forEach((r, i) => {
      if (r.status === "fulfilled") return;
      this.gateways.delete(shards[i]!); // a stub that threw stays broken: the next call makes a new one
      console.error(JSON.stringify({ msg: "delivery failed", conversation: this.meta?.id, error: String(r.reason) }));
    });
    return shards.length;
  }

  // ---- helpers ------------------------------------------------------------------------

  /** Who a group read is for: the readers' own devices and the senders of the messages read. */
  private readAudience(reads: Map<string, { from: number; to: number }>): string[] {
    const to = new Set<string>();
    for (const [userId, { from, to: upTo }] of reads) {
      to.add(userId);
      // Raw SQL: this runs for every reader in every flush, where building a query was a cost.
      const senders = this.ctx.storage.sql.exec<{ sender_id: string }>("SELECT DISTINCT sender_id FROM messages WHERE seq > ? AND seq <= ? AND type != 'system'", from, upTo);
      for (const s of senders) if (this.members.has(s.sender_id)) to.add(s.sender_id);
    }
    return [...to];
  }

  private gateway(shard: number): ReturnType<typeof gateway> {
    let stub = this.gateways.get(shard);
    if (!stub) {
      stub = gateway(this.env, shard);
      this.gateways.set(shard, stub);
    }
    return stub;
  }

  private takeToken(userId: string, now: number) {
    const b = this.buckets.get(userId) ?? { tokens: L.sendBurst, at: now };
    b.tokens = Math.min(L.sendBurst, b.tokens + ((now - b.at) / 1000) * L.sendPerSecond);
    b.at = now;
    // Retry-After in whole seconds: when the next token will have refilled.
    if (b.tokens < 1) throw new ApiError("rate_limited", "You are sending too fast; slow down", undefined, { "Retry-After": String(Math.max(1, Math.ceil((1 - b.tokens) / L.sendPerSecond))) });
    b.tokens -= 1;
    this.buckets.set(userId, b);
  }

  private requireMeta(): MetaRow {
    if (!this.meta) throw new ApiError("not_found", "No such conversation");
    return this.meta;
  }

  private requireOpen(): MetaRow {
    const m = this.requireMeta();
    if (m.dissolvedAt !== null) throw new ApiError("group_dissolved", "This group has been dissolved: its history is read-only");
    return m;
  }

  private requireGroup(): MetaRow {
    const m = this.requireOpen();
    if (m.kind !== "group") throw new ApiError("invalid_request", "This is a direct chat, not a group");
    return m;
  }

  private requireMember(userId: string): MemberRow {
    const member = this.members.get(userId);
    if (!member) throw new ApiError("forbidden", "You are not a member of this conversation");
    return member;
  }

  private requireRole(userId: string, roles: Role[]): MemberRow {
    const member = this.requireMember(userId);
    if (!roles.includes(member.role)) throw new ApiError("forbidden", roles.length === 1 ? "Only the group owner can do this" : "Only the group owner and admins can do this");
    return member;
  }

  /** The member an action is aimed at. */
  private requireTarget(userId: string): MemberRow {
    const member = this.members.get(userId);
    if (!member) throw new ApiError("not_found", `User ${userId} is not a member of this group`);
    return member;
  }

  private requireOutranks(actor: MemberRow, target: MemberRow, what: string) {
    if (RANK[actor.role] <= RANK[target.role]) throw new ApiError("forbidden", `You cannot ${what} the ${target.role === "owner" ? "owner" : "another " + target.role}`);
  }

  private preview(row: MessageRow): MessagePreview {
    const body = row.body === null ? null : (JSON.parse(row.body) as Record<string, unknown>);
    return { seq: row.seq, senderId: row.senderId, type: row.type as MessageType, text: previewText(row.type as MessageType, body), at: row.createdAt };
  }

  /** The quoted messages of `rows`, read now so a recalled quote shows as recalled. */
  private quotes(rows: MessageRow[]): Map<number, QuotedMessage> {
    const seqs = [...new Set(rows.map((r) => r.replyTo).filter((s): s is number => s !== null))];
    const out = new Map<number, QuotedMessage>();
    for (const part of chunk(seqs, SQL_IN_CHUNK)) {
      for (const q of this.sql.select().from(messages).where(inArray(messages.seq, part)).all()) {
        out.set(q.seq, { seq: q.seq, senderId: q.senderId, type: q.type as MessageType, preview: this.preview(q).text, recalled: q.recalledAt !== null });
      }
    }
    return out;
  }

  /** `visibleFromSeq`: where the reader's history starts (1 for a push's full frame; see quoteSeenBy). */
  private toMessage(r: MessageRow, quotes: Map<number, QuotedMessage>, visibleFromSeq = 1): Message {
    const quote = r.replyTo === null ? undefined : quotes.get(r.replyTo);
    return {
      conversationId: this.meta!.id,
      seq: r.seq,
      id: r.id,
      senderId: r.senderId,
      clientId: r.clientId,
      type: r.type as MessageType,
      body: r.body === null ? null : JSON.parse(r.body),
      mentions: r.mentions === null ? [] : JSON.parse(r.mentions),
      mentionAll: r.mentionAll,
      replyTo: quote ? quoteSeenBy(quote, visibleFromSeq) : null,
      forwarded: r.forwarded === null ? null : JSON.parse(r.forwarded),
      createdAt: r.createdAt,
      recalledAt: r.recalledAt,
      recalledBy: r.recalledBy,
    };
  }
}
