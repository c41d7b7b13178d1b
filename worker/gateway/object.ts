// A gateway shard holds the WebSockets of the users whose ids hash to it (all devices of a
// user land in the same shard). Sockets hibernate: the object sleeps between frames, and the
// heartbeat is answered by the runtime without waking it.
// Lifecycle: connect (fetch: the worker has already checked the token) → frames from the
// device (validated, routed to the conversation object, answered with ack or error) →
// push (conversation objects push frames here) → close.
// Its rooms: connections.ts (one typed attachment per socket), budget.ts (frame budget),
// reads.ts (read coalescing), batch.ts (batch frames), sessions.ts (how sockets end),
// presence.ts (online/offline to friends), typing.ts (typing throttle), wake.ts (conversations
// that skip this shard while their members here are away, told when one connects).
import { DurableObject } from "cloudflare:workers";
import { MESSAGE_LIMITS } from "../../schema/limits";
import { CLOSE, clientFrame, type ClientFrame, type ServerFrame, type SessionEndReason } from "../../schema/protocol";
import type { Env } from "../env";
import { meterEnv, meterMethods } from "../lib/meter";
import type { Result } from "../lib/result";
import { conversationObject, useShardLayout } from "../lib/shards";
import { batchFrames } from "./batch";
import { refuse, spend } from "./budget";
import { Connection } from "./connections";
import { Presence } from "./presence";
import { ReadCoalescer } from "./reads";
import { closeSession, endExpired, endSessions, endSocket, scheduleExpiry, SESSION_TAG } from "./sessions";
import { TypingThrottle } from "./typing";
import { WakeList } from "./wake";

export { batchFrames } from "./batch";
export { READ_COALESCE_MS, type ReadResult } from "./reads";
export { SESSION_TAG } from "./sessions";

/** Part of a conversation's flush for one shard: frames for `to`, or for all its members there (null). */
export interface DeliveryPart {
  to: string[] | null;
  frames: string[];
}

