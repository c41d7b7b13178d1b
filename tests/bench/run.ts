// `npm run bench [-- --quick]`: Qun under `wrangler dev` side by side with two baselines
// (tests/bench/baseline-server.ts), driven by the same load generator (tests/bench/load.ts)
// in a separate process. Writes bench-results/bench-<time>.json and prints a table.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { get as httpGet } from "node:http";
import { gunzipSync } from "node:zlib";
import { decodeHistoryPage } from "../../miniprogram/core/compact-history.ts";
import { MESSAGE_LIMITS } from "../../schema/limits.ts";
import { befriend, befriendAll } from "../support/friends.ts";
import { freePort, startWorker, type RunningWorker } from "../support/wrangler-dev.ts";
import type { LoadResult, LoadSpec, Room } from "./load.ts";
import { IsolateProfiler, type ProfileSummary } from "./profile.ts";
import { momentsSection, momentsTable } from "./moments.ts";
import { searchSection, searchTable } from "./search.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const quick = process.argv.includes("--quick");
const P99_BUDGET_MS = 250;
/** The most one member sends per second in the group steps (Qun allows 10, schema/limits.ts). */
const SENDER_RATE = 8;

const plan = quick
  ? { groupSizes: [50], rates: [20, 100], durationMs: 2500, warmupMs: 500, drainMs: 1000, catchUp: 1000, idle: [0, 100] }
  : { groupSizes: [50, 500], rates: [20, 50, 100, 200, 400, 800], durationMs: 10_000, warmupMs: 2000, drainMs: 3000, catchUp: 10_000, idle: [0, 500, 2000] };
// Narrowing a run while working on one figure: `--sizes 500 --rates 20 --skip catchup,memory`.
const listArg = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1]!.split(",") : null);
// The everyday workloads: `pairs` direct chats at 1 msg/s each ("direct"), and the same beside
// `groups` groups of 50 at `groupRate` msg/s each ("mixed"). `--pairs 100 --groups 20` scales them.
const everyday = { pairs: quick ? 100 : 500, groups: quick ? 20 : 100, groupRate: 1 };
if (listArg("pairs")) everyday.pairs = Number(listArg("pairs")![0]);
if (listArg("groups")) everyday.groups = Number(listArg("groups")![0]);
if (listArg("sizes")) plan.groupSizes = listArg("sizes")!.map(Number);
if (listArg("rates")) plan.rates = listArg("rates")!.map(Number);
// `--catchup 10000`: how many missed messages the catch-up step stores and reads back.
if (listArg("catchup")) plan.catchUp = Number(listArg("catchup")![0]);
// `--catchup-runs 3`: read the same backlog that many times each way (the fill is the slow part;
// on a shared machine one read is noisy). The report keeps the fastest and lists every run.
const catchUpRuns = Math.max(1, Number(listArg("catchup-runs")?.[0] ?? 1));
// --quick checks a hot path in under a minute: the idle waits (hibernation, memory) are left out
// unless --skip says otherwise.
const skip = new Set(listArg("skip") ?? (quick ? ["hibernation", "memory"] : []));
// `--profile`: a CPU profile of Qun's isolate during each load step (top functions in the report).
const profiling = process.argv.includes("--profile");
// `--no-batch`: Qun's clients take one frame per message (how it ran before batch frames).
const batch = !process.argv.includes("--no-batch");
// `--compare-batch 3`: the same worker and group, load steps alternating one frame per message
// and batch frames, three times each (an A/B on a busy machine, where runs apart differ more).
const compareBatch = Number(listArg("compare-batch")?.[0] ?? 0);
// `--readers`: Qun's members all have the chat open and send a read for every message (read receipts' cost), in the group steps and the direct and mixed workloads.
const readers = process.argv.includes("--readers");

interface Member {
  userId: string;
  credential: string;
}

interface Target {
  name: "qun" | "baseline-memory" | "baseline-sqlite";
  baseUrl: string;
  /** Process ids whose RSS counts as the server's memory. */
  pids: () => number[];
  /** The server's processes by role, for CPU accounting (where the time goes). */
  roles: () => Record<string, number[]>;
  members: Member[];
  group: (size: number) => Promise<string>;
  /** A group of these members (indexes into `members`; the first, 0, owns it). */
  groupOf: (indexes: number[]) => Promise<string>;
  /** Direct chats of pairs (2i, 2i + 1), i < pairs: their conversation ids. */
  directs: (pairs: number) => Promise<string[]>;
  /** Stores `count` messages in the conversation as fast as the target allows (for catch-up). */
  fill: (conversationId: string, members: Member[], count: number) => Promise<void>;
  stop: () => Promise<void>;
  /** The worker's inspector (Qun only), for --profile. */
  inspectorPort?: number;
  /** What the server printed, for failure reports. */
  output?: () => string;
}

const log = (...a: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

async function json(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json", ...(init.headers ?? {}) } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

async function inBatches<T, R>(items: T[], size: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((t, j) => fn(t, i + j)))));
  return out;
}

/** The processes in a process group (wrangler, workerd and their children). */
function groupRss(pgid: number): number[] {
  const ps = spawnSync("ps", ["-eo", "pid=,pgid=,rss="], { encoding: "utf8" }).stdout;
  return ps
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, g]) => g === pgid)
    .map(([pid]) => pid!);
}
function argsOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}
/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}
const rssKiB = (pids: number[]) =>
  pids.reduce((sum, pid) => {
    try {
      const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/);
      return sum + Number(m?.[1] ?? 0);
    } catch {
      return sum;
    }
  }, 0);

