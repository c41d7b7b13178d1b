// One Connection per socket: the typed attachment it was accepted with (who, which session,
// batch frames or not, token expiry), read from the runtime once per wake-up and cached, plus
// what the gateway keeps in memory for it (its frame budget). The only place that calls
// serializeAttachment/deserializeAttachment, so nothing else casts what they hold.
import type { ServerFrame } from "../../schema/protocol";
import type { Budget } from "./budget";

/** What a socket carries through hibernation (serialized with it, at most 2 KB). */
export interface Attachment {
  userId: string;
  sessionId: string;
  connectedAt: number;
  /** The device connected with `?batch=1`: frames due together arrive as one `batch` frame. */
  batch?: boolean;
  /** When the access token it connected with expires (ms): the socket is closed then (4401). */
  exp?: number;
}

/** Sockets whose attachment was read since the object woke (null: a socket without one). */
const cache = new WeakMap<WebSocket, Connection | null>();

export class Connection {
  /** In memory only: a hibernated socket wakes with a full budget (budget.ts). */
  budget: Budget | undefined;

  private constructor(
    readonly ws: WebSocket,
    private readonly att: Readonly<Attachment>,
  ) {}

  /** Stores the attachment with a newly accepted socket. */
  static accept(ws: WebSocket, att: Attachment): Connection {
    ws.serializeAttachment(att);
    const c = new Connection(ws, att);
    cache.set(ws, c);
    return c;
  }

  /** The socket's connection, or null for a socket accepted without an attachment. */
  static of(ws: WebSocket): Connection | null {
    let c = cache.get(ws);
    if (c === undefined) {
      const att = ws.deserializeAttachment() as Attachment | null;
      c = att ? new Connection(ws, att) : null;
      cache.set(ws, c);
    }
    return c;
  }

  get userId(): string {
    return this.att.userId;
  }

  get sessionId(): string {
    return this.att.sessionId;
  }

  /** Whether frames due together go as one `batch` frame. */
  get takesBatches(): boolean {
    return this.att.batch === true;
  }

  /** When its access token expires (ms), if it said. */
  get exp(): number | undefined {
    return this.att.exp;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** One frame to this socket; a socket that is closing drops it (its device catches up on reconnect). */
  push(frame: ServerFrame) {
    pushTo(this.ws, frame);
  }

  close(code: number, reason: string) {
    closeQuietly(this.ws, code, reason);
  }
}

/** A frame to a socket that may have no connection (one refused before it was known). */
export function pushTo(ws: WebSocket, frame: ServerFrame) {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // closing
  }
}

export function closeQuietly(ws: WebSocket, code: number, reason: string) {
  try {
    ws.close(code, reason);
  } catch {
    // already closing
  }
}
