// One object per conversation: the single writer of its message log and membership.
// Lifecycle: load (migrate, cache meta and members) → commands (send, read, recall, members)
// → each write is durable before its reply leaves (output gate) → a background flush copies
// the summary to D1 and then pushes frames to the gateway shards, batching whatever queued
// up while the previous flush was in flight.
// This file is the RPC surface only (RPC methods must live on the class): each method is a few
// lines handing the call to its room, with the state in one ConversationState (state.ts):
//   log.ts           messages: append, retries, history, one message, quotes, recall
//   search.ts        message search and history around a message (index: search-index.ts)
//   hidden.ts        "delete for me": each member's hidden messages, left out of their reads
//   membership.ts    creation, roles, nicknames, mutes, settings, leaving, removal, dissolving
//   joining.ts       adding people, invites, join requests, face-to-face joins (D1 rows)
//   fanout.ts        outbox, reads, flush (summary before push), pushes to gateway shards
//   summary-writer.ts what the summary shard lacks (summary, read rows), one batch per flush
//   direct-rules.ts  the contacts rules of direct chats, and typing
//   grid.ts          a group's avatar of members' faces, made by the alarm after changes
import { DurableObject } from "cloudflare:workers";
import type { MemberRow, MetaRow } from "../../schema/conversation";
import type { CompactHistoryPage, HistoryFormat } from "../../schema/compact-history";
import type { Invite, JoinRequest } from "../../schema/d1";
import type { AcceptInviteResult, JoinRequestView, UpdateGroupInput } from "../../schema/groups";
import { SEARCH_LIMITS } from "../../schema/limits";
import type { Ack, HistoryPage, Message, SendInput } from "../../schema/protocol";
import type { ChatSearchResult, MessageSearchQuery } from "../../schema/search";
import type { Env } from "../env";
import type { ReadResult } from "../gateway/reads";
import { compactPage } from "../lib/compact-history";
import { meterEnv, meterMethods } from "../lib/meter";
import { guard, type Result } from "../lib/result";
import { useShardLayout } from "../lib/shards";
import { befriended, contactsChanged, typing } from "./direct-rules";
import { receipts } from "./receipts";
import * as grid from "./grid";
import * as joining from "./joining";
import { clearChat, hide } from "./hidden";
import { type CompactJson, compactHistoryJson, type PageQuery } from "./compact-history";
import { getMessage, history, receiveForward, recall, send, withdraw } from "./log";
import * as membership from "./membership";
import { mentionedSince } from "./mentions";
import * as search from "./search";
import { seed } from "./seed";
import { ConversationState } from "./state";

export type { CreateGroupInput, OpenDirectInput } from "./membership";

