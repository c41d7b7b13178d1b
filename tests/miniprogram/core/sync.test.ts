// The client's SyncEngine on its own, against a transport that serves a log by seq: a pushed
// message past a gap pulls `after=` pages until the run is whole, each message delivered once and
// in seq order; duplicates, recalls and catch-up after a reconnect.
import { describe, expect, it } from "vitest";
import { PAGE, SyncEngine, type SyncTransport } from "../../../miniprogram/core/sync";
import type { ConversationSummary, HistoryPage, Message } from "../../../schema/protocol";

const C = "c_syncsyncsyncsyncsync";
const D = "d_otherotherotherother";

function msg(seq: number, conversationId = C, extra: Partial<Message> = {}): Message {
  return {
    conversationId,
    seq,
    id: `m${seq}`,
    senderId: "u_bbbbbbbbbbbbbbbbbbbb",
    clientId: null,
    type: "text",
    body: { text: `#${seq}` },
    mentions: [],
    mentionAll: false,
    replyTo: null,
    forwarded: null,
    createdAt: seq,
    recalledAt: null,
    recalledBy: null,
    ...extra,
  };
}

/** A server holding logs per conversation; records every `after=` call. */
function server(logs: Record<string, Message[]>) {
  const calls: { id: string; after: number; limit: number }[] = [];
  const transport: SyncTransport = {
    async listConversations() {
      return Object.entries(logs).map(([id, log]) => ({ id, lastSeq: log.at(-1)?.seq ?? 0 }) as ConversationSummary);
    },
    async fetchAfter(id, after, limit): Promise<HistoryPage> {
      calls.push({ id, after, limit });
      const rest = (logs[id] ?? []).filter((m) => m.seq > after);
      return { messages: rest.slice(0, limit), hasMore: rest.length > limit, lastSeq: logs[id]?.at(-1)?.seq ?? 0 };
    },
  };
  return { transport, calls };
}

