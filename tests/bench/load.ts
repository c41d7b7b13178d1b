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
  /**
   * Several conversations at once (the direct-chat and many-groups workloads): each names its
   * members and senders by index into `members`, has its own rate and a kind the result is split
   * by. Without it: one conversation, `conversationId`, every member, `senders` and `rate`.
   */
  rooms?: Room[];
}

export interface Room {
  conversationId: string;
  members: number[];
  senders: number[];
  rate: number;
  kind: string;
}

/** One kind of room's share of a multi-room run. */
export interface KindResult {
  rooms: number;
  sent: number;
  expectedDeliveries: number;
  delivered: number;
  deliverMs: { p50: number; p99: number; max: number };
  ackMs: { p50: number; p99: number; max: number };
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
  /** With `rooms`: the figures per kind of room. */
  byKind?: Record<string, KindResult>;
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);
const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round(pct(s, 50)), p99: round(pct(s, 99)), max: round(s.at(-1) ?? NaN) };
};
const round = (x: number) => Math.round(x * 10) / 10;

function connect(spec: LoadSpec, credential: string, conversationIds: string[]): Promise<WebSocket> {
  const wsUrl = spec.baseUrl.replace(/^http/, "ws");
  // A baseline socket joins the conversations its URL names (one per room the member is in).
  const url = spec.target === "qun" ? `${wsUrl}/ws${spec.batch ? "?batch=1" : ""}` : `${wsUrl}/ws?${conversationIds.map((c) => `c=${encodeURIComponent(c)}`).join("&")}`;
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
  const rooms: Room[] = spec.rooms ?? [{ conversationId: spec.conversationId, members: spec.members.map((_, i) => i), senders: spec.senders, rate: spec.rate, kind: "group" }];
  const roomsOf = spec.members.map(() => [] as string[]);
  for (const room of rooms) for (const m of room.members) roomsOf[m]!.push(room.conversationId);
  const sockets: WebSocket[] = [];
  for (let i = 0; i < spec.members.length; i += 50) {
    sockets.push(...(await Promise.all(spec.members.slice(i, i + 50).map((m, j) => connect(spec, m.credential, roomsOf[i + j]!)))));
  }
  const due = new Map<string, number>(); // clientId → due time
  const roomOf = new Map<string, number>(); // clientId → index into rooms
  const measured = new Set<string>();
  const kinds = [...new Set(rooms.map((r) => r.kind))];
  const deliverMs = new Map<string, number[]>(kinds.map((k) => [k, []]));
  const ackMs = new Map<string, number[]>(kinds.map((k) => [k, []]));
  const received = sockets.map(() => new Set<string>());
  const lastSeq = sockets.map(() => new Map<string, number>());
  let duplicates = 0;
  let outOfOrder = 0;
  let acked = 0;
  let refused = 0;
  const prefix = `b${Date.now().toString(36)}-`;
  const kindOf = (clientId: string) => rooms[roomOf.get(clientId)!]!.kind;

  let readsSent = 0;
  let readReceipts = 0;
  let otherErrors = 0;
  const reads = sockets.map(() => ({ lastAt: 0, seq: 0, conversationId: "", timer: null as NodeJS.Timeout | null }));
  const reportRead = (r: number, conversationId: string, seq: number) => {
    const state = reads[r]!;
    state.seq = Math.max(state.seq, seq);
    state.conversationId = conversationId;
    if (state.timer) return;
    const send = () => {
      state.lastAt = performance.now();
      readsSent++;
      if (sockets[r]!.readyState === WebSocket.OPEN) sockets[r]!.send(JSON.stringify({ type: "read", conversationId: state.conversationId, seq: state.seq }));
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
      if (f.type === "message") {
        const id: string | null = f.message.clientId;
        if (!id || !id.startsWith(prefix) || !roomOf.has(id)) return;
        if (received[r]!.has(id)) duplicates++;
        received[r]!.add(id);
        const conversationId: string = f.message.conversationId;
        if (f.message.seq < (lastSeq[r]!.get(conversationId) ?? 0)) outOfOrder++;
        lastSeq[r]!.set(conversationId, f.message.seq);
        if (measured.has(id)) deliverMs.get(kindOf(id))!.push(now - due.get(id)!);
        if (spec.readers && spec.target === "qun") reportRead(r, conversationId, f.message.seq);
      } else if (f.type === "ack" && typeof f.ref === "string" && f.ref.startsWith(prefix)) {
        acked++;
        if (measured.has(f.ref)) ackMs.get(kindOf(f.ref))!.push(now - due.get(f.ref)!);
      } else if (f.type === "error" && typeof f.ref === "string" && f.ref.startsWith(prefix)) {
        refused++;
      } else if (f.type === "error") {
        otherErrors++;
      } else if (f.type === "read") {
        readReceipts++;
      }
    };
    ws.on("message", (data) => onFrame(JSON.parse(String(data)), performance.now()));
  });

  // Every room's messages on one timeline: room r's k-th is due at its phase + k / its rate, the
  // phases spread so that rooms of the same rate do not all send at once.
  const schedule: { at: number; room: number; k: number }[] = [];
  rooms.forEach((room, r) => {
    const count = Math.round((room.rate * spec.durationMs) / 1000);
    const phase = (r / rooms.length) * (1000 / room.rate);
    for (let k = 0; k < count; k++) schedule.push({ at: phase + (k * 1000) / room.rate, room: r, k });
  });
  schedule.sort((a, b) => a.at - b.at);
  const total = schedule.length;
  const start = performance.now() + 200;
  process.stderr.write("phase:sending\n"); // the bench counts server CPU between these two lines
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && start + schedule[i]!.at <= now) {
        const { at: offset, room: r, k } = schedule[i]!;
        const room = rooms[r]!;
        const at = start + offset;
        const clientId = `${prefix}${r}.${k}`;
        due.set(clientId, at);
        roomOf.set(clientId, r);
        if (offset >= spec.warmupMs) measured.add(clientId);
        const senderIndex = room.senders[k % room.senders.length]!;
        const message = { clientId, type: "text", body: { text: `bench message ${k}` } };
        if (spec.via === "https") {
          const post = fetch(`${spec.baseUrl}/conversations/${room.conversationId}/messages`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${spec.members[senderIndex]!.credential}` },
            body: JSON.stringify(message),
          });
          post.then(
            async (res) => {
              await res.arrayBuffer();
              if (res.status === 201 || res.status === 200) {
                acked++;
                if (measured.has(clientId)) ackMs.get(room.kind)!.push(performance.now() - at);
              } else refused++;
            },
            () => refused++,
          );
        } else sockets[senderIndex]!.send(JSON.stringify({ type: "send", ref: clientId, conversationId: room.conversationId, message }));
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, start + schedule[i]!.at - performance.now()));
    };
    setTimeout(tick, 200);
  });
  const sentAt = performance.now();
  process.stderr.write("phase:sent\n");
  await new Promise((r) => setTimeout(r, spec.drainMs));
  process.stderr.write("phase:drained\n");

  // Who should have each measured message: every member of its room, the sender's own devices too.
  const byKind: Record<string, KindResult> = {};
  for (const kind of kinds)
    byKind[kind] = { rooms: rooms.filter((r) => r.kind === kind).length, sent: 0, expectedDeliveries: 0, delivered: 0, deliverMs: summary(deliverMs.get(kind)!), ackMs: summary(ackMs.get(kind)!) };
  for (const id of measured) {
    const room = rooms[roomOf.get(id)!]!;
    const k = byKind[room.kind]!;
    k.sent++;
    k.expectedDeliveries += room.members.length;
    for (const m of room.members) if (received[m]!.has(id)) k.delivered++;
  }
  const sum = (f: (k: KindResult) => number) => Object.values(byKind).reduce((n, k) => n + f(k), 0);
  const expectedDeliveries = sum((k) => k.expectedDeliveries);
  const delivered = sum((k) => k.delivered);
  for (const state of reads) if (state.timer) clearTimeout(state.timer);
  for (const ws of sockets) ws.terminate();
  return {
    rate: rooms.reduce((n, r) => n + r.rate, 0),
    members: sockets.length,
    sent: measured.size,
    acked,
    refused,
    expectedDeliveries,
    delivered,
    lost: expectedDeliveries - delivered,
    duplicates,
    ...(spec.readers ? { readsSent, readReceipts } : {}),
    otherErrors,
    outOfOrder,
    deliverMs: summary([...deliverMs.values()].flat()),
    ackMs: summary([...ackMs.values()].flat()),
    achievedRate: round(total / ((sentAt - start) / 1000)),
    deliveredAll: received.reduce((n, set) => n + set.size, 0),
    ...(spec.rooms ? { byKind } : {}),
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
