// Summaries and read positions in the summary shards (docs/scaling.md, decision 3): the list,
// unread counts and search answer as they did with everything in DB, with conversations spread
// over both local shards; a flush writes nothing to DB; a read reported on its own rides the next
// message's batch or is written within READ_WRITE_DELAY_MS; an object that wakes under another
// shard count writes its whole summary again.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationObject } from "../../worker/conversation/object";
import { READ_WRITE_DELAY_MS } from "../../worker/conversation/summary-writer";
import { summaryShardCount, summaryShardOf } from "../../worker/data/summaries";
import { deleteAccount } from "../../worker/services/deletion";
import { api } from "./helpers";
import { createGroup, makeUsers, openDirect, sendText, SocketClient, type TestUser } from "./chat-helpers";

const stub = (id: string) => env.CONVERSATION.get(env.CONVERSATION.idFromName(id));
const shardOf = (id: string) => env[`SUMMARIES_${summaryShardOf(env, id)}`]!;

async function list(user: TestUser) {
  const res = await api("GET", "/conversations", { token: user.token });
  expect(res.status).toBe(200);
  return res.body.conversations as { id: string; lastSeq: number; readSeq: number; unread: number; markedUnread: boolean; lastMessage: { text?: string } | null }[];
}

async function shardRead(conversationId: string, userId: string): Promise<number | null> {
  const row = await shardOf(conversationId).prepare("SELECT read_seq FROM member_reads WHERE conversation_id = ? AND user_id = ?").bind(conversationId, userId).first<{ read_seq: number }>();
  return row?.read_seq ?? null;
}

/** Every write to the tables DB held per-message state in, logged by triggers (a flush must add none). */
async function logDbWrites() {
  await env.DB.batch([
    env.DB.prepare("CREATE TABLE test_db_writes (tbl TEXT NOT NULL)"),
    ...["conversations", "memberships"].flatMap((t) =>
      ["INSERT", "UPDATE", "DELETE"].map((op) => env.DB.prepare(`CREATE TRIGGER test_${t}_${op.toLowerCase()} AFTER ${op} ON ${t} BEGIN INSERT INTO test_db_writes VALUES ('${t} ${op}'); END`)),
    ),
  ]);
  return async () => (await env.DB.prepare("SELECT tbl FROM test_db_writes").all<{ tbl: string }>()).results.map((r) => r.tbl);
}

