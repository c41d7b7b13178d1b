// `node --no-warnings tests/bench/content-check.ts [--sends 200]`: what content safety adds to a
// text send's ack, against `wrangler dev` and the fake WeChat API answering every msgSecCheck
// after 50 ms (FAKE_WECHAT_DELAY_MS). One sender posts to a 3-member group, one send at a time
// (each waits for its ack, paced at 8 a second to stay under the per-sender limit), in three modes:
//   no openid    – a password-style account: the local word list alone (the floor)
//   unique texts – a WeChat account, every text new: one msgSecCheck round trip per send
//   repeated     – a WeChat account sending short texts it sent before: the isolate's pass cache
// Prints p50/p95/p99 of the ack latency per mode and writes bench-results/content-check-<time>.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FAKE_APPID, FAKE_SECRET, startFakeWechat } from "../support/fake-wechat.ts";
import { befriend } from "../support/friends.ts";
import { SAFETY_TEST_BINDINGS } from "../support/safety-config.ts";
import { startWorker } from "../support/wrangler-dev.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sends = Number(process.argv[process.argv.indexOf("--sends") + 1]) || 200;
process.env.FAKE_WECHAT_DELAY_MS = "50";

const wechat = await startFakeWechat();
const worker = await startWorker(
  { ENVIRONMENT: "development", JWT_SECRET: `bench-${crypto.randomUUID()}`, WECHAT_APPID: FAKE_APPID, WECHAT_SECRET: FAKE_SECRET, WECHAT_API_BASE: wechat.url, ...SAFETY_TEST_BINDINGS },
  90_000,
);

async function call(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${worker.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const account = (a: any) => ({ id: a.user.id as string, token: a.accessToken as string });
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function run(mode: string, sender: { id: string; token: string }, group: string, text: (i: number) => string) {
  // Warm-up: the object, the access token, the account cache.
  for (let i = 0; i < 5; i++) await call("POST", `/conversations/${group}/messages`, { clientId: `${mode.replace(/ /g, "_")}-w${i}`, type: "text", body: { text: `warm ${mode} ${i}` } }, sender.token);
  const ms: number[] = [];
  for (let i = 0; i < sends; i++) {
    const t = performance.now();
    await call("POST", `/conversations/${group}/messages`, { clientId: `${mode.replace(/ /g, "_")}-${i}`, type: "text", body: { text: text(i) } }, sender.token);
    ms.push(performance.now() - t);
    // Paced under the per-sender limit (10 a second): a send starts at most every 125 ms.
    await new Promise((r) => setTimeout(r, Math.max(0, 125 - (performance.now() - t))));
  }
  return { mode, sends, p50: +percentile(ms, 50).toFixed(1), p95: +percentile(ms, 95).toFixed(1), p99: +percentile(ms, 99).toFixed(1), mean: +(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(1) };
}

try {
  const wx = async (n: string) => account(await call("POST", "/auth/wechat", { code: `ok-bench${n}${Date.now()}` }));
  // Password accounts have no openid (dev sign-ins do: "dev:<name>").
  const password = async (n: string) => account(await call("POST", "/auth/register", { username: `b${n}${Date.now()}`.slice(0, 20), password: "bench-passw0rd" }));
  const results = [];
  for (const [mode, make, text] of [
    ["no openid", password, (i: number) => `local only ${i} ${Math.random()}`],
    ["unique texts", wx, (i: number) => `unique ${i} ${Math.random()}`],
    ["repeated", wx, (i: number) => ["好的", "ok", "👍", "收到"][i % 4]!],
  ] as const) {
    const [a, b, c] = [await make("a"), await make("b"), await make("c")];
    await befriend(worker.url, a, b);
    await befriend(worker.url, a, c);
    const group = (await call("POST", "/conversations", { name: "Bench", memberIds: [b.id, c.id] }, a.token)).id as string;
    results.push(await run(mode, a, group, text));
  }
  console.table(results);
  const out = join(ROOT, "bench-results", `content-check-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ fakeWechatDelayMs: 50, results }, null, 2));
  console.log(out);
} finally {
  await worker.stop();
  await wechat.close();
}