async function startQun(userCount: number): Promise<Target> {
  // A new group's avatar grid is drawn (JPEG-encoded) once, GROUP_GRID_DELAY_MS after it changes:
  // at the default 2 s it fell inside the 50-member step and stalled the isolate for a few hundred
  // ms (p99 800-950 ms with p50 17 ms). At 100 ms it is drawn while the members connect, so the
  // steps measure the steady state; docs/performance.md notes the stall.
  // `--shards n` runs Qun with n gateway shards instead of wrangler.toml's (what each shard called per flush costs).
  const shards = listArg("shards")?.[0];
  const vars = { ENVIRONMENT: "development", JWT_SECRET: `bench-${crypto.randomUUID()}`, GROUP_GRID_DELAY_MS: "100", ...(shards ? { GATEWAY_SHARDS: shards } : {}) };
  const worker: RunningWorker = await startWorker(vars, 90_000, undefined, { snapshot: true });
  const base = worker.url;
  log(`qun: wrangler dev on ${base}; signing in ${userCount} users`);
  const members = await inBatches(
    Array.from({ length: userCount }, (_, i) => i),
    25,
    async (i) => {
      const r = await json(`${base}/auth/dev`, { method: "POST", body: JSON.stringify({ name: `bench${i}` }) });
      return { userId: r.user.id as string, credential: r.accessToken as string, name: `bench${i}` };
    },
  );
  // Only friends can be put in a group: every group here is the first user's, so they befriend the rest.
  const befriending = Date.now();
  const account = (m: Member) => ({ id: m.userId, token: m.credential });
  await befriendAll(base, account(members[0]!), members.slice(1).map(account));
  log(`qun: ${members.length - 1} friendships with the groups' owner in ${Math.round((Date.now() - befriending) / 1000)} s`);
  return {
    name: "qun",
    baseUrl: base,
    // workerd only: wrangler's own Node process (its dev proxy) is not what production runs.
    pids: () => groupRss(worker.pid).filter((pid) => commandOf(pid) === "workerd"),
    // wrangler runs two workerds: the dev proxy that owns the public port, and the one running Qun.
    roles: () => {
      const port = new URL(base).port;
      const out: Record<string, number[]> = { "workerd (qun)": [], "workerd (dev proxy)": [], "node (wrangler)": [] };
      for (const pid of groupRss(worker.pid)) {
        const comm = commandOf(pid);
        if (comm === "workerd") out[argsOf(pid).includes(`entry=127.0.0.1:${port}`) ? "workerd (dev proxy)" : "workerd (qun)"]!.push(pid);
        else if (comm === "node") out["node (wrangler)"]!.push(pid);
      }
      return out;
    },
    members,
    group: async (size) => {
      const owner = members[0]!;
      const r = await json(`${base}/conversations`, {
        method: "POST",
        headers: { authorization: `Bearer ${owner.credential}` },
        body: JSON.stringify({ name: `bench ${size}`, memberIds: members.slice(1, size).map((m) => m.userId) }),
      });
      return r.id as string;
    },
    groupOf: async (indexes) => {
      const r = await json(`${base}/conversations`, {
        method: "POST",
        headers: { authorization: `Bearer ${members[indexes[0]!]!.credential}` },
        body: JSON.stringify({ name: `bench group`, memberIds: indexes.slice(1).map((i) => members[i]!.userId) }),
      });
      return r.id as string;
    },
    directs: async (pairs) => {
      const started = Date.now();
      const ids = await inBatches(
        Array.from({ length: pairs }, (_, i) => i),
        25,
        async (i) => {
          const [a, b] = [members[2 * i]!, members[2 * i + 1]!];
          await befriend(base, account(a), account(b));
          const r = await json(`${base}/conversations/direct`, { method: "POST", headers: { authorization: `Bearer ${a.credential}` }, body: JSON.stringify({ userId: b.userId }) });
          return (r.id ?? r.conversation?.id) as string;
        },
      );
      log(`qun: ${pairs} direct chats opened in ${Math.round((Date.now() - started) / 1000)} s`);
      return ids;
    },
    fill: async (conversationId, senders, count) => {
      // Qun limits each sender to 10 messages/s per conversation: spread over many senders.
      let next = 0;
      const started = Date.now();
      await Promise.all(
        senders.map(async (m, s) => {
          for (let k = 0; ; k++) {
            const i = next++;
            if (i >= count) return;
            const due = started + k * 105;
            if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
            await json(`${base}/conversations/${conversationId}/messages`, {
              method: "POST",
              headers: { authorization: `Bearer ${m.credential}` },
              body: JSON.stringify({ clientId: `fill-${s}-${k}`, type: "text", body: { text: `catch-up message ${i} with some ordinary length to it` } }),
            });
          }
        }),
      );
    },
    stop: () => worker.stop(),
    output: () => worker.output(),
    inspectorPort: Number(argsOf(worker.pid).match(/--inspector-port (\d+)/)?.[1]),
  };
}

