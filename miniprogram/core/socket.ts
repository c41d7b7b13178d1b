// size: one state machine for the socket (connect, heartbeat, probe, backoff, replies by ref); its timers need a single owner.
// The one socket of the app. It connects with the access token through the platform's opener
// (the mini-program sends it in the Authorization header, a browser as a subprotocol), waits for the server's `ready`, pings every 25 s and treats
// a missing pong as a dead socket, reconnects with exponential backoff, refreshes the token when
// the server closes with 4401, and stops for good on 4403 (signed out) and 4409 (replaced).
// The server says why first, in a `session_ended` frame, and that frame decides at once: the
// close event itself reaches the client only when the connection ends, seconds later.
// Every inbound frame is parsed with the server's own frame schemas (generated/protocol.ts, a
// copy of schema/server-frames.ts): a frame that does not parse is logged and dropped, so
// nothing past this file handles a shape the types do not promise.
import type { ClientFrame, ServerFrame, SingleServerFrame } from "../../schema/protocol";
import { serverFrame, singleServerFrame } from "../generated/protocol";

export type SocketStatus = "offline" | "connecting" | "online" | "stopped";

/** The close codes of schema/protocol.ts CLOSE (values cannot cross the mini-program root). */
export const CLOSE_CODES = { unauthorized: 4401, revoked: 4403, replaced: 4409, rateLimited: 4429 } as const;

/**
 * One open socket as the platform gives it (a wx SocketTask, a browser WebSocket), reduced to
 * what the manager uses. `onClose` passes the close code.
 */
export interface SocketConnection {
  send(data: string): void;
  close(): void;
  onMessage(listener: (data: unknown) => void): void;
  onClose(listener: (code: number) => void): void;
  onError(listener: () => void): void;
}

export interface SocketDeps {
  /** ws:// or wss:// URL of /ws. */
  url(): string;
  /** Opens a socket to `url` that authenticates with `token`. */
  open(url: string, token: string): SocketConnection;
  token(): string | null;
  /** Refreshes the access token after a 4401; rejects when the session is over. */
  refresh(staleToken: string | null): Promise<void>;
  /** The server ended the session (4403): sign in again. */
  onSignedOut(): void;
}