describe("summaries in shards", () => {
  it("answers the list, unread counts and message search the same with conversations spread over both shards", async () => {
    expect(summaryShardCount(env)).toBe(2);
    const [me, ...others] = await makeUsers(9);
    // Seven direct chats and a group: with two shards, both hold some (checked below).
    const chats: string[] = [];
    for (const other of others.slice(0, 7)) chats.push(await openDirect(me!, other));
    const group = await createGroup(me!, others.slice(0, 4), "Hikers");
    const all = [...chats, group];
    expect(new Set(all.map((id) => summaryShardOf(env, id)))).toEqual(new Set([0, 1]));

    // Chat i gets i + 1 messages from the other side, the group three; I read some of them.
    for (const [i, id] of chats.entries()) for (let k = 0; k <= i; k++) await sendText(others[i]!, id, `dumplings ${i}.${k}`);
    for (const k of [1, 2, 3]) await sendText(others[k]!, group, `group dumplings ${k}`);
    await api("POST", `/conversations/${chats[3]}/read`, { token: me!.token, body: { seq: 2 } });
    await api("POST", `/conversations/${chats[6]}/read`, { token: me!.token, body: { seq: 7 } });
    await api("PUT", `/conversations/${chats[0]}/unread`, { token: me!.token });
    await sendText(me!, chats[5]!, "my own"); // my own message: chat 5 is read through it

    await expect
      .poll(async () => (await list(me!)).map((c) => [c.id, c.lastSeq, c.unread]))
      .toEqual([
        [chats[5], 7, 0],
        [group, 4, 3],
        [chats[6], 7, 0],
        [chats[4], 5, 5],
        [chats[3], 4, 2],
        [chats[2], 3, 3],
        [chats[1], 2, 2],
        [chats[0], 1, 1],
      ]);
    const listed = await list(me!);
    expect(listed.find((c) => c.id === chats[0])).toMatchObject({ markedUnread: true, unread: 1, readSeq: 0 });
    expect(listed.find((c) => c.id === chats[5])).toMatchObject({ readSeq: 7, lastMessage: expect.objectContaining({ text: "my own" }) });
    // The other side's view of the same chats: their own messages never unread.
    expect((await list(others[4]!)).find((c) => c.id === chats[4])).toMatchObject({ lastSeq: 5, unread: 0 });

    // Search across chats finds messages in conversations of both shards, newest chat first.
    const found = await api("GET", "/search/messages?q=dumplings", { token: me!.token });
    expect(found.status).toBe(200);
    expect(found.body.chats.map((c: { conversation: { id: string } }) => c.conversation.id)).toEqual([chats[5], group, chats[6], chats[4], chats[3], chats[2], chats[1], chats[0]]);

    // Each summary sits in its own shard, and only there.
    for (const id of all) {
      const other = env[`SUMMARIES_${1 - summaryShardOf(env, id)}`]!;
      expect(await shardOf(id).prepare("SELECT last_seq FROM conversation_summaries WHERE conversation_id = ?").bind(id).first("last_seq")).toBeGreaterThan(0);
      expect(await other.prepare("SELECT count(*) AS n FROM conversation_summaries WHERE conversation_id = ?").bind(id).first("n")).toBe(0);
    }
  });

  it("writes no row to DB when messages are sent, read and marked unread", async () => {
    const [alice, bob, carol] = await makeUsers(3);
    const dm = await openDirect(alice!, bob!);
    const group = await createGroup(alice!, [bob!, carol!]);
    const dbWrites = await logDbWrites();
    const socket = await SocketClient.connect(bob!.token);
    await socket.next((f) => f.type === "ready");

    for (let i = 0; i < 3; i++) {
      await sendText(alice!, dm, `dm ${i}`);
      await sendText(carol!, group, `group ${i}`);
    }
    socket.send({ type: "read", conversationId: dm, seq: 3 });
    await api("POST", `/conversations/${group}/read`, { token: bob!.token, body: { seq: 2 } });
    await api("PUT", `/conversations/${group}/unread`, { token: bob!.token });
    await expect.poll(() => shardRead(dm, bob!.id), { timeout: READ_WRITE_DELAY_MS + 3000 }).toBe(3);
    await expect
      .poll(async () => (await list(bob!)).map((c) => [c.id, c.unread, c.markedUnread]))
      .toEqual([
        [group, 2, true],
        [dm, 0, false],
      ]);
    expect(await dbWrites()).toEqual([]);
  });

  it("writes a read reported alone with the next message's batch, or on its own within the delay, and pushes it only once written", async () => {
    const [alice, bob] = await makeUsers(2);
    const dm = await openDirect(alice!, bob!);
    const socket = await SocketClient.connect(bob!.token);
    await socket.next((f) => f.type === "ready");
    await sendText(alice!, dm, "one");
    await expect.poll(() => shardRead(dm, alice!.id)).toBe(1);
    const before = await stub(dm).stats();
    const readFrames = () => socket.frames.filter((f) => f.type === "read" && f.reads.some((r) => r.userId === bob!.id));

    // Bob reads; Alice writes again before the delay is over: one batch carries both, and the read
    // is pushed with that batch, not before the shard has it.
    socket.send({ type: "read", conversationId: dm, seq: 1 });
    await expect.poll(async () => (await stub(dm).stats()).readCalls).toBeGreaterThan(before.readCalls);
    expect(await shardRead(dm, bob!.id)).toBe(0);
    expect(readFrames()).toEqual([]);
    await sendText(alice!, dm, "two");
    await socket.next(() => readFrames().length === 1);
    expect(await shardRead(dm, bob!.id)).toBe(1);
    const after = await stub(dm).stats();
    expect(after.d1Batches - before.d1Batches).toBe(1);

    // A read with no message after it is written by itself, within the delay, then pushed.
    const started = Date.now();
    socket.send({ type: "read", conversationId: dm, seq: 2 });
    await socket.next(() => readFrames().length === 2, READ_WRITE_DELAY_MS + 3000);
    expect(await shardRead(dm, bob!.id)).toBe(2);
    expect(Date.now() - started).toBeLessThan(READ_WRITE_DELAY_MS + 1500);
    expect((await stub(dm).stats()).d1Batches - after.d1Batches).toBe(1);
    expect((await list(bob!))[0]).toMatchObject({ id: dm, unread: 0, readSeq: 2 });
  });

  it("keeps unread exact for a device that connects between a read and its write: the read reaches it when written", async () => {
    const [alice, bob] = await makeUsers(2);
    const dm = await openDirect(alice!, bob!);
    await sendText(alice!, dm, "are you there?");
    const phone = await SocketClient.connect(bob!.token);
    await phone.next((f) => f.type === "ready");
    const before = await stub(dm).stats();
    phone.send({ type: "read", conversationId: dm, seq: 1 });
    await expect.poll(async () => (await stub(dm).stats()).readCalls).toBeGreaterThan(before.readCalls);

    // Bob's computer connects now and lists: the shard may not have the read yet...
    const computer = await SocketClient.connect(bob!.token);
    await computer.next((f) => f.type === "ready");
    const listed = (await list(bob!)).find((c) => c.id === dm)!;
    // ...so the read must still reach it: pushed once written, never before it connected.
    if (listed.unread > 0) await computer.next((f) => f.type === "read" && f.reads.some((r) => r.userId === bob!.id && r.seq === 1), READ_WRITE_DELAY_MS + 3000);
    await expect.poll(() => shardRead(dm, bob!.id), { timeout: READ_WRITE_DELAY_MS + 3000 }).toBe(1);
    expect((await list(bob!)).find((c) => c.id === dm)).toMatchObject({ unread: 0, readSeq: 1 });
  });

  it("rewrites a conversation's whole summary when its object wakes under another shard count, and drops members who leave", async () => {
    const [alice, bob, carol] = await makeUsers(3);
    const group = await createGroup(alice!, [bob!, carol!]);
    await sendText(bob!, group, "hello");
    await api("POST", `/conversations/${group}/read`, { token: carol!.token, body: { seq: 2 } });
    await expect.poll(() => shardRead(group, carol!.id)).toBe(2);

    // As if the shard were new: its rows gone, and the object last wrote under another count.
    await shardOf(group).batch([
      shardOf(group).prepare("DELETE FROM conversation_summaries WHERE conversation_id = ?").bind(group),
      shardOf(group).prepare("DELETE FROM member_reads WHERE conversation_id = ?").bind(group),
    ]);
    await runInDurableObject(stub(group), async (o: ConversationObject, state) => {
      state.storage.sql.exec("UPDATE meta SET summary_shards = 1");
      (o as unknown as { state: { load(): void } }).state.load();
    });
    await sendText(alice!, group, "again");
    await expect.poll(() => shardRead(group, carol!.id)).toBe(2);
    expect(await shardRead(group, bob!.id)).toBe(2);
    expect(await shardOf(group).prepare("SELECT last_seq FROM conversation_summaries WHERE conversation_id = ?").bind(group).first("last_seq")).toBe(3);
    expect((await list(carol!))[0]).toMatchObject({ id: group, lastSeq: 3, unread: 1 });

    // Leaving takes the member's read row out of the shard.
    expect((await api("POST", `/groups/${group}/leave`, { token: carol!.token })).status).toBe(200);
    await expect.poll(() => shardRead(group, carol!.id)).toBe(null);
  });

  it("takes a deleted account's read positions out of every shard", async () => {
    const [alice, bob, carol] = await makeUsers(3);
    const dm = await openDirect(alice!, bob!);
    const group = await createGroup(carol!, [alice!, bob!]);
    await sendText(alice!, dm, "hi");
    await sendText(alice!, group, "hello all");
    await expect.poll(() => shardRead(group, alice!.id)).toBe(2);
    expect(await shardRead(dm, alice!.id)).toBe(1);

    await deleteAccount(env, alice!.id);
    const left = await Promise.all([0, 1].map((i) => env[`SUMMARIES_${i}`]!.prepare("SELECT count(*) AS n FROM member_reads WHERE user_id = ?").bind(alice!.id).first("n")));
    expect(left).toEqual([0, 0]);
    // The others' rows stay.
    expect(await shardRead(group, bob!.id)).toBe(0);
    expect(await shardRead(group, carol!.id)).toBe(1);
  });
});