async function startBaseline(kind: "memory" | "sqlite", userCount: number): Promise<Target> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "qun-baseline-"));
  const args = [join(ROOT, "tests/bench/baseline-server.ts"), "--port", String(port)];
  if (kind === "sqlite") args.push("--sqlite", join(dir, "messages.db"));
  const child: ChildProcess = spawn(process.execPath, ["--no-warnings", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (c) => reject(new Error(`baseline exited ${c}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const members = Array.from({ length: userCount }, (_, i) => ({ userId: `u${i}`, credential: `u${i}` }));
  let groups = 0;
  return {
    name: `baseline-${kind}`,
    baseUrl: base,
    pids: () => [child.pid!],
    roles: () => ({ [`node (baseline-${kind})`]: [child.pid!] }),
    members,
    group: async () => `g${++groups}`,
    groupOf: async () => `g${++groups}`,
    directs: async (pairs) => Array.from({ length: pairs }, (_, i) => `d${i}`),
    fill: async (conversationId, senders, count) => {
      // Same path as live sends: over a socket, acked one by one per sender.
      const spec: LoadSpec = {
        baseUrl: base,
        target: "baseline",
        conversationId,
        members: senders.slice(0, 20),
        senders: Array.from({ length: Math.min(20, senders.length) }, (_, i) => i),
        rate: 2000,
        durationMs: (count / 2000) * 1000,
        warmupMs: 0,
        drainMs: 1000,
      };
      await load(spec);
    },
    stop: async () => {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Messages a load step sends: each room rounds its own count (load.ts), so 100 rooms at 1 msg/s for 2.5 s send 300, not 250. */
function messagesSent(spec: Pick<LoadSpec, "rooms" | "rate" | "durationMs">): number {
  const rooms = spec.rooms ?? [{ rate: spec.rate }];
  return rooms.reduce((n, room) => n + Math.round((room.rate * spec.durationMs) / 1000), 0);
}

interface D1Writes {
  batches: number;
  statements: number;
  batchesPerMessage?: number;
  statementsPerMessage?: number;
  /** Rows those batches wrote, as D1 reports them (index entries included: what D1 bills). */
  rowsWritten?: number;
  rowsPerMessage?: number;
  /** Rows the send and read paths wrote in the conversation objects' own SQLite (billed as D1's are). */
  objectRowsWritten?: number;
  objectRowsPerMessage?: number;
}

/** The worker's count of D1 write batches for summaries and read positions (GET /dev/d1-writes); null where it has none. */
async function d1Writes(spec: LoadSpec): Promise<D1Writes | null> {
  const res = await fetch(`${spec.baseUrl}/dev/d1-writes`, { headers: { authorization: `Bearer ${spec.members[0]!.credential}` } }).catch(() => null);
  return res?.ok ? ((await res.json()) as D1Writes) : null;
}

/**
 * Runs the load generator in its own process. While it sends (between its "sending" and "sent"
 * lines) the CPU seconds of every server process and of the generator itself are counted, so the
 * report says where the time went.
 */
async function load(
  spec: LoadSpec,
  roles: Record<string, number[]> = {},
  profiler?: IsolateProfiler,
): Promise<LoadResult & { cpu?: Record<string, number>; cpuUsPerDelivery?: Record<string, number>; profile?: Omit<ProfileSummary, "raw">; d1?: D1Writes }> {
  const metered = spec.target === "qun" ? await d1Writes(spec) : null;
  const dir = mkdtempSync(join(tmpdir(), "qun-load-"));
  const file = join(dir, "spec.json");
  writeFileSync(file, JSON.stringify(spec));
  try {
    const child = spawn(process.execPath, ["--no-warnings", join(ROOT, "tests/bench/load.ts"), file], { stdio: ["ignore", "pipe", "pipe"] });
    const sample = () => Object.fromEntries([...Object.entries(roles), ["load generator", [child.pid!]] as const].map(([role, pids]) => [role, pids.reduce((s, p) => s + cpuSeconds(p), 0)]));
    let stdout = "";
    let stderr = "";
    let before: Record<string, number> | null = null;
    let cpu: Record<string, number> | undefined;
    let profile: Promise<ProfileSummary> | undefined;
    let drained: Record<string, number> | null = null;
    let beforeAt = 0;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      if (!before && stderr.includes("phase:sending")) {
        before = sample();
        beforeAt = performance.now();
        void profiler?.start();
      }
      if (before && !cpu && stderr.includes("phase:sent")) {
        const after = sample();
        const sendSeconds = (performance.now() - beforeAt) / 1000;
        cpu = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, round2((v - before![k]!) / sendSeconds)]));
        profile = profiler?.stop();
      }
      if (before && !drained && stderr.includes("phase:drained")) drained = sample();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), spec.durationMs + spec.drainMs + 120_000);
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`load generator failed (${code}): ${stderr.slice(-2000)}`);
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as LoadResult;
    // CPU as cores busy on average while sending (1 = one core fully used).
    const out: LoadResult & { cpu?: Record<string, number>; cpuUsPerDelivery?: Record<string, number>; profile?: Omit<ProfileSummary, "raw">; d1?: D1Writes } = cpu ? { ...result, cpu } : result;
    // D1 write batches (summaries and read positions) per message sent, warm-up included.
    const after = metered ? await d1Writes(spec) : null;
    if (metered && after) {
      const messages = Math.max(1, messagesSent(spec));
      const batches = after.batches - metered.batches;
      const statements = after.statements - metered.statements;
      const rowsWritten = (after.rowsWritten ?? 0) - (metered.rowsWritten ?? 0);
      const objectRowsWritten = (after.objectRowsWritten ?? 0) - (metered.objectRowsWritten ?? 0);
      out.d1 = {
        batches,
        statements,
        batchesPerMessage: round2(batches / messages),
        statementsPerMessage: round2(statements / messages),
        rowsWritten,
        rowsPerMessage: round2(rowsWritten / messages),
        objectRowsWritten,
        objectRowsPerMessage: round2(objectRowsWritten / messages),
      };
      log(
        `D1 summary writes: ${batches} batches, ${statements} statements for ${messages} messages (${out.d1.batchesPerMessage} batches, ${out.d1.statementsPerMessage} statements, ${out.d1.rowsPerMessage} D1 rows written per message); rows written in the conversations' SQLite: ${out.d1.objectRowsPerMessage} per message`,
      );
    }
    // Less sensitive to a busy machine than latency: CPU each process spent per socket delivery,
    // from the first send until the drain ended.
    const start = before as Record<string, number> | null; // assigned in the stderr callback
    const end = drained as Record<string, number> | null;
    if (start && end && result.deliveredAll > 0) {
      out.cpuUsPerDelivery = Object.fromEntries(Object.entries(end).map(([k, v]) => [k, Math.round(((v - start[k]!) * 1e6) / result.deliveredAll)]));
    }
    if (profile) {
      const { raw, ...summary } = await profile;
      mkdirSync(join(ROOT, "bench-results"), { recursive: true });
      writeFileSync(join(ROOT, "bench-results", `profile-${spec.members.length}-at-${spec.rate}.cpuprofile`), JSON.stringify(raw));
      out.profile = summary;
      log(
        `isolate profile (${summary.totalMs} ms sampled), top self time:\n${summary.top
          .slice(0, 15)
          .map((t) => `  ${String(t.share).padStart(5)}%  ${t.fn}`)
          .join("\n")}`,
      );
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ok = (r: LoadResult) => r.lost === 0 && r.duplicates === 0 && r.refused === 0 && !r.otherErrors && r.deliverMs.p99 <= P99_BUDGET_MS;

async function measure(target: Target) {
  const out: Record<string, unknown> = {};
  const sweeps: Record<string, LoadResult[]> = {};
  const maxRate: Record<string, number | null> = {};
  if (compareBatch > 0 && target.name === "qun") return { compareBatch: await abBatch(target) };
  // Memory first, while the server is fresh: after the load steps its heap holds their leftovers.
  const memory = skip.has("memory") ? null : await idleMemory(target);
  const profiler = profiling && target.inspectorPort ? await IsolateProfiler.connect(target.inspectorPort) : undefined;
  for (const size of plan.groupSizes) {
    const conversationId = await target.group(size);
    const members = target.members.slice(0, size);
    const list: LoadResult[] = [];
    for (const rate of plan.rates) {
      // A rate that would need some member to send more than 8 messages/s is a load Qun refuses by
      // rule (10 messages/s per sender, schema/limits.ts): 800/s into 50 members is 16/s each. It is
      // left out for every target, so the maxima compare what the product accepts.
      if (rate > size * SENDER_RATE) {
        log(`${target.name} ${size} members @ ${rate}/s: not run (each member would send ${rate / size}/s, above the per-sender limit)`);
        continue;
      }
      // At most 8 messages/s per sender keeps Qun's per-sender limit (10/s) out of the way.
      const senderCount = Math.min(size, Math.max(1, Math.ceil(rate / SENDER_RATE)));
      const r = await load(
        {
          baseUrl: target.baseUrl,
          target: target.name === "qun" ? "qun" : "baseline",
          conversationId,
          members,
          senders: Array.from({ length: senderCount }, (_, i) => i),
          rate,
          durationMs: plan.durationMs,
          warmupMs: plan.warmupMs,
          drainMs: plan.drainMs,
          batch,
          readers,
        },
        target.roles(),
        profiler,
      );
      log(
        `${target.name} ${size} members @ ${rate}/s: p50 ${r.deliverMs.p50} p99 ${r.deliverMs.p99} max ${r.deliverMs.max} ms, ack p50 ${r.ackMs.p50} p99 ${r.ackMs.p99}, lost ${r.lost}, dup ${r.duplicates}, refused ${r.refused}${r.otherErrors ? `, other errors ${r.otherErrors}` : ""}${r.readsSent !== undefined ? `, reads sent ${r.readsSent} receipts heard ${r.readReceipts}` : ""}; cores busy ${JSON.stringify(r.cpu)}; CPU µs per delivery ${JSON.stringify(r.cpuUsPerDelivery)}; load average ${loadavg()[0]!.toFixed(2)}`,
      );
      list.push(r);
      if (!ok(r)) break;
    }
    sweeps[size] = list;
    maxRate[size] = list.filter(ok).at(-1)?.rate ?? null;
  }
  out.sweeps = sweeps;
  out.maxSustainedRate = maxRate;
  out.at20In500 = sweeps[500]?.find((r) => r.rate === 20) ?? null;

  // The mini-program sends on its socket; HTTPS is its fallback while the socket is down. One step
  // of the same load over POST …/messages puts a figure on that path too.
  if (!skip.has("direct")) out.direct = await everydayLoad(target, "direct", profiler);
  if (!skip.has("mixed")) out.mixed = await everydayLoad(target, "mixed", profiler);
  profiler?.close();
  if (target.name === "qun" && !skip.has("https")) out.httpsPath = await httpsPath(target);
  if (!skip.has("catchup")) out.catchUp = await catchUp(target);
  if (!skip.has("hibernation")) out.afterIdle = await afterIdle(target);
  return { ...(memory ? { memory } : {}), ...out };
}

async function abBatch(target: Target) {
  const out: Record<string, { batch: boolean; rate: number; p50: number; p99: number; ackP50: number; lost: number; cpuUsPerDelivery?: Record<string, number> }[]> = {};
  for (const size of plan.groupSizes) {
    const conversationId = await target.group(size);
    const members = target.members.slice(0, size);
    const rows: (typeof out)[string] = [];
    for (const rate of plan.rates) {
      const senderCount = Math.min(size, Math.max(1, Math.ceil(rate / SENDER_RATE)));
      for (let rep = 0; rep < compareBatch; rep++) {
        for (const b of [false, true]) {
          const r = await load(
            {
              baseUrl: target.baseUrl,
              target: "qun",
              conversationId,
              members,
              senders: Array.from({ length: senderCount }, (_, i) => i),
              rate,
              durationMs: plan.durationMs,
              warmupMs: plan.warmupMs,
              drainMs: plan.drainMs,
              batch: b,
            },
            target.roles(),
          );
          rows.push({ batch: b, rate, p50: r.deliverMs.p50, p99: r.deliverMs.p99, ackP50: r.ackMs.p50, lost: r.lost, cpuUsPerDelivery: r.cpuUsPerDelivery });
          log(
            `${size} members @ ${rate}/s ${b ? "batch " : "single"}: p50 ${r.deliverMs.p50} p99 ${r.deliverMs.p99} ms, ack p50 ${r.ackMs.p50}, lost ${r.lost}; CPU µs per delivery ${JSON.stringify(r.cpuUsPerDelivery)}; load average ${loadavg()[0]!.toFixed(2)}`,
          );
        }
      }
    }
    out[size] = rows;
  }
  return out;
}

/** A device that missed N messages pages them in with after=<its last seq>. */
/** The smallest group at the lowest rate of the plan, sent by POST …/messages instead of socket frames. */
async function httpsPath(target: Target) {
  const size = Math.min(...plan.groupSizes);
  const rate = Math.min(...plan.rates);
  const conversationId = await target.group(size);
  const members = target.members.slice(0, size);
  const r = await load(
    {
      baseUrl: target.baseUrl,
      target: "qun",
      conversationId,
      members,
      senders: Array.from({ length: Math.min(size, Math.max(1, Math.ceil(rate / SENDER_RATE))) }, (_, i) => i),
      rate,
      durationMs: plan.durationMs,
      warmupMs: plan.warmupMs,
      drainMs: plan.drainMs,
      batch,
      via: "https",
    },
    target.roles(),
  );
  log(
    `qun over HTTPS, ${size} members @ ${rate}/s: deliver p50 ${r.deliverMs.p50} p99 ${r.deliverMs.p99} ms, ack p50 ${r.ackMs.p50} p99 ${r.ackMs.p99} ms, lost ${r.lost}, dup ${r.duplicates}, refused ${r.refused}`,
  );
  return r;
}

/**
 * Many conversations at once, as people use a messenger: `everyday.pairs` direct chats at 1
 * msg/s each, and for "mixed" also `everyday.groups` groups of 50 (the owner, member 0, and 49 of
 * members 1–499, each member in about ten) at `everyday.groupRate` msg/s each. Every member
 * connected; CPU per message and per delivery, latency per kind of conversation.
 */
async function everydayLoad(target: Target, which: "direct" | "mixed", profiler?: IsolateProfiler) {
  const rooms: Room[] = [];
  const ids = await target.directs(everyday.pairs);
  ids.forEach((conversationId, i) => rooms.push({ conversationId, members: [2 * i, 2 * i + 1], senders: [2 * i, 2 * i + 1], rate: 1, kind: "direct" }));
  if (which === "mixed") {
    for (let g = 0; g < everyday.groups; g++) {
      const members = [0, ...Array.from({ length: 49 }, (_, j) => 1 + ((g * 49 + j) % 499))];
      rooms.push({ conversationId: await target.groupOf(members), members, senders: members.slice(1, 4), rate: everyday.groupRate, kind: "group" });
    }
  }
  const users = Math.max(2 * everyday.pairs, which === "mixed" ? 500 : 0);
  const r = await load(
    {
      baseUrl: target.baseUrl,
      target: target.name === "qun" ? "qun" : "baseline",
      conversationId: "",
      members: target.members.slice(0, users),
      senders: [],
      rate: 0,
      durationMs: plan.durationMs,
      warmupMs: plan.warmupMs,
      drainMs: plan.drainMs,
      batch,
      rooms,
      readers,
    },
    target.roles(),
    profiler,
  );
  const messages = messagesSent({ rooms, rate: 0, durationMs: plan.durationMs });
  const cpuUsPerMessage = Object.fromEntries(Object.entries(r.cpuUsPerDelivery ?? {}).map(([k, v]) => [k, Math.round((v * r.deliveredAll) / messages)]));
  const kinds = Object.entries(r.byKind ?? {})
    .map(([k, v]) => `${k} (${v.rooms}): p50 ${v.deliverMs.p50} p99 ${v.deliverMs.p99} ms, ack p99 ${v.ackMs.p99}, lost ${v.expectedDeliveries - v.delivered}`)
    .join("; ");
  log(
    `${target.name} ${which}: ${r.rate} msg/s over ${rooms.length} conversations, ${users} sockets; ${kinds}; dup ${r.duplicates}, refused ${r.refused}; cores busy ${JSON.stringify(r.cpu)}; CPU µs per delivery ${JSON.stringify(r.cpuUsPerDelivery)}; per message ${JSON.stringify(cpuUsPerMessage)}; load average ${loadavg()[0]!.toFixed(2)}`,
  );
  return { ...r, cpuUsPerMessage };
}

/**
 * One history page over plain HTTP, so the bytes on the wire are counted (fetch would decompress
 * them unseen): `wire` as sent, `text` decompressed.
 */
function getPage(url: string, headers: Record<string, string>): Promise<{ wire: number; text: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const raw = Buffer.concat(chunks);
        resolve({ wire: raw.length, text: String(res.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw) });
      });
      res.on("error", reject);
    }).on("error", reject);
  });
}