export class GatewayObject extends DurableObject<Env> {
  private readonly presence = new Presence(this.env, (ids, frames) => this.send(this.socketsOf(ids), frames));
  /** Conversation stubs for every frame, kept while they work (a few hundred at most; forgotten past that). */
  private conversations = new Map<string, ReturnType<typeof conversationObject>>();
  private readonly stubs = { get: (id: string) => this.conversation(id), forget: (id: string) => void this.conversations.delete(id) };
  private readonly reads = new ReadCoalescer(this.ctx, this.stubs);
  private readonly typing = new TypingThrottle();
  private readonly wake = new WakeList(this.ctx.storage.sql);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, meterEnv(env));
    useShardLayout(env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /** Called by the worker with the caller's identity already verified. */
  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get("x-qun-user");
    const sessionId = request.headers.get("x-qun-session");
    if (!userId || !sessionId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated websocket upgrade", { status: 400 });
    }
    const exp = Number(request.headers.get("x-qun-exp")) || undefined;
    const batch = new URL(request.url).searchParams.get("batch") === "1";
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    // Conversations that skip this shard while the user was away hear of the connect before
    // `ready` (wake.ts: so the catch-up that follows `ready` misses nothing); the socket is
    // accepted in the same synchronous step as the last check.
    const wasOnline = await this.wake.connect(
      userId,
      (ids) => Promise.allSettled(ids.map((id) => this.conversation(id).memberOnline(userId))),
      () => {
        const wasOnline = this.ctx.getWebSockets(userId).length > 0;
        // One socket per device: a new connection of the same session replaces the old one.
        for (const old of this.ctx.getWebSockets(SESSION_TAG(sessionId))) endSocket(old, "replaced");
        this.ctx.acceptWebSocket(server, [userId, SESSION_TAG(sessionId)]);
        const c = Connection.accept(server, { userId, sessionId, connectedAt: Date.now(), ...(batch ? { batch } : {}), ...(exp ? { exp } : {}) });
        c.push({ type: "ready", userId, sessionId, serverTime: Date.now() });
        return wasOnline;
      },
    );
    if (!wasOnline) this.ctx.waitUntil(this.presence.announce(userId, true));
    if (exp) await scheduleExpiry(this.ctx, exp);
    const protocol = request.headers.get("x-qun-protocol");
    return new Response(null, { status: 101, webSocket: client, headers: protocol ? { "sec-websocket-protocol": protocol } : {} });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const c = Connection.of(ws);
    if (!c) return ws.close(CLOSE.unauthorized, "unknown connection");
    // Checked on every frame as well as by the alarm: the alarm may run a few seconds late.
    if (c.exp !== undefined && c.exp <= Date.now()) return endSocket(ws, "expired");
    if (!spend(c)) return refuse(c, data);
    const size = typeof data === "string" ? data.length : data.byteLength;
    if (size > MESSAGE_LIMITS.frameBytes) {
      return c.push({ type: "error", code: "payload_too_large", message: `Frames are limited to ${MESSAGE_LIMITS.frameBytes} bytes` });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(typeof data === "string" ? data : new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(data));
    } catch {
      return c.push({ type: "error", code: "invalid_request", message: "Frames must be UTF-8 JSON" });
    }
    const parsed = clientFrame.safeParse(raw);
    if (!parsed.success) {
      const ref = typeof (raw as { ref?: unknown })?.ref === "string" ? (raw as { ref: string }).ref.slice(0, 64) : undefined;
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      return c.push({ type: "error", ...(ref ? { ref } : {}), code: "invalid_request", message: `${where}${issue?.message ?? "invalid frame"}` });
    }
    try {
      await this.handle(c, parsed.data);
    } catch (e) {
      if ("conversationId" in parsed.data) this.conversations.delete(parsed.data.conversationId); // a stub that threw may be broken
      console.error(JSON.stringify({ msg: "frame failed", userId: c.userId, error: String(e) }));
      c.push({ type: "error", ...("ref" in parsed.data && parsed.data.ref ? { ref: parsed.data.ref } : {}), code: "internal", message: "Something went wrong; retry" });
    }
  }

  /** A valid frame from the device, routed to its conversation object. */
  private async handle(c: Connection, frame: ClientFrame) {
    switch (frame.type) {
      case "ping":
        return c.push({ type: "pong" });
      case "typing":
        if (!this.typing.due(c.userId, frame.conversationId)) return;
        await this.conversation(frame.conversationId).typing(c.userId);
        return;
      case "send": {
        const r = await this.conversation(frame.conversationId).send(c.userId, frame.message);
        return reply(c, frame.ref, r, (ack) => ({ type: "ack", ...(frame.ref ? { ref: frame.ref } : {}), ack }));
      }
      case "read":
        return this.reads.add(c.ws, c.userId, frame.conversationId, frame.seq, frame.ref);
      case "recall": {
        const r = await this.conversation(frame.conversationId).recall(c.userId, frame.seq);
        return reply(c, frame.ref, r, null);
      }
    }
  }

  private conversation(id: string) {
    let stub = this.conversations.get(id);
    if (!stub) {
      if (this.conversations.size >= 500) this.conversations.clear();
      stub = conversationObject(this.env, id);
      this.conversations.set(id, stub);
    }
    return stub;
  }

  override async alarm(): Promise<void> {
    await endExpired(this.ctx);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
    await this.wentAway(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.wentAway(ws);
  }

  /** When a user's last device disconnects, their friends see them go offline. */
  private async wentAway(ws: WebSocket) {
    const c = Connection.of(ws);
    if (!c) return;
    const others = this.ctx.getWebSockets(c.userId).filter((s) => s !== ws && s.readyState === WebSocket.OPEN);
    if (others.length === 0) await this.presence.announce(c.userId, false);
  }

  // ---- called by conversation objects, services and routes --------------------------

  /**
   * Pushes the same frames to every connected device of `userIds`. Each ws.send costs about as
   * much as the bytes it carries (it was most of the worker's time in the bench), so sockets
   * that accept batches get whatever is due together in one frame. Returns the sockets reached.
   */
  async push(userIds: string[], frames: string[]): Promise<number> {
    return this.send(this.socketsOf(userIds), frames);
  }

  /**
   * A conversation's flush (fanout.ts) for its `members` on this shard, in parts: `to: null` is
   * every one of them, otherwise the users named (a read receipt's audience). A socket hearing
   * several parts gets their frames in order, batched together. When none of `members` has a
   * socket here, the shard notes to tell the conversation when one connects (wake.ts), and
   * `idle` lets the conversation skip this shard until then.
   */
  async deliver(conversationId: string, members: string[], parts: DeliveryPart[]): Promise<{ sent: number; idle: boolean }> {
    const everyone = new Set(members);
    // Only a part for named users (a read receipt's audience) widens who is looked up.
    let users = everyone;
    for (const p of parts) {
      if (!p.to) continue;
      if (users === everyone) users = new Set(members);
      for (const u of p.to) users.add(u);
    }
    const sockets = this.socketsIn(users);
    const online = users === everyone ? sockets.length > 0 : sockets.some((ws) => everyone.has(Connection.of(ws)?.userId ?? ""));
    let idle = false;
    if (!online && members.length > 0 && !this.wake.anyConnecting(members)) {
      this.wake.watch(conversationId, members);
      idle = true;
    }
    if (parts.length === 1 && parts[0]!.to === null) return { sent: this.send(sockets, parts[0]!.frames), idle };
    // Sockets grouped by which parts they hear, so each combination is batched once.
    const byParts = new Map<string, { frames: string[]; sockets: WebSocket[] }>();
    for (const ws of sockets) {
      const user = Connection.of(ws)?.userId ?? "";
      const mine = parts.flatMap((p, i) => ((p.to === null ? everyone.has(user) : p.to.includes(user)) ? [i] : []));
      const key = mine.join(",");
      const group = byParts.get(key);
      if (group) group.sockets.push(ws);
      else byParts.set(key, { frames: mine.flatMap((i) => parts[i]!.frames), sockets: [ws] });
    }
    let sent = 0;
    for (const g of byParts.values()) if (g.frames.length > 0) sent += this.send(g.sockets, g.frames);
    return { sent, idle };
  }

  /** Tests: the conversations this shard will tell when `userId` connects. */
  async watching(userId: string): Promise<string[]> {
    return this.wake.watching(userId);
  }

  private send(sockets: WebSocket[], frames: string[]): number {
    let sent = 0;
    // One frame (a flush of one message, the common case) is the same for every socket.
    if (frames.length === 1) {
      const frame = frames[0]!;
      for (const ws of sockets) {
        try {
          ws.send(frame);
          sent++;
        } catch {
          // a socket that is closing; its device catches up on reconnect
        }
      }
      return sent;
    }
    const batched = frames.length > 1 ? batchFrames(frames) : frames;
    for (const ws of sockets) {
      try {
        for (const f of Connection.of(ws)?.takesBatches ? batched : frames) ws.send(f);
        sent++;
      } catch {
        // a socket that is closing; its device catches up on reconnect
      }
    }
    return sent;
  }

  /**
   * Ends sessions' sockets (worker/services/sessions.ts, after revoking them in D1): each hears
   * `session_ended` with the reason, then closes with its code. `{ userId }`: every socket of the user.
   */
  async endSessions(target: { userId: string } | { sessionIds: string[] }, reason: SessionEndReason): Promise<number> {
    return endSessions(this.ctx, target, reason);
  }

  /** Older callers' form of endSessions: a reason that names one is sent as `session_ended` too. */
  async closeSession(sessionId: string, code: number, reason: string): Promise<number> {
    return closeSession(this.ctx, sessionId, code, reason);
  }

  async online(userIds: string[]): Promise<string[]> {
    return userIds.filter((u) => this.ctx.getWebSockets(u).length > 0);
  }

  /** Presence cost since the object woke (tests and benchmarks read it). */
  async presenceStats() {
    return { ...this.presence.counters };
  }

  /**
   * The sockets of `userIds`. A big group's share of this shard is found in one pass over the
   * shard's sockets: a lookup per member was the next largest cost after ws.send in the bench.
   */
  private socketsOf(userIds: string[]): WebSocket[] {
    if (userIds.length < 8) return userIds.flatMap((u) => this.ctx.getWebSockets(u));
    return this.socketsIn(new Set(userIds));
  }

  private socketsIn(wanted: Set<string>): WebSocket[] {
    if (wanted.size < 8) {
      const out: WebSocket[] = [];
      for (const u of wanted) for (const ws of this.ctx.getWebSockets(u)) out.push(ws);
      return out;
    }
    return this.ctx.getWebSockets().filter((ws) => wanted.has(Connection.of(ws)?.userId ?? ""));
  }
}

// Requests per object for the simulation (lib/meter.ts): every method above counts its calls.
meterMethods(GatewayObject, "gateway", ["handle", "conversation", "wentAway", "send", "socketsOf", "socketsIn"]);

/** An RPC result as the frame's answer: the error with its ref, or `ok`'s frame (none for null). */
function reply<T>(c: Connection, ref: string | undefined, r: Result<T>, ok: ((v: T) => ServerFrame) | null) {
  if (!r.ok) return c.push({ type: "error", ...(ref ? { ref } : {}), code: r.code, message: r.message });
  if (ok) c.push(ok(r.value));
}
