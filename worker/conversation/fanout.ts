// Fan-out: what the log appended and members read reaches the summary shard and devices. Appends
// queue a Pending frame in the outbox; reads queue positions. One flush at a time copies the
// summary and read positions to the conversation's summary shard (data/summaries.ts) and only
// then pushes the frames to the gateway shards (skipping idle ones: idle-shards.ts), batching
// whatever queued up while the previous flush was in flight. A read on its own is pushed at once
// but its D1 write may wait for the next message's batch (summary-writer.ts).
import type { MemberRow } from "../../schema/conversation";
import type { Message, ServerFrame } from "../../schema/protocol";
import type { DeliveryPart } from "../gateway/object";
import type { ReadResult } from "../gateway/reads";
import { meterRows } from "../data/d1-meter";
import { guard } from "../lib/result";
import { gateway, groupByShard } from "../lib/shards";
import { IdleShards } from "./idle-shards";
import { quoteVariants } from "./quote-variants";
import type { ConversationState } from "./state";
import { SummaryWriter } from "./summary-writer";

/** A frame appended but not yet pushed (the outbox holds these until the next flush). */
export interface Pending {
  frame: string;
  /** Users who get this frame although they are no longer members (e.g. told they were removed). */
  alsoTo?: string[];
  /** Users who get this frame instead of every member (a group's read receipts). */
  only?: string[];
  /** A reply, kept so the flush can give readers who may not see its quote a copy without it. */
  reply?: Message;
}

export class Fanout {
  outbox: Pending[] = [];
  /** Read positions to store in this object's SQLite at the next flush. */
  private pendingReads = new Map<string, number>();
  /** "Mark as unread" flags to copy to D1 and tell the member's devices at the next flush. */
  private pendingMarks = new Map<string, boolean>();
  /**
   * Reads other members need to hear of, as the range each one advanced over. A sender reading
   * their own new message (nothing else unread) is implied by the message, so it goes to D1 only.
   * In groups a read goes to the reader and to the senders of the messages it covers (the only
   * ones shown read counts), not to all 500 members.
   */
  private pushReads = new Map<string, { from: number; to: number }>();
  /** Gateway stubs, kept while they work: a stub that threw is made again (and calls on one stub arrive in order). */
  private gateways = new Map<number, ReturnType<typeof gateway>>();
  /** Shards none of whose members had a socket at the last push: skipped (idle-shards.ts). */
  readonly idle = new IdleShards();
  private flushing: Promise<void> | null = null;
  /** Since the object woke: how often it flushed, how many gateway calls and summary-shard batches that took. */
  readonly counters = { flushes: 0, gatewayCalls: 0, framesPushed: 0, readCalls: 0, shardsSkipped: 0, d1Batches: 0, d1Statements: 0 };
  /** What the summary shard has not got yet, and the batch that sends it. */
  readonly writer: SummaryWriter;

  constructor(private readonly s: ConversationState) {
    this.writer = new SummaryWriter(s, () => this.kick(), this.counters);
  }

  /** A message changed the summary: the next flush writes it before pushing. */
  get summaryDirty(): boolean {
    return this.writer.dirty;
  }
  set summaryDirty(dirty: boolean) {
    this.writer.dirty = dirty;
  }

  /** Tests only: while set, the flush's summary write waits for it (summary before push is then observable). */
  get summaryGate(): Promise<void> | null {
    return this.writer.gate;
  }
  set summaryGate(gate: Promise<void> | null) {
    this.writer.gate = gate;
  }

  // ---- reads --------------------------------------------------------------------------

