// Where per-message state lives: each conversation's summary (last seq, time, preview) and its
// members' read positions and "mark as unread" flags, in the summary D1 shard its id hashes to
// (jump hash over the SUMMARIES_<i> bindings: docs/scaling.md, decision 3). This module is the
// only place that knows the layout; the conversation object writes here at each flush, readers
// ask for many conversations at once and get one query per shard touched, in parallel.
//
// The conversation object is the authority (its SQLite holds the last message and every member's
// read seq): it writes its whole summary again when it wakes under a different shard count, so a
// missing or stale row is repaired by the object's next wake. Until then a reader falls back to
// the main D1's columns (conversations.last_seq…, memberships.read_seq…), which hold what they
// held when summaries moved here and, for rows made since, their defaults.
import type { Env } from "../env";
import { jumpHash } from "../lib/shard-layout";
import { meterBatch } from "./d1-meter";

export interface SummaryRow {
  lastSeq: number;
  lastMessageAt: number | null;
  /** JSON MessagePreview. */
  lastPreview: string | null;
}

export interface ReadRow {
  readSeq: number;
  markedUnread: boolean;
}

/** What one flush writes: the summary when it changed, the members whose read or mark changed (their values now), members gone. */
export interface SummaryWrite {
  summary?: SummaryRow;
  reads?: { userId: string; readSeq: number; markedUnread: boolean }[];
  removed?: string[];
}

/** n: the number of consecutive SUMMARIES_<i> bindings. */
export function summaryShardCount(env: Env): number {
  let n = 0;
  while (env[`SUMMARIES_${n}`]) n++;
  if (n === 0) throw new Error("No summary shard is bound (SUMMARIES_0 …, wrangler.toml)");
  return n;
}

export function summaryShardOf(env: Env, conversationId: string): number {
  return jumpHash(conversationId, summaryShardCount(env));
}

function shardDb(env: Env, shard: number): D1Database {
  const d = env[`SUMMARIES_${shard}`];
  if (!d) throw new Error(`No summary shard SUMMARIES_${shard}`);
  return d;
}

/**
 * One batch to the conversation's shard. Read positions never move back here (max), and the
 * summary only forward (a retry of an older flush cannot undo a newer one). Returns the
 * statements written (0: nothing to write, no round trip).
 */
export async function writeSummary(env: Env, conversationId: string, w: SummaryWrite): Promise<number> {
  const d = shardDb(env, summaryShardOf(env, conversationId));
  const stmts: D1PreparedStatement[] = [];
  if (w.summary) {
    stmts.push(
      d
        .prepare(
          `INSERT INTO conversation_summaries (conversation_id, last_seq, last_message_at, last_preview) VALUES (?, ?, ?, ?)
           ON CONFLICT (conversation_id) DO UPDATE SET last_seq = excluded.last_seq, last_message_at = excluded.last_message_at, last_preview = excluded.last_preview
           WHERE excluded.last_seq >= conversation_summaries.last_seq`,
        )
        .bind(conversationId, w.summary.lastSeq, w.summary.lastMessageAt, w.summary.lastPreview),
    );
  }
  if (w.reads && w.reads.length > 0) {
    const read = d.prepare(
      `INSERT INTO member_reads (conversation_id, user_id, read_seq, marked_unread) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET read_seq = max(member_reads.read_seq, excluded.read_seq), marked_unread = excluded.marked_unread`,
    );
    for (const r of w.reads) stmts.push(read.bind(conversationId, r.userId, r.readSeq, r.markedUnread ? 1 : 0));
  }
  if (w.removed && w.removed.length > 0) {
    const gone = d.prepare("DELETE FROM member_reads WHERE conversation_id = ? AND user_id = ?");
    for (const userId of w.removed) stmts.push(gone.bind(conversationId, userId));
  }
  if (stmts.length === 0) return 0;
  const results = await d.batch(stmts);
  meterBatch(
    stmts.length,
    results.reduce((n, r) => n + (r.meta?.rows_written ?? 0), 0),
  );
  return stmts.length;
}