function recorder() {
  const delivered: number[][] = [];
  return { delivered, listener: { onMessages: (_id: string, ms: Message[]) => void delivered.push(ms.map((m) => m.seq)) } };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("SyncEngine", () => {
  it("applies the next seq as it is pushed, without asking the server", async () => {
    const { transport, calls } = server({ [C]: [msg(1), msg(2)] });
    const { delivered, listener } = recorder();
    const engine = new SyncEngine(transport, listener);
    await engine.onFrame({ type: "message", message: msg(1) });
    await engine.onFrame({ type: "message", message: msg(2) });
    expect(delivered).toEqual([[1], [2]]);
    expect(engine.lastSeq(C)).toBe(2);
    expect(calls).toEqual([]);
  });

  it("pulls after= pages until whole when a pushed seq skips ahead, delivering each message once, in order", async () => {
    const log = range(1, 2 * PAGE + 5).map((s) => msg(s));
    const { transport, calls } = server({ [C]: log });
    const { delivered, listener } = recorder();
    const engine = new SyncEngine(transport, listener);
    await engine.onFrame({ type: "message", message: log[0]! });
    await engine.onFrame({ type: "message", message: log.at(-1)! }); // 2..404 never came
    expect(calls).toEqual([
      { id: C, after: 1, limit: PAGE },
      { id: C, after: 1 + PAGE, limit: PAGE },
      { id: C, after: 1 + 2 * PAGE, limit: PAGE },
    ]);
    expect(delivered.flat()).toEqual(range(1, 2 * PAGE + 5));
    expect(engine.messages(C).map((m) => m.seq)).toEqual(range(1, 2 * PAGE + 5));
    expect(engine.lastSeq(C)).toBe(2 * PAGE + 5);
    // The ones that arrive late, pushed again, are already held: nothing twice.
    await engine.onFrame({ type: "message", message: log[3]! });
    await engine.onFrame({ type: "message", message: log.at(-1)! });
    expect(delivered.flat()).toHaveLength(2 * PAGE + 5);
    expect(calls).toHaveLength(3);
  });

  it("asks for the pages the transport takes: 200 full messages unless it says more (as compact pages do)", async () => {
    expect(PAGE).toBe(200);
    const log = range(1, 1205).map((s) => msg(s));
    const { transport, calls } = server({ [C]: log });
    const engine = new SyncEngine({ ...transport, pageSize: 1000 }, recorder().listener);
    await engine.onFrame({ type: "message", message: log[0]! });
    await engine.onFrame({ type: "message", message: log.at(-1)! });
    expect(calls).toEqual([
      { id: C, after: 1, limit: 1000 },
      { id: C, after: 1001, limit: 1000 },
    ]);
    expect(engine.lastSeq(C)).toBe(1205);
  });

  it("joins pushes that arrive during a pull into that one pull, then asks again for what came meanwhile", async () => {
    const log = [msg(1), msg(2), msg(3)];
    const { transport, calls } = server({ [C]: log });
    const { delivered, listener } = recorder();
    const engine = new SyncEngine(transport, listener);
    const first = engine.onFrame({ type: "message", message: msg(3) });
    log.push(msg(4), msg(5));
    const second = engine.onFrame({ type: "message", message: msg(5) }); // while the pull is out
    const third = engine.onFrame({ type: "message", message: msg(4) });
    await Promise.all([first, second, third]);
    expect(delivered.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(calls.map((c) => c.after)).toEqual([0, 3]); // one pull, asked once more for 4 and 5
  });

  it("stops at an empty page even if the server says there is more", async () => {
    const calls: number[] = [];
    const engine = new SyncEngine({
      listConversations: async () => [],
      fetchAfter: async (_id, after) => {
        calls.push(after);
        return { messages: [], hasMore: true, lastSeq: 9 };
      },
    });
    await engine.pull(C);
    expect(calls).toEqual([0]);
  });

  it("catches up every conversation behind the server's list after a reconnect, and leaves whole ones alone", async () => {
    const { transport, calls } = server({ [C]: [msg(1), msg(2), msg(3)], [D]: [msg(1, D)] });
    const { listener } = recorder();
    const engine = new SyncEngine(transport, listener);
    engine.restore(D, [msg(1, D)], 1);
    engine.restore(C, [msg(1)], 1);
    const list = await engine.catchUp();
    expect(list.map((c) => c.id)).toEqual([C, D]);
    expect(calls).toEqual([{ id: C, after: 1, limit: PAGE }]);
    expect(engine.messages(C).map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it("starts a conversation seen for the first time only `firstLoad` messages back", async () => {
    const { transport, calls } = server({ [C]: range(1, 80).map((s) => msg(s)) });
    const engine = new SyncEngine(transport, {}, 50);
    await engine.catchUp();
    expect(calls[0]).toEqual({ id: C, after: 30, limit: PAGE });
    expect(engine.messages(C).map((m) => m.seq)).toEqual(range(31, 80));
  });

  it("erases a recalled message's content when the recall notice arrives and says which one", async () => {
    const { transport } = server({ [C]: [] });
    const recalled: unknown[] = [];
    const engine = new SyncEngine(transport, { onRecalled: (id, seq, by, at) => void recalled.push([id, seq, by, at]) });
    await engine.onFrame({ type: "message", message: msg(1, C, { mentions: ["u_aaaaaaaaaaaaaaaaaaaa"] }) });
    await engine.onFrame({
      type: "message",
      message: msg(2, C, {
        type: "system",
        senderId: "u_cccccccccccccccccccc",
        createdAt: 77,
        body: { event: "recalled", actorId: "u_cccccccccccccccccccc", targetSeq: 1, senderId: "u_bbbbbbbbbbbbbbbbbbbb" },
      }),
    });
    expect(engine.messages(C)[0]).toMatchObject({ seq: 1, body: null, mentions: [], recalledAt: 77, recalledBy: "u_cccccccccccccccccccc" });
    expect(recalled).toEqual([[C, 1, "u_cccccccccccccccccccc", 77]]);
    // Other system messages recall nothing.
    await engine.onFrame({ type: "message", message: msg(3, C, { type: "system", body: { event: "renamed", actorId: "u_cccccccccccccccccccc", name: "x", targetSeq: 2 } }) });
    expect(engine.messages(C)[1]!.body).not.toBeNull();
    expect(recalled).toHaveLength(1);
  });

  it("passes read frames to the listener and ignores frames that are not messages", async () => {
    const { transport, calls } = server({});
    const reads: unknown[] = [];
    const engine = new SyncEngine(transport, { onReads: (id, r) => void reads.push([id, r]) });
    await engine.onFrame({ type: "read", conversationId: C, reads: [{ userId: "u_x", seq: 4 }] });
    await engine.onFrame({ type: "typing", conversationId: C, userId: "u_x" });
    expect(reads).toEqual([[C, [{ userId: "u_x", seq: 4 }]]]);
    expect(engine.lastSeq(C)).toBe(0);
    expect(engine.messages(C)).toEqual([]);
    expect(calls).toEqual([]);
  });

  it("restores a cache without moving lastSeq backwards", () => {
    const engine = new SyncEngine(server({}).transport);
    engine.restore(C, [msg(4), msg(5)], 5);
    engine.restore(C, [msg(1)], 0);
    expect(engine.lastSeq(C)).toBe(5);
    expect(engine.messages(C).map((m) => m.seq)).toEqual([1, 4, 5]);
  });

  it("pulls again for a later gap once the first pull is over", async () => {
    const log = [msg(1), msg(2), msg(3)];
    const { transport, calls } = server({ [C]: log });
    const engine = new SyncEngine(transport);
    await engine.onFrame({ type: "message", message: msg(3) });
    log.push(msg(4), msg(5), msg(6));
    await engine.onFrame({ type: "message", message: msg(6) });
    expect(calls.map((c) => c.after)).toEqual([0, 3]);
    expect(engine.messages(C).map((m) => m.seq)).toEqual(range(1, 6));
  });

  it("stops pulling when a page holds only what it already has, even if the server says there is more", async () => {
    const calls: number[] = [];
    const engine = new SyncEngine({
      listConversations: async () => [],
      fetchAfter: async (_id, after) => {
        calls.push(after);
        return { messages: [msg(1), msg(2)], hasMore: true, lastSeq: 9 }; // ignores `after`
      },
    });
    await engine.pull(C);
    expect(calls).toEqual([0, 2]);
    expect(engine.messages(C).map((m) => m.seq)).toEqual([1, 2]);
  });

  it("keeps a restored position on catch-up instead of starting `firstLoad` back again", async () => {
    const { transport, calls } = server({ [C]: range(1, 80).map((s) => msg(s)) });
    const engine = new SyncEngine(transport, {}, 50);
    engine.restore(C, [msg(70)], 70);
    await engine.catchUp();
    expect(calls[0]).toEqual({ id: C, after: 70, limit: PAGE });
  });

  it("works without listeners, and records a recall of a message it does not hold", async () => {
    const engine = new SyncEngine(server({}).transport);
    await engine.onFrame({ type: "read", conversationId: C, reads: [] });
    await engine.onFrame({ type: "message", message: msg(1, C, { type: "system", body: { event: "recalled", actorId: "u_x", targetSeq: 99, senderId: "u_y" } }) });
    expect(engine.messages(C).map((m) => m.seq)).toEqual([1]);
    const heard: number[] = [];
    const other = new SyncEngine(server({}).transport, { onRecalled: (_c, seq) => void heard.push(seq) });
    await other.onFrame({ type: "message", message: msg(1, C, { type: "text", body: { text: "hi", event: "recalled", targetSeq: 1 } }) });
    await other.onFrame({ type: "message", message: msg(2, C, { type: "system", body: null }) });
    expect(heard).toEqual([]); // only system notices recall
  });
});
