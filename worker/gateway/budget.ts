// The frame budget of a socket (FRAME_LIMITS): a token bucket for inbound frames, and strikes
// for frames past it, after which the socket is closed (4429). In memory on the Connection: a
// hibernated socket wakes with a full one. A few arithmetic operations per inbound frame;
// nothing per push.
import { FRAME_LIMITS, MESSAGE_LIMITS } from "../../schema/limits";
import { CLOSE } from "../../schema/protocol";
import type { Connection } from "./connections";

export interface Budget {
  tokens: number;
  /** Refused frames left before the socket is closed; one comes back each second. */
  strikes: number;
  at: number;
  closed: boolean;
}

/** Takes one frame from the connection's budget: false when there is none left. */
export function spend(c: Connection): boolean {
  const now = Date.now();
  let b = c.budget;
  if (!b) c.budget = b = { tokens: FRAME_LIMITS.burst, strikes: FRAME_LIMITS.refusedBeforeClose, at: now, closed: false };
  if (b.closed) return false;
  const elapsed = (now - b.at) / 1000;
  b.at = now;
  b.tokens = Math.min(FRAME_LIMITS.burst, b.tokens + elapsed * FRAME_LIMITS.perSecond);
  b.strikes = Math.min(FRAME_LIMITS.refusedBeforeClose, b.strikes + elapsed);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  b.strikes -= 1;
  return false;
}

/** A frame past the budget: `rate_limited` with its ref, or, for a socket that keeps on, the close (4429). */
export function refuse(c: Connection, data: string | ArrayBuffer) {
  const b = c.budget;
  if (!b || b.closed) return;
  if (b.strikes <= 0) {
    b.closed = true;
    c.push({ type: "error", code: "rate_limited", message: "Too many frames; this connection is closed. Reconnect after a pause" });
    return c.close(CLOSE.rateLimited, "too many frames");
  }
  const ref = typeof data === "string" && data.length <= MESSAGE_LIMITS.frameBytes ? refOf(data) : undefined;
  c.push({ type: "error", ...(ref ? { ref } : {}), code: "rate_limited", message: `Too many frames: at most ${FRAME_LIMITS.perSecond} a second` });
}

/** The `ref` of a refused frame, to echo it, without failing on a frame that is not JSON. */
function refOf(data: string): string | undefined {
  try {
    const ref = (JSON.parse(data) as { ref?: unknown } | null)?.ref;
    return typeof ref === "string" ? ref.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}
