// The conversation's message search index (message_search, FTS5, rowid = seq): written in the
// same transaction as each message, cleared at recall, and built on first use for messages
// stored before it existed (migration 0003 records which seqs those are). See docs/search.md.
import type { MessageRow } from "../../schema/conversation";
import { SEARCH_LIMITS } from "../../schema/limits";
import type { MessageType } from "../../schema/protocol";
import { meterRows } from "../data/d1-meter";
import { indexTerms, searchableText } from "../lib/search-terms";
import type { ConversationState } from "./state";

/** Indexes one stored message; call inside the transaction that stores it. */
export function indexMessage(s: ConversationState, row: Pick<MessageRow, "seq" | "type" | "body">) {
  const text = searchableText(row.type as MessageType, row.body === null ? null : JSON.parse(row.body));
  if (text) meterRows(s.ctx.storage.sql.exec("INSERT INTO message_search (rowid, terms) VALUES (?, ?)", row.seq, indexTerms(text)));
}

/** Takes a recalled message out of the index; call inside the recall's transaction. */
export function unindexMessage(s: ConversationState, seq: number) {
  s.ctx.storage.sql.exec("DELETE FROM message_search WHERE rowid = ?", seq);
}

const running = new WeakMap<ConversationState, Promise<void>>();

/**
 * Indexes the messages stored before the index existed, SEARCH_LIMITS.backfillBatch per
 * transaction, yielding between batches so sends interleave. Searches wait for it; concurrent
 * searches share one run.
 */
export function backfill(s: ConversationState): Promise<void> {
  const inFlight = running.get(s);
  if (inFlight) return inFlight;
  const run = backfillBatches(s).finally(() => running.delete(s));
  running.set(s, run);
  return run;
}

async function backfillBatches(s: ConversationState) {
  const sql = s.ctx.storage.sql;
  for (;;) {
    const state = sql.exec<{ next_seq: number; end_seq: number }>("SELECT next_seq, end_seq FROM search_backfill WHERE id = 1").toArray()[0];
    if (!state || state.next_seq > state.end_seq) return;
    const last = Math.min(state.end_seq, state.next_seq + SEARCH_LIMITS.backfillBatch - 1);
    s.ctx.storage.transactionSync(() => {
      for (const r of sql.exec<{ seq: number; type: string; body: string | null }>("SELECT seq, type, body FROM messages WHERE seq BETWEEN ? AND ?", state.next_seq, last)) indexMessage(s, r);
      sql.exec("UPDATE search_backfill SET next_seq = ? WHERE id = 1", last + 1);
    });
    await new Promise((r) => setTimeout(r, 0));
  }
}
