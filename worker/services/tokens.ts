// Access tokens (short-lived JWT, HS256) and rotating refresh tokens (random, stored hashed).
import { and, desc, eq, inArray, isNull, lt, ne, or } from "drizzle-orm";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { refreshTokens, sessions, users } from "../../schema/d1";
import { LIMITS } from "../../schema/limits";
import type { AuthTokens } from "../../schema/api";
import type { Db } from "../db";
import type { AuthContext, Env } from "../env";
import { randomToken, sha256Hex, toBase64Url } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { closeSessionSockets } from "./sessions";

const ISSUER = "qun";
// Access tokens are for this API only: a token minted for anything else under the same secret
// (a later admin tool, say) must not open it.
const AUDIENCE = "qun-api";
const DAY = 24 * 3600 * 1000;

function secretKey(env: Env): Uint8Array {
  if (!env.JWT_SECRET || env.JWT_SECRET.length < 32) {
    throw new ApiError("not_configured", "The server's JWT_SECRET is missing or shorter than 32 characters");
  }
  return new TextEncoder().encode(env.JWT_SECRET);
}

export async function signAccessToken(env: Env, auth: AuthContext, now = Date.now()) {
  const exp = Math.floor(now / 1000) + LIMITS.accessTokenSeconds;
  const token = await new SignJWT({ sid: auth.sessionId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(auth.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(exp)
    .sign(secretKey(env));
  return { token, expiresAt: exp * 1000 };
}

/** Checks signature, issuer, audience and expiry (which must be there). Revocation is checked by the caller against D1. */
export async function verifyAccessToken(env: Env, token: string): Promise<AuthContext> {
  try {
    const { payload } = await jwtVerify(token, secretKey(env), { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"], requiredClaims: ["exp", "sub"] });
    if (typeof payload.sub !== "string" || typeof payload.sid !== "string") throw new ApiError("token_invalid", "Malformed access token");
    return { userId: payload.sub, sessionId: payload.sid };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (e instanceof joseErrors.JWTExpired) throw new ApiError("token_expired", "Access token expired; refresh it");
    throw new ApiError("token_invalid", "Access token is not valid");
  }
}

async function issueRefreshToken(d: Db, sessionId: string, now: number) {
  const token = randomToken(32);
  const expiresAt = now + LIMITS.refreshTokenDays * DAY;
  await d.insert(refreshTokens).values({ tokenHash: await sha256Hex(token), sessionId, expiresAt, createdAt: now });
  return { token, expiresAt };
}

async function tokensFor(env: Env, d: Db, auth: AuthContext, now: number): Promise<AuthTokens> {
  const access = await signAccessToken(env, auth, now);
  const refresh = await issueRefreshToken(d, auth.sessionId, now);
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refresh.token, refreshTokenExpiresAt: refresh.expiresAt };
}

/** Throws before any write when tokens cannot be signed, so a sign-up leaves no half-made user. */
export function assertConfigured(env: Env): void {
  secretKey(env);
}

/** A new session: "web" ones are signed in from a browser by QR code (services/web-login.ts). */
export async function startSession(env: Env, d: Db, userId: string, device = "", now = Date.now(), kind: "miniprogram" | "web" = "miniprogram"): Promise<AuthTokens> {
  assertConfigured(env);
  await refuseSuspended(d, userId);
  const sessionId = newId("s");
  await d.insert(sessions).values({ id: sessionId, userId, device, kind, createdAt: now, lastSeenAt: now });
  await capSessions(env, d, userId, sessionId, now);
  return tokensFor(env, d, { userId, sessionId }, now);
}

/** A suspended or banned account cannot sign in (docs/moderation.md). */
async function refuseSuspended(d: Db, userId: string) {
  const row = await d.select({ moderation: users.moderation }).from(users).where(eq(users.id, userId)).get();
  if (row?.moderation) throw new ApiError("account_suspended", row.moderation === "banned" ? "This account has been banned" : "This account is suspended pending review");
}

const successorKeys = new Map<string, Promise<CryptoKey>>();

/**
 * The refresh token that follows `presented`: an HMAC of it under a key derived from JWT_SECRET
 * (HKDF, its own label), so a retried refresh can be answered with the same successor again
 * without the server ever storing a token in the clear.
 */
async function successorOf(env: Env, presented: string): Promise<string> {
  const secret = secretKey(env);
  const id = env.JWT_SECRET!;
  let key = successorKeys.get(id);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", secret, "HKDF", false, ["deriveKey"])
      .then((ikm) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new TextEncoder().encode("qun refresh successor"), info: new TextEncoder().encode("v1") },
          ikm,
          { name: "HMAC", hash: "SHA-256", length: 256 },
          false,
          ["sign"],
        ),
      );
    successorKeys.set(id, key);
  }
  return toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", await key, new TextEncoder().encode(presented))));
}

/**
 * Keeps a user at LIMITS.sessionsPerUser live sessions: past it, the least recently used ones
 * (last sign-in or refresh) are signed out, as WeChat signs out a device when a new one signs in,
 * and their sockets told `too_many_sessions`. One statement, so concurrent sign-ins cannot both
 * miss the overflow.
 */
async function capSessions(env: Env, d: Db, userId: string, keepSessionId: string, now: number) {
  const others = d
    .select({ id: sessions.id })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), ne(sessions.id, keepSessionId)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt))
    .limit(1_000_000) // SQLite needs a LIMIT before OFFSET
    .offset(LIMITS.sessionsPerUser - 1);
  const revoked = await d
    .update(sessions)
    .set({ revokedAt: now, revokedReason: "too_many_sessions" })
    .where(and(inArray(sessions.id, others), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  if (revoked.length > 0)
    await closeSessionSockets(
      env,
      userId,
      revoked.map((r) => r.id),
      "too_many_sessions",
    );
}

/**
 * Exchanges a refresh token for a new pair. The old token is marked rotated and its successor
 * stored in one transaction, so of two concurrent uses exactly one rotates and the other finds
 * the successor in place. Presenting a rotated token again within a short grace, while its
 * successor is unused, answers that same successor (a retry whose answer was lost); any other
 * reuse revokes the session, because only a thief or a replay would still hold it.
 */
export async function rotate(env: Env, d: Db, presented: string, now = Date.now()): Promise<AuthTokens> {
  const hash = await sha256Hex(presented);
  const row = await d
    .select({ sessionId: refreshTokens.sessionId, expiresAt: refreshTokens.expiresAt, rotatedAt: refreshTokens.rotatedAt, userId: sessions.userId, revokedAt: sessions.revokedAt })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, hash))
    .get();
  if (!row) throw new ApiError("token_invalid", "Refresh token is not valid");
  if (row.revokedAt !== null) throw new ApiError("token_revoked", "This session has been signed out");
  if (row.expiresAt <= now) throw new ApiError("token_expired", "Refresh token expired; sign in again");
  const auth = { userId: row.userId, sessionId: row.sessionId };
  const successor = await successorOf(env, presented);
  const successorHash = await sha256Hex(successor);
  const expiresAt = now + LIMITS.refreshTokenDays * DAY;
  const client = d.$client;
  const [claimed] = await client.batch([
    client.prepare("update refresh_tokens set rotated_at = ? where token_hash = ? and rotated_at is null returning token_hash").bind(now, hash),
    // Only with the claim above (same transaction): a rotated token never mints a new successor.
    client
      .prepare(
        "insert into refresh_tokens (token_hash, session_id, expires_at, created_at) select ?, ?, ?, ? where exists (select 1 from refresh_tokens where token_hash = ? and rotated_at = ?) on conflict do nothing",
      )
      .bind(successorHash, row.sessionId, expiresAt, now, hash, now),
  ]);
  if (claimed && claimed.results.length > 0) {
    await d.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, row.sessionId));
    const access = await signAccessToken(env, auth, now);
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: successor, refreshTokenExpiresAt: expiresAt };
  }

  const [rotatedAt, next] = await Promise.all([
    d.select({ rotatedAt: refreshTokens.rotatedAt }).from(refreshTokens).where(eq(refreshTokens.tokenHash, hash)).get(),
    d.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, successorHash)).get(),
  ]);
  const retry =
    rotatedAt?.rotatedAt != null &&
    now - rotatedAt.rotatedAt <= LIMITS.refreshRetryGraceSeconds * 1000 &&
    next !== undefined &&
    next.sessionId === row.sessionId &&
    next.rotatedAt === null &&
    next.expiresAt > now;
  if (!retry) {
    await revokeSession(d, row.sessionId, "refresh_token_reused", now);
    throw new ApiError("token_revoked", "Refresh token was already used; the session has been signed out");
  }
  const access = await signAccessToken(env, auth, now);
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: successor, refreshTokenExpiresAt: next.expiresAt };
}