  markRead(userId: string, seq: number): { readSeq: number } {
    this.s.requireMeta();
    const member = this.s.requireMember(userId);
    // Reading anything here clears "mark as unread", also when there was nothing new to read.
    this.unmark(member);
    const target = Math.min(seq, this.s.lastSeq);
    if (target <= member.readSeq) return { readSeq: member.readSeq };
    const pending = this.pushReads.get(userId);
    this.pushReads.set(userId, { from: pending?.from ?? member.readSeq, to: target });
    // Stored by the next flush with the others (one transaction, raw SQL): with a busy group
    // open on every member's screen, a query built and run per read was a fifth of the work.
    // A crash in between loses only a read position, which the device reports again.
    member.readSeq = target;
    this.pendingReads.set(userId, target);
    this.writer.read(userId);
    this.kick();
    return { readSeq: target };
  }

  /** Several members' reads at once (a gateway's reads of one moment), each answered on its own. */
  async markReads(reads: { userId: string; seq: number }[]): Promise<ReadResult[]> {
    this.counters.readCalls++;
    const out: ReadResult[] = [];
    for (const { userId, seq } of reads) {
      const r = await guard(() => this.markRead(userId, seq));
      out.push(r.ok ? { userId, ok: true } : { userId, ok: false, code: r.code, message: r.message });
    }
    return out;
  }

  /** What you send or cause yourself is read: it never counts as unread on your own devices. */
  ownRead(userId: string, seq: number) {
    const member = this.s.members.get(userId);
    if (member) this.unmark(member);
    if (!member || member.readSeq >= seq) return;
    const implied = member.readSeq === seq - 1; // only their own new message was unread
    const pending = this.pushReads.get(userId);
    if (pending) pending.to = seq;
    else if (!implied) this.pushReads.set(userId, { from: member.readSeq, to: seq });
    // Stored now, with the message it makes read (never unread after a crash), and so not queued
    // for the flush's SQLite write as well: a second row written per message, and rows are billed.
    this.storeReadSeq(userId, seq);
    member.readSeq = seq;
    this.writer.read(userId);
  }

  // ---- mark as unread ------------------------------------------------------------------

  /** WeChat's 标为未读 / 标为已读 on a chat: the member's own flag, stored now, in D1 and on their devices by the next flush. */
  setMark(userId: string, on: boolean): { markedUnread: boolean } {
    this.s.requireMeta();
    const member = this.s.requireMember(userId);
    if (on) {
      if (member.markedUnread) return { markedUnread: true };
      member.markedUnread = true;
      meterRows(this.s.ctx.storage.sql.exec("UPDATE members SET marked_unread = 1 WHERE user_id = ?", userId));
      this.pendingMarks.set(userId, true);
      this.writer.now(userId);
      this.kick();
    } else this.unmark(member);
    return { markedUnread: member.markedUnread };
  }

  private unmark(member: MemberRow) {
    if (!member.markedUnread) return;
    member.markedUnread = false;
    meterRows(this.s.ctx.storage.sql.exec("UPDATE members SET marked_unread = 0 WHERE user_id = ?", member.userId));
    this.pendingMarks.set(member.userId, false);
    this.writer.now(member.userId);
    this.kick();
  }

  /** Writes every read position still waiting, now (an HTTPS read answers once the shard has it). */
  async writeReadsNow() {
    this.writer.now();
    this.kick();
    await this.settle();
  }

  /** A member's read seq in this object's SQLite (never moved back). Raw SQL: it runs per send and per flush. */
  private storeReadSeq(userId: string, seq: number) {
    meterRows(this.s.ctx.storage.sql.exec("UPDATE members SET read_seq = max(read_seq, ?) WHERE user_id = ?", seq, userId));
  }

  // ---- flush --------------------------------------------------------------------------

  kick() {
    if (this.flushing) return;
    const run: Promise<void> = this.flush().finally(() => {
      if (this.flushing === run) this.flushing = null;
      // Work queued after the loop's last check and before this callback.
      if (this.outbox.length > 0 || this.pendingReads.size > 0 || this.pendingMarks.size > 0 || (this.writer.mustWrite() && !this.writer.failed)) this.kick();
    });
    this.flushing = run;
    this.s.ctx.waitUntil(run);
  }

  /** Waits until everything queued so far is in D1 and pushed (used where a reply reads D1). */
  async settle() {
    while (this.flushing) await this.flushing;
  }

