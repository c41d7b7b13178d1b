// A gateway shard holds the WebSockets of the users whose ids hash to it (all devices of a
// user land in the same shard). Sockets hibernate: the object sleeps between frames, and the
// heartbeat is answered by the runtime without waking it.
// Lifecycle: connect (fetch: the worker has already checked the token) → frames from the
// device (validated, routed to the conversation object, answered with ack or error) →
// deliver (conversation objects push batches here) → close.
import { DurableObject } from "cloudflare:workers";
import { FRAME_LIMITS, MESSAGE_LIMITS } from "../../schema/limits";
import type { ErrorCode } from "../../schema/errors";
import { CLOSE, clientFrame, SESSION_END_CLOSE, sessionEndReason, type ClientFrame, type ServerFrame, type SessionEndReason } from "../../schema/protocol";
import type { Env } from "../env";
import type { Result } from "../lib/result";
import { db } from "../db";
import { conversationObject, gateway, groupByShard, shardOf } from "../lib/shards";
import { friendIdsOf } from "../services/contacts";

interface Attachment {
  userId: string;
  sessionId: string;
  connectedAt: number;
  /** The device connected with `?batch=1`: frames due together arrive as one `batch` frame. */
  batch?: boolean;
  /** When the access token it connected with expires (ms): the socket is closed then (4401). */
  exp?: number;
}

/** A socket's frame budget (FRAME_LIMITS), in memory: a hibernated socket wakes with a full one. */
interface Budget {
  tokens: number;
  /** Refused frames left before the socket is closed; one comes back each second. */
  strikes: number;
  at: number;
  closed: boolean;
}

/** Expiry alarms are rounded up to this step, so sockets expiring close together share one. */
const EXPIRY_STEP_MS = 5_000;

/** How long read frames wait to be sent on together. */
export const READ_COALESCE_MS = 25;

export type ReadResult = { userId: string; ok: true } | { userId: string; ok: false; code: ErrorCode; message: string };

export const SESSION_TAG = (sessionId: string) => `session:${sessionId}`;

