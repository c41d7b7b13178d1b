// Crash: kill -9 the whole wrangler dev process group while clients are sending, start it again
// on the same state directory, and check the promise: every message that was acked is there,
// exactly once, in order, and clients that retry what was never acked create no duplicates.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import WebSocket from "ws";
import type { HistoryPage, ServerFrame } from "../../schema/protocol";
import { befriend } from "../support/friends";
import { startWorker, type RunningWorker } from "../support/wrangler-dev";

const state = mkdtempSync(join(tmpdir(), "qun-crash-"));
const vars = { ENVIRONMENT: "development", JWT_SECRET: `crash-${crypto.randomUUID()}` };
let worker: RunningWorker | null = null;

afterAll(async () => {
  await worker?.stop();
  rmSync(state, { recursive: true, force: true });
});

async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(`${worker!.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** A sender that keeps sending over its socket and records which client ids were acked. */
function sender(url: string, token: string, conversationId: string, prefix: string) {
  const acked = new Map<string, number>(); // clientId → seq
  const sent: string[] = [];
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/ws`, ["qun", token]);
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  ws.on("message", (d) => {
    const f = JSON.parse(String(d)) as ServerFrame;
    if (f.type === "ready") {
      timer = setInterval(() => {
        const clientId = `${prefix}-${i++}`;
        sent.push(clientId);
        ws.send(JSON.stringify({ type: "send", ref: clientId, conversationId, message: { clientId, type: "text", body: { text: clientId } } }));
      }, 120); // under the 10/s per-sender limit
    }
    if (f.type === "ack") acked.set(f.ack.clientId, f.ack.seq);
  });
  ws.on("error", () => {});
  ws.on("close", () => clearInterval(timer));
  return { acked, sent, stop: () => clearInterval(timer) };
}

it("keeps every acked message exactly once, in order, across a kill -9, and retries add nothing", { timeout: 180_000 }, async () => {
  worker = await startWorker(vars, 90_000, state);
  const [alice, bob] = [await post("/auth/dev", { name: "crash-alice" }), await post("/auth/dev", { name: "crash-bob" })];
  await befriend(worker.url, { id: alice.body.user.id, token: alice.body.accessToken }, { id: bob.body.user.id, token: bob.body.accessToken });
  const group = await post("/conversations", { name: "Crash test", memberIds: [bob.body.user.id] }, alice.body.accessToken);
  expect(group.status).toBe(201);
  const conversationId: string = group.body.id;

  const a = sender(worker.url, alice.body.accessToken, conversationId, "a");
  const b = sender(worker.url, bob.body.accessToken, conversationId, "b");
  await new Promise((r) => setTimeout(r, 2500));
  // kill -9 everything wrangler started: no graceful shutdown, no flush.
  process.kill(-worker.pid, "SIGKILL");
  a.stop();
  b.stop();
  await new Promise((r) => setTimeout(r, 500));
  const ackedBefore = new Map([...a.acked, ...b.acked]);
  expect(ackedBefore.size).toBeGreaterThan(10);

  worker = await startWorker(vars, 90_000, state);
  // The tokens were signed with the same secret and their sessions are in D1: still valid.
  const read = async () => {
    const all = [];
    let after = 0;
    for (;;) {
      const res = await fetch(`${worker!.url}/conversations/${conversationId}/messages?after=${after}&limit=200`, { headers: { authorization: `Bearer ${alice.body.accessToken}` } });
      expect(res.status).toBe(200);
      const page = (await res.json()) as HistoryPage;
      all.push(...page.messages);
      after = page.messages.at(-1)?.seq ?? after;
      if (!page.hasMore) return all;
    }
  };
  const stored = await read();
  const byClient = new Map(stored.filter((m) => m.clientId).map((m) => [m.clientId!, m.seq]));
  for (const [clientId, seq] of ackedBefore) expect(byClient.get(clientId), clientId).toBe(seq);
  expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1)); // gap-free, in order

  // Clients retry everything they sent but never saw acked: each lands once; acked ones are
  // answered as duplicates with their original seq.
  for (const [who, s] of [
    [alice, a],
    [bob, b],
  ] as const) {
    for (const clientId of s.sent) {
      const res = await post(`/conversations/${conversationId}/messages`, { clientId, type: "text", body: { text: clientId } }, who.body.accessToken);
      expect([200, 201]).toContain(res.status);
      if (ackedBefore.has(clientId)) expect(res.body).toMatchObject({ duplicate: true, seq: ackedBefore.get(clientId) });
      await new Promise((r) => setTimeout(r, 105));
    }
  }
  const after = await read();
  const ids = after.filter((m) => m.clientId).map((m) => m.clientId!);
  expect(new Set(ids).size).toBe(ids.length); // no duplicates
  expect(new Set(ids)).toEqual(new Set([...a.sent, ...b.sent])); // nothing lost
  expect(after.map((m) => m.seq)).toEqual(after.map((_, i) => i + 1));
});