export interface SocketTiming {
  heartbeatMs: number;
  pongTimeoutMs: number;
  /** How long a probe (on show, on network return) waits for its pong before reconnecting. */
  probeTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_TIMING: SocketTiming = { heartbeatMs: 25_000, pongTimeoutMs: 10_000, probeTimeoutMs: 3_000, backoffBaseMs: 1_000, backoffMaxMs: 30_000 };

/** Logs a dropped frame: its type (when it has one) and the first thing wrong with it. */
function dropped(frame: unknown, issues: readonly { path: PropertyKey[]; message: string }[]): void {
  const type = typeof frame === "object" && frame !== null && typeof (frame as { type?: unknown }).type === "string" ? (frame as { type: string }).type : "(no type)";
  const issue = issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ` : "";
  console.warn(`[socket] dropped a "${type}" frame: ${issue ? where + issue.message : "invalid"}`);
}

/**
 * The frames one socket message carries, in order: itself, or a batch's frames. What is not JSON
 * or not a frame of schema/server-frames.ts is logged and left out. A batch's frames are parsed
 * one by one, so one frame this client cannot read costs only itself, not the others.
 */
export function parseFrames(data: string): SingleServerFrame[] {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    console.warn(`[socket] dropped a frame that is not JSON: ${data.slice(0, 60)}`);
    return [];
  }
  const batch = json as { type?: unknown; frames?: unknown };
  if (typeof json === "object" && json !== null && batch.type === "batch" && Array.isArray(batch.frames)) {
    return batch.frames.flatMap((inner: unknown) => {
      const parsed = singleServerFrame.safeParse(inner);
      if (parsed.success) return [parsed.data];
      dropped(inner, parsed.error.issues);
      return [];
    });
  }
  const parsed = serverFrame.safeParse(json);
  if (!parsed.success) {
    dropped(json, parsed.error.issues);
    return [];
  }
  // Not a batch (handled above), so a single frame; the check keeps the types honest.
  return parsed.data.type === "batch" ? parsed.data.frames : [parsed.data];
}

type Listener = (frame: ServerFrame) => void;
/** The server's answer to a frame sent with a `ref`. */
export type Reply = Extract<SingleServerFrame, { type: "ack" | "error" }>;
/** How long request() waits for the answer before giving up (the caller falls back to HTTPS). */
export const REPLY_TIMEOUT_MS = 10_000;
type StatusListener = (status: SocketStatus) => void;

export class SocketManager {
  status: SocketStatus = "offline";
  /** Connection attempts since the last `ready`; drives the backoff. */
  attempts = 0;
  private task: SocketConnection | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly statusListeners = new Set<StatusListener>();
  private wanted = false;
  /** Frames sent with a ref, waiting for their ack or error. */
  private readonly waiting = new Map<string, { resolve: (reply: Reply) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly deps: SocketDeps,
    private readonly timing: SocketTiming = DEFAULT_TIMING,
  ) {}

  onFrame(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Connects (if not already) and keeps the connection up until stop(). */
  start(): void {
    this.wanted = true;
    if (this.status === "online" || this.status === "connecting") return;
    this.clearRetry();
    this.connect();
  }

  /** Closes and does not reconnect (logout, app hidden for long). */
  stop(): void {
    this.wanted = false;
    this.clearRetry();
    this.teardown();
    this.setStatus("offline");
  }

  /** Sends a frame when online; answers whether it went out. */
  send(frame: ClientFrame): boolean {
    if (this.status !== "online" || !this.task) return false;
    this.task.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Sends a frame with a `ref` and resolves with the server's `ack` or `error` for that ref.
   * Rejects at once when offline, when the socket closes first, or after `timeoutMs` without an
   * answer: the caller then tries another way (the outbox falls back to HTTPS, same clientId).
   */
  request(frame: ClientFrame & { ref: string }, timeoutMs = REPLY_TIMEOUT_MS): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (this.waiting.has(frame.ref) || !this.send(frame)) {
        reject(new Error("socket not open"));
        return;
      }
      const timer = setTimeout(() => {
        this.waiting.delete(frame.ref);
        reject(new Error("no answer"));
      }, timeoutMs);
      this.waiting.set(frame.ref, { resolve, reject, timer });
    });
  }

  private answer(reply: Reply): void {
    const w = reply.ref === undefined ? undefined : this.waiting.get(reply.ref);
    if (!w || reply.ref === undefined) return;
    this.waiting.delete(reply.ref);
    clearTimeout(w.timer);
    w.resolve(reply);
  }

  /**
   * The app came back to the foreground or the network returned: a socket that says it is online
   * may have died meanwhile (phones kill them in the background without a close event), so ping it
   * now and reconnect at once if no pong comes within the probe timeout; a closed one connects now
   * instead of after its backoff. `networkReturned` also restarts an attempt begun while offline.
   */
  wake(networkReturned = false): void {
    if (!this.wanted) return;
    if (this.status === "online" && this.task) {
      this.probe();
      return;
    }
    if (this.status === "connecting" && !networkReturned) return;
    this.reconnectNow();
  }

  /** The network went away: close now (the heartbeat would take up to 35 s to notice); wake() reconnects. */
  networkLost(): void {
    if (!this.task) return;
    this.teardown();
    this.setStatus("offline");
    this.scheduleReconnect();
  }

  private probe(): void {
    const task = this.task;
    if (!task) return;
    this.clearPong();
    task.send('{"type":"ping"}');
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      if (this.task === task) this.reconnectNow();
    }, this.timing.probeTimeoutMs);
  }

  private reconnectNow(): void {
    this.teardown();
    this.clearRetry();
    this.attempts = 0;
    this.setStatus("offline");
    if (this.wanted) this.connect();
  }

  /** Drops the current socket as if the network had gone, to reconnect (tests, network change). */
  drop(): void {
    const task = this.task;
    if (!task) return;
    this.teardown();
    this.setStatus("offline");
    this.scheduleReconnect();
  }

  private connect(): void {
    const token = this.deps.token();
    if (!token) {
      this.setStatus("stopped");
      return;
    }
    this.setStatus("connecting");
    this.attempts++;
    const task = this.deps.open(this.deps.url(), token);
    this.task = task;
    const mine = () => this.task === task;
    task.onMessage((data) => {
      if (!mine() || typeof data !== "string") return;
      // A batch (the socket asked for them with ?batch=1) is frames that were due together, in order.
      for (const f of parseFrames(data)) {
        if (f.type === "pong") {
          this.clearPong();
          continue;
        }
        if (f.type === "session_ended") {
          this.sessionEnded(f.reason, token);
          return;
        }
        if (f.type === "ack" || f.type === "error") this.answer(f);
        if (f.type === "ready") {
          this.attempts = 0;
          this.startHeartbeat();
          this.setStatus("online");
        }
        for (const l of Array.from(this.listeners)) l(f);
      }
    });
    task.onClose((code) => {
      if (!mine()) return;
      this.teardown();
      this.setStatus("offline");
      this.afterClose(code, token);
    });
    task.onError(() => {
      if (!mine()) return;
      this.teardown();
      this.setStatus("offline");
      this.scheduleReconnect();
    });
  }

  /** Acts on the frame as on the close code it announces; the late close event finds this task gone. */
  private sessionEnded(reason: string, token: string): void {
    this.teardown();
    this.setStatus("offline");
    this.afterClose(reason === "expired" ? CLOSE_CODES.unauthorized : reason === "replaced" ? CLOSE_CODES.replaced : CLOSE_CODES.revoked, token);
  }

  private afterClose(code: number, token: string): void {
    if (!this.wanted) return;
    if (code === CLOSE_CODES.revoked) {
      this.wanted = false;
      this.setStatus("stopped");
      this.deps.onSignedOut();
      return;
    }
    if (code === CLOSE_CODES.replaced) {
      this.wanted = false;
      this.setStatus("stopped");
      return;
    }
    if (code === CLOSE_CODES.unauthorized) {
      this.deps.refresh(token).then(
        () => this.wanted && this.connect(),
        () => {
          this.wanted = false;
          this.setStatus("stopped");
        },
      );
      return;
    }
    this.scheduleReconnect();
  }

  /** Full jitter: 0.5–1 × base × 2^attempts, capped. */
  backoffMs(): number {
    const ceiling = Math.min(this.timing.backoffMaxMs, this.timing.backoffBaseMs * 2 ** Math.max(0, this.attempts - 1));
    return Math.round(ceiling * (0.5 + Math.random() / 2));
  }

  private scheduleReconnect(): void {
    if (!this.wanted || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.wanted) this.connect();
    }, this.backoffMs());
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      if (!this.task || this.pongTimer) return;
      this.task.send('{"type":"ping"}');
      // No pong in time: the socket is dead even if it never said so (common on phones).
      this.pongTimer = setTimeout(() => {
        this.pongTimer = null;
        this.drop();
      }, this.timing.pongTimeoutMs);
    }, this.timing.heartbeatMs);
  }

  private clearPong(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.clearPong();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private teardown(): void {
    this.stopHeartbeat();
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new Error("socket closed"));
    }
    this.waiting.clear();
    const task = this.task;
    this.task = null;
    if (task) {
      try {
        task.close();
      } catch {
        // already closed
      }
    }
  }

  private setStatus(status: SocketStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const l of Array.from(this.statusListeners)) l(status);
  }
}
