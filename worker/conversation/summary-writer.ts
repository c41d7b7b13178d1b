// What of this conversation the summary shard (data/summaries.ts) has not got yet, and the one
// batch per flush that sends it: the summary when a message changed it, the members whose read
// position or mark changed, members gone. The fan-out (fanout.ts) decides when to flush; this
// decides whether a flush must write. A read reported on its own may wait READ_WRITE_DELAY_MS
// for a flush that writes anyway (the next message's), so a message costs one batch, not two;
// marks, the summary and members gone are written with the next flush.
import { summaryShardCount, writeSummary } from "../data/summaries";
import type { ConversationState } from "./state";

/**
 * How long a read position reported on its own may wait for a flush that writes anyway before it
 * is written by itself. Clients report at most one read a second per open chat, so in a
 * conversation with traffic the read rides the next message's batch.
 */
export const READ_WRITE_DELAY_MS = 1000;

export class SummaryWriter {
  /** A message changed the summary (last seq, time, preview). */
  dirty = false;
  /** The whole summary and every member's read row go with the next batch (new, or woken under another shard count). */
  fullWrite = false;
  /** The last batch failed: retried with the next flush something else starts, not at once. */
  failed = false;
  /** Tests only: while set, the batch waits for it (summary before push is then observable). */
  gate: Promise<void> | null = null;
  /** Members whose read position or mark the shard has not got yet. */
  private unwritten = new Set<string>();
  /** Members gone since the last batch: their read rows leave the shard. */
  private removed = new Set<string>();
  /** Reads waiting alone may not wait longer: the delay passed, a mark came, or a caller needs them written. */
  private due = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The members as of the last look, to tell who joined and who left. */
  private known = new Set<string>();

  constructor(
    private readonly s: ConversationState,
    private readonly kick: () => void,
    private readonly counters: { d1Batches: number; d1Statements: number },
  ) {}

  /** A read position changed: written with the next batch, which may wait for a message. */
  read(userId: string) {
    this.unwritten.add(userId);
  }

  /** A mark changed (or a caller needs the reads written now): written with the next flush. */
  now(userId?: string) {
    if (userId) this.unwritten.add(userId);
    this.due = true;
  }

  /** The member list as loaded: nothing to tell the shard about them yet. */
  membersLoaded() {
    this.known = new Set(this.s.members.keys());
  }

  /** After the member list changed: newcomers' rows are written (one left from an earlier membership overwritten), leavers' deleted. */
  membersChanged() {
    const members = this.s.members;
    for (const id of members.keys()) {
      if (this.known.has(id)) continue;
      this.unwritten.add(id);
      this.removed.delete(id);
    }
    for (const id of this.known) {
      if (members.has(id)) continue;
      this.removed.add(id);
      this.unwritten.delete(id);
    }
    this.known = new Set(members.keys());
    if (this.removed.size > 0) this.kick();
  }

  /** Whether the next flush must write to the shard (reads alone may wait). */
  mustWrite(): boolean {
    return this.dirty || this.fullWrite || this.removed.size > 0 || (this.due && this.unwritten.size > 0);
  }

  /** Reads wait alone: written when READ_WRITE_DELAY_MS has passed, unless a batch takes them first. */
  waitForBatch() {
    if (this.unwritten.size === 0 || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.due = true;
      this.kick();
    }, READ_WRITE_DELAY_MS);
  }

  /**
   * One batch to the conversation's summary shard: the summary when it changed, every member whose
   * read position or mark changed since the last batch (their values now), members gone; after a
   * wake under a new shard count, everything. On failure nothing is lost: what the batch carried is
   * written with the next one.
   */
  async write() {
    if (this.gate) await this.gate;
    const { meta, env, lastSeq, lastPreview, members } = this.s;
    if (!meta) return;
    const full = this.fullWrite;
    const userIds = full ? [...members.keys()] : [...this.unwritten].filter((id) => members.has(id));
    const removed = [...this.removed];
    const summary = this.dirty || full;
    this.dirty = false;
    this.fullWrite = false;
    this.due = false;
    this.unwritten = new Set();
    this.removed = new Set();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    try {
      const written = await writeSummary(env, meta.id, {
        ...(summary ? { summary: { lastSeq, lastMessageAt: lastPreview?.at ?? null, lastPreview: lastPreview ? JSON.stringify(lastPreview) : null } } : {}),
        reads: userIds.map((userId) => ({ userId, readSeq: members.get(userId)!.readSeq, markedUnread: members.get(userId)!.markedUnread })),
        removed,
      });
      if (written > 0) {
        this.counters.d1Batches++;
        this.counters.d1Statements += written;
      }
      if (full) {
        const n = summaryShardCount(env);
        this.s.ctx.storage.sql.exec("UPDATE meta SET summary_shards = ?", n);
        meta.summaryShards = n;
      }
      this.failed = false;
    } catch (e) {
      this.failed = true;
      this.dirty ||= summary;
      this.fullWrite ||= full;
      for (const id of userIds) this.unwritten.add(id);
      for (const id of removed) if (!members.has(id)) this.removed.add(id);
      if (userIds.length > 0) this.due = true;
      throw e;
    }
  }
}
