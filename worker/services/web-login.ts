// Web sign-in by QR code (docs/api.md#web-sign-in, docs/security.md#web-sessions). A browser
// makes a ticket and shows it as a QR code; a signed-in phone scans it (binding it to that
// phone's session), then confirms or cancels; the browser, polling with the ticket's secret
// cookie, collects a new web session exactly once. Every move is one conditional UPDATE on the
// ticket's row, so two racing requests cannot both make the same move.
import { and, eq, gt, lt } from "drizzle-orm";
import { refreshTokens, sessions, webLoginTickets } from "../../schema/d1";
import { WEB_LOGIN_LIMITS, WEB_LOGIN_PATH, type WebScanAnswer, type WebTicketState } from "../../schema/web-login";
import type { OwnProfile } from "../../schema/api";
import type { Db } from "../db";
import type { AuthContext, Env } from "../env";
import { randomToken, sha256Hex, timingSafeEqual } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { randomString } from "../lib/ids";
import { signMediaUrl, urlExpiry } from "../lib/media-url";
import * as accounts from "./accounts";
import { take } from "./ratelimit";
import { closeSocketsOfRevokedRefresh } from "./sessions";
import * as tokens from "./tokens";

type Ticket = typeof webLoginTickets.$inferSelect;

export const webLoginUrl = (env: Env, ticket: string) => `${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}${WEB_LOGIN_PATH}${ticket}`;

export interface NewTicket {
  ticket: string;
  qr: string;
  expiresAt: number;
  /** Goes to the browser in the ticket cookie; only its hash is kept. */
  secret: string;
}

/** A new ticket for a browser, counted against its address's allowance first. */
export async function createTicket(env: Env, d: Db, ip: string, device: string, now = Date.now()): Promise<NewTicket> {
  tokens.assertConfigured(env); // a ticket nobody could ever collect a session with is no use
  await take(
    d,
    [{ key: `web-qr:${ip}`, max: WEB_LOGIN_LIMITS.ticketsPerIp, windowSeconds: WEB_LOGIN_LIMITS.ticketWindowSeconds, message: "Too many sign-in QR codes from this address; try again later" }],
    now,
  );
  const ticket = `wt_${randomString(32)}`;
  const secret = randomToken(32);
  const expiresAt = now + WEB_LOGIN_LIMITS.ticketTtlSeconds * 1000;
  await d.insert(webLoginTickets).values({ id: ticket, secretHash: await sha256Hex(secret), device, createdAt: now, expiresAt });
  return { ticket, qr: webLoginUrl(env, ticket), expiresAt, secret };
}

async function holdsSecret(ticket: Ticket, secret: string | undefined): Promise<boolean> {
  if (!secret) return false;
  const enc = new TextEncoder();
  return timingSafeEqual(enc.encode(await sha256Hex(secret)), enc.encode(ticket.secretHash));
}

/** What the browser collects when its ticket was confirmed: the answer, and the refresh token for its cookie. */
export interface Collected {
  state: Extract<WebTicketState, { state: "confirmed" }>;
  refreshToken: string;
  refreshExpiresAt: number;
}

/**
 * The browser's poll. Only the browser holding the ticket's secret may look (anyone else, and
 * an unknown ticket, gets 403: a QR code seen over a shoulder gives nothing). A confirmed ticket
 * is collected here: claimed by one UPDATE (confirmed → collected), so of two polls racing only
 * one starts the web session; the other, and every later poll, sees "expired".
 */
export async function poll(env: Env, d: Db, origin: string, id: string, secret: string | undefined, now = Date.now()): Promise<WebTicketState | Collected> {
  const ticket = await d.select().from(webLoginTickets).where(eq(webLoginTickets.id, id)).get();
  if (!ticket || !(await holdsSecret(ticket, secret))) throw new ApiError("forbidden", "This sign-in QR code belongs to another browser");
  switch (ticket.state) {
    case "collected":
      return { state: "expired" };
    case "cancelled":
      return { state: "cancelled" };
    case "waiting":
      return ticket.expiresAt > now ? { state: "waiting" } : { state: "expired" };
    case "scanned": {
      if (ticket.expiresAt <= now || !ticket.userId) return { state: "expired" };
      const user = await accounts.getUser(d, ticket.userId);
      if (!user) return { state: "expired" };
      const avatarUrl = user.avatarMediaId ? await signMediaUrl(env, origin, user.avatarMediaId, urlExpiry(now)) : null;
      return { state: "scanned", user: { nickname: user.nickname, avatarUrl } };
    }
    case "confirmed":
      return collect(env, d, ticket, now);
  }
}

async function collect(env: Env, d: Db, ticket: Ticket, now: number): Promise<WebTicketState | Collected> {
  if (ticket.expiresAt + WEB_LOGIN_LIMITS.collectGraceSeconds * 1000 <= now || !ticket.userId) return { state: "expired" };
  const claimed = await d
    .update(webLoginTickets)
    .set({ state: "collected" })
    .where(and(eq(webLoginTickets.id, ticket.id), eq(webLoginTickets.state, "confirmed")))
    .returning({ userId: webLoginTickets.userId });
  const userId = claimed[0]?.userId;
  if (!userId) return { state: "expired" };
  const user = await accounts.getUser(d, userId);
  if (!user || user.deletedAt !== null) return { state: "expired" };
  const t = await tokens.startSession(env, d, userId, ticket.device, now, "web");
  return {
    state: { state: "confirmed", accessToken: t.accessToken, accessExpiresAt: t.accessTokenExpiresAt, user: accounts.toOwnProfile(user) },
    refreshToken: t.refreshToken,
    refreshExpiresAt: t.refreshTokenExpiresAt,
  };
}

