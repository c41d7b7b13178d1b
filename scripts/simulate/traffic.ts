// The simulation's clients: one socket per online user, as the mini-program connects (batch
// frames, no compression), sending on schedule (open loop: a message is sent when due whatever
// happened to earlier ones) and reporting reads from chats that are open, at most one a second per
// chat as the mini-program does. Keeps what each socket received, to count lost and duplicated
// messages as the bench does.
import WebSocket from "ws";
import type { Due } from "./population.ts";

export interface TrafficResult {
  sent: number;
  acked: number;
  refused: number;
  /** Refusals by error code (a refused message is not owed to anyone: its sender was told). */
  refusedCodes: Record<string, number>;
  /** Deliveries owed for every acked message: every online member of the conversation, the sender's own socket too. */
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Deliveries to sockets other than the sender's. */
  deliveredToOthers: number;
  readsSent: number;
  otherErrors: number;
  /** Messages sent per conversation index. */
  perConversation: Map<number, number>;
  /** How long the sending took, from the first due time to the last send. */
  sendingMs: number;
}

export interface Client {
  user: number;
  ws: WebSocket;
  received: Set<string>;
  reads: Map<string, { lastAt: number; seq: number; timer: NodeJS.Timeout | null }>;
}

/** Opens one socket per token, `parallel` at a time; resolves when every one has its `ready` frame. */
export async function connectAll(baseUrl: string, users: { user: number; token: string }[], parallel = 50): Promise<Client[]> {
  const wsUrl = `${baseUrl.replace(/^http/, "ws")}/ws?batch=1`;
  const open = (u: { user: number; token: string }) =>
    new Promise<Client>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, ["qun", u.token], { perMessageDeflate: false });
      const timer = setTimeout(() => reject(new Error("no ready frame in 60 s")), 60_000);
      ws.once("message", (data) => {
        clearTimeout(timer);
        const f = JSON.parse(String(data));
        if (f.type === "ready") resolve({ user: u.user, ws, received: new Set(), reads: new Map() });
        else reject(new Error(`expected ready, got ${String(data).slice(0, 200)}`));
      });
      ws.once("error", reject);
    });
  const out: Client[] = [];
  for (let i = 0; i < users.length; i += parallel) out.push(...(await Promise.all(users.slice(i, i + parallel).map(open))));
  return out;
}

export interface TrafficPlan {
  schedule: Due[];
  /** Conversation ids by index, and their online members (indexes into users). */
  conversationIds: string[];
  onlineMembers: number[][];
  /** The chance that a recipient has the chat open (and so reports reads). */
  readerShare: number;
  drainMs: number;
  random: () => number;
  /** Called when the last message has been sent (the run takes its meter reading then). */
  onSent?: () => Promise<void>;
}

export async function runTraffic(clients: Client[], plan: TrafficPlan): Promise<TrafficResult> {
  const byUser = new Map(clients.map((c) => [c.user, c]));
  const prefix = `sim${Date.now().toString(36)}-`;
  const conversationOf = new Map<string, number>(); // clientId → conversation index
  const senderOf = new Map<string, number>();
  const open = new Map<string, boolean>(); // `${user}:${conversation}` → chat open
  const ackedIds = new Set<string>();
  let refused = 0;
  const refusedCodes: Record<string, number> = {};
  let duplicates = 0;
  let deliveredToOthers = 0;
  let readsSent = 0;
  let otherErrors = 0;

  const reportRead = (c: Client, conversationId: string, seq: number) => {
    const key = `${c.user}:${conversationId}`;
    if (!open.has(key)) open.set(key, plan.random() < plan.readerShare);
    if (!open.get(key)) return;
    let state = c.reads.get(conversationId);
    if (!state) c.reads.set(conversationId, (state = { lastAt: 0, seq: 0, timer: null }));
    state.seq = Math.max(state.seq, seq);
    if (state.timer) return;
    const s = state;
    const send = () => {
      s.lastAt = performance.now();
      readsSent++;
      if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify({ type: "read", conversationId, seq: s.seq }));
    };
    const wait = s.lastAt + 1000 - performance.now();
    if (wait <= 0) return send();
    s.timer = setTimeout(() => {
      s.timer = null;
      send();
    }, wait);
  };

  for (const c of clients) {
    const onFrame = (f: any) => {
      if (f.type === "batch") {
        for (const inner of f.frames as unknown[]) onFrame(inner);
      } else if (f.type === "message") {
        const id: string | null = f.message.clientId;
        if (!id?.startsWith(prefix) || !conversationOf.has(id)) return;
        if (c.received.has(id)) duplicates++;
        c.received.add(id);
        if (senderOf.get(id) !== c.user) {
          deliveredToOthers++;
          reportRead(c, f.message.conversationId, f.message.seq);
        }
      } else if (f.type === "ack" && typeof f.ref === "string" && f.ref.startsWith(prefix)) ackedIds.add(f.ref);
      else if (f.type === "error" && typeof f.ref === "string" && f.ref.startsWith(prefix)) {
        refused++;
        refusedCodes[f.code] = (refusedCodes[f.code] ?? 0) + 1;
      } else if (f.type === "error") otherErrors++;
    };
    c.ws.on("message", (data) => onFrame(JSON.parse(String(data))));
  }

  const perConversation = new Map<number, number>();
  const start = performance.now() + 100;
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < plan.schedule.length && start + plan.schedule[i]!.at <= now) {
        const due = plan.schedule[i]!;
        const clientId = `${prefix}${i}`;
        conversationOf.set(clientId, due.conversation);
        senderOf.set(clientId, due.sender);
        perConversation.set(due.conversation, (perConversation.get(due.conversation) ?? 0) + 1);
        const message = { clientId, type: "text", body: { text: `simulated message ${i}` } };
        byUser.get(due.sender)!.ws.send(JSON.stringify({ type: "send", ref: clientId, conversationId: plan.conversationIds[due.conversation], message }));
        i++;
      }
      if (i >= plan.schedule.length) return resolve();
      setTimeout(tick, Math.max(0, start + plan.schedule[i]!.at - performance.now()));
    };
    setTimeout(tick, 100);
  });
  const sendingMs = performance.now() - start;
  await plan.onSent?.();
  await new Promise((r) => setTimeout(r, plan.drainMs));
  for (const c of clients) for (const s of c.reads.values()) if (s.timer) clearTimeout(s.timer);

  let expected = 0;
  let delivered = 0;
  for (const [clientId, conversation] of conversationOf) {
    if (!ackedIds.has(clientId)) continue;
    for (const member of plan.onlineMembers[conversation]!) {
      expected++;
      if (byUser.get(member)?.received.has(clientId)) delivered++;
    }
  }
  return {
    sent: conversationOf.size,
    acked: ackedIds.size,
    refused,
    refusedCodes,
    expected,
    delivered,
    lost: expected - delivered,
    duplicates,
    deliveredToOthers,
    readsSent,
    otherErrors,
    perConversation,
    sendingMs,
  };
}
