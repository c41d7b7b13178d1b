// Bad input on the wire, against the real `wrangler dev` process: what the Workers pool cannot
// send (broken HTTP, huge headers, text frames that are not UTF-8, frames over a megabyte, a
// flood of junk). The worker must answer or close, never crash, and stay correct afterwards.
// tests/worker/bad-input.test.ts covers every route's bodies, queries and parameters.
import { connect } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { FRAME_LIMITS } from "../../schema/limits";
import { CLOSE, type ServerFrame } from "../../schema/protocol";
import { befriend } from "../support/friends";
import { startWorker, type RunningWorker } from "../support/wrangler-dev";

let worker: RunningWorker;
let owner: { token: string; id: string };
let member: { token: string; id: string };
let group: string;

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${worker.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Writes raw bytes to the worker's port and returns whatever comes back before it closes (or 5 s). */
function raw(bytes: string | Buffer): Promise<string> {
  const { port } = new URL(worker.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), "127.0.0.1");
    let got = "";
    const done = () => {
      socket.destroy();
      resolve(got);
    };
    socket.on("data", (d) => (got += d.toString("latin1")));
    socket.on("end", done);
    socket.on("error", done);
    socket.setTimeout(5000, done);
    socket.write(bytes);
  });
}

function open(token: string): Promise<{ ws: WebSocket; frames: ServerFrame[]; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${worker.url.replace(/^http/, "ws")}/ws`, { headers: { authorization: `Bearer ${token}` } });
    const frames: ServerFrame[] = [];
    const closed = new Promise<number>((r) => ws.on("close", (code) => r(code)));
    ws.on("message", (d) => {
      const f = JSON.parse(String(d)) as ServerFrame;
      frames.push(f);
      if (f.type === "ready") resolve({ ws, frames, closed });
    });
    ws.on("error", reject);
  });
}

async function until<T>(fn: () => T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stillServing() {
  expect((await call("GET", "/health")).status).toBe(200);
  const s = await open(member.token);
  const clientId = `alive-${Date.now()}`;
  s.ws.send(JSON.stringify({ type: "send", ref: clientId, conversationId: group, message: { clientId, type: "text", body: { text: "still here" } } }));
  const ack = await until(() => s.frames.find((f) => f.type === "ack"));
  s.ws.close();
  return ack;
}

beforeAll(async () => {
  worker = await startWorker({ ENVIRONMENT: "development", JWT_SECRET: `wire-${crypto.randomUUID()}` }, 90_000);
  const [a, b] = [await call("POST", "/auth/dev", undefined, { name: "wire-owner" }), await call("POST", "/auth/dev", undefined, { name: "wire-member" })];
  owner = { token: a.body.accessToken, id: a.body.user.id };
  member = { token: b.body.accessToken, id: b.body.user.id };
  await befriend(worker.url, owner, member);
  group = (await call("POST", "/conversations", owner.token, { name: "Wire", memberIds: [member.id] })).body.id;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
});

it("answers broken HTTP and oversized headers without falling over", async () => {
  for (const junk of [
    "HELLO\r\n\r\n",
    "GET / HTTP/9.9\r\n\r\n",
    "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(200_000)}\r\n\r\n`,
    Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00]),
  ]) {
    const answer = await raw(junk);
    expect(answer).not.toMatch(/^HTTP\/1\.1 5\d\d/);
  }
  await stillServing();
});

it("refuses a text frame that is not UTF-8 and a frame over a megabyte, then serves the next connection", async () => {
  const s = await open(member.token);
  s.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false }); // invalid UTF-8 in a text frame
  const code = await Promise.race([s.closed, until(() => s.frames.find((f) => f.type === "error")).then(() => 0)]);
  expect([0, 1007]).toContain(code); // an error frame, or closed as "invalid frame payload data"
  s.ws.terminate();

  const big = await open(member.token);
  big.ws.send(JSON.stringify({ type: "send", ref: "big", conversationId: group, message: { clientId: "big", type: "text", body: { text: "x".repeat(2 * 1024 * 1024) } } }));
  const bigCode = await Promise.race([big.closed, until(() => big.frames.find((f) => f.type === "error")).then(() => 0)]);
  expect([0, 1009]).toContain(bigCode); // payload_too_large, or closed as "message too big"
  big.ws.terminate();
  await stillServing();
});

it("survives a flood of junk frames on one socket: answers the frame budget's worth, refuses the rest, and cuts the socket off with 4429", async () => {
  const s = await open(member.token);
  try {
    for (let i = 0; i < 500; i++) s.ws.send(i % 2 ? `{"type":"junk","ref":"j${i}"}` : "not json at all");
  } catch {} // the socket may be cut off before the loop ends
  expect(await s.closed).toBe(CLOSE.rateLimited);
  const errors = s.frames.filter((f) => f.type === "error");
  const answered = errors.filter((f) => f.type === "error" && f.code === "invalid_request").length;
  expect(answered).toBeGreaterThanOrEqual(FRAME_LIMITS.burst);
  expect(errors.filter((f) => f.type === "error" && f.code === "rate_limited").length).toBeGreaterThanOrEqual(FRAME_LIMITS.refusedBeforeClose);
  await stillServing();
});

it("stored nothing from any of it: the group holds its notice and the checks' own messages only", async () => {
  const page = (await call("GET", `/conversations/${group}/messages?after=0&limit=200`, owner.token)).body;
  const texts = page.messages.filter((m: { type: string }) => m.type === "text").map((m: { body: { text: string } }) => m.body.text);
  expect(new Set(texts)).toEqual(new Set(["still here"]));
  expect(page.messages.map((m: { seq: number }) => m.seq)).toEqual(page.messages.map((_: unknown, i: number) => i + 1));
});
