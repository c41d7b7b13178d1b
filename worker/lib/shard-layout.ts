/**
 * Where a user's sockets live when the number of gateway shards is configuration
 * (docs/scaling.md). A user's shard is chosen by jump consistent hashing (Lamping and Veach,
 * 2014): growing from n to m shards moves only the users whose shard becomes one of the new ones,
 * 1 − n/m of them, the fewest any scheme can move, and nobody moves between old shards. While a
 * change is under way (`previous` set), sockets connect by the new count and everything addressed
 * to a user goes to both of their shards, so a socket still held by an old shard hears it all
 * until its device reconnects.
 */

export interface ShardLayout {
  /** Shards new sockets connect to. */
  count: number;
  /** The count before a change, still delivered to until every socket has reconnected. */
  previous: number | null;
}

export const DEFAULT_SHARDS = 16;
/** Beyond this a user's shard lookup and a conversation's fan-out need the relay tier of docs/scaling.md. */
export const MAX_SHARDS = 4096;

function fnv1a(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The bucket in [0, buckets) for `key`. Each key draws its own sequence of uniform numbers
 * (mulberry32 seeded by the key's FNV-1a hash) and jumps forward through the buckets; the answer
 * is the last bucket reached below `buckets`, so a larger count only ever adds later jumps.
 */
export function jumpHash(key: string, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
  let state = fnv1a(key);
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const draw = ((t ^ (t >>> 14)) >>> 0) + 1; // 1 … 2^32: a uniform in (0, 1] times 2^32
    j = Math.floor(((b + 1) * 4294967296) / draw);
  }
  return b;
}

/** Reads the layout from the `GATEWAY_SHARDS` and `GATEWAY_SHARDS_PREVIOUS` variables; bad values are a deploy error. */
export function layoutOf(vars: { GATEWAY_SHARDS?: string; GATEWAY_SHARDS_PREVIOUS?: string }): ShardLayout {
  const parse = (name: string, raw: string | undefined): number | null => {
    if (raw === undefined || raw.trim() === "") return null;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) throw new Error(`${name} must be a whole number from 1 to ${MAX_SHARDS}, got "${raw}"`);
    return n;
  };
  const count = parse("GATEWAY_SHARDS", vars.GATEWAY_SHARDS) ?? DEFAULT_SHARDS;
  const previous = parse("GATEWAY_SHARDS_PREVIOUS", vars.GATEWAY_SHARDS_PREVIOUS);
  return { count, previous: previous === count ? null : previous };
}

/** The shard a user's new sockets connect to. */
export function connectShard(layout: ShardLayout, userId: string): number {
  return jumpHash(userId, layout.count);
}

/** Every shard that may hold a socket of the user: one, or two while the count changes. */
export function deliveryShards(layout: ShardLayout, userId: string): number[] {
  const now = jumpHash(userId, layout.count);
  if (layout.previous === null) return [now];
  const before = jumpHash(userId, layout.previous);
  return before === now ? [now] : [now, before];
}

/** Users grouped by every shard that may hold their sockets: one call per entry. */
export function groupByDeliveryShard(layout: ShardLayout, userIds: Iterable<string>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const u of userIds) {
    for (const s of deliveryShards(layout, u)) {
      const list = out.get(s);
      if (list) list.push(u);
      else out.set(s, [u]);
    }
  }
  return out;
}