  /**
   * Copies the summary to D1 first and only then pushes, so a device that connects, lists its
   * conversations and then catches up can never miss a message that was pushed before it
   * connected. Failures are logged: devices repair from seq on their next catch-up.
   */
  private async flush() {
    const s = this.s;
    try {
      while (this.outbox.length > 0 || this.pendingReads.size > 0 || this.pendingMarks.size > 0 || this.writer.mustWrite()) {
        const batch = this.outbox;
        this.outbox = [];
        const reads = this.pendingReads;
        this.pendingReads = new Map();
        let pushed = this.pushReads;
        this.pushReads = new Map();
        const marks = this.pendingMarks;
        this.pendingMarks = new Map();
        if (reads.size > 0) {
          s.ctx.storage.transactionSync(() => {
            for (const [userId, seq] of reads) this.storeReadSeq(userId, seq);
          });
        }
        if (this.writer.mustWrite()) {
          try {
            await this.writer.write();
          } catch (e) {
            console.error(JSON.stringify({ msg: "summary write failed", conversation: s.meta?.id, error: String(e) }));
          }
        } else {
          this.writer.waitForBatch();
          // A read position is pushed only once its shard has it, as a message is pushed only after
          // its summary: a device that lists after the push can then never show the chat unread
          // from before the read. Until the batch that carries it (the next message's, or the
          // delay's), the read's frame waits with it.
          this.deferReads(pushed);
          pushed = new Map();
        }
        const plain = batch.filter((o) => !o.alsoTo && !o.only);
        const frames = plain.map((o) => o.frame);
        const special = batch.filter((o) => o.alsoTo || o.only);
        // The member's other devices: the flag, and the count it shows (at least 1 while marked).
        for (const [userId, on] of marks) {
          const member = s.members.get(userId);
          if (!member || !s.meta) continue;
          const unread = Math.max(on ? 1 : 0, s.lastSeq - member.readSeq);
          special.push({ frame: JSON.stringify({ type: "conversation", conversationId: s.meta.id, changes: { markedUnread: on, unread } } satisfies ServerFrame), only: [userId] });
        }
        if (pushed.size > 0 && s.meta) {
          const frame = JSON.stringify({ type: "read", conversationId: s.meta.id, reads: [...pushed].map(([userId, r]) => ({ userId, seq: r.to })) } satisfies ServerFrame);
          if (s.meta.kind === "direct") frames.push(frame);
          else special.push({ frame, only: this.readAudience(pushed) });
        }
        await this.push(frames, special, plain);
        if (this.writer.failed && this.outbox.length === 0 && this.pendingReads.size === 0 && this.pendingMarks.size === 0) break; // retry with the next write
      }
    } catch (e) {
      console.error(JSON.stringify({ msg: "flush failed", conversation: s.meta?.id, error: String(e) }));
    }
  }

  /** Puts read frames back to go with the next flush that writes (the earliest `from`, the latest `to`). */
  private deferReads(reads: Map<string, { from: number; to: number }>) {
    for (const [userId, r] of reads) {
      const later = this.pushReads.get(userId);
      this.pushReads.set(userId, later ? { from: r.from, to: Math.max(r.to, later.to) } : r);
    }
  }

  // ---- pushes -------------------------------------------------------------------------

