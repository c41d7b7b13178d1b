// Load held: many sockets connected for minutes under bounded mixed traffic (group sends,
// read receipts, history pulls, conversation lists, heartbeats, devices dropping and coming
// back), the worker's memory sampled throughout. Passes when nothing is lost or duplicated,
// nothing errs and memory does not grow. A documented command rather than a CI test: the full
// run takes about 13 minutes.
//   npm run test:load-held                      (2,000 sockets, 10 minutes)
//   npm run test:load-held -- --sockets 200 --minutes 1
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { IsolateProfiler } from "../bench/profile.ts";
import { befriendAll } from "../support/friends.ts";
import { startWorker } from "../support/wrangler-dev.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const arg = (name: string, fallback: number) => (process.argv.includes(`--${name}`) ? Number(process.argv[process.argv.indexOf(`--${name}`) + 1]) : fallback);
const SOCKETS = arg("sockets", 2000);
const MINUTES = arg("minutes", 10);
const DEVICES = 5; // sockets per user (WeChat allows a mini-program five)
const USERS = Math.ceil(SOCKETS / DEVICES);
const SMALL_GROUPS = 10;
// Traffic, bounded: a few messages a second, most of them into the big group.
const BIG_GROUP_RATE = 2; // messages/s into the group of every user
const SMALL_GROUP_RATE = 1; // messages/s into each small group
const REST_RATE = 2; // history pages and conversation lists per second
const READ_RATE = 2; // read receipts per second
const CHURN_EVERY_MS = 5000; // this often, a few devices drop and reconnect
const CHURN_COUNT = Math.max(1, Math.round(SOCKETS / 200));
const SAMPLE_EVERY_MS = 15_000;
const SETTLE_MS = 10_000; // after the last send, for late deliveries

