// Fixed-window counters in D1 (login failures, registrations, friend requests, uploads, face-to-face
// codes). An event is counted before the work it guards, in one conditional upsert, so requests
// racing each other cannot all pass a check that each made before any of them counted.
import type { Db } from "../db";
import { ApiError } from "../lib/errors";

export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
  /** How much one event adds (default 1): a byte allowance counts bytes. */
  amount?: number;
  /** What the client is told when this limit refuses. */
  message: string;
}

/** A counted event: where it was counted, so it can be given back. */
export interface Taken {
  key: string;
  windowStart: number;
  amount: number;
}

const windowOf = (windowSeconds: number, now: number) => Math.floor(now / (windowSeconds * 1000)) * windowSeconds * 1000;

/**
 * Counts one event against every limit at once, before the work they guard: one statement that
 * adds to all the counters only if each stays within its max, so it is all or nothing and two
 * racing requests cannot both take the last slot. If any is used up, nothing is counted and it
 * throws 429 rate_limited with Retry-After (the seconds until the last full window ends).
 */
export async function take(d: Db, limits: Limit[], now = Date.now()): Promise<Taken[]> {
  if (limits.length === 0) return [];
  const taken = limits.map((l) => ({ key: l.key, windowStart: windowOf(l.windowSeconds, now), amount: l.amount ?? 1 }));
  const rows = limits.map(() => "(?, ?, ?, ?)").join(", ");
  const params = limits.flatMap((l, i) => [l.key, taken[i]!.windowStart, taken[i]!.amount, l.max]);
  // SQLite reads the whole SELECT before inserting (it reads the table it inserts into).
  const counted = await d.$client
    .prepare(
      `with v(key, window_start, amount, max) as (values ${rows})
       insert into rate_limits (key, window_start, count)
       select key, window_start, amount from v
       where not exists (select 1 from v as w left join rate_limits r on r.key = w.key and r.window_start = w.window_start where coalesce(r.count, 0) + w.amount > w.max)
       on conflict (key, window_start) do update set count = rate_limits.count + excluded.count
       returning key`,
    )
    .bind(...params)
    .all();
  if (counted.results.length > 0) return taken;

  // Refused: which limits are full is read again only to say when to retry.
  const full: { limit: Limit; endsAt: number }[] = [];
  for (const [i, limit] of limits.entries()) {
    const row = await d.$client.prepare("select count from rate_limits where key = ? and window_start = ?").bind(limit.key, taken[i]!.windowStart).first<{ count: number }>();
    if ((row?.count ?? 0) + taken[i]!.amount > limit.max) full.push({ limit, endsAt: taken[i]!.windowStart + limit.windowSeconds * 1000 });
  }
  const worst = full.reduce<{ limit: Limit; endsAt: number } | null>((a, b) => (a && a.endsAt >= b.endsAt ? a : b), null) ?? {
    limit: limits[0]!,
    endsAt: taken[0]!.windowStart + limits[0]!.windowSeconds * 1000,
  };
  const wait = Math.max(1, Math.ceil((worst.endsAt - now) / 1000));
  throw new ApiError("rate_limited", worst.limit.message, undefined, { "Retry-After": String(wait) });
}

const GIVE_BACK = "update rate_limits set count = max(0, count - ?3) where key = ?1 and window_start = ?2";

/** Undoes counted events whose work did not happen (a failed upload, a correct password). */
export async function giveBack(d: Db, taken: Taken[]): Promise<void> {
  if (taken.length === 0) return;
  const client = d.$client;
  await client.batch(taken.map((t) => client.prepare(GIVE_BACK).bind(t.key, t.windowStart, t.amount)));
}

/** Forgets every window of these keys (a successful sign-in clears its own failures). */
export async function clear(d: Db, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await d.$client
    .prepare(`delete from rate_limits where key in (${keys.map(() => "?").join(", ")})`)
    .bind(...keys)
    .run();
}

/** Drops windows that ended more than a day ago (run by the daily cron). */
export async function purgeOld(d: Db, now = Date.now()): Promise<void> {
  await d.$client
    .prepare("delete from rate_limits where window_start < ?")
    .bind(now - 24 * 3600 * 1000)
    .run();
}
