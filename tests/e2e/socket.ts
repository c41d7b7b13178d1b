// A device's socket in end-to-end tests: the `ws` package over real TCP to `wrangler dev`,
// authenticated the way a browser would (subprotocols ["qun", <token>]) or with a header.
import WebSocket from "ws";
import type { ClientFrame, ServerFrame } from "../../schema/protocol";

type Waiter = { match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

export class Device {
  readonly frames: ServerFrame[] = [];
  private waiters: Waiter[] = [];
  private listeners: ((f: ServerFrame) => void)[] = [];
  private closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      this.frames.push(frame);
      for (const l of this.listeners) l(frame);
      for (const w of [...this.waiters]) {
        if (w.match(frame)) {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(frame);
        }
      }
    });
    this.closed = new Promise((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** Opens a socket and resolves once the server's `ready` frame arrived. */
  static async connect(baseUrl: string, token: string, how: "subprotocol" | "header" = "subprotocol"): Promise<Device> {
    const url = `${baseUrl.replace(/^http/, "ws")}/ws`;
    const ws = how === "subprotocol" ? new WebSocket(url, ["qun", token]) : new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const device = new Device(ws);
    await device.next((f) => f.type === "ready", 10_000);
    return device;
  }

  onFrame(listener: (f: ServerFrame) => void) {
    this.listeners.push(listener);
  }

  send(frame: ClientFrame | Record<string, unknown>) {
    this.ws.send(JSON.stringify(frame));
  }

  /** The next frame (already received ones included) that matches. */
  next<T extends ServerFrame = ServerFrame>(match: (f: ServerFrame) => boolean, timeoutMs = 10_000): Promise<T> {
    const seen = this.frames.find(match);
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen as T);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        resolve: (f) => {
          this.frames.splice(this.frames.indexOf(f), 1);
          resolve(f as T);
        },
        reject,
        timer,
      };
      this.waiters.push(waiter);
    });
  }

  /** Drops the connection abruptly (no close handshake), as a phone losing signal does. */
  drop() {
    this.ws.terminate();
    return this.closed;
  }

  close() {
    this.ws.close(1000);
    return this.closed;
  }

  whenClosed() {
    return this.closed;
  }
}
