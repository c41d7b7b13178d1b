// The sync guarantee, proven with the mini-program's own sync engine against the real worker:
// a device that drops off mid-stream and comes back ends with exactly the messages sent, in
// seq order, each delivered once, with recalls applied and unread counts right.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationObject } from "../../worker/conversation/object";
import type { ConversationSummary, Message } from "../../schema/protocol";
import { decodeHistoryPage } from "../../miniprogram/core/compact-history";
import { SyncEngine, type SyncTransport } from "../../miniprogram/core/sync";
import { MESSAGE_LIMITS } from "../../schema/limits";
import type { CompactHistoryPage } from "../../schema/compact-history";
import { api } from "./helpers";
import { createGroup, makeUsers, openDirect, sendText, SocketClient, type TestUser } from "./chat-helpers";

function transport(user: TestUser): SyncTransport {
  return {
    async listConversations() {
      return (await api<{ conversations: ConversationSummary[] }>("GET", "/conversations", { token: user.token })).body.conversations;
    },
    pageSize: MESSAGE_LIMITS.historyCompactPageMax,
    async fetchAfter(id, after, limit) {
      // As the mini-program asks (services/chats.ts): compact pages of up to 5,000.
      return decodeHistoryPage((await api<CompactHistoryPage>("GET", `/conversations/${id}/messages?after=${after}&limit=${limit}&format=compact`, { token: user.token })).body);
    },
  };
}

/** A device: one socket feeding one sync engine, counting every delivery. */
class Device {
  socket: SocketClient | null = null;
  delivered = new Map<string, number[]>();
  pending: Promise<void>[] = [];
  readonly engine: SyncEngine;
  constructor(readonly user: TestUser) {
    this.engine = new SyncEngine(transport(user), {
      onMessages: (id, ms) => this.delivered.set(id, [...(this.delivered.get(id) ?? []), ...ms.map((m) => m.seq)]),
    });
  }
  async connect() {
    this.socket = await SocketClient.connect(this.user.token);
    this.socket.onFrame((f) => this.pending.push(this.engine.onFrame(f)));
    await this.socket.next((f) => f.type === "ready");
    await this.engine.catchUp(); // socket first, then the list: nothing can fall between
  }
  drop() {
    this.socket?.close();
    this.socket = null;
  }
  async settle() {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }
}

const texts = (ms: Message[]) => ms.map((m) => (m.body as { text?: string } | null)?.text ?? null);

