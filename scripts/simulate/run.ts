// `npm run simulate [-- --quick]`: a scaled-down large deployment under `wrangler dev`
// (docs/scaling.md#simulation). 20,000 users in 2,000 conversations of WeChat-like sizes, 10% of
// them online with a socket each, Zipf-skewed traffic for a few minutes; the objects' request
// counts (GET /dev/meter) give per-object rates and the hottest objects, the clients count lost
// and duplicated messages, and the capacity model (scripts/capacity/model.ts) run with the same
// parameters is printed beside the measurement. Writes bench-results/simulate-<time>.json.
//   --quick                2,000 users, 200 conversations, 20 s (under two minutes)
//   --users N --conversations N --online 0.1 --rate 25 --seconds 180 --seed 1 --readers 0.3
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { MeterSnapshot } from "../../worker/lib/meter.ts";
import { connectShard, DEFAULT_SHARDS } from "../../worker/lib/shard-layout.ts";
import { startWorker } from "../../tests/support/wrangler-dev.ts";
import { compare, predict, type SimParameters, spread } from "./compare.ts";
import { population, rng, schedule, sizeBuckets, WECHAT_LIKE } from "./population.ts";
import { connectAll, runTraffic } from "./traffic.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    users: { type: "string" },
    conversations: { type: "string" },
    online: { type: "string" },
    rate: { type: "string" },
    seconds: { type: "string" },
    seed: { type: "string" },
    readers: { type: "string" },
    out: { type: "string" },
  },
});
const quick = args.quick;
const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
const plan = {
  users: num(args.users, quick ? 2_000 : 20_000),
  conversations: num(args.conversations, quick ? 200 : 2_000),
  onlineShare: num(args.online, 0.1),
  // What this 2-core machine, shared, sustains with 2,000 sockets and groups up to 500 (docs/scaling.md#simulation).
  rate: num(args.rate, quick ? 10 : 25),
  seconds: num(args.seconds, quick ? 20 : 180),
  seed: num(args.seed, 1),
  readers: num(args.readers, 0.3),
  zipf: 1,
  drainMs: 5_000,
};
const SHARDS = DEFAULT_SHARDS;

