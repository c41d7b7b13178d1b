// How long after the server's close frame a standard WebSocket client (`ws`) sees its close
// event, against `wrangler dev`: through wrangler's dev proxy and straight to the workerd that
// runs Qun, for sockets the gateway closes (hibernation API), a socket the worker closes itself
// (no hibernation), a close the client starts, and a client that never answers the close frame.
// The figures are in docs/protocol.md ("When a close arrives"). A documented command, not a test:
//   node --no-warnings tests/reliability/close-timing.ts
import { execSync } from "node:child_process";
import WebSocket from "ws";
import { startWorker } from "../support/wrangler-dev.ts";

const worker = await startWorker({ ENVIRONMENT: "development", JWT_SECRET: `timing-${crypto.randomUUID()}` }, 90_000, undefined, { snapshot: true });
const post = async (path: string, body: unknown, token?: string) => {
  const r = await fetch(worker.url + path, { method: "POST", headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const t = await r.text();
  return t ? JSON.parse(t) : null;
};

/** The workerd that runs Qun (wrangler starts a second one as its dev proxy): its HTTP port. */
async function runtimeUrl(): Promise<string | null> {
  const line = execSync(`pgrep -g ${worker.pid} -a`)
    .toString()
    .split("\n")
    .find((l) => l.includes("workerd serve") && l.includes("entry=127.0.0.1:0"));
  if (!line) return null;
  const pid = line.split(" ")[0];
  const ports = [
    ...execSync("ss -ltnp")
      .toString()
      .matchAll(new RegExp(`127\\.0\\.0\\.1:(\\d+).*pid=${pid},`, "g")),
  ].map((m) => m[1]);
  for (const port of ports) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return `http://127.0.0.1:${port}`;
  }
  return null;
}

interface Timed {
  ws: WebSocket;
  /** ms since `zero()`: the close frame in, the server's TCP FIN, the close event. */
  marks: Record<string, number>;
  zero(): void;
  closed: Promise<number>;
}

async function open(base: string, token: string | null): Promise<Timed> {
  const url = `${base.replace(/^http/, "ws")}/ws`;
  const ws = token ? new WebSocket(url, ["qun", token]) : new WebSocket(url);
  let t0 = performance.now();
  const marks: Record<string, number> = {};
  const mark = (k: string) => (marks[k] ??= Math.round(performance.now() - t0));
  ws.on("open", () => {
    (ws as unknown as { _receiver: NodeJS.EventEmitter })._receiver.on("conclude", () => mark("closeFrame"));
    (ws as unknown as { _socket: NodeJS.EventEmitter })._socket.on("end", () => mark("serverFin"));
  });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => (mark("closeEvent"), resolve(code))));
  await new Promise((r) => ws.once("message", r));
  return { ws, marks, closed, zero: () => void (t0 = performance.now()) };
}

const results: { case: string; code: number | string; closeFrameMs?: number; closeEventMs?: number; afterCloseFrameMs?: number }[] = [];
const record = (name: string, t: Timed, code: number | string) => {
  const { closeFrame, closeEvent } = t.marks;
  results.push({
    case: name,
    code,
    closeFrameMs: closeFrame,
    closeEventMs: closeEvent,
    ...(closeFrame !== undefined && closeEvent !== undefined ? { afterCloseFrameMs: closeEvent - closeFrame } : {}),
  });
};

try {
  const runtime = await runtimeUrl();
  for (const [via, base] of [
    ["dev proxy", worker.url],
    ["workerd directly", runtime],
  ] as const) {
    if (!base) continue;
    let n = 0;
    const signIn = async () => (await post("/auth/dev", { name: `timing${via.length}x${++n}` })).accessToken as string;

    const outToken = await signIn();
    const signedOut = await open(base, outToken);
    signedOut.zero();
    await post("/auth/logout", {}, outToken);
    record(`${via}: gateway closes (sign-out, 4403)`, signedOut, await signedOut.closed);

    const same = await signIn();
    const older = await open(base, same);
    older.zero();
    const newer = await open(base, same);
    record(`${via}: gateway closes (replaced, 4409)`, older, await older.closed);
    newer.zero();
    newer.ws.close(1000);
    record(`${via}: client closes (1000)`, newer, await newer.closed);

    const silentToken = await signIn();
    const silent = await open(base, silentToken);
    (silent.ws as unknown as { close: () => void }).close = () => undefined; // never answers the close frame
    silent.zero();
    await post("/auth/logout", {}, silentToken);
    const ended = await Promise.race([silent.closed, new Promise<string>((r) => setTimeout(() => r("still open after 30 s"), 30_000))]);
    record(`${via}: gateway closes, client never answers`, silent, ended);
    silent.ws.terminate();

    const refused = await open(base, null); // timed from the connect: its close comes with the first frame
    record(`${via}: worker closes, no hibernation (4401)`, refused, await refused.closed);
  }
  console.table(results);
} finally {
  await worker.stop();
}
