// D1 tables of content safety, reports and moderation (docs/moderation.md). Re-exported by d1.ts
// so drizzle-kit and the worker see one schema; user and conversation ids are plain text here
// (no foreign keys) so these rows outlive what they are about, as evidence should.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const now = sql`(cast(unixepoch('subsecond') * 1000 as integer))`;

/** What a piece of checked text or media was. */
export const FLAG_KINDS = [
  "message",
  "media",
  "nickname",
  "signature",
  "status",
  "group_name",
  "announcement",
  "group_nickname",
  "remark",
  "greeting",
  "tag",
  "account",
  "moment",
  "moment_comment",
] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

// Content that a check judged "review" (stored and shown, waiting for an operator), refused
// ("risky", kept as evidence of why an account was slowed or suspended), or an account
// suspended automatically.
export const contentFlags = sqliteTable(
  "content_flags",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: FLAG_KINDS }).notNull(),
    suggest: text("suggest", { enum: ["review", "risky"] }).notNull(),
    source: text("source", { enum: ["local", "wechat"] }).notNull(),
    label: text("label").notNull().default(""),
    text: text("text").notNull().default(""),
    conversationId: text("conversation_id"),
    seq: integer("seq"),
    mediaId: text("media_id"),
    traceId: text("trace_id"),
    status: text("status", { enum: ["open", "refused", "resolved"] }).notNull(),
    createdAt: integer("created_at").notNull().default(now),
    resolvedBy: text("resolved_by"),
    resolvedAt: integer("resolved_at"),
  },
  (t) => [index("content_flags_status_idx").on(t.status, t.createdAt), index("content_flags_user_idx").on(t.userId, t.createdAt)],
);

// A user's report of a message (with the messages around it), a user or a group.
export const reports = sqliteTable(
  "reports",
  {
    id: text("id").primaryKey(),
    reporterId: text("reporter_id").notNull(),
    target: text("target", { enum: ["message", "user", "group", "moment"] }).notNull(),
    targetUserId: text("target_user_id"),
    conversationId: text("conversation_id"),
    seq: integer("seq"),
    reason: text("reason").notNull(),
    detail: text("detail").notNull().default(""),
    evidence: text("evidence").notNull().default("[]"), // JSON Message[] as the reporter saw them
    // A Moments post (and one of its comments) reported: the text as the reporter saw it is kept
    // in excerpt, since the author may delete the post.
    momentId: text("moment_id"),
    commentId: text("comment_id"),
    excerpt: text("excerpt"),
    status: text("status", { enum: ["open", "resolved"] })
      .notNull()
      .default("open"),
    createdAt: integer("created_at").notNull().default(now),
    resolvedBy: text("resolved_by"),
    resolvedAt: integer("resolved_at"),
  },
  (t) => [index("reports_status_idx").on(t.status, t.createdAt)],
);

// Every operator action, with who did it (never deleted).
export const moderationLog = sqliteTable(
  "moderation_log",
  {
    id: text("id").primaryKey(),
    operatorId: text("operator_id").notNull(), // "system" for automatic actions
    action: text("action", { enum: ["remove_message", "warn", "suspend", "ban", "reinstate", "dissolve_group", "resolve_report", "resolve_flag", "withdraw_media"] }).notNull(),
    targetUserId: text("target_user_id"),
    conversationId: text("conversation_id"),
    seq: integer("seq"),
    reportId: text("report_id"),
    flagId: text("flag_id"),
    note: text("note").notNull().default(""),
    createdAt: integer("created_at").notNull().default(now),
  },
  (t) => [index("moderation_log_created_idx").on(t.createdAt)],
);

// One asynchronous media check per uploaded picture or voice note: WeChat's trace_id → the media.
// Where it was sent is in media_refs when the verdict comes.
export const mediaChecks = sqliteTable(
  "media_checks",
  {
    traceId: text("trace_id").primaryKey(),
    mediaId: text("media_id").notNull(),
    userId: text("user_id").notNull(),
    status: text("status", { enum: ["pending", "pass", "review", "risky"] })
      .notNull()
      .default("pending"),
    createdAt: integer("created_at").notNull().default(now),
    decidedAt: integer("decided_at"),
  },
  (t) => [index("media_checks_media_idx").on(t.mediaId)],
);

export type ContentFlag = typeof contentFlags.$inferSelect;
export type Report = typeof reports.$inferSelect;
export type ModerationLogRow = typeof moderationLog.$inferSelect;
