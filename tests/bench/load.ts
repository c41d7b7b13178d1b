// The load generator, run as its own process so it never shares a core's event loop with the
// server it measures. Connects every member, then sends open-loop: message i is due at
// start + i / rate whatever happened to earlier ones, and latency counts from that due time,
// so a slow server cannot hide its queueing (no coordinated omission). Prints one JSON result.
//   node tests/bench/load.ts <spec.json>
import { readFileSync } from "node:fs";
import WebSocket from "ws";

export interface LoadSpec {
  baseUrl: string; // http://127.0.0.1:port
  target: "qun" | "baseline";
  conversationId: string;
  /** Each member connects one socket; `credential` is an access token (Qun) or a user id (baseline). */
  members: { userId: string; credential: string }[];
  /** Indexes into members that take turns sending (Qun limits each sender to 10 messages/s). */
  senders: number[];
  rate: number; // messages per second, all senders together
  durationMs: number;
  warmupMs: number; // messages due before this are sent but not measured
  drainMs: number; // how long to wait for late deliveries after the last send
  /** Qun: connect with /ws?batch=1, so frames due together arrive as one `batch` frame. */
  batch?: boolean;
  /**
   * Qun: every member has the chat open and reports reads as the mini-program does: the first at
   * once, then at most one a second with the newest seq.
   */
  readers?: boolean;
  /**
   * Qun: how each message is sent. "socket" (default): a `send` frame, acked on the socket, the
   * mini-program's path while its socket is open; "https": POST /conversations/:id/messages with the
   * sender's token, its fallback when the socket is down.
   */
  via?: "socket" | "https";
}

export interface LoadResult {
  rate: number;
  members: number;
  sent: number; // measured (after warm-up)
  acked: number;
  refused: number;
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  deliverMs: { p50: number; p99: number; max: number };
  ackMs: { p50: number; p99: number; max: number };
  achievedRate: number;
  /** Every delivery, warm-up included (the bench divides server CPU by it). */
  deliveredAll: number;
  /** With `readers`: read frames sent, read receipts received, and error frames without a send's ref. */
  readsSent?: number;
  readReceipts?: number;
  otherErrors?: number;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round(pct(s, 50)), p99: round(pct(s, 99)), max: round(s.at(-1) ?? NaN) };
};
const round = (x: number) => Math.round(x * 10) / 10;

