// Read reports to the server, at most once a second per conversation (the first at once, then
// the newest seq at the end of the second): in a busy group with the chat open, a read per
// incoming message from every member was most of the server's work. Over the socket when it is
// open, else by HTTPS.
import type { Api } from "./api-client";
import type { SocketManager } from "./socket";

const READ_REPORT_MS = 1_000;

export class ReadReporter {
  /** Per conversation: when the last report went out, the newest seq, a pending trailing one. */
  private readonly reports = new Map<string, { lastAt: number; seq: number; timer: ReturnType<typeof setTimeout> | null }>();

  constructor(
    private readonly socket: SocketManager,
    private readonly api: Api,
  ) {}

  report(conversationId: string, seq: number): void {
    const r = this.reports.get(conversationId) ?? { lastAt: 0, seq: 0, timer: null };
    this.reports.set(conversationId, r);
    r.seq = Math.max(r.seq, seq);
    if (r.timer !== null) return;
    const send = () => {
      r.lastAt = Date.now();
      if (!this.socket.send({ type: "read", conversationId, seq: r.seq })) {
        this.api.post(`/conversations/${conversationId}/read`, { seq: r.seq }).catch(() => undefined);
      }
    };
    const wait = r.lastAt + READ_REPORT_MS - Date.now();
    if (wait <= 0) {
      send();
      return;
    }
    r.timer = setTimeout(() => {
      r.timer = null;
      send();
    }, wait);
  }

  /** Drops pending reports (sign-out). */
  reset(): void {
    for (const r of this.reports.values()) if (r.timer !== null) clearTimeout(r.timer);
    this.reports.clear();
  }
}