  /**
   * Pushes a flush's frames: `frames` to every member (per-reader copies where quotes hide),
   * `special` to their own audience. Everything for one shard goes in one call (a group's read
   * receipt rides with the messages): the calls themselves were the largest cost of a flush.
   */
  private async push(frames: string[], special: Pending[], plain: Pending[]) {
    const parts = new Map<number, DeliveryPart[]>();
    const add = (byShard: Map<number, string[]>, partFrames: string[], everyone: boolean) => {
      for (const [shard, users] of byShard) {
        const list = parts.get(shard);
        const part = { to: everyone ? null : users, frames: partFrames };
        if (list) list.push(part);
        else parts.set(shard, [part]);
      }
    };
    const variants = frames.length > 0 ? quoteVariants(this.s, frames, plain) : null;
    if (variants) for (const v of variants) add(v.byShard, v.frames, false);
    else if (frames.length > 0) add(this.s.shards, frames, true);
    const calls: Promise<number>[] = [];
    for (const o of special) {
      // Told although no longer members (removed): every shard they are on, the plain way.
      if (o.alsoTo) calls.push(this.toShards(groupByShard(new Set([...this.s.members.keys(), ...o.alsoTo])), [o.frame]));
      else add(groupByShard(o.only ?? this.s.members.keys()), [o.frame], !o.only);
    }
    calls.push(this.deliver(parts));
    const shardCalls = await Promise.all(calls);
    this.counters.flushes++;
    this.counters.gatewayCalls += shardCalls.reduce((a, b) => a + b, 0);
    this.counters.framesPushed += frames.length + special.length;
  }

  /**
   * One `deliver` call per shard with something for its members, skipping idle shards; a shard
   * that answers that none of our members there has a socket is skipped from then on, unless one
   * connected while the call was out. Returns the calls made.
   */
  private async deliver(parts: Map<number, DeliveryPart[]>): Promise<number> {
    const id = this.s.meta?.id;
    if (!id || parts.size === 0) return 0;
    const now = Date.now();
    const shards = [...parts.keys()].filter((shard) => !this.idle.skips(shard, now));
    this.counters.shardsSkipped += parts.size - shards.length;
    const results = await Promise.allSettled(
      shards.map(async (shard) => {
        const epoch = this.idle.epoch(shard);
        const r = await this.gateway(shard).deliver(id, this.s.shards.get(shard) ?? [], parts.get(shard)!);
        if (r.idle) this.idle.answeredIdle(shard, epoch);
      }),
    );
    this.failed(shards, results);
    return shards.length;
  }

  /** A frame for some users only, outside the log (join requests, typing): pushed now, not queued. */
  pushTo(userIds: string[], frame: ServerFrame) {
    this.s.ctx.waitUntil(this.toShards(groupByShard(userIds), [JSON.stringify(frame)]));
  }

  /** One plain push call per shard (no skipping); failures are logged (devices repair from seq). Returns the calls made. */
  async toShards(byShard: Map<number, string[]>, frames: string[]): Promise<number> {
    const shards = [...byShard.keys()];
    this.failed(shards, await Promise.allSettled(shards.map((shard) => this.gateway(shard).push(byShard.get(shard)!, frames))));
    return shards.length;
  }

  private failed(shards: number[], results: PromiseSettledResult<unknown>[]) {
    results.forEach((r, i) => {
      if (r.status === "fulfilled") return;
      this.gateways.delete(shards[i]!); // a stub that threw stays broken: the next call makes a new one
      console.error(JSON.stringify({ msg: "delivery failed", conversation: this.s.meta?.id, error: String(r.reason) }));
    });
  }

  /** Who a group read is for: the readers' own devices and the senders of the messages read. */
  private readAudience(reads: Map<string, { from: number; to: number }>): string[] {
    const to = new Set<string>();
    for (const [userId, { from, to: upTo }] of reads) {
      to.add(userId);
      // Raw SQL: this runs for every reader in every flush, where building a query was a cost.
      const senders = this.s.ctx.storage.sql.exec<{ sender_id: string }>("SELECT DISTINCT sender_id FROM messages WHERE seq > ? AND seq <= ? AND type != 'system'", from, upTo);
      for (const x of senders) if (this.s.members.has(x.sender_id)) to.add(x.sender_id);
    }
    return [...to];
  }

  private gateway(shard: number): ReturnType<typeof gateway> {
    let stub = this.gateways.get(shard);
    if (!stub) {
      stub = gateway(this.s.env, shard);
      this.gateways.set(shard, stub);
    }
    return stub;
  }
}
