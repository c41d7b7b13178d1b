// The baselines the benchmark compares Qun with, speaking the same protocol subset the load
// generator uses (ready, send → ack, message push, history pages):
//   memory: a minimal Node `ws` broadcast server with in-memory sequencing (the machine's bound)
//   sqlite: the same with every message stored in SQLite (WAL) before the ack — the
//           conventional self-hosted design.
// Every socket is a member of every conversation it sends to or names in `?c=`; the bench uses
// one conversation at a time. Tokens are taken as user ids (no auth: it only makes the baseline
// faster).
//   node tests/bench/baseline-server.ts --port 9100 [--sqlite /tmp/x.db]
import { createServer } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const port = Number(args.get("port") ?? 9100);
const sqlitePath = args.get("sqlite");

interface Stored {
  conversationId: string;
  seq: number;
  id: string;
  senderId: string;
  clientId: string;
  type: string;
  body: unknown;
  createdAt: number;
}

interface Store {
  append(m: Omit<Stored, "seq" | "id">): { stored: Stored; duplicate: boolean };
  after(conversationId: string, after: number, limit: number): { messages: Stored[]; lastSeq: number };
}

function memoryStore(): Store {
  const logs = new Map<string, Stored[]>();
  const seen = new Map<string, Stored>();
  return {
    append(m) {
      const key = `${m.conversationId}\u0000${m.senderId}\u0000${m.clientId}`;
      const prior = seen.get(key);
      if (prior) return { stored: prior, duplicate: true };
      const log = logs.get(m.conversationId) ?? [];
      logs.set(m.conversationId, log);
      const stored = { ...m, seq: log.length + 1, id: `m${log.length + 1}` };
      log.push(stored);
      seen.set(key, stored);
      return { stored, duplicate: false };
    },
    after(conversationId, after, limit) {
      const log = logs.get(conversationId) ?? [];
      return { messages: log.slice(after, after + limit), lastSeq: log.length };
    },
  };
}

async function sqliteStore(path: string): Promise<Store> {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(path);
  db.exec("pragma journal_mode = wal; pragma synchronous = normal;");
  db.exec(`create table if not exists messages (
    conversation_id text not null, seq integer not null, id text not null, sender_id text not null,
    client_id text not null, type text not null, body text not null, created_at integer not null,
    primary key (conversation_id, seq), unique (conversation_id, sender_id, client_id))`);
  const last = db.prepare("select coalesce(max(seq), 0) as s from messages where conversation_id = ?");
  const insert = db.prepare("insert into messages values (?, ?, ?, ?, ?, ?, ?, ?)");
  const find = db.prepare("select * from messages where conversation_id = ? and sender_id = ? and client_id = ?");
  const page = db.prepare("select * from messages where conversation_id = ? and seq > ? order by seq limit ?");
  const lastSeq = new Map<string, number>();
  const row = (r: any): Stored => ({
    conversationId: r.conversation_id,
    seq: r.seq,
    id: r.id,
    senderId: r.sender_id,
    clientId: r.client_id,
    type: r.type,
    body: JSON.parse(r.body),
    createdAt: r.created_at,
  });
  return {
    append(m) {
      const prior = find.get(m.conversationId, m.senderId, m.clientId);
      if (prior) return { stored: row(prior), duplicate: true };
      const seq = (lastSeq.get(m.conversationId) ?? (last.get(m.conversationId) as { s: number }).s) + 1;
      lastSeq.set(m.conversationId, seq);
      const stored = { ...m, seq, id: `m${seq}` };
      insert.run(m.conversationId, seq, stored.id, m.senderId, m.clientId, m.type, JSON.stringify(m.body), m.createdAt);
      return { stored, duplicate: false };
    },
    after(conversationId, after, limit) {
      const messages = (page.all(conversationId, after, limit) as any[]).map(row);
      return { messages, lastSeq: lastSeq.get(conversationId) ?? (last.get(conversationId) as { s: number }).s };
    },
  };
}

const store = sqlitePath ? await sqliteStore(sqlitePath) : memoryStore();
const members = new Map<string, Set<WebSocket>>(); // conversation → sockets

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  const m = url.pathname.match(/^\/conversations\/([^/]+)\/messages$/);
  if (req.method === "GET" && url.pathname === "/health") return void res.end('{"status":"ok"}');
  if (req.method === "GET" && m) {
    const after = Number(url.searchParams.get("after") ?? 0);
    // Up to 5,000 a page, as Qun's compact pages (the bench reads the baselines both in pages of 200 and of 5,000).
    const limit = Math.min(5000, Number(url.searchParams.get("limit") ?? 50));
    const { messages, lastSeq } = store.after(m[1]!, after, limit);
    res.setHeader("content-type", "application/json");
    return void res.end(JSON.stringify({ messages, hasMore: (messages.at(-1)?.seq ?? after) < lastSeq, lastSeq }));
  }
  res.statusCode = 404;
  res.end('{"error":{"code":"not_found","message":"no route"}}');
});

const wss = new WebSocketServer({ server, path: "/ws", handleProtocols: (protocols) => (protocols.has("qun") ? "qun" : false) });
wss.on("connection", (ws, req) => {
  const protocols = String(req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((s) => s.trim());
  const userId = protocols.find((p) => p && p !== "qun") ?? "anonymous";
  const url = new URL(req.url ?? "/", "http://x");
  for (const c of url.searchParams.getAll("c")) {
    const set = members.get(c) ?? new Set();
    members.set(c, set);
    set.add(ws);
  }
  ws.on("close", () => {
    for (const set of members.values()) set.delete(ws);
  });
  ws.send(JSON.stringify({ type: "ready", userId, sessionId: "s", serverTime: Date.now() }));
  ws.on("message", (data) => {
    let frame: any;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return ws.send('{"type":"error","code":"invalid_request","message":"Frames must be UTF-8 JSON"}');
    }
    if (frame?.type === "ping") return ws.send('{"type":"pong"}');
    if (frame?.type !== "send" || typeof frame.conversationId !== "string") return ws.send('{"type":"error","code":"invalid_request","message":"unsupported"}');
    const { clientId, type, body } = frame.message ?? {};
    const { stored, duplicate } = store.append({ conversationId: frame.conversationId, senderId: userId, clientId, type, body, createdAt: Date.now() });
    ws.send(JSON.stringify({ type: "ack", ref: frame.ref, ack: { conversationId: stored.conversationId, clientId, seq: stored.seq, id: stored.id, createdAt: stored.createdAt, duplicate } }));
    if (duplicate) return;
    const push = JSON.stringify({ type: "message", message: { ...stored, mentions: [], mentionAll: false, replyTo: null, forwarded: null, recalledAt: null, recalledBy: null } });
    for (const peer of members.get(frame.conversationId) ?? []) peer.send(push);
  });
});

server.listen(port, "127.0.0.1", () => console.log(`baseline ${sqlitePath ? "sqlite" : "memory"} listening on ${port}`));