export class GatewayObject extends DurableObject<Env> {
  /** Since the object woke: presence changes announced, and the shard deliveries they took. */
  private presenceCounters = { announcements: 0, shardDeliveries: 0 };
  /**
   * Announcements leave one at a time: a user's sockets all live in this shard, so a quick
   * disconnect and reconnect cannot deliver "online" before the "offline" it follows.
   */
  private presenceQueue: Promise<void> = Promise.resolve();
  /** Which sockets take batch frames, remembered so deliver() does not deserialize per frame. */
  private batching = new WeakMap<WebSocket, boolean>();
  private owners = new WeakMap<WebSocket, string>();
  private readQueue = new Map<string, Map<string, { seq: number; askers: { ws: WebSocket; ref: string | undefined }[] }>>();
  private readTimer: ReturnType<typeof setTimeout> | null = null;
  private conversations = new Map<string, ReturnType<typeof conversationObject>>();
  private budgets = new WeakMap<WebSocket, Budget>();
  /** `${userId} ${conversationId}` → when that sender's last typing frame went on. */
  private typingSent = new Map<string, number>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
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
    const wasOnline = this.ctx.getWebSockets(userId).length > 0;
    // One socket per device: a new connection of the same session replaces the old one.
    for (const old of this.ctx.getWebSockets(SESSION_TAG(sessionId))) this.endSocket(old, "replaced");
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [userId, SESSION_TAG(sessionId)]);
    const batch = new URL(request.url).searchParams.get("batch") === "1";
    server.serializeAttachment({ userId, sessionId, connectedAt: Date.now(), ...(batch ? { batch } : {}), ...(exp ? { exp } : {}) } satisfies Attachment);
    this.batching.set(server, batch);
    this.send(server, { type: "ready", userId, sessionId, serverTime: Date.now() });
    if (!wasOnline) this.ctx.waitUntil(this.announce(userId, true));
    if (exp) await this.scheduleExpiry(exp);
    const protocol = request.headers.get("x-qun-protocol");
    return new Response(null, { status: 101, webSocket: client, headers: protocol ? { "sec-websocket-protocol": protocol } : {} });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const att = ws.deserializeAttachment() as Attachment | null;
    if (!att) return ws.close(CLOSE.unauthorized, "unknown connection");
    // Checked on every frame as well as by the alarm: the alarm may run a few seconds late.
    if (att.exp !== undefined && att.exp <= Date.now()) return this.endSocket(ws, "expired");
    if (!this.spend(ws)) return this.refuse(ws, data);
    const size = typeof data === "string" ? data.length : data.byteLength;
    if (size > MESSAGE_LIMITS.frameBytes) {
      return this.send(ws, { type: "error", code: "payload_too_large", message: `Frames are limited to ${MESSAGE_LIMITS.frameBytes} bytes` });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(typeof data === "string" ? data : new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(data));
    } catch {
      return this.send(ws, { type: "error", code: "invalid_request", message: "Frames must be UTF-8 JSON" });
    }
    const parsed = clientFrame.safeParse(raw);
    if (!parsed.success) {
      const ref = typeof (raw as { ref?: unknown })?.ref === "string" ? ((raw as { ref: string }).ref.slice(0, 64)) : undefined;
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      return this.send(ws, { type: "error", ...(ref ? { ref } : {}), code: "invalid_request", message: `${where}${issue?.message ?? "invalid frame"}` });
    }
    try {
      await this.handle(ws, att, parsed.data);
    } catch (e) {
      if ("conversationId" in parsed.data) this.conversations.delete(parsed.data.conversationId); // a stub that threw may be broken
      console.error(JSON.stringify({ msg: "frame failed", userId: att.userId, error: String(e) }));
      this.send(ws, { type: "error", ...("ref" in parsed.data && parsed.data.ref ? { ref: parsed.data.ref } : {}), code: "internal", message: "Something went wrong; retry" });
    }
  }

  private async handle(ws: WebSocket, att: Attachment, frame: ClientFrame) {
    switch (frame.type) {
      case "ping":
        return this.send(ws, { type: "pong" });
      case "typing": {
        // One typing push per sender and conversation per window, however many frames come.
        const key = `${att.userId} ${frame.conversationId}`;
        const now = Date.now();
        if (now - (this.typingSent.get(key) ?? -Infinity) < FRAME_LIMITS.typingEveryMs) return;
        if (this.typingSent.size >= 10_000) this.typingSent.clear();
        this.typingSent.set(key, now);
        await this.conversation(frame.conversationId).typing(att.userId);
        return;
      }
      case "send": {
        const r = await this.conversation(frame.conversationId).send(att.userId, frame.message);
        return this.reply(ws, frame.ref, r, (ack) => ({ type: "ack", ...(frame.ref ? { ref: frame.ref } : {}), ack }));
      }
      case "read":
        return this.queueRead(ws, att.userId, frame.conversationId, frame.seq, frame.ref);
      case "recall": {
        const r = await this.conversation(frame.conversationId).recall(att.userId, frame.seq);
        return this.reply(ws, frame.ref, r, null);
      }
    }
  }

  /**
   * Reads wait READ_COALESCE_MS and go to each conversation object as one call: with a busy group
   * open on every member's screen, one call per read frame was the largest cost left.
   */
  private queueRead(ws: WebSocket, userId: string, conversationId: string, seq: number, ref: string | undefined) {
    let byUser = this.readQueue.get(conversationId);
    if (!byUser) this.readQueue.set(conversationId, (byUser = new Map()));
    const entry = byUser.get(userId) ?? { seq: 0, askers: [] };
    entry.seq = Math.max(entry.seq, seq);
    entry.askers.push({ ws, ref });
    byUser.set(userId, entry);
    if (!this.readTimer) this.readTimer = setTimeout(() => this.ctx.waitUntil(this.sendReads()), READ_COALESCE_MS);
  }

  private async sendReads() {
    this.readTimer = null;
    const queue = this.readQueue;
    this.readQueue = new Map();
    await Promise.all(
      [...queue].map(async ([conversationId, byUser]) => {
        const users = [...byUser];
        let results: ReadResult[];
        try {
          results = await this.conversation(conversationId).markReads(users.map(([userId, e]) => ({ userId, seq: e.seq })));
        } catch (e) {
          this.conversations.delete(conversationId);
          console.error(JSON.stringify({ msg: "reads failed", conversationId, error: String(e) }));
          results = users.map(([userId]) => ({ userId, ok: false, code: "internal", message: "Something went wrong; retry" }));
        }
        results.forEach((r, i) => {
          if (r.ok) return;
          for (const { ws, ref } of users[i]![1].askers) this.send(ws, { type: "error", ...(ref ? { ref } : {}), code: r.code, message: r.message });
        });
      }),
    );
  }

  /** Conversation stubs for every frame, kept while they work (a few hundred at most; forgotten past that). */
  private conversation(id: string) {
    let stub = this.conversations.get(id);
    if (!stub) {
      if (this.conversations.size >= 500) this.conversations.clear();
      stub = conversationObject(this.env, id);
      this.conversations.set(id, stub);
    }
    return stub;
  }

  /**
   * Takes one frame from the socket's budget (a token bucket: FRAME_LIMITS.burst at once,
   * perSecond after). A few arithmetic operations per inbound frame; nothing per push.
   */
  private spend(ws: WebSocket): boolean {
    const now = Date.now();
    let b = this.budgets.get(ws);
    if (!b) this.budgets.set(ws, (b = { tokens: FRAME_LIMITS.burst, strikes: FRAME_LIMITS.refusedBeforeClose, at: now, closed: false }));
    if (b.closed) return false;
    const elapsed = (now - b.at) / 1000;
    b.at = now;
    b.tokens = Math.min(FRAME_LIMITS.burst, b.tokens + elapsed * FRAME_LIMITS.perSecond);
    b.strikes = Math.min(FRAME_LIMITS.refusedBeforeClose, b.strikes + elapsed);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    b.strikes -= 1;
    return false;
  }

  /** A frame past the budget: `rate_limited` with its ref, or, for a socket that keeps on, the close (4429). */
  private refuse(ws: WebSocket, data: string | ArrayBuffer) {
    const b = this.budgets.get(ws);
    if (!b || b.closed) return;
    if (b.strikes <= 0) {
      b.closed = true;
      this.send(ws, { type: "error", code: "rate_limited", message: "Too many frames; this connection is closed. Reconnect after a pause" });
      return this.closeQuietly(ws, CLOSE.rateLimited, "too many frames");
    }
    const ref = typeof data === "string" && data.length <= MESSAGE_LIMITS.frameBytes ? refOf(data) : undefined;
    this.send(ws, { type: "error", ...(ref ? { ref } : {}), code: "rate_limited", message: `Too many frames: at most ${FRAME_LIMITS.perSecond} a second` });
  }

  /**
   * Tells the device why, then closes. The frame goes first because a client sees the close
   * event only when the TCP connection ends, about 10 s after the close frame (docs/protocol.md).
   */
  private endSocket(ws: WebSocket, reason: SessionEndReason) {
    if (ws.readyState !== WebSocket.OPEN) return;
    this.send(ws, { type: "session_ended", reason });
    this.closeQuietly(ws, SESSION_END_CLOSE[reason], reason);
  }

  private closeQuietly(ws: WebSocket, code: number, reason: string) {
    try {
      ws.close(code, reason);
    } catch {
      // already closing
    }
  }

  /** The alarm closes sockets whose token expired; it is set for the earliest expiry, rounded up. */
  private async scheduleExpiry(exp: number) {
    const at = Math.ceil(exp / EXPIRY_STEP_MS) * EXPIRY_STEP_MS;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    let next = Infinity;
    for (const ws of this.ctx.getWebSockets()) {
      const exp = (ws.deserializeAttachment() as Attachment | null)?.exp;
      if (exp === undefined || ws.readyState !== WebSocket.OPEN) continue;
      if (exp <= now) this.endSocket(ws, "expired");
      else next = Math.min(next, exp);
    }
    if (next !== Infinity) await this.scheduleExpiry(next);
  }

  private reply<T>(ws: WebSocket, ref: string | undefined, r: Result<T>, ok: ((v: T) => ServerFrame) | null) {
    if (!r.ok) return this.send(ws, { type: "error", ...(ref ? { ref } : {}), code: r.code, message: r.message });
    if (ok) this.send(ws, ok(r.value));
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
    const att = ws.deserializeAttachment() as Attachment | null;
    if (!att) return;
    const others = this.ctx.getWebSockets(att.userId).filter((s) => s !== ws && s.readyState === WebSocket.OPEN);
    if (others.length === 0) await this.announce(att.userId, false);
  }

  /**
   * Presence: one D1 read for the user's friends, then one deliver call per shard that holds
   * any of them, however many friends there are.
   */
  private announce(userId: string, online: boolean): Promise<void> {
    this.presenceQueue = this.presenceQueue.then(() => this.announceNow(userId, online));
    return this.presenceQueue;
  }

  private async announceNow(userId: string, online: boolean) {
    try {
      const friends = await friendIdsOf(db(this.env), userId);
      if (friends.length === 0) return;
      const frame = JSON.stringify({ type: "presence", userId, online } satisfies ServerFrame);
      const byShard = groupByShard(friends);
      this.presenceCounters.announcements++;
      this.presenceCounters.shardDeliveries += byShard.size;
      await Promise.allSettled([...byShard].map(([shard, ids]) => (shard === shardOf(userId) ? this.deliver(ids, [frame]) /* this object is the user's shard */ : gateway(this.env, shard).deliver(ids, [frame]))));
    } catch (e) {
      console.error(JSON.stringify({ msg: "presence failed", userId, error: String(e) }));
    }
  }

  /** Presence cost since the object woke (tests and benchmarks read it). */
  async presenceStats() {
    return { ...this.presenceCounters };
  }

  // ---- called by conversation objects and routes -------------------------------------

  /**
   * Pushes the same frames to every connected device of `userIds`. Each ws.send costs about as
   * much as the bytes it carries (it was most of the worker's time in the bench), so sockets
   * that accept batches get whatever is due together in one frame.
   */
  async deliver(userIds: string[], frames: string[]): Promise<number> {
    let sent = 0;
    const batched = frames.length > 1 ? batchFrames(frames) : frames;
    for (const ws of this.socketsOf(userIds)) {
      try {
        for (const f of this.takesBatches(ws) ? batched : frames) ws.send(f);
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
    const sockets = "userId" in target ? this.ctx.getWebSockets(target.userId) : target.sessionIds.flatMap((id) => this.ctx.getWebSockets(SESSION_TAG(id)));
    for (const ws of sockets) this.endSocket(ws, reason);
    return sockets.length;
  }

  /** Older callers' form of endSessions: a reason that names one is sent as `session_ended` too. */
  async closeSession(sessionId: string, code: number, reason: string): Promise<number> {
    const known = sessionEndReason.safeParse(reason);
    const sockets = this.ctx.getWebSockets(SESSION_TAG(sessionId));
    for (const ws of sockets) {
      if (known.success) this.send(ws, { type: "session_ended", reason: known.data });
      this.closeQuietly(ws, code, reason);
    }
    return sockets.length;
  }

  async online(userIds: string[]): Promise<string[]> {
    return userIds.filter((u) => this.ctx.getWebSockets(u).length > 0);
  }

  /**
   * The sockets of `userIds`. A big group's share of this shard is found in one pass over the
   * shard's sockets: a lookup per member was the next largest cost after ws.send in the bench.
   */
  private socketsOf(userIds: string[]): WebSocket[] {
    if (userIds.length < 8) return userIds.flatMap((u) => this.ctx.getWebSockets(u));
    const wanted = new Set(userIds);
    return this.ctx.getWebSockets().filter((ws) => wanted.has(this.ownerOf(ws)));
  }

  private ownerOf(ws: WebSocket): string {
    let userId = this.owners.get(ws);
    if (userId === undefined) {
      userId = (ws.deserializeAttachment() as Attachment | null)?.userId ?? "";
      this.owners.set(ws, userId);
    }
    return userId;
  }

  private takesBatches(ws: WebSocket): boolean {
    let batch = this.batching.get(ws);
    if (batch === undefined) {
      batch = (ws.deserializeAttachment() as Attachment | null)?.batch === true;
      this.batching.set(ws, batch);
    }
    return batch;
  }

  private send(ws: WebSocket, frame: ServerFrame) {
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // closing
    }
  }
}

/** The `ref` of a refused frame, to echo it, without failing on a frame that is not JSON. */
function refOf(data: string): string | undefined {
  try {
    const ref = (JSON.parse(data) as { ref?: unknown } | null)?.ref;
    return typeof ref === "string" ? ref.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serialised frames wrapped as `{"type":"batch","frames":[…]}` without parsing them again, in
 * order, each batch at most MESSAGE_LIMITS.batchFrameBytes (a single larger frame goes alone).
 */
export function batchFrames(frames: string[]): string[] {
  const out: string[] = [];
  let part: string[] = [];
  let size = 0;
  const close = () => {
    if (part.length === 1) out.push(part[0]!);
    else if (part.length > 1) out.push(`{"type":"batch","frames":[${part.join(",")}]}`);
    part = [];
    size = 0;
  };
  for (const f of frames) {
    if (part.length > 0 && size + f.length > MESSAGE_LIMITS.batchFrameBytes) close();
    part.push(f);
    size += f.length + 1;
  }
  close();
  return out;
}