const log = (...a: unknown[]) => console.error(`[load-held ${new Date().toISOString().slice(11, 19)}]`, ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Device {
  index: number;
  user: number;
  token: string;
  refreshToken: string;
  /** When `token` was issued: access tokens last 15 minutes, longer than setup plus the run may not. */
  issuedAt: number;
  batch: boolean;
  ws: WebSocket | null;
  /** [ready at, closed at] for every connection this device held. */
  episodes: [number, number | null][];
  received: Set<string>;
  duplicates: number;
  errors: string[];
}

interface Sent {
  clientId: string;
  conversation: number; // index into conversations
  device: number;
  at: number;
  acked: boolean;
}

function rssKiB(pids: number[]) {
  return pids.reduce((sum, pid) => {
    try {
      return sum + Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
    } catch {
      return sum;
    }
  }, 0);
}

/** Qun's own workerd (not wrangler's dev proxy, which owns the public port). */
function qunWorkerd(pgid: number, port: string): number[] {
  const ps = spawnSync("ps", ["-eo", "pid=,pgid=,comm=,args="], { encoding: "utf8" }).stdout;
  return ps
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(([, g, comm, ...args]) => Number(g) === pgid && comm === "workerd" && !args.join(" ").includes(`entry=127.0.0.1:${port}`))
    .map(([pid]) => Number(pid));
}

async function main() {
  const startedAt = Date.now();
  log(
    `${SOCKETS} sockets (${USERS} users × ${DEVICES} devices), ${MINUTES} min; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  const worker = await startWorker({ ENVIRONMENT: "development", JWT_SECRET: `held-${crypto.randomUUID()}` }, 90_000, undefined, { snapshot: true });
  const base = worker.url;
  const wsBase = base.replace(/^http/, "ws");
  const failures: string[] = [];
  let http5xx = 0;
  let httpErrors = 0;

  async function call(method: string, path: string, token?: string, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 500) http5xx++;
    if (!res.ok) {
      httpErrors++;
      if (failures.length < 50) failures.push(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    }
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  try {
    // Sign in every device (each dev login is a new session, so one socket each).
    const devices: Device[] = [];
    const userIds: string[] = [];
    for (let i = 0; i < SOCKETS; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(25, SOCKETS - i) }, async (_, k) => {
          const index = i + k;
          const user = index % USERS;
          const r = await call("POST", "/auth/dev", undefined, { name: `held${user}`, device: `d${Math.floor(index / USERS)}` });
          userIds[user] = r.body.user.id;
          return {
            index,
            user,
            token: r.body.accessToken as string,
            refreshToken: r.body.refreshToken as string,
            issuedAt: Date.now(),
            batch: index % 2 === 0,
            ws: null,
            episodes: [],
            received: new Set<string>(),
            duplicates: 0,
            errors: [],
          } satisfies Device;
        }),
      );
      devices.push(...batch);
    }
    const tokenOf = (user: number) => devices.find((d) => d.user === user)!.token;
    log(`signed in ${devices.length} devices in ${Math.round((Date.now() - startedAt) / 1000)} s`);

    // One group of everyone (up to 500) and small groups of USERS / SMALL_GROUPS each. Only
    // friends can be put in a group, so each group's first member befriends the others first.
    const conversations: { id: string; members: number[] }[] = [];
    const account = (u: number) => ({ id: userIds[u]!, token: tokenOf(u) });
    const everyone = Array.from({ length: Math.min(USERS, 500) }, (_, u) => u);
    const per = Math.max(2, Math.floor(USERS / SMALL_GROUPS));
    const small: number[][] = [];
    for (let g = 0; g < SMALL_GROUPS && g * per + 1 < USERS; g++) small.push(Array.from({ length: Math.min(per, USERS - g * per) }, (_, k) => g * per + k));
    const befriending = Date.now();
    for (const members of [everyone, ...small]) await befriendAll(base, account(members[0]!), members.slice(1).map(account));
    log(`each group's first member befriended the rest in ${Math.round((Date.now() - befriending) / 1000)} s`);
    const big = await call("POST", "/conversations", tokenOf(0), { name: "Everyone", memberIds: everyone.slice(1).map((u) => userIds[u]) });
    conversations.push({ id: big.body.id, members: everyone });
    for (const [g, members] of small.entries()) {
      const r = await call("POST", "/conversations", tokenOf(members[0]!), { name: `Small ${g}`, memberIds: members.slice(1).map((u) => userIds[u]) });
      conversations.push({ id: r.body.id, members });
    }

    // Connect every device; half of them take batch frames, as the two kinds of client would.
    const sent = new Map<string, Sent>();
    let acks = 0;
    let refusals = 0;
    const connect = (d: Device) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`${wsBase}/ws${d.batch ? "?batch=1" : ""}`, ["qun", d.token], { perMessageDeflate: false }); // as wx.connectSocket
        d.ws = ws;
        const timer = setTimeout(() => reject(new Error(`device ${d.index}: no ready in 30 s`)), 30_000);
        const onFrame = (f: any) => {
          if (f.type === "batch") return f.frames.forEach(onFrame);
          if (f.type === "ready") {
            clearTimeout(timer);
            d.episodes.push([Date.now(), null]);
            resolve();
          } else if (f.type === "message" && f.message.clientId?.startsWith("h-")) {
            if (d.received.has(f.message.clientId)) d.duplicates++;
            d.received.add(f.message.clientId);
          } else if (f.type === "ack") {
            const s = sent.get(f.ack.clientId);
            if (s) s.acked = true;
            acks++;
          } else if (f.type === "session_ended" && f.reason === "expired") {
            // The socket outlived its access token (15 minutes, setup included): refresh and
            // reconnect, as the mini-program does. Not a failure; the episode ends here.
            if (d.ws !== ws) return;
            d.ws = null;
            const open = d.episodes.at(-1);
            if (open && open[1] === null) open[1] = Date.now();
            call("POST", "/auth/refresh", undefined, { refreshToken: d.refreshToken })
              .then((r) => Object.assign(d, { token: r.body.accessToken, refreshToken: r.body.refreshToken, issuedAt: Date.now() }))
              .then(() => connect(d))
              .catch((e) => failures.push(String(e)));
          } else if (f.type === "error") {
            refusals++;
            if (d.errors.length < 5) d.errors.push(`${f.code}: ${f.message}`);
          }
        };
        ws.on("message", (data) => onFrame(JSON.parse(String(data))));
        ws.on("close", (code) => {
          const open = d.episodes.at(-1);
          if (open && open[1] === null) open[1] = Date.now();
          if (d.ws === ws && code !== 1000 && failures.length < 50) failures.push(`device ${d.index} closed by the server: ${code}`);
        });
        ws.on("error", (e) => failures.length < 50 && failures.push(`device ${d.index}: ${e.message}`));
      });
    for (let i = 0; i < devices.length; i += 50) await Promise.all(devices.slice(i, i + 50).map(connect));
    log(`${devices.length} sockets connected in ${Math.round((Date.now() - startedAt) / 1000)} s`);

    const pids = qunWorkerd(worker.pid, new URL(base).port);
    // The isolate's JS heap after a collection, once a minute: RSS alone cannot tell live objects
    // from caches (SQLite pages, allocator slack) that grow to a size and stop.
    const inspectorPort = Number(
      readFileSync(`/proc/${worker.pid}/cmdline`, "utf8")
        .replaceAll("\0", " ")
        .match(/--inspector-port (\d+)/)?.[1] ?? 0,
    );
    const heap: { atSeconds: number; usedKiB: number }[] = [];
    const memory: { atSeconds: number; rssKiB: number; sockets: number }[] = [];
    const runStart = Date.now();
    const sample = () => memory.push({ atSeconds: Math.round((Date.now() - runStart) / 1000), rssKiB: rssKiB(pids), sockets: devices.filter((d) => d.ws?.readyState === WebSocket.OPEN).length });
    sample();

    // The traffic, each stream on its own timer until the end.
    const end = runStart + MINUTES * 60_000;
    const timers: NodeJS.Timeout[] = [];
    const every = (ms: number, fn: () => void) => timers.push(setInterval(() => Date.now() < end && fn(), ms));
    let n = 0;
    const deviceOf = (user: number) => devices.filter((d) => d.user === user && d.ws?.readyState === WebSocket.OPEN)[0];
    const sendInto = (c: number) => {
      const conv = conversations[c]!;
      const member = conv.members[n % conv.members.length]!; // rotating senders stay far under 10/s each
      const d = deviceOf(member);
      if (!d) return;
      const clientId = `h-${n++}`;
      sent.set(clientId, { clientId, conversation: c, device: d.index, at: Date.now(), acked: false });
      d.ws!.send(JSON.stringify({ type: "send", ref: clientId, conversationId: conv.id, message: { clientId, type: "text", body: { text: `held ${clientId}` } } }));
    };
    every(1000 / BIG_GROUP_RATE, () => sendInto(0));
    for (let c = 1; c < conversations.length; c++) every(1000 / SMALL_GROUP_RATE, () => sendInto(c));
    every(1000 / READ_RATE, () => {
      const conv = conversations[n % conversations.length]!;
      const d = deviceOf(conv.members[(n * 7) % conv.members.length]!);
      d?.ws?.send(JSON.stringify({ type: "read", conversationId: conv.id, seq: 1 + (n % 3) }));
    });
    let rest = 0;
    every(1000 / REST_RATE, () => {
      const d = devices[(rest++ * 13) % devices.length]!;
      const conv = conversations.find((c) => c.members.includes(d.user))!;
      void (rest % 2 ? call("GET", "/conversations", d.token) : call("GET", `/conversations/${conv.id}/messages?limit=50`, d.token)).catch((e) => failures.push(`rest: ${e}`));
    });
    let beat = 0;
    every(25_000 / Math.max(1, devices.length / 100), () => {
      // heartbeats, spread out: each device pings about every 25 s
      beat++;
      for (let k = 0; k < 100; k++) {
        const d = devices[(beat * 100 + k) % devices.length]!;
        if (d.ws?.readyState === WebSocket.OPEN) d.ws.send('{"type":"ping"}');
      }
    });
    every(CHURN_EVERY_MS, () => {
      for (let k = 0; k < CHURN_COUNT; k++) {
        const d = devices[Math.floor(Math.random() * devices.length)]!;
        if (d.ws?.readyState !== WebSocket.OPEN) continue;
        const old = d.ws;
        d.ws = null; // the close below is ours, not a failure
        old.close(1000, "churn");
        setTimeout(async () => {
          try {
            if (Date.now() - d.issuedAt > 10 * 60_000) {
              // As a client does before its token runs out: rotate, then reconnect.
              const r = await call("POST", "/auth/refresh", undefined, { refreshToken: d.refreshToken });
              Object.assign(d, { token: r.body.accessToken, refreshToken: r.body.refreshToken, issuedAt: Date.now() });
            }
            await connect(d);
          } catch (e) {
            failures.push(String(e));
          }
        }, 1000);
      }
    });
    every(SAMPLE_EVERY_MS, async () => {
      sample();
      const m = memory.at(-1)!;
      const h = inspectorPort && memory.length % 4 === 0 ? await IsolateProfiler.heapAfterGc(inspectorPort) : null;
      if (h) heap.push({ atSeconds: m.atSeconds, usedKiB: h.usedKiB });
      log(
        `${m.atSeconds} s: RSS ${(m.rssKiB / 1024).toFixed(1)} MiB${h ? `, JS heap after GC ${(h.usedKiB / 1024).toFixed(1)} MiB` : ""}, ${m.sockets} sockets open, ${sent.size} sent, ${acks} acked, ${refusals} refused, ${http5xx} 5xx; load average ${loadavg()[0]!.toFixed(2)}`,
      );
    });
    await sleep(end - Date.now());
    for (const t of timers) clearInterval(t);
    await sleep(SETTLE_MS);
    sample();

    // Every message must reach every device of every member that was connected from before it
    // was sent until the settle time, once; the sending device itself is not counted.
    let expected = 0;
    let delivered = 0;
    const membersOf = conversations.map((c) => new Set(c.members));
    for (const s of sent.values()) {
      for (const d of devices) {
        if (d.index === s.device || !membersOf[s.conversation]!.has(d.user)) continue;
        const held = d.episodes.some(([from, to]) => from < s.at && (to === null || to > s.at + SETTLE_MS));
        if (!held) continue;
        expected++;
        if (d.received.has(s.clientId)) delivered++;
      }
    }
    // A device dropped on purpose (churn) right after sending may never see its ack.
    const stayed = (s: Sent) => devices[s.device]!.episodes.some(([from, to]) => from < s.at && (to === null || to > s.at + SETTLE_MS));
    const unacked = [...sent.values()].filter((s) => !s.acked && stayed(s)).length;
    const duplicates = devices.reduce((a, d) => a + d.duplicates, 0);
    const deviceErrors = devices.flatMap((d) => d.errors.map((e) => `device ${d.index}: ${e}`));
    for (const d of devices) d.ws?.terminate();

    // Growth: the mean of the last quarter of samples against the second quarter (the first
    // includes warming up).
    const q = Math.max(1, Math.floor(memory.length / 4));
    const mean = (xs: { rssKiB: number }[]) => xs.reduce((a, m) => a + m.rssKiB, 0) / xs.length;
    const early = mean(memory.slice(q, 2 * q));
    const late = mean(memory.slice(-q));
    const growthPct = Math.round(((late - early) / early) * 1000) / 10;
    const result = {
      at: new Date().toISOString(),
      sockets: SOCKETS,
      minutes: MINUTES,
      loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
      sent: sent.size,
      unacked,
      expectedDeliveries: expected,
      delivered,
      lost: expected - delivered,
      duplicates,
      refusals,
      http5xx,
      httpErrors,
      failures: [...failures, ...deviceErrors].slice(0, 50),
      memory: { earlyMiB: Math.round(early / 102.4) / 10, lateMiB: Math.round(late / 102.4) / 10, growthPct, samples: memory, heapAfterGc: heap },
    };
    const ok = result.lost === 0 && duplicates === 0 && unacked === 0 && refusals === 0 && http5xx === 0 && httpErrors === 0 && failures.length === 0 && growthPct < 10;
    mkdirSync(join(ROOT, "bench-results"), { recursive: true });
    const file = join(ROOT, "bench-results", `load-held-${result.at.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify({ ...result, ok }, null, 2)}\n`);
    const { samples: _, ...mem } = result.memory;
    console.log(JSON.stringify({ ...result, memory: mem, ok }, null, 2));
    console.log(`report: ${file}`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await worker.stop();
  }
}

await main();
