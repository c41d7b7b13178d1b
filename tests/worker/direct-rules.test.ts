// How a direct chat's Durable Object enforces the contacts rules: against its own stored copy
// (its SQLite and memory), rewritten only when the contacts service reports a change, so a
// send never waits on D1. Real D1, objects and sockets.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { conversationObject } from "../../worker/lib/shards";
import type { ConversationObject } from "../../worker/conversation/object";
import { DIRECT_RULES_RECHECK_MS } from "../../worker/conversation/direct-rules";
import { makeUsers, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { api, expectError } from "./helpers";

const people = async (n: 2) => (await makeUsers(n)) as [TestUser, TestUser];

async function friends(a: TestUser, b: TestUser): Promise<string> {
  const sent = await api("POST", "/contacts/requests", { token: a.token, body: { userId: b.id, greeting: "hi" } });
  const res = await api("POST", `/contacts/requests/${sent.body.request.id}/accept`, { token: b.token, body: {} });
  if (res.status !== 200) throw new Error(`accept: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.conversationId;
}

/** Removes the friendship in D1 only, behind the object's back. */
const unfriendInD1Only = (a: TestUser, b: TestUser) => env.DB.prepare("delete from friendships where user_id in (?, ?)").bind(a.id, b.id).run();

type Stored = { sender_id: string; refusal: string | null };
const storedRules = (chat: string) =>
  runInDurableObject(conversationObject(env, chat), async (_i, state) => state.storage.sql.exec<Stored>("select sender_id, refusal from direct_rules order by sender_id").toArray());

describe("the direct chat's own copy of the rules", () => {
  it("is stored in the object when the chat opens, one row per member", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    expect(await storedRules(chat)).toEqual([alice.id, bob.id].sort().map((id) => ({ sender_id: id, refusal: null })));
    await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token });
    expect((await storedRules(chat)).find((r) => r.sender_id === bob.id)!.refusal).toBe("blocked");
  });

  it("decides sends without D1: a change made behind its back is not seen until the service reports one", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    await unfriendInD1Only(alice, bob);
    expect((await sendText(bob, chat, "the object still has us as friends")).status).toBe(201);
    // Any reported change makes it re-read both sides.
    await api("PATCH", "/me", { token: alice.token, body: { allowStrangers: true } });
    await api("PATCH", "/me", { token: alice.token, body: { allowStrangers: false } });
    expectError(await sendText(bob, chat, "now it knows"), 403, "not_friends");
  });

  it("survives the object waking up: it reads its storage, not D1", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    await unfriendInD1Only(alice, bob);
    // Forget everything held in memory, as after an eviction, and load again from storage.
    await runInDurableObject(conversationObject(env, chat), async (instance: ConversationObject) => {
      const inside = instance as unknown as { state: { directRules: { policy: unknown }; load(): void } };
      inside.state.directRules.policy = null;
      inside.state.load();
    });
    expect((await sendText(alice, chat, "still friends as far as the chat knows")).status).toBe(201);
  });

  it("reads D1 once on the first send of a chat that has no stored rules yet", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    await unfriendInD1Only(alice, bob);
    // A chat from before the rules were stored: no rows, nothing in memory.
    await runInDurableObject(conversationObject(env, chat), async (instance: ConversationObject, state) => {
      state.storage.sql.exec("delete from direct_rules");
      (instance as unknown as { state: { load(): void } }).state.load();
    });
    expectError(await sendText(bob, chat, "hello?"), 403, "not_friends");
    expect((await storedRules(chat)).map((r) => r.refusal)).toEqual(["not_friends", "not_friends"]);
  });

  it("re-reads rules older than an hour in the background, so a change whose report was lost still lands", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    await unfriendInD1Only(alice, bob); // as if the service's report to the object had failed
    await runInDurableObject(conversationObject(env, chat), async (instance: ConversationObject, state) => {
      state.storage.sql.exec("update direct_rules set synced_at = ?", Date.now() - DIRECT_RULES_RECHECK_MS - 1);
      (instance as unknown as { state: { load(): void } }).state.load();
    });
    // This send goes by the stored rules, and starts the re-read.
    expect((await sendText(bob, chat, "sent on the old rules")).status).toBe(201);
    await expect.poll(async () => (await storedRules(chat)).map((r) => r.refusal)).toEqual(["not_friends", "not_friends"]);
    expectError(await sendText(bob, chat, "now refused"), 403, "not_friends");
  });

  it("does not re-read fresh rules: within the hour, D1 is not consulted", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    await unfriendInD1Only(alice, bob);
    for (let i = 0; i < 3; i++) expect((await sendText(bob, chat, `fresh ${i}`)).status).toBe(201);
    expect((await storedRules(chat)).map((r) => r.refusal)).toEqual([null, null]);
  });

  it("refuses a forward into the chat just like a send", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    const notes = (await api("POST", "/conversations", { token: bob.token, body: { name: "Notes", memberIds: [] } })).body.id;
    const seq = (await sendText(bob, notes, "worth sharing")).body.seq;
    await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token });
    const res = await api("POST", `/conversations/${notes}/messages/${seq}/forward`, { token: bob.token, body: { to: [chat], clientId: "fw1" } });
    expect(res.body.results).toEqual([{ conversationId: chat, ok: false, error: { code: "blocked", message: expect.any(String) } }]);
  });
});

describe("typing in a direct chat", () => {
  it("is relayed from the blocker but not from the person they blocked", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token });
    const [alicePhone, bobPhone] = [await SocketClient.connect(alice.token), await SocketClient.connect(bob.token)];
    await Promise.all([alicePhone.next((f) => f.type === "ready"), bobPhone.next((f) => f.type === "ready")]);
    bobPhone.send({ type: "typing", conversationId: chat });
    alicePhone.send({ type: "typing", conversationId: chat });
    await bobPhone.next((f) => f.type === "typing" && f.userId === alice.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(alicePhone.frames.filter((f) => f.type === "typing")).toEqual([]);
    for (const p of [alicePhone, bobPhone]) p.close();
    await Promise.all([alicePhone.waitClosed(), bobPhone.waitClosed()]);
  });
});
