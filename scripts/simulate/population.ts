// The simulated population of `npm run simulate` (docs/scaling.md#simulation), as pure functions
// of a seed so a run can be repeated and the generators tested: conversation sizes with a
// WeChat-like distribution, members drawn from the users, who is online, and Zipf-skewed activity
// per conversation, turned into a send rate per conversation.

/** A small fast PRNG (mulberry32): the same seed gives the same population. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Conversation sizes, WeChat-like: a share `directShare` of direct chats (2), the rest groups whose
 * size follows a discrete power law P(n) ∝ n^-alpha on [3, maxGroup] (heavy-tailed: most groups
 * small, a few large, up to WeChat's cap of 500). Defaults: 60% direct, alpha 2, which puts about
 * 88% of groups at 20 members or fewer and about 1% above 200.
 */
export interface SizeDistribution {
  directShare: number;
  alpha: number;
  minGroup: number;
  maxGroup: number;
}

export const WECHAT_LIKE: SizeDistribution = { directShare: 0.6, alpha: 2, minGroup: 3, maxGroup: 500 };

/** The probability of each group size under the distribution's power law (index 0 is minGroup). */
export function groupSizeWeights(d: SizeDistribution): number[] {
  const w: number[] = [];
  for (let n = d.minGroup; n <= d.maxGroup; n++) w.push(n ** -d.alpha);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

/** `count` conversation sizes drawn from the distribution, largest first. */
export function conversationSizes(count: number, d: SizeDistribution, random: () => number): number[] {
  const weights = groupSizeWeights(d);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w));
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    if (random() < d.directShare) {
      sizes.push(2);
      continue;
    }
    const u = random();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    sizes.push(d.minGroup + lo);
  }
  return sizes.sort((a, b) => b - a);
}

/** `k` distinct indexes below `n` (k ≤ n), uniformly. */
export function sample(n: number, k: number, random: () => number): number[] {
  if (k > n) throw new Error(`cannot draw ${k} of ${n}`);
  const chosen = new Set<number>();
  // Floyd's algorithm: k draws, no rejection loop, no array of n.
  for (let j = n - k; j < n; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen];
}

/**
 * Zipf weights for `n` items by rank (rank 1 is the busiest): w(r) ∝ r^-s, summing to 1. Chat
 * activity is skewed this way: a few conversations carry much of the traffic.
 */
export function zipfWeights(n: number, s: number): number[] {
  const w = Array.from({ length: n }, (_, i) => (i + 1) ** -s);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

export interface Conversation {
  /** Indexes into the users. */
  members: number[];
  /** Members with a socket (index into users), who may send. */
  online: number[];
  /** Messages a second sent into it. */
  rate: number;
}

export interface PopulationSpec {
  users: number;
  conversations: number;
  /** Share of users online (one socket each). */
  onlineShare: number;
  sizes: SizeDistribution;
  /** Zipf exponent of activity across conversations. */
  zipf: number;
  /** Messages a second, all conversations together. */
  rate: number;
  /** Qun lets a member send 10 a second (MESSAGE_LIMITS.sendPerSecond): a conversation's rate is capped at this per online member. */
  perSenderMax: number;
  seed: number;
}

export interface Population {
  spec: PopulationSpec;
  /** Users with a socket (indexes), in the order they connect. */
  online: number[];
  conversations: Conversation[];
  /** The rate actually scheduled (the total after per-sender caps). */
  rate: number;
}

/**
 * The population: sizes, members drawn uniformly from the users, a random `onlineShare` of users
 * online, and the total rate spread over the conversations that have someone online to send, by
 * Zipf weight of a random rank (activity is not tied to size: a busy direct chat is as likely as
 * a busy group), each capped at what its online members may send.
 */
export function population(spec: PopulationSpec): Population {
  const random = rng(spec.seed);
  const sizes = conversationSizes(spec.conversations, spec.sizes, random);
  const onlineList = sample(spec.users, Math.round(spec.users * spec.onlineShare), random);
  const isOnline = new Set(onlineList);
  const conversations: Conversation[] = sizes.map((size) => {
    const members = sample(spec.users, Math.min(size, spec.users), random);
    return { members, online: members.filter((m) => isOnline.has(m)), rate: 0 };
  });
  const active = conversations.filter((c) => c.online.length > 0);
  // Random ranks: shuffle the active conversations (Fisher–Yates) and give rank r its Zipf weight.
  for (let i = active.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [active[i], active[j]] = [active[j]!, active[i]!];
  }
  const weights = zipfWeights(active.length, spec.zipf);
  active.forEach((c, r) => {
    c.rate = Math.min(spec.rate * weights[r]!, spec.perSenderMax * c.online.length);
  });
  return { spec, online: onlineList.sort((a, b) => a - b), conversations, rate: active.reduce((n, c) => n + c.rate, 0) };
}

/** The sizes in buckets for the report: direct, 3–20, 21–100, 101–500. */
export function sizeBuckets(sizes: number[]): Record<string, number> {
  const out: Record<string, number> = { direct: 0, "3-20": 0, "21-100": 0, "101-500": 0 };
  for (const n of sizes) out[n === 2 ? "direct" : n <= 20 ? "3-20" : n <= 100 ? "21-100" : "101-500"]!++;
  return out;
}

/** One message of the run: when it is due (ms from the start), where, and who sends it (index into users). */
export interface Due {
  at: number;
  conversation: number;
  sender: number;
}

/**
 * Every message of a run of `durationMs`: each conversation sends as a Poisson process at its
 * rate (so a quiet one sends now and then, not on a metronome), its online members taking turns.
 */
export function schedule(p: Population, durationMs: number, random: () => number): Due[] {
  const out: Due[] = [];
  p.conversations.forEach((c, i) => {
    if (c.rate <= 0) return;
    let t = 0;
    let k = 0;
    for (;;) {
      t += (-Math.log(1 - random()) / c.rate) * 1000;
      if (t >= durationMs) break;
      out.push({ at: t, conversation: i, sender: c.online[k++ % c.online.length]! });
    }
  });
  return out.sort((a, b) => a.at - b.at);
}
