// How sockets end: replaced by a newer connection of the same session, revoked or signed out
// (services/sessions.ts calls endSessions), or their access token expired (checked on every
// frame and by the alarm). Each hears `session_ended` with the reason before the close.
import { SESSION_END_CLOSE, sessionEndReason, type SessionEndReason } from "../../schema/protocol";
import { closeQuietly, Connection, pushTo } from "./connections";

/** Expiry alarms are rounded up to this step, so sockets expiring close together share one. */
const EXPIRY_STEP_MS = 5_000;

/** The tag a socket is accepted with besides its user id: finds one device's socket. */
export const SESSION_TAG = (sessionId: string) => `session:${sessionId}`;

/**
 * Tells the device why, then closes. The frame goes first because a client sees the close
 * event only when the TCP connection ends, about 10 s after the close frame (docs/protocol.md).
 */
export function endSocket(ws: WebSocket, reason: SessionEndReason) {
  if (ws.readyState !== WebSocket.OPEN) return;
  pushTo(ws, { type: "session_ended", reason });
  closeQuietly(ws, SESSION_END_CLOSE[reason], reason);
}

/** The sockets of sessions (or of every session of a user), each ended with `reason`. */
export function endSessions(ctx: DurableObjectState, target: { userId: string } | { sessionIds: string[] }, reason: SessionEndReason): number {
  const sockets = "userId" in target ? ctx.getWebSockets(target.userId) : target.sessionIds.flatMap((id) => ctx.getWebSockets(SESSION_TAG(id)));
  for (const ws of sockets) endSocket(ws, reason);
  return sockets.length;
}

/** Older callers' form of endSessions: a reason that names one is sent as `session_ended` too. */
export function closeSession(ctx: DurableObjectState, sessionId: string, code: number, reason: string): number {
  const known = sessionEndReason.safeParse(reason);
  const sockets = ctx.getWebSockets(SESSION_TAG(sessionId));
  for (const ws of sockets) {
    if (known.success) pushTo(ws, { type: "session_ended", reason: known.data });
    closeQuietly(ws, code, reason);
  }
  return sockets.length;
}

/** The alarm closes sockets whose token expired; it is set for the earliest expiry, rounded up. */
export async function scheduleExpiry(ctx: DurableObjectState, exp: number) {
  const at = Math.ceil(exp / EXPIRY_STEP_MS) * EXPIRY_STEP_MS;
  const current = await ctx.storage.getAlarm();
  if (current === null || current > at) await ctx.storage.setAlarm(at);
}

/** The alarm: ends expired sockets and sets the next alarm for the earliest expiry left. */
export async function endExpired(ctx: DurableObjectState) {
  const now = Date.now();
  let next = Infinity;
  for (const ws of ctx.getWebSockets()) {
    const exp = Connection.of(ws)?.exp;
    if (exp === undefined || ws.readyState !== WebSocket.OPEN) continue;
    if (exp <= now) endSocket(ws, "expired");
    else next = Math.min(next, exp);
  }
  if (next !== Infinity) await scheduleExpiry(ctx, next);
}
