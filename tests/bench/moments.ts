// The benchmark's Moments section (`npm run bench -- --only moments [--quick]`): under `wrangler
// dev`, for an author and a reader with 500 and 5,000 friends (seeded through the development-only
// route POST /dev/moments/seed, each friend with 2 posts over the last 30 days):
// - time to post to all friends (fan-out on read: one post row, whatever the friend count);
// - time to post to a tag holding every friend, which writes one audience row per friend: the
//   same rows a fan-out-on-write design (one timeline row per reader) writes for every post;
// - p50/p99 of the first timeline page (10 posts merged from all friends, one indexed read) and
//   of a later page by cursor, and of the Discover badge query.
import { startWorker } from "../support/wrangler-dev.ts";

const log = (...a: unknown[]) => console.error(`[bench moments ${new Date().toISOString().slice(11, 19)}]`, ...a);

export interface Latency {
  p50: number;
  p99: number;
  n: number;
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
};
const latency = (xs: number[]): Latency => ({ p50: pct(xs, 50), p99: pct(xs, 99), n: xs.length });

async function call(base: string, token: string, method: string, path: string, body?: unknown) {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return { ms, body: text ? JSON.parse(text) : null };
}

export async function momentsSection(quick: boolean) {
  const sizes = quick ? [500] : [500, 5000];
  const reads = quick ? 20 : 100;
  const posts = quick ? 5 : 20;
  const worker = await startWorker({ ENVIRONMENT: "development", JWT_SECRET: `bench-${crypto.randomUUID()}` }, 90_000, undefined, { snapshot: true });
  const base = worker.url;
  const out: Record<string, unknown> = { sizes, postsPerFriend: 2 };
  try {
    for (const friends of sizes) {
      const me = await fetch(`${base}/auth/dev`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: `moments${friends}` }) }).then(
        (r) => r.json() as Promise<{ accessToken: string }>,
      );
      const token = me.accessToken;
      const seeding = performance.now();
      await call(base, token, "POST", "/dev/moments/seed", { friends, postsPerFriend: 2, tag: "everyone" });
      log(`${friends} friends with ${friends * 2} posts seeded in ${Math.round(performance.now() - seeding)} ms`);

      const toAll: number[] = [];
      for (let i = 0; i < posts; i++) toAll.push((await call(base, token, "POST", "/moments", { text: `to all ${i}` })).ms);
      const toTag: number[] = [];
      for (let i = 0; i < Math.max(3, Math.floor(posts / 4)); i++) toTag.push((await call(base, token, "POST", "/moments", { text: `to the tag ${i}`, visibility: "include", tags: ["everyone"] })).ms);

      const first: number[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < reads; i++) {
        const r = await call(base, token, "GET", "/moments/timeline");
        first.push(r.ms);
        cursor = r.body.nextCursor;
      }
      // A page further down: the 30 newest are skipped by cursor.
      const deep = await call(base, token, "GET", "/moments/timeline?limit=30");
      const later: number[] = [];
      for (let i = 0; i < reads; i++) later.push((await call(base, token, "GET", `/moments/timeline?cursor=${deep.body.nextCursor ?? cursor}`)).ms);
      const badge: number[] = [];
      for (let i = 0; i < reads; i++) badge.push((await call(base, token, "GET", "/moments/badge?since=0")).ms);
      out[friends] = { postToAllFriends: latency(toAll), postToTagOfAll: latency(toTag), timelineFirstPage: latency(first), timelineLaterPage: latency(later), badge: latency(badge) };
      log(`${friends}: ${JSON.stringify(out[friends])}`);
    }
  } finally {
    await worker.stop();
  }
  return out;
}

export function momentsTable(m: Record<string, any>): string {
  const cell = (l: Latency) => `${l.p50} / ${l.p99}`;
  return [
    "moments: p50 / p99 ms over HTTP under wrangler dev",
    "| friends | post to all friends | post to a tag of all (= fan-out on write's rows) | timeline, first page | timeline, later page | Discover badge |",
    "| --- | --- | --- | --- | --- | --- |",
    ...m.sizes.map((n: number) => `| ${n} | ${cell(m[n].postToAllFriends)} | ${cell(m[n].postToTagOfAll)} | ${cell(m[n].timelineFirstPage)} | ${cell(m[n].timelineLaterPage)} | ${cell(m[n].badge)} |`),
  ].join("\n");
}
