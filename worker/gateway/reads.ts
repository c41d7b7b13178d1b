// Read coalescing: read frames wait READ_COALESCE_MS and go to each conversation object as one
// markReads call. With a busy group open on every member's screen, one call per read frame was
// the largest cost left. Only refusals are answered (with the frame's ref); a read that lands
// is seen by the reader's devices in the conversation's `read` push.
import type { ErrorCode } from "../../schema/errors";
import type { conversationObject } from "../lib/shards";
import { pushTo } from "./connections";

/** How long read frames wait to be sent on together. */
export const READ_COALESCE_MS = 25;

export type ReadResult = { userId: string; ok: true } | { userId: string; ok: false; code: ErrorCode; message: string };

type Asker = { ws: WebSocket; ref: string | undefined };

export class ReadCoalescer {
  /** conversation → reader → the highest seq asked for, and the frames that asked. */
  private queue = new Map<string, Map<string, { seq: number; askers: Asker[] }>>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ctx: DurableObjectState,
    /** The gateway's conversation stubs; `forget` drops one that threw. */
    private readonly stubs: { get(id: string): ReturnType<typeof conversationObject>; forget(id: string): void },
  ) {}

  add(ws: WebSocket, userId: string, conversationId: string, seq: number, ref: string | undefined) {
    let byUser = this.queue.get(conversationId);
    if (!byUser) this.queue.set(conversationId, (byUser = new Map()));
    const entry = byUser.get(userId) ?? { seq: 0, askers: [] };
    entry.seq = Math.max(entry.seq, seq);
    entry.askers.push({ ws, ref });
    byUser.set(userId, entry);
    if (!this.timer) this.timer = setTimeout(() => this.ctx.waitUntil(this.flush()), READ_COALESCE_MS);
  }

  private async flush() {
    this.timer = null;
    const queue = this.queue;
    this.queue = new Map();
    await Promise.all(
      [...queue].map(async ([conversationId, byUser]) => {
        const users = [...byUser];
        let results: ReadResult[];
        try {
          results = await this.stubs.get(conversationId).markReads(users.map(([userId, e]) => ({ userId, seq: e.seq })));
        } catch (e) {
          this.stubs.forget(conversationId);
          console.error(JSON.stringify({ msg: "reads failed", conversationId, error: String(e) }));
          results = users.map(([userId]) => ({ userId, ok: false, code: "internal", message: "Something went wrong; retry" }));
        }
        results.forEach((r, i) => {
          if (r.ok) return;
          for (const { ws, ref } of users[i]![1].askers) pushTo(ws, { type: "error", ...(ref ? { ref } : {}), code: r.code, message: r.message });
        });
      }),
    );
  }
}