async function catchUp(target: Target) {
  const conversationId = await target.group(50);
  log(`${target.name}: storing ${plan.catchUp} messages for the catch-up measure`);
  await target.fill(conversationId, target.members.slice(0, 50), plan.catchUp);
  const reader = target.members[1]!;
  // Qun as the mini-program asks (the compact page, gzip accepted), and as an older client does
  // (full messages, nothing accepted); the baselines answer their one form either way.
  const ways = [
    // Compact pages may hold MESSAGE_LIMITS.historyCompactPageMax: the mini-program's catch-up page.
    { name: "compact", query: target.name === "qun" ? `&format=compact&limit=${MESSAGE_LIMITS.historyCompactPageMax}` : "&limit=200", headers: { "accept-encoding": "gzip" } },
    { name: "full", query: "&limit=200", headers: { "accept-encoding": "identity" } },
    // The baselines in pages as large as Qun's too: fewer requests is not Qun's alone to have.
    ...(target.name === "qun" ? [] : [{ name: "large", query: `&limit=${MESSAGE_LIMITS.historyCompactPageMax}`, headers: { "accept-encoding": "gzip" } }]),
  ];
  const out: Record<string, { messages: number; ms: number; bytes: number; wireBytes: number; pages: number; runsMs: number[] }> = {};
  // One page first, so neither way pays for what the first request after the fill warms up.
  await getPage(`${target.baseUrl}/conversations/${conversationId}/messages?after=0&limit=1`, { authorization: `Bearer ${reader.credential}` });
  // `--profile`: the isolate's CPU profile over the compact catch-up (the first way's runs).
  const profiler = profiling && target.inspectorPort ? await IsolateProfiler.connect(target.inspectorPort) : undefined;
  for (const way of ways) {
    if (profiler && way.name === "compact") await profiler.start();
    for (let run = 0; run < catchUpRuns; run++) {
      const started = performance.now();
      let bytes = 0;
      let wireBytes = 0;
      let after = 0;
      let got = 0;
      let pages = 0;
      for (;;) {
        const { wire, text } = await getPage(`${target.baseUrl}/conversations/${conversationId}/messages?after=${after}${way.query}`, {
          authorization: `Bearer ${reader.credential}`,
          ...way.headers,
        });
        bytes += Buffer.byteLength(text);
        wireBytes += wire;
        pages++;
        const page = decodeHistoryPage(JSON.parse(text));
        const fresh = page.messages.filter((m) => m.clientId !== null);
        got += fresh.length;
        after = page.messages.at(-1)?.seq ?? after;
        if (!page.hasMore) break;
      }
      const ms = Math.round(performance.now() - started);
      const best = out[way.name];
      out[way.name] = { messages: got, ms: Math.min(ms, best?.ms ?? ms), bytes, wireBytes, pages, runsMs: [...(best?.runsMs ?? []), ms] };
      log(`${target.name}: caught up ${got} messages (${way.name}) in ${ms} ms, ${pages} pages, ${bytes} bytes, ${wireBytes} on the wire; load average ${loadavg()[0]!.toFixed(2)}`);
    }
    if (profiler && way.name === "compact") {
      const { raw, top, totalMs } = await profiler.stop();
      mkdirSync(join(ROOT, "bench-results"), { recursive: true });
      writeFileSync(join(ROOT, "bench-results", "profile-catchup.cpuprofile"), JSON.stringify(raw));
      log(
        `isolate profile of the compact catch-up (${totalMs} ms sampled), top self time:\n${top
          .slice(0, 15)
          .map((t) => `  ${t.share}% ${t.ms} ms ${t.fn}`)
          .join("\n")}`,
      );
    }
  }
  profiler?.close();
  return { ...out.compact!, full: out.full, ...(out.large ? { largePages: out.large } : {}) };
}