function connect(spec: LoadSpec, credential: string): Promise<WebSocket> {
  const wsUrl = spec.baseUrl.replace(/^http/, "ws");
  const url = spec.target === "qun" ? `${wsUrl}/ws${spec.batch ? "?batch=1" : ""}` : `${wsUrl}/ws?c=${encodeURIComponent(spec.conversationId)}`;
  return new Promise((resolve, reject) => {
    // As wx.connectSocket (perMessageDeflate defaults to false): Node's ws offers compression by
    // default, and workerd accepts it, which made every pushed frame a deflate call.
    const ws = new WebSocket(url, ["qun", credential], { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error("no ready frame in 30 s")), 30_000);
    ws.once("message", (data) => {
      clearTimeout(timer);
      const f = JSON.parse(String(data));
      if (f.type === "ready") resolve(ws);
      else reject(new Error(`expected ready, got ${String(data)}`));
    });
    ws.once("error", reject);
  });
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < spec.members.length; i += 50) {
    sockets.push(...(await Promise.all(spec.members.slice(i, i + 50).map((m) => connect(spec, m.credential)))));
  }
  const due = new Map<string, number>(); // clientId → due time
  const measured = new Set<string>();
  const deliverMs: number[] = [];
  const ackMs: number[] = [];
  const received = sockets.map(() => new Set<string>());
  const lastSeq = sockets.map(() => 0);
  let duplicates = 0;
  let outOfOrder = 0;
  let acked = 0;
  let refused = 0;
  const prefix = `b${Date.now().toString(36)}-`;

  let readsSent = 0;
  let readReceipts = 0;
  let otherErrors = 0;
  const reads = sockets.map(() => ({ lastAt: 0, seq: 0, timer: null as NodeJS.Timeout | null }));
  const reportRead = (r: number, seq: number) => {
    const state = reads[r]!;
    state.seq = Math.max(state.seq, seq);
    if (state.timer) return;
    const send = () => {
      state.lastAt = performance.now();
      readsSent++;
      if (sockets[r]!.readyState === WebSocket.OPEN) sockets[r]!.send(JSON.stringify({ type: "read", conversationId: spec.conversationId, seq: state.seq }));
    };
    const wait = state.lastAt + 1000 - performance.now();
    if (wait <= 0) return send();
    state.timer = setTimeout(() => {
      state.timer = null;
      send();
    }, wait);
  };

  sockets.forEach((ws, r) => {
    const onFrame = (f: any, now: number) => {
      if (f.type === "batch") {
        for (const inner of f.frames as unknown[]) onFrame(inner, now);
        return;
      }
      if (f.type === "message" && f.message.conversationId === spec.conversationId) {
        const id: string | null = f.message.clientId;
        if (!id || !id.startsWith(prefix)) return;
        if (received[r]!.has(id)) duplicates++;
        received[r]!.add(id);
        if (f.message.seq < lastSeq[r]!) outOfOrder++;
        lastSeq[r] = f.message.seq;
        if (measured.has(id)) deliverMs.push(now - due.get(id)!);
        if (spec.readers && spec.target === "qun") reportRead(r, f.message.seq);
      } else if (f.type === "ack" && typeof f.ref === "string" && f.ref.startsWith(prefix)) {
        acked++;
        if (measured.has(f.ref)) ackMs.push(now - due.get(f.ref)!);
      } else if (f.type === "error" && typeof f.ref === "string" && f.ref.startsWith(prefix)) {
        refused++;
      } else if (f.type === "error") {
        otherErrors++;
      } else if (f.type === "read" && f.conversationId === spec.conversationId) {
        readReceipts++;
      }
    };
    ws.on("message", (data) => onFrame(JSON.parse(String(data)), performance.now()));
  });

  const total = Math.round((spec.rate * spec.durationMs) / 1000);
  const start = performance.now() + 200;
  process.stderr.write("phase:sending\n"); // the bench counts server CPU between these two lines
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && start + (i * 1000) / spec.rate <= now) {
        const at = start + (i * 1000) / spec.rate;
        const clientId = `${prefix}${i}`;
        due.set(clientId, at);
        if (at - start >= spec.warmupMs) measured.add(clientId);
        const senderIndex = spec.senders[i % spec.senders.length]!;
        const message = { clientId, type: "text", body: { text: `bench message ${i}` } };
        if (spec.via === "https") {
          const post = fetch(`${spec.baseUrl}/conversations/${spec.conversationId}/messages`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${spec.members[senderIndex]!.credential}` },
            body: JSON.stringify(message),
          });
          post.then(
            async (res) => {
              await res.arrayBuffer();
              if (res.status === 201 || res.status === 200) {
                acked++;
                if (measured.has(clientId)) ackMs.push(performance.now() - at);
              } else refused++;
            },
            () => refused++,
          );
        } else sockets[senderIndex]!.send(JSON.stringify({ type: "send", ref: clientId, conversationId: spec.conversationId, message }));
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, start + (i * 1000) / spec.rate - performance.now()));
    };
    setTimeout(tick, 200);
  });
  const sentAt = performance.now();
  process.stderr.write("phase:sent\n");
  await new Promise((r) => setTimeout(r, spec.drainMs));
  process.stderr.write("phase:drained\n");

  const measuredIds = [...measured];
  let delivered = 0;
  for (const set of received) for (const id of measuredIds) if (set.has(id)) delivered++;
  const expectedDeliveries = measuredIds.length * sockets.length;
  for (const state of reads) if (state.timer) clearTimeout(state.timer);
  for (const ws of sockets) ws.terminate();
  return {
    rate: spec.rate,
    members: sockets.length,
    sent: measuredIds.length,
    acked,
    refused,
    expectedDeliveries,
    delivered,
    lost: expectedDeliveries - delivered,
    duplicates,
    ...(spec.readers ? { readsSent, readReceipts } : {}),
    otherErrors,
    outOfOrder,
    deliverMs: summary(deliverMs),
    ackMs: summary(ackMs),
    achievedRate: round(total / ((sentAt - start) / 1000)),
    deliveredAll: received.reduce((n, set) => n + set.size, 0),
  };
}

if (process.argv[2]) {
  runLoad(JSON.parse(readFileSync(process.argv[2], "utf8")) as LoadSpec).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