export class ConversationObject extends DurableObject<Env> {
  private readonly state: ConversationState;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meterEnv(env));
    useShardLayout(env);
    const s = (this.state = new ConversationState(ctx, this.env));
    void ctx.blockConcurrencyWhile(async () => {
      // An object nobody created (a guessed id) writes nothing: its schema comes with createGroup/openDirect.
      if (!s.hasSchema()) return;
      await s.migrateOnce();
      s.load();
    });
  }

  /** Tests only: while set, the flush's summary write waits for it (summary before push is then observable). */
  get summaryGate(): Promise<void> | null {
    return this.state.fanout.summaryGate;
  }
  set summaryGate(gate: Promise<void> | null) {
    this.state.fanout.summaryGate = gate;
  }

  /** A call that awaits D1 or other objects between its checks and its writes: one at a time. */
  private serial<T>(fn: (s: ConversationState) => Promise<T>): Promise<Result<T>> {
    return guard(() => this.state.lock.run(() => fn(this.state)));
  }

  // ---- creation and membership (membership.ts) ------------------------------------------

  async createGroup(input: membership.CreateGroupInput): Promise<Result<{ seq: number }>> {
    return this.serial((s) => membership.createGroup(s, input));
  }

  /** Idempotent: the first call creates the pair's conversation, later calls find it. */
  async openDirect(input: membership.OpenDirectInput): Promise<Result<{ created: boolean }>> {
    return this.serial((s) => membership.openDirect(s, input));
  }

  async leave(userId: string): Promise<Result<{ seq: number | null }>> {
    return this.serial((s) => membership.leave(s, userId));
  }

  async updateGroup(actorId: string, patch: UpdateGroupInput): Promise<Result<{ seqs: number[] }>> {
    return this.serial((s) => membership.updateGroup(s, actorId, patch));
  }

  async avatarDeleted(mediaIds: string[]): Promise<Result<{ cleared: boolean }>> {
    return this.serial((s) => membership.avatarDeleted(s, mediaIds));
  }

  /** A member's picture or name changed (the accounts service tells their groups): their face in the grid. */
  async profileChanged(userId: string): Promise<Result<null>> {
    return guard(() => {
      grid.profileChanged(this.state, userId);
      return null;
    });
  }

  /** The grid's alarm (grid.ts): makes the group avatar after membership or faces changed. */
  override async alarm(): Promise<void> {
    const s = this.state;
    if (!s.meta) return;
    grid.gridDue(s);
    await s.lock.run(() => grid.makeGrid(s));
  }

  /** A group listed without any avatar (made before grids existed): its first grid, shortly. */
  async ensureGrid(): Promise<Result<null>> {
    return guard(() => {
      if (this.state.meta && this.state.meta.gridMediaId === null) grid.gridChanged(this.state);
      return null;
    });
  }

  /** Tests: the grid now, as the alarm would make it. */
  async makeGrid(): Promise<Result<{ mediaId: string | null; made: boolean }>> {
    return this.serial((s) => grid.makeGrid(s));
  }

  async setNickname(userId: string, nickname: string): Promise<Result<{ seq: number | null }>> {
    return this.serial((s) => membership.setNickname(s, userId, nickname));
  }

  async removeMembers(actorId: string, userIds: string[]): Promise<Result<{ removed: string[]; seq: number }>> {
    return this.serial((s) => membership.removeMembers(s, actorId, userIds));
  }

  async setAdmin(actorId: string, targetId: string, admin: boolean): Promise<Result<{ seq: number | null }>> {
    return this.serial((s) => membership.setAdmin(s, actorId, targetId, admin));
  }

  async transferOwnership(actorId: string, targetId: string): Promise<Result<{ seq: number }>> {
    return this.serial((s) => membership.transferOwnership(s, actorId, targetId));
  }

  async muteMember(actorId: string, targetId: string, durationSeconds: number): Promise<Result<{ mutedUntil: number | null; seq: number }>> {
    return this.serial((s) => membership.muteMember(s, actorId, targetId, durationSeconds));
  }

  async dissolve(actorId: string): Promise<Result<{ seq: number }>> {
    return this.serial((s) => membership.dissolve(s, actorId));
  }

  async accountDeleted(userId: string): Promise<Result<{ handedOverTo: string | null; dissolved: boolean }>> {
    return this.serial((s) => membership.accountDeleted(s, userId));
  }

  async info(userId: string): Promise<Result<{ meta: MetaRow; members: MemberRow[]; lastSeq: number }>> {
    return guard(() => {
      const s = this.state;
      const m = s.requireMeta();
      s.requireMember(userId);
      return { meta: m, members: [...s.members.values()], lastSeq: s.lastSeq };
    });
  }

  // ---- joining (joining.ts) -------------------------------------------------------------

  async addMembers(actorId: string, userIds: string[]): Promise<Result<{ added: string[]; requested: string[]; seq: number | null }>> {
    return this.serial((s) => joining.addMembers(s, actorId, userIds));
  }

  async createInvite(actorId: string, input: { code: string; expiresAt: number; maxUses: number | null }): Promise<Result<Invite>> {
    return this.serial((s) => joining.createInvite(s, actorId, input));
  }

  async listInvites(actorId: string): Promise<Result<Invite[]>> {
    return guard(() => joining.listInvites(this.state, actorId));
  }

  async revokeInvite(actorId: string, code: string): Promise<Result<Invite>> {
    return this.serial((s) => joining.revokeInvite(s, actorId, code));
  }

  /** Uses are counted under the mutex, so a use limit holds under concurrent accepts. */
  async acceptInvite(userId: string, code: string, message: string): Promise<Result<AcceptInviteResult>> {
    return this.serial((s) => joining.acceptInvite(s, userId, code, message));
  }

  /** Called by the face-to-face room, not by clients. */
  async joinFaceToFace(userId: string): Promise<Result<{ seq: number | null }>> {
    return this.serial((s) => joining.joinFaceToFace(s, userId));
  }

  async joinRequests(actorId: string, status: JoinRequest["status"]): Promise<Result<JoinRequestView[]>> {
    return guard(() => joining.listJoinRequests(this.state, actorId, status));
  }

  async decideJoinRequest(actorId: string, requestId: string, approve: boolean): Promise<Result<{ request: JoinRequestView; seq: number | null }>> {
    return this.serial((s) => joining.decideJoinRequest(s, actorId, requestId, approve));
  }

  // ---- messages (log.ts) ----------------------------------------------------------------

  /** The hot path: no mutex (a text message is checked and stored without awaiting anything but the rules). */
  async send(senderId: string, input: SendInput): Promise<Result<Ack>> {
    return guard(() => send(this.state, senderId, input));
  }

  async receiveForward(senderId: string, clientId: string, source: Message): Promise<Result<Ack>> {
    return guard(() => receiveForward(this.state, senderId, clientId, source));
  }

  /** A page of history; `format: "compact"` encodes it here, so the RPC carries the smaller form too. */
  async history(userId: string, q: { after?: number; before?: number; limit?: number; around?: number; format?: HistoryFormat }): Promise<Result<HistoryPage | CompactHistoryPage>> {
    return guard(() => {
      const page = q.around !== undefined ? search.around(this.state, userId, q.around, q.limit ?? SEARCH_LIMITS.aroundDefault) : history(this.state, userId, q);
      return q.format === "compact" ? compactPage(this.state.requireMeta().id, page) : page;
    });
  }

  /**
   * The catch-up's page: the compact form as finished JSON text (compact-history.ts), so neither
   * the RPC nor the route copies or serialises a thousand message objects.
   */
  async compactHistory(userId: string, q: PageQuery): Promise<Result<CompactJson>> {
    return guard(() => compactHistoryJson(this.state, userId, q));
  }

  /** Development only: many messages at once for the benchmark (seed.ts; the route checks ENVIRONMENT). */
  async seedMessages(userId: string, texts: { text: string; at: number }[]): Promise<Result<{ lastSeq: number }>> {
    return guard(() => seed(this.state, userId, texts));
  }

  /** Message search in this conversation (search.ts). */
  async search(userId: string, q: MessageSearchQuery): Promise<Result<ChatSearchResult>> {
    return guard(() => search.search(this.state, userId, q));
  }

  async getMessage(userId: string, seq: number): Promise<Result<Message>> {
    return guard(() => getMessage(this.state, userId, seq));
  }

  /** "Delete for me": hides one message from this member's reads on every device. */
  async hide(userId: string, seq: number): Promise<Result<{ seq: number }>> {
    return guard(() => hide(this.state, userId, seq));
  }

  /** "Delete chat" for `userId` through `seq`; answers once D1 has it and the read is flushed. */
  async clearChat(userId: string, seq: number): Promise<Result<{ clearedSeq: number }>> {
    const r = await this.serial((s) => clearChat(s, userId, seq));
    await this.state.fanout.settle();
    return r;
  }

  async recall(userId: string, seq: number): Promise<Result<{ seq: number }>> {
    return guard(() => recall(this.state, userId, seq));
  }

  /** Moderation: withdraws a message that breaks the rules (a recall by the system or an operator). */
  async withdraw(seq: number, actorId: string): Promise<Result<{ seq: number; senderId: string; mediaIds: string[] }>> {
    return this.serial((s) => withdraw(s, seq, actorId));
  }

  /** Moderation: an operator dissolves a group (no role needed; the caller checked the operator). */
  async dissolveByOperator(operatorId: string): Promise<Result<{ seq: number }>> {
    return this.serial((s) => membership.dissolveByOperator(s, operatorId));
  }

  // ---- reads and fan-out (fanout.ts) ----------------------------------------------------

  /** A read over HTTPS: answered once the summary shard has it (a socket's reads may wait for the next batch: fanout.ts). */
  async markRead(userId: string, seq: number): Promise<Result<{ readSeq: number }>> {
    const r = await guard(() => this.state.fanout.markRead(userId, seq));
    if (r.ok) await this.state.fanout.writeReadsNow();
    return r;
  }

  /** "Mark as unread" on (WeChat's 标为未读) or off, for the caller only; answers once D1 and their devices have it. */
  async markUnread(userId: string, on: boolean): Promise<Result<{ markedUnread: boolean }>> {
    const r = await guard(() => this.state.fanout.setMark(userId, on));
    await this.state.fanout.settle();
    return r;
  }

  /** Several members' reads at once (a gateway's reads of one moment), each answered on its own. */
  async markReads(reads: { userId: string; seq: number }[]): Promise<ReadResult[]> {
    return this.state.fanout.markReads(reads);
  }

  /** A gateway shard: `userId`'s first socket opened there, so pushes must reach that shard again (fanout.ts). */
  async memberOnline(userId: string): Promise<void> {
    this.state.fanout.idle.memberOnline(userId);
  }

  async receipts(userId: string): Promise<Result<{ reads: { userId: string; seq: number }[]; lastSeq: number }>> {
    return guard(() => receipts(this.state, userId));
  }

  /** Fan-out cost since the object woke (tests and benchmarks read it). */
  /** Notices: whether a message after `afterSeq` mentions `userId` or everyone (mentions.ts). */
  async mentionedSince(userId: string, afterSeq: number): Promise<boolean> {
    return mentionedSince(this.state, userId, afterSeq);
  }

  async stats() {
    const s = this.state;
    return { ...s.fanout.counters, members: s.members.size, shards: s.shards.size, lastSeq: s.lastSeq };
  }

  // ---- direct chats (direct-rules.ts) ---------------------------------------------------

  async typing(userId: string): Promise<Result<null>> {
    return guard(() => typing(this.state, userId));
  }

  async contactsChanged(): Promise<Result<null>> {
    return this.serial((s) => contactsChanged(s));
  }

  async befriended(actorId: string, requesterId: string, greeting: string): Promise<Result<{ seq: number }>> {
    return this.serial((s) => befriended(s, actorId, requesterId, greeting));
  }
}

// Requests per object for the simulation (lib/meter.ts): every method above counts its calls.
meterMethods(ConversationObject, "conversation", ["serial"]);
