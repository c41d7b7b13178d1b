// What a text message writes in its conversation's own SQLite. On Cloudflare every row written
// there is billed (SQLite-backed Durable Objects, as D1: docs/performance.md#cost-per-million-messages-on-cloudflare),
// so the send path is held to the message, its search entry and the sender's read position, each once.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationObject } from "../../worker/conversation/object";
import { conversationObject } from "../../worker/lib/shards";
import { befriend, createGroup, makeUsers, sendText } from "./chat-helpers";
import { api } from "./helpers";

type Inside = { state: { fanout: { settle(): Promise<void> } } };

/** Waits until the conversation's flush has written everything queued. */
const settled = (conversationId: string) => runInDurableObject(conversationObject(env, conversationId), async (instance: ConversationObject) => (instance as unknown as Inside).state.fanout.settle());

/** Counts row writes on the object's message and member tables from now on (test triggers). */
async function countWrites(conversationId: string) {
  await runInDurableObject(conversationObject(env, conversationId), async (instance: ConversationObject, state) => {
    await (instance as unknown as Inside).state.fanout.settle();
    const sql = state.storage.sql;
    sql.exec("CREATE TABLE test_writes (what TEXT NOT NULL)");
    sql.exec("CREATE TRIGGER test_messages_insert AFTER INSERT ON messages BEGIN INSERT INTO test_writes VALUES ('messages insert'); END");
    sql.exec("CREATE TRIGGER test_members_update AFTER UPDATE ON members BEGIN INSERT INTO test_writes VALUES ('members update ' || new.user_id); END");
  });
  return () =>
    runInDurableObject(conversationObject(env, conversationId), async (instance: ConversationObject, state) => {
      await (instance as unknown as Inside).state.fanout.settle();
      return state.storage.sql
        .exec<{ what: string }>("SELECT what FROM test_writes")
        .toArray()
        .map((r) => r.what);
    });
}

describe("a text message's writes in its conversation", () => {
  it("are the message and the sender's read position, once each, flush included", async () => {
    const [owner, a, b] = await makeUsers(3);
    await befriend(owner!, a!, b!);
    const chat = await createGroup(owner!, [a!, b!]);
    expect((await sendText(a!, chat, "first")).status).toBe(201);
    const writes = await countWrites(chat);
    for (const text of ["one", "two", "three"]) expect((await sendText(a!, chat, text)).status).toBe(201);
    const seen = await writes();
    expect(seen.filter((w) => w === "messages insert")).toHaveLength(3);
    // The read is written with the message (never unread after a crash); the flush does not write it again.
    expect(seen.filter((w) => w.startsWith("members update"))).toEqual([`members update ${a!.id}`, `members update ${a!.id}`, `members update ${a!.id}`]);
  });

  it("still stores another member's read at the next flush", async () => {
    const [owner, a] = await makeUsers(2);
    await befriend(owner!, a!);
    const chat = await createGroup(owner!, [a!]);
    const sent = await sendText(a!, chat, "read me");
    const writes = await countWrites(chat);
    const res = await api("POST", `/conversations/${chat}/read`, { token: owner!.token, body: { seq: sent.body.seq } });
    expect(res.status).toBe(200);
    expect(await writes()).toEqual([`members update ${owner!.id}`]);
  });
});

/** A group of two where `a` has sent one message, flushed; and the development meter's counts. */
async function warmGroup() {
  const [owner, a] = await makeUsers(2);
  await befriend(owner!, a!);
  const chat = await createGroup(owner!, [a!]);
  expect((await sendText(a!, chat, "warm")).status).toBe(201);
  await settled(chat);
  const meter = async () => (await api("GET", "/dev/d1-writes", { token: a!.token, env: { ENVIRONMENT: "development" } })).body as { batches: number; rowsWritten: number; objectRowsWritten: number };
  return { a: a!, chat, meter };
}

describe("the development meter of those writes", () => {
  it("counts the rows a text message writes in its conversation: the message, its search entry and the sender's read", async () => {
    const { a, chat, meter } = await warmGroup();
    const before = (await meter()).objectRowsWritten;
    for (const text of ["hello there", "你好，开会了"]) expect((await sendText(a, chat, text)).status).toBe(201);
    await settled(chat);
    // Per message: the row and its (sender, clientId) index entry, the search entry (the runtime
    // counts the statement's row, not the full-text index's own tables), the sender's read. A second
    // read write or an index on the message id (both gone) made it 6 each.
    expect((await meter()).objectRowsWritten - before).toBe(2 * 4);
  });
});

describe("the development meter of the summary shard's writes", () => {
  it("counts the rows D1 reports for a message's batch: the summary (and its time index) and the sender's read", async () => {
    const { a, chat, meter } = await warmGroup();
    const before = await meter();
    expect((await sendText(a, chat, "one more")).status).toBe(201);
    await settled(chat);
    const after = await meter();
    expect(after.batches - before.batches).toBe(1);
    // The summary row and its entry in the time index the notices scan by, and the sender's read.
    expect(after.rowsWritten - before.rowsWritten).toBe(3);
  });
});