export async function revokeSession(d: Db, sessionId: string, reason: string, now = Date.now()) {
  await d
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
}

/** Returns the ids of the sessions it signed out. */
export async function revokeOtherSessions(d: Db, userId: string, keepSessionId: string, reason: string, now = Date.now()): Promise<string[]> {
  const revoked = await d
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id });
  return revoked.map((r) => r.id);
}

/**
 * sessionState, and in the same D1 statement (one round trip) whether `conversationId` exists and
 * the caller is one of its members: what a route about one conversation asks first. Raw SQL,
 * as the tables and columns are named in schema/d1.ts (sessions, conversations, memberships).
 */
export async function sessionAndMembership(binding: D1Database, auth: AuthContext, conversationId: string): Promise<{ live: boolean; exists: boolean; member: boolean }> {
  const row = await binding
    .prepare(
      `SELECT (SELECT user_id = ?1 AND revoked_at IS NULL FROM sessions WHERE id = ?2) AS live,
              EXISTS (SELECT 1 FROM conversations WHERE id = ?3) AS found,
              EXISTS (SELECT 1 FROM memberships WHERE conversation_id = ?3 AND user_id = ?1) AS member`,
    )
    .bind(auth.userId, auth.sessionId, conversationId)
    .first<{ live: number | null; found: number; member: number }>();
  return { live: row?.live === 1, exists: row?.found === 1, member: row?.member === 1 };
}

/** Whether an access token's session may still be used. */
export async function sessionState(d: Db, auth: AuthContext): Promise<"live" | "revoked"> {
  const row = await d.select({ userId: sessions.userId, revokedAt: sessions.revokedAt }).from(sessions).where(eq(sessions.id, auth.sessionId)).get();
  return row && row.userId === auth.userId && row.revokedAt === null ? "live" : "revoked";
}

/**
 * Daily cron: deletes expired refresh tokens (rotated ones expire too), sessions revoked more
 * than 30 days ago, and sessions idle for longer than a refresh token lives (none of their
 * tokens can work any more: each refresh moves lastSeenAt and issues a token from then).
 */
export async function purgeExpired(d: Db, now = Date.now()) {
  await d.delete(refreshTokens).where(lt(refreshTokens.expiresAt, now));
  await d.delete(sessions).where(or(lt(sessions.revokedAt, now - 30 * DAY), lt(sessions.lastSeenAt, now - (LIMITS.refreshTokenDays + 1) * DAY)));
}
