// Fixed-window counters in D1. Used for login failures and registrations, where a D1 write per
// event is cheap next to the PBKDF2 work it guards.
import { and, eq, lt, sql } from "drizzle-orm";
import { rateLimits } from "../../schema/d1";
import type { Db } from "../db";

export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
  /** How much one event adds (default 1): a byte allowance counts bytes. */
  amount?: number;
}

const windowOf = (limit: Limit, now: number) => Math.floor(now / (limit.windowSeconds * 1000)) * limit.windowSeconds * 1000;

/** Seconds until the window resets if `limit` is used up (or would be by `adding`), otherwise null. */
export async function exceeded(d: Db, limit: Limit, now = Date.now(), adding = 1): Promise<number | null> {
  const start = windowOf(limit, now);
  const row = await d
    .select({ count: rateLimits.count })
    .from(rateLimits)
    .where(and(eq(rateLimits.key, limit.key), eq(rateLimits.windowStart, start)))
    .get();
  if ((row?.count ?? 0) + adding <= limit.max) return null;
  return Math.max(1, Math.ceil((start + limit.windowSeconds * 1000 - now) / 1000));
}

/** The counter update for one event, for a caller that batches it with the write it counts. */
export function hitQuery(d: Db, limit: Limit, now = Date.now()) {
  return d
    .insert(rateLimits)
    .values({ key: limit.key, windowStart: windowOf(limit, now), count: limit.amount ?? 1 })
    .onConflictDoUpdate({ target: [rateLimits.key, rateLimits.windowStart], set: { count: sql`${rateLimits.count} + ${limit.amount ?? 1}` } });
}

export async function hit(d: Db, limits: Limit[], now = Date.now()): Promise<void> {
  if (limits.length === 0) return;
  await d.batch(limits.map((limit) => hitQuery(d, limit, now)) as [never, ...never[]]);
}

export async function clear(d: Db, limit: Limit, now = Date.now()): Promise<void> {
  await d.delete(rateLimits).where(and(eq(rateLimits.key, limit.key), eq(rateLimits.windowStart, windowOf(limit, now))));
}

/** Drops windows that ended more than a day ago (run by the daily cron). */
export async function purgeOld(d: Db, now = Date.now()): Promise<void> {
  await d.delete(rateLimits).where(lt(rateLimits.windowStart, now - 24 * 3600 * 1000));
}