describe("sync: nothing lost, nothing twice", () => {
  it("a device that drops mid-stream and reconnects ends with exactly the messages sent, in order, once", async () => {
    const [alice, bob, carol] = await makeUsers(3);
    const group = await createGroup(alice!, [bob!, carol!]);
    const dm = await openDirect(alice!, bob!);
    const device = new Device(bob!);
    await device.connect();

    const expected = new Map<number, string | null>(); // seq → text, from the acks
    const record = async (user: TestUser, text: string) => {
      const res = await sendText(user, group, text);
      expected.set(res.body.seq, text);
      return res.body.seq as number;
    };
    for (let i = 0; i < 15; i++) await record(i % 2 ? alice! : carol!, `live ${i}`);
    await expect.poll(() => device.engine.lastSeq(group)).toBe(16);
    device.drop(); // the socket dies (e.g. the mini-program was backgrounded)

    const away = await Promise.all(Array.from({ length: 25 }, (_, i) => record(i % 2 ? alice! : carol!, `away ${i}`)));
    const dmSent = await sendText(alice!, dm, "are you back?");
    const recalled = away[3]!;
    const notice = await api("POST", `/conversations/${group}/messages/${recalled}/recall`, { token: alice!.token });
    expected.set(recalled, null);
    expected.set(notice.body.seq, null);

    await device.connect();
    for (let i = 0; i < 5; i++) await record(carol!, `after ${i}`);
    await expect.poll(async () => (await device.settle(), device.engine.lastSeq(group))).toBe(47);

    const got = device.engine.messages(group);
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 47 }, (_, i) => i + 1));
    expect(device.delivered.get(group)).toEqual(got.map((m) => m.seq)); // each delivered once, in order
    expect(texts(got.slice(1))).toEqual([...expected.keys()].sort((x, y) => x - y).map((seq) => expected.get(seq)));
    expect(got.find((m) => m.seq === recalled)).toMatchObject({ body: null, recalledBy: alice!.id });
    expect(device.engine.messages(dm).map((m) => m.seq)).toEqual([dmSent.body.seq]);

    // Unread on the list after reconnect: everything others sent, never bob's own.
    await sendText(bob!, group, "i'm back");
    const list = await transport(bob!).listConversations();
    expect(list.find((c) => c.id === group)).toMatchObject({ unread: 0, readSeq: 48, lastSeq: 48 });
    expect(list.find((c) => c.id === dm)).toMatchObject({ unread: 1 });
    device.drop();
  });

  it("fills a gap when a pushed message skips a seq, and ignores duplicates", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    const engine = new SyncEngine(transport(b!));
    const acks = [];
    for (let i = 1; i <= 4; i++) acks.push((await sendText(a!, dm, `m${i}`)).body);
    const full = (await transport(b!).fetchAfter(dm, 0, 10)).messages;
    await engine.onFrame({ type: "message", message: full[0]! });
    await engine.onFrame({ type: "message", message: full[3]! }); // 2 and 3 never arrived
    expect(engine.messages(dm).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    await engine.onFrame({ type: "message", message: full[2]! }); // late duplicate
    await engine.onFrame({ type: "message", message: full[3]! });
    expect(engine.messages(dm).map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(acks.map((x) => x.seq)).toEqual([1, 2, 3, 4]);
  });

  it("catches up a device that missed more than one page", async () => {
    const [reader, ...senders] = await makeUsers(16);
    const group = await createGroup(senders[0]!, [reader!, ...senders.slice(1)]);
    // 15 senders × 30 messages: within each sender's burst allowance.
    await Promise.all(
      senders.map(async (s, k) => {
        for (let i = 0; i < 30; i++) await sendText(s, group, `${k}:${i}`);
      }),
    );
    const engine = new SyncEngine(transport(reader!));
    await engine.catchUp();
    const got = engine.messages(group);
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 451 }, (_, i) => i + 1));
    const bySender = new Map<string, string[]>();
    for (const m of got.slice(1)) bySender.set(m.senderId, [...(bySender.get(m.senderId) ?? []), (m.body as { text: string }).text]);
    // Each sender's messages appear in the order that sender sent them.
    senders.forEach((s, k) => expect(bySender.get(s.id)).toEqual(Array.from({ length: 30 }, (_, i) => `${k}:${i}`)));
  }, 30_000);

  it("tells no device of a message before its conversation list shows it (summary before push)", async () => {
    const [a, b] = await makeUsers(2);
    const group = await createGroup(a!, [b!]);
    const sockets = await Promise.all([SocketClient.connect(a!.token), SocketClient.connect(b!.token)]);
    await Promise.all(sockets.map((s) => s.next((f) => f.type === "ready")));
    // Hold the object's next summary write open: local D1 answers too fast to see the order otherwise.
    const stub = env.CONVERSATION.get(env.CONVERSATION.idFromName(group));
    let release!: () => void;
    await runInDurableObject(stub, (o: ConversationObject) => {
      o.summaryGate = new Promise<void>((r) => (release = r));
    });
    const sent = await sendText(a!, group, "listed first");
    expect(sent.status).toBe(201);
    await new Promise((r) => setTimeout(r, 300));
    for (const s of sockets) expect(s.messages(group).map((m) => m.seq)).not.toContain(sent.body.seq);
    expect((await api("GET", "/conversations", { token: b!.token })).body.conversations[0].lastSeq).toBeLessThan(sent.body.seq);

    // Released from inside the object: a promise belongs to the object that made it.
    await runInDurableObject(stub, (o: ConversationObject) => {
      o.summaryGate = null;
      release();
    });
    for (const s of sockets) await s.next((f) => f.type === "message" && f.message.seq === sent.body.seq);
    expect((await api("GET", "/conversations", { token: b!.token })).body.conversations[0].lastSeq).toBe(sent.body.seq);
    for (const s of sockets) s.close();
  });
});
