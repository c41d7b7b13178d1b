// What operators do (docs/moderation.md): withdraw a message, warn, suspend, ban or reinstate an
// account, dissolve a group, close reports and flags. Every action writes one moderation_log row
// naming who did it ("system" for automatic ones). Suspending and banning revoke every session
// and close every socket of the account (endSessions); the account cannot sign in until reinstated.
import { and, desc, eq, inArray, isNotNull } from "drizzle-orm";
import { contentFlags, mediaChecks, mediaRefs, moderationLog, reports, users, type ModerationLogRow } from "../../schema/d1";
import { forgetAccount } from "../data/safety";
import { loadMedia } from "../data/media";
import { db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { purgeMedia } from "./media";
import { endSessions } from "./sessions";

type Action = ModerationLogRow["action"];

/** The operator role: user ids listed in OPERATOR_USER_IDS (configuration only, no API sets it). */
export function isOperator(env: Env, userId: string): boolean {
  return (env.OPERATOR_USER_IDS ?? "")
    .split(/[\s,]+/)
    .filter(Boolean)
    .includes(userId);
}

export async function logAction(env: Env, operatorId: string, action: Action, fields: Partial<Omit<ModerationLogRow, "id" | "operatorId" | "action" | "createdAt">> = {}): Promise<string> {
  const id = newId("mod");
  await db(env)
    .insert(moderationLog)
    .values({ id, operatorId, action, ...fields });
  return id;
}

async function requireAccount(env: Env, userId: string) {
  const row = await db(env).select({ id: users.id }).from(users).where(eq(users.id, userId)).get();
  if (!row) throw new ApiError("not_found", "No such user");
}

/** Suspends (pending review) or bans an account: sessions revoked, sockets closed. */
export async function suspendAccount(env: Env, operatorId: string, userId: string, how: "suspended" | "banned", note: string): Promise<string> {
  await requireAccount(env, userId);
  await db(env).update(users).set({ moderation: how, moderatedAt: Date.now() }).where(eq(users.id, userId));
  forgetAccount(userId);
  await endSessions(env, userId, "all", "revoked");
  return logAction(env, operatorId, how === "banned" ? "ban" : "suspend", { targetUserId: userId, note });
}

export async function reinstateAccount(env: Env, operatorId: string, userId: string, note: string): Promise<string> {
  await requireAccount(env, userId);
  await db(env).update(users).set({ moderation: null, moderatedAt: Date.now(), slowedUntil: null }).where(eq(users.id, userId));
  forgetAccount(userId);
  return logAction(env, operatorId, "reinstate", { targetUserId: userId, note });
}

/** A warning is recorded against the account (the log is what an operator reviews next time). */
export async function warnAccount(env: Env, operatorId: string, userId: string, note: string): Promise<string> {
  await requireAccount(env, userId);
  return logAction(env, operatorId, "warn", { targetUserId: userId, note });
}

/**
 * Withdraws a message as a recall by `operatorId` (everyone sees it removed for violating the
 * rules) and deletes the bytes of the media it carried from R2.
 */
export async function removeMessage(env: Env, operatorId: string, conversationId: string, seq: number, note: string, action: Action = "remove_message", reportId?: string): Promise<string> {
  const done = unwrap(await conversationObject(env, conversationId).withdraw(seq, operatorId));
  if (done.mediaIds.length > 0) {
    const owned = await loadMedia(env, done.mediaIds);
    for (const [id, m] of owned) await purgeMedia(env, m.ownerId, [id]);
  }
  return logAction(env, operatorId, action, { targetUserId: done.senderId, conversationId, seq, note, ...(reportId ? { reportId } : {}) });
}

export async function dissolveGroup(env: Env, operatorId: string, conversationId: string, note: string): Promise<string> {
  if (!conversationId.startsWith("c_")) throw new ApiError("not_found", "No such group");
  unwrap(await conversationObject(env, conversationId).dissolveByOperator(operatorId));
  return logAction(env, operatorId, "dissolve_group", { conversationId, note });
}

export async function resolveReport(env: Env, operatorId: string, reportId: string, note: string): Promise<string> {
  const done = await db(env).update(reports).set({ status: "resolved", resolvedBy: operatorId, resolvedAt: Date.now() }).where(eq(reports.id, reportId)).returning({ id: reports.id });
  if (done.length === 0) throw new ApiError("not_found", "No such report");
  return logAction(env, operatorId, "resolve_report", { reportId, note });
}

export async function resolveFlag(env: Env, operatorId: string, flagId: string, note: string): Promise<string> {
  const done = await db(env).update(contentFlags).set({ status: "resolved", resolvedBy: operatorId, resolvedAt: Date.now() }).where(eq(contentFlags.id, flagId)).returning({ id: contentFlags.id });
  if (done.length === 0) throw new ApiError("not_found", "No such flag");
  return logAction(env, operatorId, "resolve_flag", { flagId, note });
}

export const listLog = (env: Env, limit = 200) => db(env).select().from(moderationLog).orderBy(desc(moderationLog.createdAt)).limit(limit).all();

export const listSanctioned = (env: Env) =>
  db(env)
    .select({ id: users.id, nickname: users.nickname, moderation: users.moderation, moderatedAt: users.moderatedAt, slowedUntil: users.slowedUntil })
    .from(users)
    .where(isNotNull(users.moderation))
    .orderBy(desc(users.moderatedAt))
    .all();

/**
 * WeChat's verdict on a media check (from the message push): "risky" withdraws every message that
 * carried the media (a recall by the system) and deletes the media; "review" flags it. A trace
 * already decided is left alone, so a repeated push changes nothing.
 */
export async function mediaVerdict(env: Env, traceId: string, suggest: string, label: string): Promise<"applied" | "unknown" | "repeat"> {
  const d = db(env);
  const check = await d.select().from(mediaChecks).where(eq(mediaChecks.traceId, traceId)).get();
  if (!check) return "unknown";
  const status = suggest === "risky" || suggest === "review" ? suggest : "pass";
  const claimed = await d
    .update(mediaChecks)
    .set({ status, decidedAt: Date.now() })
    .where(and(eq(mediaChecks.traceId, traceId), eq(mediaChecks.status, "pending")))
    .returning({ traceId: mediaChecks.traceId });
  if (claimed.length === 0) return "repeat";
  if (status === "pass") return "applied";
  const sentAt = await d.select({ conversationId: mediaRefs.conversationId, seq: mediaRefs.seq }).from(mediaRefs).where(eq(mediaRefs.mediaId, check.mediaId)).all();
  const where = sentAt[0] ?? { conversationId: null, seq: null };
  await d.insert(contentFlags).values({
    id: newId("flag"),
    userId: check.userId,
    kind: "media",
    text: "",
    ...where,
    mediaId: check.mediaId,
    traceId,
    source: "wechat",
    label,
    suggest: status,
    status: status === "risky" ? "resolved" : "open",
  });
  if (status === "review") return "applied";
  for (const ref of sentAt) await removeMessage(env, "system", ref.conversationId, ref.seq, `media check: ${label}`, "withdraw_media");
  // Not sent (yet), or sent and withdrawn: the bytes go either way, so it cannot be sent later.
  const left = await loadMedia(env, [check.mediaId]);
  for (const [id, m] of left) await purgeMedia(env, m.ownerId, [id]);
  if (sentAt.length === 0) await logAction(env, "system", "withdraw_media", { targetUserId: check.userId, note: `unsent media ${check.mediaId}: ${label}` });
  return "applied";
}

/** Test helper and ops listing: flags by status. */
export const listFlags = (env: Env, status: "open" | "resolved" | "refused" | "all") =>
  db(env)
    .select()
    .from(contentFlags)
    .where(status === "all" ? undefined : inArray(contentFlags.status, [status]))
    .orderBy(desc(contentFlags.createdAt))
    .limit(200)
    .all();