export const isCollected = (answer: WebTicketState | Collected): answer is Collected => "refreshToken" in answer;

/** A ticket the phone may still act on, or the reason it may not. */
async function liveTicket(d: Db, id: string, now: number): Promise<Ticket> {
  const ticket = await d.select().from(webLoginTickets).where(eq(webLoginTickets.id, id)).get();
  if (!ticket) throw new ApiError("not_found", "No such sign-in QR code");
  if (ticket.expiresAt <= now || ticket.state === "confirmed" || ticket.state === "collected" || ticket.state === "cancelled") {
    throw new ApiError("expired", "This sign-in QR code has expired or was already used; refresh it in the browser");
  }
  return ticket;
}

/** The phone scanned the QR code: the ticket is bound to this user and this session. Scanning it again from the same session is harmless. */
export async function scan(d: Db, auth: AuthContext, id: string, now = Date.now()): Promise<WebScanAnswer> {
  const ticket = await liveTicket(d, id, now);
  if (ticket.state === "scanned") {
    if (ticket.scannerSessionId === auth.sessionId) return { device: ticket.device, expiresAt: ticket.expiresAt };
    throw new ApiError("conflict", "Another phone has already scanned this QR code");
  }
  const moved = await d
    .update(webLoginTickets)
    .set({ state: "scanned", userId: auth.userId, scannerSessionId: auth.sessionId })
    .where(and(eq(webLoginTickets.id, id), eq(webLoginTickets.state, "waiting"), gt(webLoginTickets.expiresAt, now)))
    .returning({ id: webLoginTickets.id });
  if (moved.length === 0) return scan(d, auth, id, now); // someone moved it first: answer from its new state
  return { device: ticket.device, expiresAt: ticket.expiresAt };
}

/** Moves a ticket this session scanned from "scanned" to `to`; anyone else is refused. */
async function decide(d: Db, auth: AuthContext, id: string, to: "confirmed" | "cancelled", now: number): Promise<void> {
  const ticket = await liveTicket(d, id, now);
  if (ticket.state !== "scanned" || ticket.scannerSessionId !== auth.sessionId || ticket.userId !== auth.userId) {
    throw new ApiError("forbidden", "Only the phone that scanned this QR code can answer it");
  }
  const moved = await d
    .update(webLoginTickets)
    .set({ state: to })
    .where(and(eq(webLoginTickets.id, id), eq(webLoginTickets.state, "scanned"), eq(webLoginTickets.scannerSessionId, auth.sessionId), gt(webLoginTickets.expiresAt, now)))
    .returning({ id: webLoginTickets.id });
  if (moved.length === 0) throw new ApiError("expired", "This sign-in QR code has expired or was already used; refresh it in the browser");
}

export const confirm = (d: Db, auth: AuthContext, id: string, now = Date.now()) => decide(d, auth, id, "confirmed", now);
export const cancel = (d: Db, auth: AuthContext, id: string, now = Date.now()) => decide(d, auth, id, "cancelled", now);

export interface WebRefresh {
  accessToken: string;
  accessExpiresAt: number;
  user: OwnProfile;
  refreshToken: string;
  refreshExpiresAt: number;
}

/**
 * The browser's refresh, by its session cookie: the ordinary rotation (tokens.rotate, reuse
 * detection included), for web sessions only, so a mini-program's refresh token put in a cookie
 * does not work here.
 */
export async function refresh(env: Env, d: Db, presented: string | undefined, now = Date.now()): Promise<WebRefresh> {
  if (!presented) throw new ApiError("unauthorized", "No web session: sign in by scanning the QR code");
  const row = await d
    .select({ kind: sessions.kind, userId: sessions.userId })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, await sha256Hex(presented)))
    .get();
  if (row?.kind !== "web") throw new ApiError("token_invalid", "No web session: sign in by scanning the QR code");
  let t: Awaited<ReturnType<typeof tokens.rotate>>;
  try {
    t = await tokens.rotate(env, d, presented, now);
  } catch (e) {
    // A reused cookie revokes its session: its open sockets must end now too.
    if (e instanceof ApiError && e.code === "token_revoked") await closeSocketsOfRevokedRefresh(env, presented);
    throw e;
  }
  const user = await accounts.requireUser(d, row.userId);
  return { accessToken: t.accessToken, accessExpiresAt: t.accessTokenExpiresAt, user: accounts.toOwnProfile(user), refreshToken: t.refreshToken, refreshExpiresAt: t.refreshTokenExpiresAt };
}

/** Daily cron: tickets are useless a little after they expire. */
export async function purgeTickets(d: Db, now = Date.now()): Promise<void> {
  await d.delete(webLoginTickets).where(lt(webLoginTickets.expiresAt, now - 3600 * 1000));
}
