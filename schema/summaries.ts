// The summary D1 databases (bindings SUMMARIES_0 … SUMMARIES_{n-1}, docs/scaling.md): what
// changes with every message, kept apart from the main D1 so its single writer is not the whole
// service's ceiling. A conversation's summary and its members' read positions live in the shard
// its id hashes to (worker/data/summaries.ts is the only place that knows which), written by the
// conversation object's flush. Rows of one conversation always share a shard, so a shard answers
// "what is unread here" with a join of its own.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const conversationSummaries = sqliteTable(
  "conversation_summaries",
  {
    conversationId: text("conversation_id").primaryKey(),
    lastSeq: integer("last_seq").notNull().default(0),
    lastMessageAt: integer("last_message_at"),
    lastPreview: text("last_preview"), // JSON MessagePreview
  },
  (t) => [index("conversation_summaries_active_idx").on(t.lastMessageAt)],
);

export const memberReads = sqliteTable(
  "member_reads",
  {
    conversationId: text("conversation_id").notNull(),
    userId: text("user_id").notNull(),
    readSeq: integer("read_seq").notNull().default(0),
    // "Mark as unread" (WeChat's 标为未读): cleared when the member reads there.
    markedUnread: integer("marked_unread", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] }), index("member_reads_user_idx").on(t.userId)],
);

export type ConversationSummaryRow = typeof conversationSummaries.$inferSelect;
export type MemberReadRow = typeof memberReads.$inferSelect;
