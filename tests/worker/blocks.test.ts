// Blocks and deleted friends, and what they do to the chats between two people: the direct
// chat keeps its history and opens for both, sends follow the rules in docs/contacts.md, and
// a block stays out of the groups they share. Real D1, Durable Objects and sockets.
import { describe, expect, it } from "vitest";
import { createGroup, history, makeUsers, sendText, type TestUser } from "./chat-helpers";
import { api, count, expectError } from "./helpers";

const pair = async () => (await makeUsers(2)) as [TestUser, TestUser];

async function friends(a: TestUser, b: TestUser): Promise<string> {
  const sent = await api("POST", "/contacts/requests", { token: a.token, body: { userId: b.id, greeting: "hi" } });
  const res = await api("POST", `/contacts/requests/${sent.body.request.id}/accept`, { token: b.token, body: {} });
  if (res.status !== 200) throw new Error(`accept: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.conversationId;
}

const block = (who: TestUser, whom: TestUser) => api("PUT", `/contacts/blocks/${whom.id}`, { token: who.token });
const unblock = (who: TestUser, whom: TestUser) => api("DELETE", `/contacts/blocks/${whom.id}`, { token: who.token });
const openChat = (who: TestUser, with_: TestUser) => api("POST", "/conversations/direct", { token: who.token, body: { userId: with_.id } });
const allowStrangers = (who: TestUser, on: boolean) => api("PATCH", "/me", { token: who.token, body: { allowStrangers: on } });

describe("a block and the direct chat", () => {
  it("still lets the blocked person open the chat and read its history, but not send", async () => {
    const [alice, bob] = await pair();
    const chat = await friends(alice, bob);
    await sendText(bob, chat, "before the block");
    expect((await block(alice, bob)).status).toBe(204);

    const opened = await openChat(bob, alice);
    expect(opened.status).toBe(200);
    expect(opened.body.id).toBe(chat);
    expect((await history(bob, chat)).map((m) => m.type)).toEqual(["system", "text"]);
    expectError(await sendText(bob, chat, "after the block"), 403, "blocked");
    expect((await history(alice, chat)).length).toBe(2);
  });

  it("refuses a blocked person a new chat with the blocker, even one who allows strangers", async () => {
    const [alice, bob] = await pair();
    await allowStrangers(alice, true);
    await block(alice, bob);
    expectError(await openChat(bob, alice), 403, "blocked");
    expect(await count("conversations", "kind = 'direct'")).toBe(0);
    // The blocker may still start one (and write in it): the block only stops the other way.
    await allowStrangers(bob, true);
    const opened = await openChat(alice, bob);
    expect(opened.status).toBe(201);
    expect((await sendText(alice, opened.body.id, "one-way")).status).toBe(201);
    expectError(await sendText(bob, opened.body.id, "reply"), 403, "blocked");
  });

  it("refuses a stranger's sends with blocked, not not_friends, once blocked", async () => {
    const [alice, bob] = await pair();
    await allowStrangers(alice, true);
    const chat = (await openChat(bob, alice)).body.id;
    expect((await sendText(bob, chat, "hello, stranger here")).status).toBe(201);
    await block(alice, bob);
    expectError(await sendText(bob, chat, "hello?"), 403, "blocked");
  });

  it("keeps a block in force while the other side lifts theirs", async () => {
    const [alice, bob] = await pair();
    const chat = await friends(alice, bob);
    await block(alice, bob);
    await block(bob, alice);
    expectError(await sendText(alice, chat, "a"), 403, "blocked");
    expectError(await sendText(bob, chat, "b"), 403, "blocked");
    await unblock(alice, bob);
    expect((await sendText(bob, chat, "b again")).status).toBe(201);
    expectError(await sendText(alice, chat, "a again"), 403, "blocked");
    expect(await count("blocks", "user_id = ? and blocked_id = ?", bob.id, alice.id)).toBe(1);
  });
});

describe("the block list", () => {
  it("is the blocker's alone: the blocked person can neither see nor lift it", async () => {
    const [alice, bob] = await pair();
    await block(alice, bob);
    expect((await api("GET", "/contacts/blocks", { token: bob.token })).body.users).toEqual([]);
    expectError(await unblock(bob, alice), 404, "not_found");
    expect(await count("blocks", "user_id = ? and blocked_id = ?", alice.id, bob.id)).toBe(1);
  });

  it("takes a second block of the same person as the first, and shows each once", async () => {
    const [alice, bob] = await pair();
    expect((await block(alice, bob)).status).toBe(204);
    expect((await block(alice, bob)).status).toBe(204);
    expect(await count("blocks", "user_id = ?", alice.id)).toBe(1);
    const list = (await api("GET", "/contacts/blocks", { token: alice.token })).body.users;
    expect(list).toEqual([expect.objectContaining({ id: bob.id, nickname: bob.nickname })]);
    expect(Object.keys(list[0]).sort()).toEqual(["avatarMediaId", "id", "nickname", "signature", "status", "username"]);
  });

  it("refuses without a token, and for yourself or nobody, writing nothing", async () => {
    const [alice] = await pair();
    expectError(await api("PUT", `/contacts/blocks/${alice.id}`, {}), 401, "unauthorized");
    expectError(await block(alice, alice), 400, "invalid_request");
    expectError(await api("PUT", "/contacts/blocks/not-a-user-id", { token: alice.token }), 404, "not_found");
    expect(await count("blocks")).toBe(0);
  });
});

describe("groups they share", () => {
  it("are out of a block's reach: both still post and read there, as in WeChat", async () => {
    const [alice, bob] = await pair();
    const [carol] = (await makeUsers(1)) as [TestUser];
    const group = await createGroup(carol, [alice, bob], "Book club");
    await block(alice, bob);
    expect((await sendText(bob, group, "from the blocked one")).status).toBe(201);
    expect((await history(alice, group)).some((m) => m.type === "text" && m.senderId === bob.id)).toBe(true);
  });
});

describe("a deleted friend and the direct chat", () => {
  it("opens the chat again for both, history included, though sends are refused", async () => {
    const [alice, bob] = await pair();
    const chat = await friends(alice, bob);
    await sendText(alice, chat, "we were friends");
    await api("DELETE", `/contacts/${bob.id}`, { token: alice.token });
    for (const [who, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const opened = await openChat(who, other);
      expect(opened.status).toBe(200);
      expect(opened.body.id).toBe(chat);
      expect((await history(who, chat)).map((m) => m.type)).toEqual(["system", "text"]);
      expectError(await sendText(who, chat, "still there?"), 403, "not_friends");
    }
  });

  it("lets a former friend write when the other allows strangers, and not the other way round", async () => {
    const [alice, bob] = await pair();
    const chat = await friends(alice, bob);
    await api("DELETE", `/contacts/${alice.id}`, { token: bob.token });
    await allowStrangers(bob, true);
    expect((await sendText(alice, chat, "hi again")).status).toBe(201);
    expectError(await sendText(bob, chat, "hi"), 403, "not_friends");
    await allowStrangers(bob, false);
    expectError(await sendText(alice, chat, "and now?"), 403, "not_friends");
  });

  it("does not withdraw a block: deleting a blocked friend leaves them blocked", async () => {
    const [alice, bob] = await pair();
    const chat = await friends(alice, bob);
    await block(alice, bob);
    await api("DELETE", `/contacts/${bob.id}`, { token: alice.token });
    await allowStrangers(alice, true);
    expectError(await sendText(bob, chat, "?"), 403, "blocked");
    expectError(await api("POST", "/contacts/requests", { token: bob.token, body: { userId: alice.id } }), 403, "blocked");
  });
});