/** "Delete chat": the member's read position raised to what they cleared, and the mark off; answered once the shard has it. */
export async function clearRead(env: Env, conversationId: string, userId: string, through: number): Promise<void> {
  const d = shardDb(env, summaryShardOf(env, conversationId));
  await d
    .prepare(
      `INSERT INTO member_reads (conversation_id, user_id, read_seq, marked_unread) VALUES (?, ?, ?, 0)
       ON CONFLICT (conversation_id, user_id) DO UPDATE SET read_seq = max(member_reads.read_seq, excluded.read_seq), marked_unread = 0`,
    )
    .bind(conversationId, userId, through)
    .run();
}

export interface Summaries {
  summaries: Map<string, SummaryRow>;
  /** Keyed by `${conversationId} ${userId}`. */
  reads: Map<string, ReadRow>;
}

export const readKey = (conversationId: string, userId: string) => `${conversationId} ${userId}`;

/**
 * The summaries of the conversations in `pairs` and the read positions of those (conversation,
 * user) pairs: one batch per shard touched (the ids go as one JSON parameter, so no IN list meets
 * D1's limit of 100 bound parameters), all shards in parallel. Rows a shard does not have are
 * absent: the caller falls back (see the header).
 */
export async function readSummaries(env: Env, pairs: { conversationId: string; userId: string }[]): Promise<Summaries> {
  const out: Summaries = { summaries: new Map(), reads: new Map() };
  const n = summaryShardCount(env);
  const perShard = new Map<number, { ids: Set<string>; pairs: [string, string][] }>();
  for (const p of pairs) {
    const shard = jumpHash(p.conversationId, n);
    let entry = perShard.get(shard);
    if (!entry) perShard.set(shard, (entry = { ids: new Set(), pairs: [] }));
    entry.ids.add(p.conversationId);
    entry.pairs.push([p.conversationId, p.userId]);
  }
  await Promise.all(
    [...perShard].map(async ([shard, { ids, pairs: wanted }]) => {
      const d = shardDb(env, shard);
      const [sums, reads] = await d.batch([
        d
          .prepare("SELECT conversation_id, last_seq, last_message_at, last_preview FROM conversation_summaries WHERE conversation_id IN (SELECT value FROM json_each(?))")
          .bind(JSON.stringify([...ids])),
        d
          .prepare(
            `SELECT r.conversation_id, r.user_id, r.read_seq, r.marked_unread FROM json_each(?) AS w
             JOIN member_reads r ON r.conversation_id = json_extract(w.value, '$[0]') AND r.user_id = json_extract(w.value, '$[1]')`,
          )
          .bind(JSON.stringify(wanted)),
      ]);
      for (const r of (sums?.results ?? []) as { conversation_id: string; last_seq: number; last_message_at: number | null; last_preview: string | null }[]) {
        out.summaries.set(r.conversation_id, { lastSeq: r.last_seq, lastMessageAt: r.last_message_at, lastPreview: r.last_preview });
      }
      for (const r of (reads?.results ?? []) as { conversation_id: string; user_id: string; read_seq: number; marked_unread: number }[]) {
        out.reads.set(readKey(r.conversation_id, r.user_id), { readSeq: r.read_seq, markedUnread: r.marked_unread === 1 });
      }
    }),
  );
  return out;
}

/**
 * Notices: the users with something unread in a conversation whose last message came after
 * `since`, from every shard in parallel (the index on last_message_at bounds each scan).
 */
export async function usersWithUnreadSince(env: Env, since: number): Promise<Set<string>> {
  const out = new Set<string>();
  const answers = await Promise.all(
    summaryShards(env).map((d) =>
      d
        .prepare(
          `SELECT DISTINCT r.user_id FROM conversation_summaries s JOIN member_reads r ON r.conversation_id = s.conversation_id
           WHERE s.last_message_at > ? AND s.last_seq > r.read_seq`,
        )
        .bind(since)
        .all<{ user_id: string }>(),
    ),
  );
  for (const a of answers) for (const r of a.results) out.add(r.user_id);
  return out;
}

/** Account deletion: the user's read positions go from every shard (they are in any of them). */
export async function deleteUserReads(env: Env, userId: string): Promise<void> {
  const n = summaryShardCount(env);
  await Promise.all(Array.from({ length: n }, (_, i) => shardDb(env, i).prepare("DELETE FROM member_reads WHERE user_id = ?").bind(userId).run()));
}

/** Every shard's binding, for setups that migrate them all (tests, seeds). */
export function summaryShards(env: Env): D1Database[] {
  return Array.from({ length: summaryShardCount(env) }, (_, i) => shardDb(env, i));
}