/**
 * The first message after everything has been idle long enough for the runtime to evict the
 * objects (sockets stay connected, hibernated), beside a warm message right after it: two
 * members, send → ack and send → delivery.
 */
async function afterIdle(target: Target) {
  const conversationId = await target.group(2);
  const [a, b] = target.members;
  const { default: WebSocket } = await import("ws");
  const url = (m: Member) => (target.name === "qun" ? `${target.baseUrl.replace(/^http/, "ws")}/ws` : `${target.baseUrl.replace(/^http/, "ws")}/ws?c=${conversationId}`);
  const open = (m: Member) =>
    new Promise<InstanceType<typeof WebSocket>>((resolve, reject) => {
      const ws = new WebSocket(url(m), ["qun", m.credential], { perMessageDeflate: false });
      ws.once("message", () => resolve(ws));
      ws.once("error", reject);
    });
  const [wa, wb] = [await open(a!), await open(b!)];
  const one = (clientId: string) =>
    new Promise<{ ackMs: number; deliverMs: number }>((resolve, reject) => {
      const t0 = performance.now();
      let ackMs = -1;
      let deliverMs = -1;
      const done = () => ackMs >= 0 && deliverMs >= 0 && resolve({ ackMs: round1(ackMs), deliverMs: round1(deliverMs) });
      const timer = setTimeout(() => reject(new Error(`no ack/delivery for ${clientId} within 30 s`)), 30_000);
      wa.on("message", (d) => {
        const f = JSON.parse(String(d));
        if (f.type === "ack" && f.ack.clientId === clientId) (ackMs = performance.now() - t0), done();
      });
      wb.on("message", (d) => {
        const f = JSON.parse(String(d));
        if (f.type === "message" && f.message.clientId === clientId) (deliverMs = performance.now() - t0), done();
      });
      wa.send(JSON.stringify({ type: "send", ref: clientId, conversationId, message: { clientId, type: "text", body: { text: "hello again" } } }));
      void timer;
    }).finally(() => {
      wa.removeAllListeners("message");
      wb.removeAllListeners("message");
    });
  await one(`warm-${Date.now()}`);
  const idleSeconds = quick ? 15 : 70;
  log(`${target.name}: idle for ${idleSeconds} s before the next message`);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const first = await one(`cold-${Date.now()}`);
  const warm = await one(`warm2-${Date.now()}`);
  wa.terminate();
  wb.terminate();
  log(`${target.name}: first message after ${idleSeconds} s idle: ack ${first.ackMs} ms, delivered ${first.deliverMs} ms; next: ${warm.ackMs} / ${warm.deliverMs} ms`);
  return { idleSeconds, first, next: warm };
}
const round1 = (x: number) => Math.round(x * 10) / 10;

