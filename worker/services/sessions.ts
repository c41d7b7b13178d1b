// Ending sessions: every path that revokes a session (sign-out, password change, refresh-token
// reuse, the per-user cap, account deletion) comes through here, so its sockets always hear
// `session_ended` and close, instead of staying open and answering until the token expires.
import { and, desc, eq, gt, inArray, isNull } from "drizzle-orm";
import { refreshTokens, sessions } from "../../schema/d1";
import { LIMITS } from "../../schema/limits";
import type { SessionEndReason } from "../../schema/protocol";
import type { SessionInfo } from "../../schema/web-login";
import { db } from "../db";
import type { Env } from "../env";
import { sha256Hex } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { gatewaysOf } from "../lib/shards";

/**
 * Revokes the user's live sessions named (or all of them) in D1, then sends every socket of
 * those sessions (for "all": every socket of the user) `{ type: "session_ended", reason }` and
 * closes it with the reason's close code (SESSION_END_CLOSE). Answers the ids it revoked;
 * sessions already revoked keep their first reason, and their sockets are closed all the same.
 * Account deletion calls it with ("all", "account_deleted").
 */
export async function endSessions(env: Env, userId: string, sessionIds: string[] | "all", reason: SessionEndReason, now = Date.now()): Promise<string[]> {
  if (sessionIds !== "all" && sessionIds.length === 0) return [];
  const d = db(env);
  const which = sessionIds === "all" ? eq(sessions.userId, userId) : and(eq(sessions.userId, userId), inArray(sessions.id, sessionIds));
  const revoked = await d
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(which, isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  await closeSessionSockets(env, userId, sessionIds, reason);
  return revoked.map((r) => r.id);
}

/** The socket half of endSessions, for sessions a caller has already revoked in D1. */
export async function closeSessionSockets(env: Env, userId: string, sessionIds: string[] | "all", reason: SessionEndReason): Promise<number> {
  if (sessionIds !== "all" && sessionIds.length === 0) return 0;
  // Every shard that may hold one of their sockets (two while the shard count changes).
  const ended = await Promise.all(gatewaysOf(env, userId).map((g) => g.endSessions(sessionIds === "all" ? { userId } : { sessionIds }, reason)));
  return ended.reduce((a, b) => a + b, 0);
}

/**
 * After a refresh was refused as revoked (a reused refresh token revokes its whole session, in
 * tokens.rotate): closes that session's sockets, which would otherwise stay open and answering
 * until the access token expired.
 */
export async function closeSocketsOfRevokedRefresh(env: Env, presented: string): Promise<void> {
  const row = await db(env)
    .select({ sessionId: sessions.id, userId: sessions.userId, revokedAt: sessions.revokedAt })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, await sha256Hex(presented)))
    .get();
  if (row && row.revokedAt !== null) await closeSessionSockets(env, row.userId, [row.sessionId], "revoked");
}

/**
 * The user's signed-in devices (GET /me/sessions): live sessions whose refresh token could still
 * work (each refresh moves lastSeenAt), most recently used first, the caller's own marked.
 */
export async function listSessions(env: Env, userId: string, currentSessionId: string, now = Date.now()): Promise<SessionInfo[]> {
  const idleCutoff = now - LIMITS.refreshTokenDays * 24 * 3600 * 1000;
  const live = await db(env)
    .select({ id: sessions.id, kind: sessions.kind, device: sessions.device, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.lastSeenAt, idleCutoff)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt));
  return live.map((s) => ({ ...s, current: s.id === currentSessionId }));
}

/**
 * Ends one of the user's own sessions from another (DELETE /me/sessions/:id): revoked like a
 * sign-out, its sockets told `session_ended` and closed. Someone else's session, or one already
 * ended, is "not found": the answer says nothing about sessions that are not the caller's.
 */
export async function endOwnSession(env: Env, userId: string, sessionId: string, now = Date.now()): Promise<void> {
  const revoked = await db(env)
    .update(sessions)
    .set({ revokedAt: now, revokedReason: "revoked" })
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  // Not endSessions: its socket half closes by session id on the caller's shards, which must
  // only happen once the session is known to be the caller's.
  if (revoked.length === 0) throw new ApiError("not_found", "No such signed-in device");
  await closeSessionSockets(env, userId, [sessionId], "revoked");
}