const log = (...a: unknown[]) => console.error(`[simulate ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function json<T>(url: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Requests per object between two meter readings (objects with none left out). */
function between(a: MeterSnapshot, b: MeterSnapshot, kind: string): Map<string, { requests: number; byMethod: Record<string, number> }> {
  const out = new Map<string, { requests: number; byMethod: Record<string, number> }>();
  for (const [name, m] of Object.entries(b.objects[kind] ?? {})) {
    const before = a.objects[kind]?.[name];
    const requests = m.requests - (before?.requests ?? 0);
    if (requests <= 0) continue;
    const byMethod: Record<string, number> = {};
    for (const [method, n] of Object.entries(m.byMethod)) {
      const d = n - (before?.byMethod[method] ?? 0);
      if (d > 0) byMethod[method] = d;
    }
    out.set(name, { requests, byMethod });
  }
  return out;
}

const sumMethod = (objects: Map<string, { byMethod: Record<string, number> }>, method: string) => [...objects.values()].reduce((n, o) => n + (o.byMethod[method] ?? 0), 0);
const sumRequests = (objects: Map<string, { requests: number }>) => [...objects.values()].reduce((n, o) => n + o.requests, 0);
const fixed = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

async function main() {
  const started = Date.now();
  const load0 = loadavg()[0]!;
  const pop = population({
    users: plan.users,
    conversations: plan.conversations,
    onlineShare: plan.onlineShare,
    sizes: WECHAT_LIKE,
    zipf: plan.zipf,
    rate: plan.rate,
    // Under Qun's 10 a second per sender (burst 30), so Poisson bursts are never refused.
    perSenderMax: 5,
    seed: plan.seed,
  });
  const random = rng(plan.seed + 1);
  const due = schedule(pop, plan.seconds * 1000, random);
  const sizes = pop.conversations.map((c) => c.members.length);
  log(
    `population: ${plan.users} users (${pop.online.length} online), ${plan.conversations} conversations ${JSON.stringify(sizeBuckets(sizes))}, ${due.length} messages over ${plan.seconds} s (${fixed(pop.rate, 1)} msg/s)`,
  );

  // Group grids are drawn long after the run: their JPEG work is not what this measures.
  const worker = await startWorker({ ENVIRONMENT: "development", JWT_SECRET: `sim-${crypto.randomUUID()}`, GROUP_GRID_DELAY_MS: "3600000" }, 90_000, undefined, { snapshot: true });
  try {
    const base = worker.url;
    const admin = await json<{ accessToken: string }>(`${base}/auth/dev`, { method: "POST", body: JSON.stringify({ name: "simulation" }) });
    const token = admin.accessToken;

    // Accounts: the online ones first, so each seeding call signs in the first of its share.
    const seedStart = Date.now();
    const isOnline = new Set(pop.online);
    const order = [...pop.online, ...Array.from({ length: plan.users }, (_, i) => i).filter((i) => !isOnline.has(i))];
    const ids: string[] = new Array(plan.users);
    const tokens = new Map<number, string>();
    for (let i = 0; i < order.length; i += 5000) {
      const part = order.slice(i, i + 5000);
      const signedIn = part.filter((u) => isOnline.has(u)).length;
      const r = await json<{ users: { id: string; token?: string }[] }>(`${base}/dev/sim/users`, { method: "POST", token, body: JSON.stringify({ count: part.length, signedIn, prefix: "sim" }) });
      r.users.forEach((u, j) => {
        ids[part[j]!] = u.id;
        if (u.token) tokens.set(part[j]!, u.token);
      });
    }
    log(`seeded ${plan.users} users in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
    const convStart = Date.now();
    const conversationIds: string[] = [];
    // Bodies are limited to 64 KiB: at most 2,000 member ids (27 bytes each in JSON) a call.
    for (let i = 0; i < pop.conversations.length; ) {
      const part: { members: string[] }[] = [];
      let memberIds = 0;
      while (i < pop.conversations.length && part.length < 100 && (part.length === 0 || memberIds + pop.conversations[i]!.members.length <= 2000)) {
        const c = pop.conversations[i++]!;
        memberIds += c.members.length;
        part.push({ members: c.members.map((m) => ids[m]!) });
      }
      const r = await json<{ ids: string[] }>(`${base}/dev/sim/conversations`, { method: "POST", token, body: JSON.stringify({ conversations: part }) });
      conversationIds.push(...r.ids);
    }
    const seedingS = (Date.now() - seedStart) / 1000;
    log(`seeded ${conversationIds.length} conversations in ${((Date.now() - convStart) / 1000).toFixed(1)} s`);

    const connectStart = Date.now();
    const clients = await connectAll(
      base,
      pop.online.map((u) => ({ user: u, token: tokens.get(u)! })),
    );
    const connectS = (Date.now() - connectStart) / 1000;
    log(`${clients.length} sockets connected in ${connectS.toFixed(1)} s; sending`);
    // Each connect announces presence to the user's friends (a D1 read, one at a time per shard):
    // the traffic's figures start once those have all run, when D1's statement count stands still.
    const meter = () => json<MeterSnapshot>(`${base}/dev/meter`, { token });
    const settleStart = Date.now();
    let before = await meter();
    for (let last = -1; Date.now() - settleStart < 120_000; ) {
      const statements = before.databases.DB?.statements ?? 0;
      // The meter's own reading runs three statements (the session check, the names).
      if (statements - last <= 3) break;
      last = statements;
      await new Promise((r) => setTimeout(r, 3000));
      before = await meter();
    }
    log(`presence of the connects settled in ${((Date.now() - settleStart) / 1000).toFixed(1)} s`);
    const t0 = performance.now();
    let after: MeterSnapshot = before;
    let windowS = 0;
    const traffic = await runTraffic(clients, {
      schedule: due,
      conversationIds,
      onlineMembers: pop.conversations.map((c) => c.online),
      readerShare: plan.readers,
      drainMs: plan.drainMs,
      random,
      onSent: async () => {
        // Late reads and pushes of the last messages land within a second.
        await new Promise((r) => setTimeout(r, 1000));
        after = await meter();
        windowS = (performance.now() - t0) / 1000;
      },
    });
    for (const c of clients) c.ws.terminate();
    log(`sent ${traffic.sent}, acked ${traffic.acked}, lost ${traffic.lost}, duplicates ${traffic.duplicates}`);

    // ---- measured -------------------------------------------------------------------
    const conv = between(before, after, "conversation");
    const gw = between(before, after, "gateway");
    const nameOf = new Map(conversationIds.map((id, i) => [id, i]));
    const messages = traffic.sent;
    const convTotal = sumRequests(conv);
    const gwTotal = sumRequests(gw);
    const d1 = Object.entries(after.databases).map(([binding, d]) => {
      const b = before.databases[binding] ?? { statements: 0, batches: 0, single: 0 };
      return { binding, statements: d.statements - b.statements, batches: d.batches - b.batches, single: d.single - b.single };
    });
    const d1Statements = d1.reduce((n, d) => n + d.statements, 0);
    const d1Batches = d1.reduce((n, d) => n + d.batches, 0);
    const hottestConv = [...conv].sort((a, b) => b[1].requests - a[1].requests)[0];
    const hottestGw = [...gw].sort((a, b) => b[1].requests - a[1].requests)[0];
    const hotIndex = hottestConv ? nameOf.get(hottestConv[0]) : undefined;
    const hot = hotIndex === undefined ? null : pop.conversations[hotIndex]!;
    const rates = (m: Map<string, { requests: number }>) => spread([...m.values()].map((o) => o.requests / windowS));

    // The busiest conversation by messages (the model's hottest group) and the mix as sent.
    const busiest = [...traffic.perConversation].sort((a, b) => b[1] - a[1])[0]!;
    const params: SimParameters = {
      online: clients.length,
      onlineShare: plan.onlineShare,
      messagesPerSecond: messages / (traffic.sendingMs / 1000),
      mix: [...traffic.perConversation].map(([i, n]) => ({ members: pop.conversations[i]!.members.length, share: n / messages })),
      readersPerOnlineRecipient: plan.readers,
      hottest: { members: pop.conversations[busiest[0]]!.members.length, messagesPerSecond: busiest[1] / (traffic.sendingMs / 1000) },
      gatewayShards: SHARDS,
    };
    const predicted = predict(params);
    // What a message's flush calls, at the two extremes: only the shards of members online (and
    // the sender's), as the model assumes, or every shard holding a member (no shard skipped).
    const shardOfUser = (u: number) => connectShard({ count: SHARDS, previous: null }, ids[u]!);
    let onlineShardCalls = 0;
    let memberShardCalls = 0;
    for (const [i, n] of traffic.perConversation) {
      const c = pop.conversations[i]!;
      onlineShardCalls += n * new Set(c.online.map(shardOfUser)).size;
      memberShardCalls += n * new Set(c.members.map(shardOfUser)).size;
    }
    const onlineOthers = [...traffic.perConversation].reduce((sum, [i, n]) => sum + n * (pop.conversations[i]!.online.length - 1), 0);
    const measured = {
      conversationRequestsPerMessage: convTotal / messages,
      gatewayRequestsPerMessage: gwTotal / messages,
      deliverCallsPerMessage: sumMethod(gw, "deliver") / messages,
      deliveriesPerMessage: traffic.deliveredToOthers / messages,
      readReportsPerMessage: traffic.readsSent / messages,
      d1BatchesPerMessage: d1Batches / messages,
      d1StatementsPerMessage: d1Statements / messages,
      gatewayRequestsPerShardPerSecond: gwTotal / SHARDS / windowS,
      hottestConversationRequestsPerSecond: hottestConv ? hottestConv[1].requests / windowS : 0,
      hottestConversationShare: hottestConv ? hottestConv[1].requests / convTotal : 0,
      hottestGatewayShare: hottestGw ? hottestGw[1].requests / gwTotal : 0,
    };
    const comparison = compare(predicted, measured);

    const report = {
      when: new Date().toISOString(),
      machine: { cpus: cpus().length, loadavgAtStart: load0, loadavgAtEnd: loadavg()[0] },
      plan,
      population: {
        users: plan.users,
        online: clients.length,
        conversations: conversationIds.length,
        sizes: sizeBuckets(sizes),
        largest: Math.max(...sizes),
        activeConversations: traffic.perConversation.size,
      },
      timing: { seedingS, connectS, sendingS: traffic.sendingMs / 1000, windowS, totalS: (Date.now() - started) / 1000 },
      traffic: { ...traffic, perConversation: undefined, achievedRate: params.messagesPerSecond },
      measured: {
        conversation: { objects: conv.size, requests: convTotal, rate: rates(conv), byMethod: methodTotals(conv) },
        gateway: { objects: gw.size, requests: gwTotal, rate: rates(gw), byMethod: methodTotals(gw) },
        hottestConversation: hottestConv && {
          id: hottestConv[0],
          members: hot?.members.length,
          online: hot?.online.length,
          requestsPerSecond: hottestConv[1].requests / windowS,
          byMethod: hottestConv[1].byMethod,
          messages: hotIndex === undefined ? 0 : (traffic.perConversation.get(hotIndex) ?? 0),
        },
        hottestGateway: hottestGw && { shard: hottestGw[0], requestsPerSecond: hottestGw[1].requests / windowS, share: hottestGw[1].requests / gwTotal, byMethod: hottestGw[1].byMethod },
        d1,
        perMessage: measured,
        // The bounds of deliverCallsPerMessage, and the online members each message really had.
        deliverCallsBounds: { onlineShardsOnly: onlineShardCalls / messages, everyMemberShard: memberShardCalls / messages },
        onlineOthersPerMessage: onlineOthers / messages,
      },
      model: { parameters: { ...params, mix: `${params.mix.length} conversations` }, predicted },
      comparison,
    };
    mkdirSync(join(ROOT, "bench-results"), { recursive: true });
    const file = args.out ?? join(ROOT, "bench-results", `simulate-${report.when.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    printTables(report, comparison);
    log(`wrote ${file} (${report.timing.totalS.toFixed(0)} s in all)`);
    if (traffic.lost > 0 || traffic.duplicates > 0 || traffic.refused > 0) {
      log(`FAILED: ${traffic.lost} lost, ${traffic.duplicates} duplicated, ${traffic.refused} refused`);
      process.exitCode = 1;
    }
  } finally {
    await worker.stop();
  }
}

function methodTotals(objects: Map<string, { byMethod: Record<string, number> }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of objects.values()) for (const [m, n] of Object.entries(o.byMethod)) out[m] = (out[m] ?? 0) + n;
  return out;
}

function printTables(r: any, comparison: ReturnType<typeof compare>) {
  const lines = [
    "",
    `| kind | objects with requests | requests | mean req/s | p99 req/s | max req/s |`,
    `| --- | --- | --- | --- | --- | --- |`,
    ...(["conversation", "gateway"] as const).map((k) => {
      const m = r.measured[k];
      return `| ${k} | ${m.objects} | ${m.requests} | ${fixed(m.rate.mean)} | ${fixed(m.rate.p99)} | ${fixed(m.rate.max)} |`;
    }),
    "",
    `hottest conversation: ${r.measured.hottestConversation?.members} members (${r.measured.hottestConversation?.online} online), ${fixed(r.measured.hottestConversation?.requestsPerSecond ?? 0)} req/s ${JSON.stringify(r.measured.hottestConversation?.byMethod)}`,
    `hottest gateway shard: ${r.measured.hottestGateway?.shard}, ${fixed(r.measured.hottestGateway?.requestsPerSecond ?? 0)} req/s (${fixed(100 * (r.measured.hottestGateway?.share ?? 0), 1)}% of gateway requests)`,
    `deliver calls per message if only online members' shards were called: ${fixed(r.measured.deliverCallsBounds.onlineShardsOnly)}; if every member's shard was: ${fixed(r.measured.deliverCallsBounds.everyMemberShard)}; online members other than the sender per message: ${fixed(r.measured.onlineOthersPerMessage)}`,
    `messages: ${r.traffic.sent} at ${fixed(r.traffic.achievedRate)} msg/s; deliveries ${r.traffic.delivered}/${r.traffic.expected}; lost ${r.traffic.lost}; duplicates ${r.traffic.duplicates}; refused ${r.traffic.refused} ${JSON.stringify(r.traffic.refusedCodes)}`,
    "",
    `| figure | predicted | measured | difference |`,
    `| --- | --- | --- | --- |`,
    ...comparison.map(
      (c) =>
        `| ${c.figure} | ${fixed(c.predicted, 3)} | ${fixed(c.measured, 3)} | ${Number.isFinite(c.difference) ? `${c.difference >= 0 ? "+" : ""}${Math.round(c.difference * 100)}%` : "∞"}${c.over ? " (over 20%)" : ""} |`,
    ),
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((e) => {
  log(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