/**
 * RSS of the server's processes with 0, 500 and 2,000 idle sockets connected, and for Qun the
 * isolate's JS heap after a collection. Runs first, on a fresh server, with every credential made
 * beforehand, so the figure is what the sockets hold, not what sign-ins and earlier loads left.
 */
async function idleMemory(target: Target) {
  const memory: { sockets: number; rssKiB: number; heapUsedKiB?: number }[] = [];
  const { default: WebSocket } = await import("ws");
  const open: InstanceType<typeof WebSocket>[] = [];
  const most = Math.max(...plan.idle);
  // Qun: one socket per session, so extra sockets need extra sessions.
  const credentials: string[] = [];
  for (let i = 0; i < most; i += 50) {
    credentials.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, most - i) }, (_, k) => {
          const m = target.members[(i + k) % target.members.length]!;
          return target.name === "qun" && i + k >= target.members.length ? qunSession(target, i + k) : Promise.resolve(m.credential);
        }),
      )),
    );
  }
  const url = target.name === "qun" ? `${target.baseUrl.replace(/^http/, "ws")}/ws` : `${target.baseUrl.replace(/^http/, "ws")}/ws?c=idle`;
  for (const n of plan.idle) {
    while (open.length < n) {
      const batch = await Promise.all(
        credentials.slice(open.length, Math.min(n, open.length + 50)).map(
          (credential) =>
            new Promise<InstanceType<typeof WebSocket>>((resolve, reject) => {
              const ws = new WebSocket(url, ["qun", credential], { perMessageDeflate: false });
              ws.once("message", () => resolve(ws));
              ws.once("error", reject);
            }),
        ),
      );
      open.push(...batch);
    }
    // Long enough for idle objects to be evicted (their sockets hibernate) before the sample.
    await new Promise((r) => setTimeout(r, target.name === "qun" ? 15_000 : 2000));
    const heap = target.inspectorPort ? await IsolateProfiler.heapAfterGc(target.inspectorPort) : null;
    memory.push({ sockets: n, rssKiB: rssKiB(target.pids()), ...(heap ? { heapUsedKiB: heap.usedKiB } : {}) });
    log(`${target.name}: ${n} idle sockets, RSS ${memory.at(-1)!.rssKiB} KiB${heap ? `, JS heap ${heap.usedKiB} KiB` : ""}`);
  }
  for (const ws of open) ws.terminate();
  const first = memory[0]!;
  const last = memory.at(-1)!;
  const per = (a: number, b: number) => Math.round(((a - b) / Math.max(1, last.sockets - first.sockets)) * 10) / 10;
  return {
    samples: memory,
    kibPerSocket: per(last.rssKiB, first.rssKiB),
    ...(last.heapUsedKiB !== undefined && first.heapUsedKiB !== undefined ? { heapKibPerSocket: per(last.heapUsedKiB, first.heapUsedKiB) } : {}),
  };
}

