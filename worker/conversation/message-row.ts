// The send path's write of one message row, in raw SQL: building the insert with the query
// builder cost more than the write itself in the bench (log.ts appends through it).
import type { MessageRow } from "../../schema/conversation";
import { meterRows } from "../data/d1-meter";
import type { ConversationState } from "./state";

/** Stores one message row (call inside the transaction that indexes it). */
export function insertMessage(s: ConversationState, r: MessageRow) {
  meterRows(
    s.ctx.storage.sql.exec(
      "INSERT INTO messages (seq, id, sender_id, client_id, type, body, mentions, mention_all, reply_to, forwarded, created_at, recalled_at, recalled_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      r.seq,
      r.id,
      r.senderId,
      r.clientId,
      r.type,
      r.body,
      r.mentions,
      r.mentionAll ? 1 : 0,
      r.replyTo,
      r.forwarded,
      r.createdAt,
      r.recalledAt,
      r.recalledBy,
    ),
  );
}
