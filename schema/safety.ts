// Content safety, reports and moderation: the limits, WeChat's scenes, and the REST bodies and
// answers of /reports and /ops (docs/moderation.md).
import { z } from "zod";
import type { FlagKind } from "./d1-safety";
import { commentId, momentId } from "./moments";
import { conversationId, message, seq, userId } from "./protocol";

export type SafetySuggest = "pass" | "review" | "risky";

export const SAFETY_LIMITS = {
  // Refusals per account: this many within the window slows the account (its sends are refused
  // with 429 for slowSeconds); suspendAfter within a day suspends it pending an operator's review.
  slowAfter: 3,
  slowWindowSeconds: 10 * 60,
  slowSeconds: 5 * 60,
  suspendAfter: 10,
  suspendWindowSeconds: 24 * 60 * 60,
  // msgSecCheck's answer is awaited this long on a send (CONTENT_CHECK_TIMEOUT_MS overrides).
  checkTimeoutMs: 1500,
  // A pass for a short text (≤ passCacheMaxChars) is remembered per isolate for passCacheMs.
  passCacheMaxChars: 32,
  passCacheMs: 10 * 60_000,
  passCacheEntries: 5000,
  accountCacheMs: 30_000,
  // Reports per reporter an hour; messages of evidence each side of a reported one.
  reportsPerHour: 20,
  evidenceAround: 5,
  reportDetailChars: 500,
  // A signed push older (or newer) than this is refused as a replay; its nonce is kept as long.
  pushMaxAgeSeconds: 300,
} as const;

/** msgSecCheck v2 scenes: 1 profile, 2 comment, 3 forum, 4 social log (chat, as WeChat advises for chat). */
export function sceneOf(kind: FlagKind): number {
  if (kind === "message" || kind === "media" || kind === "moment") return 4;
  if (kind === "moment_comment") return 2;
  if (kind === "announcement") return 3;
  return 1;
}

export const REPORT_REASONS = ["spam", "fraud", "harassment", "pornography", "violence", "illegal", "other"] as const;

export const reportBody = z.discriminatedUnion("target", [
  z.strictObject({ target: z.literal("message"), conversationId, seq, reason: z.enum(REPORT_REASONS), detail: z.string().trim().max(SAFETY_LIMITS.reportDetailChars).optional() }),
  z.strictObject({ target: z.literal("user"), userId, reason: z.enum(REPORT_REASONS), detail: z.string().trim().max(SAFETY_LIMITS.reportDetailChars).optional() }),
  z.strictObject({ target: z.literal("group"), conversationId, reason: z.enum(REPORT_REASONS), detail: z.string().trim().max(SAFETY_LIMITS.reportDetailChars).optional() }),
  // A Moments post, or one of its comments (docs/moments.md): the reporter must be able to see it.
  z.strictObject({ target: z.literal("moment"), momentId, commentId: commentId.optional(), reason: z.enum(REPORT_REASONS), detail: z.string().trim().max(SAFETY_LIMITS.reportDetailChars).optional() }),
]);
export type ReportBody = z.infer<typeof reportBody>;

export const reportCreated = z.object({ id: z.string(), status: z.literal("open") });

export const reportView = z.object({
  id: z.string(),
  reporterId: z.string(),
  target: z.enum(["message", "user", "group", "moment"]),
  targetUserId: z.string().nullable(),
  conversationId: z.string().nullable(),
  seq: z.number().nullable(),
  reason: z.string(),
  detail: z.string(),
  evidence: z.array(message),
  momentId: z.string().nullable(),
  commentId: z.string().nullable(),
  excerpt: z.string().nullable(),
  status: z.enum(["open", "resolved"]),
  createdAt: z.number(),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.number().nullable(),
});
export const reportList = z.object({ reports: z.array(reportView) });

export const flagView = z.object({
  id: z.string(),
  userId: z.string(),
  kind: z.string(),
  suggest: z.enum(["review", "risky"]),
  source: z.enum(["local", "wechat"]),
  label: z.string(),
  text: z.string(),
  conversationId: z.string().nullable(),
  seq: z.number().nullable(),
  mediaId: z.string().nullable(),
  status: z.enum(["open", "refused", "resolved"]),
  createdAt: z.number(),
});
export const flagList = z.object({ flags: z.array(flagView) });

export const opsListQuery = z.strictObject({ status: z.enum(["open", "resolved", "refused", "all"]).default("open") });
export const opsNoteBody = z.strictObject({ note: z.string().trim().max(500).default("") });
export const opsRemoveMessageBody = z.strictObject({ conversationId, seq, note: z.string().trim().max(500).default(""), reportId: z.string().max(64).optional() });
export const opsUserAction = z.enum(["warn", "suspend", "ban", "reinstate"]);

export const logEntry = z.object({
  id: z.string(),
  operatorId: z.string(),
  action: z.string(),
  targetUserId: z.string().nullable(),
  conversationId: z.string().nullable(),
  seq: z.number().nullable(),
  reportId: z.string().nullable(),
  flagId: z.string().nullable(),
  note: z.string(),
  createdAt: z.number(),
});
export const opsLog = z.object({ entries: z.array(logEntry) });
export const opsDone = z.object({ ok: z.literal(true), logId: z.string() });
export const opsUserView = z.object({
  id: z.string(),
  nickname: z.string(),
  moderation: z.enum(["suspended", "banned"]).nullable(),
  moderatedAt: z.number().nullable(),
  slowedUntil: z.number().nullable(),
});
export const opsUserList = z.object({ users: z.array(opsUserView) });