async function qunSession(target: Target, i: number) {
  const r = await json(`${target.baseUrl}/auth/dev`, { method: "POST", body: JSON.stringify({ name: `bench${i % target.members.length}`, device: `idle-${i}` }) });
  return r.accessToken as string;
}

async function main() {
  const machine = {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
    quick,
    batch,
    readers,
    gatewayShards: Number(listArg("shards")?.[0] ?? 0) || "wrangler.toml",
  };
  log(`plan: ${JSON.stringify(plan)}; load average ${machine.loadavgAtStart.join(" ")}`);
  const users = Math.max(...plan.groupSizes, skip.has("direct") && skip.has("mixed") ? 0 : 2 * everyday.pairs, skip.has("mixed") ? 0 : 500);
  const results: Record<string, unknown> = {};
  // `--only qun` (or baseline-memory, baseline-sqlite) measures one target, e.g. after a change.
  const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : null;
  // `--only search`: the search section alone (tests/bench/search.ts).
  const search = !skip.has("search") && (!only || only === "search") ? await searchSection(quick) : null;
  // `--only moments`: the Moments section alone (tests/bench/moments.ts).
  const moments = !skip.has("moments") && (!only || only === "moments") ? await momentsSection(quick) : null;
  const starts: [string, () => Promise<Target>][] = [
    ["baseline-memory", () => startBaseline("memory", users)],
    ["baseline-sqlite", () => startBaseline("sqlite", users)],
    ["qun", () => startQun(users)],
  ];
  for (const [name, start] of starts) {
    if (only && only !== name) continue;
    const target = await start();
    try {
      results[target.name] = await measure(target);
    } catch (e) {
      // A target that falls over under load is a finding: record it and go on to the next.
      log(`${target.name} failed: ${e instanceof Error ? e.message : String(e)}`);
      if (target.output) log(`${target.name} printed:\n${target.output().slice(-4000)}`);
      results[target.name] = { failed: e instanceof Error ? e.message : String(e) };
    } finally {
      await target.stop();
    }
  }
  const report = {
    at: new Date().toISOString(),
    machine: { ...machine, loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
    plan,
    results,
    ratios: ratios(results),
    ...(search ? { search } : {}),
    ...(moments ? { moments } : {}),
  };
  mkdirSync(join(ROOT, "bench-results"), { recursive: true });
  const file = join(ROOT, "bench-results", `bench-${report.at.replace(/[:.]/g, "-")}${quick ? "-quick" : ""}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  if (Object.keys(results).length) console.log(table(results));
  if (search) console.log(`\n${searchTable(search)}`);
  if (moments) console.log(`\n${momentsTable(moments)}`);
  console.log(`\nreport: ${file}`);
}

function ratios(results: Record<string, any>) {
  const q = results.qun;
  const out: Record<string, unknown> = {};
  for (const b of ["baseline-memory", "baseline-sqlite"]) {
    const r = results[b];
    if (!q || !r || q.failed || r.failed || !q.catchUp || !r.catchUp) continue;
    out[`qun/${b}`] = {
      maxRate50: q.maxSustainedRate[50] && r.maxSustainedRate[50] ? round2(q.maxSustainedRate[50] / r.maxSustainedRate[50]) : null,
      maxRate500: q.maxSustainedRate[500] && r.maxSustainedRate[500] ? round2(q.maxSustainedRate[500] / r.maxSustainedRate[500]) : null,
      p99At20In500: q.at20In500 && r.at20In500 ? round2(q.at20In500.deliverMs.p99 / r.at20In500.deliverMs.p99) : null,
      catchUpMs: round2(q.catchUp.ms / r.catchUp.ms),
      catchUpMsSamePages: r.catchUp.largePages ? round2(q.catchUp.ms / r.catchUp.largePages.ms) : null,
      catchUpBytes: round2(q.catchUp.bytes / r.catchUp.bytes),
      catchUpWireBytes: round2(q.catchUp.wireBytes / r.catchUp.wireBytes),
      kibPerSocket: r.memory?.kibPerSocket && q.memory?.kibPerSocket ? round2(q.memory.kibPerSocket / r.memory.kibPerSocket) : null,
    };
  }
  return out;
}
const round2 = (x: number) => Math.round(x * 100) / 100;

function table(results: Record<string, any>) {
  const names = Object.keys(results);
  const cell = (r: any, f: (r: any) => unknown) => {
    try {
      return r.failed ? "failed" : String(f(r) ?? "–");
    } catch {
      return "–";
    }
  };
  const row = (label: string, f: (r: any) => unknown) => `| ${label} | ${names.map((n) => cell(results[n], f)).join(" | ")} |`;
  return [
    `| figure | ${names.join(" | ")} |`,
    `| --- | ${names.map(() => "---").join(" | ")} |`,
    row("max msg/s, 50 members (p99 ≤ 250 ms, no loss)", (r) => r.maxSustainedRate[50]),
    row("max msg/s, 500 members", (r) => r.maxSustainedRate[500]),
    row("20 msg/s into 500: p50 / p99 / max ms", (r) => (r.at20In500 ? `${r.at20In500.deliverMs.p50} / ${r.at20In500.deliverMs.p99} / ${r.at20In500.deliverMs.max}` : null)),
    row("20 msg/s into 500: ack p50 / p99 ms", (r) => (r.at20In500 ? `${r.at20In500.ackMs.p50} / ${r.at20In500.ackMs.p99}` : null)),
    row(`catch-up of ${plan.catchUp}: ms / KiB / KiB on the wire`, (r) => `${r.catchUp.ms} / ${Math.round(r.catchUp.bytes / 1024)} / ${Math.round(r.catchUp.wireBytes / 1024)}`),
    row(`catch-up, an older client (full pages, no gzip): ms / KiB`, (r) => (r.catchUp.full ? `${r.catchUp.full.ms} / ${Math.round(r.catchUp.full.bytes / 1024)}` : "–")),
    row(`catch-up, the baselines in pages of ${MESSAGE_LIMITS.historyCompactPageMax}: ms`, (r) => (r.catchUp.largePages ? `${r.catchUp.largePages.ms}` : "–")),
    row("KiB per idle socket (RSS)", (r) => r.memory.kibPerSocket),
    row("KiB per idle socket (JS heap after GC)", (r) => r.memory.heapKibPerSocket),
  ].join("\n");
}

await main();
