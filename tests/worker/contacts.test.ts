// Contacts: friend requests, friends with remarks and tags, deleting, blocking, the stranger
// setting, and what each does to the direct chat between the two. Real D1, objects and sockets.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CONTACT_LIMITS } from "../../schema/contacts";
import type { ServerFrame } from "../../schema/protocol";
import { history, makeUser, makeUsers, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { api, count, expectError, rows, startAtWindowBoundary } from "./helpers";

const request = (from: TestUser, to: TestUser, greeting = "Hi, it's me") => api("POST", "/contacts/requests", { token: from.token, body: { userId: to.id, greeting } });
const accept = (who: TestUser, id: string, body: Record<string, unknown> = {}) => api("POST", `/contacts/requests/${id}/accept`, { token: who.token, body });

/** makeUsers typed as a tuple, so destructured users are defined. */
const people = async (n: 2 | 3) => (await makeUsers(n)) as [TestUser, TestUser, TestUser];

async function friends(a: TestUser, b: TestUser): Promise<string> {
  const sent = await request(a, b);
  expect(sent.status).toBe(201);
  const res = await accept(b, sent.body.request.id);
  expect(res.status).toBe(200);
  return res.body.conversationId;
}

describe("friend requests", () => {
  // Counts up to fixed-window limits: start at a window boundary so no count is reset mid-spec.
  beforeEach(startAtWindowBoundary);
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends a request with a greeting that the other person sees live and in their list", async () => {
    const [alice, bob] = await people(2);
    const bobPhone = await SocketClient.connect(bob.token);
    const res = await request(alice, bob, "We met at the hike");
    expect(res.status).toBe(201);
    expect(res.body.request).toMatchObject({ from: { id: alice.id }, to: { id: bob.id }, greeting: "We met at the hike", status: "pending" });
    const live = await bobPhone.next<Extract<ServerFrame, { type: "friend_request" }>>((f) => f.type === "friend_request");
    expect(live.request.id).toBe(res.body.request.id);

    const bobs = await api("GET", "/contacts/requests", { token: bob.token });
    expect(bobs.body.incoming.map((r: { id: string }) => r.id)).toEqual([res.body.request.id]);
    expect(bobs.body.outgoing).toEqual([]);
    const alices = await api("GET", "/contacts/requests", { token: alice.token });
    expect(alices.body.outgoing.map((r: { id: string }) => r.id)).toEqual([res.body.request.id]);

    // Asking again refreshes the same request instead of piling up.
    const again = await request(alice, bob, "Alice from the hike!");
    expect(again.status).toBe(200);
    expect(again.body.request).toMatchObject({ id: res.body.request.id, greeting: "Alice from the hike!" });
    expect(await count("friend_requests", "from_user_id = ?", alice.id)).toBe(1);
  });

  it("accepting makes both friends, opens their chat with a notice both hear, and lists each other", async () => {
    const [alice, bob] = await people(2);
    const [alicePhone, bobPhone] = await Promise.all([SocketClient.connect(alice.token), SocketClient.connect(bob.token)]);
    const sent = await request(alice, bob, "Hello!");
    const res = await accept(bob, sent.body.request.id, { remark: "Alice (hiking)" });
    expect(res.status).toBe(200);
    const chat = res.body.conversationId;
    expect(res.body.friend).toMatchObject({ user: { id: alice.id }, remark: "Alice (hiking)", conversationId: chat });

    for (const phone of [alicePhone, bobPhone]) {
      const { message } = await phone.next<Extract<ServerFrame, { type: "message" }>>((f) => f.type === "message" && f.message.conversationId === chat);
      expect(message).toMatchObject({ seq: 1, type: "system", body: { event: "friends", actorId: bob.id, requesterId: alice.id, greeting: "Hello!" } });
    }
    const bobsFriends = await api("GET", "/contacts", { token: bob.token });
    expect(bobsFriends.body.friends).toEqual([expect.objectContaining({ user: expect.objectContaining({ id: alice.id }), remark: "Alice (hiking)", online: true })]);
    const alicesFriends = await api("GET", "/contacts", { token: alice.token });
    expect(alicesFriends.body.friends).toEqual([expect.objectContaining({ user: expect.objectContaining({ id: bob.id }), remark: "" })]);
    expect(await count("friend_requests", "status = 'pending'")).toBe(0);

    // Now they can talk.
    expect((await sendText(alice, chat, "Great to be friends")).status).toBe(201);
    const list = await api("GET", "/conversations", { token: bob.token });
    // Bob accepted, so the notice counts as read for him: one unread, Alice's message.
    expect(list.body.conversations.find((c: { id: string }) => c.id === chat)).toMatchObject({ unread: 1, peer: { id: alice.id } });
  });

  it("accepts at once when both ask each other", async () => {
    const [alice, bob] = await people(2);
    await request(alice, bob);
    const res = await request(bob, alice);
    expect(res.status).toBe(200);
    expect(res.body.request).toMatchObject({ from: { id: alice.id }, status: "accepted" });
    expect(await count("friendships", "user_id in (?, ?)", alice.id, bob.id)).toBe(2);
  });

  it("declines without making friends, and only the person asked can answer", async () => {
    const [alice, bob, eve] = await people(3);
    const sent = await request(alice, bob);
    const id = sent.body.request.id;
    expectError(await accept(alice, id), 403, "forbidden");
    expectError(await accept(eve, id), 404, "not_found");
    expectError(await api("POST", `/contacts/requests/${id}/decline`, { token: eve.token }), 404, "not_found");
    expect((await api("POST", `/contacts/requests/${id}/decline`, { token: bob.token })).status).toBe(204);
    expectError(await accept(bob, id), 409, "conflict");
    expect(await count("friendships")).toBe(0);
    // The sender may ask again later.
    expect((await request(alice, bob)).status).toBe(201);
  });

  it("refuses requests to yourself, to unknown users, to friends, and malformed ones, writing nothing", async () => {
    const [alice, bob] = await people(2);
    expectError(await request(alice, alice), 400, "invalid_request");
    expectError(await api("POST", "/contacts/requests", { token: alice.token, body: { userId: "u_00000000000000000000" } }), 404, "not_found");
    expectError(await api("POST", "/contacts/requests", { token: alice.token, body: { userId: bob.id, greeting: "x".repeat(CONTACT_LIMITS.greetingChars + 1) } }), 400, "invalid_request");
    expectError(await api("POST", "/contacts/requests", { token: alice.token, body: { userId: bob.id, extra: 1 } }), 400, "invalid_request");
    expectError(await api("POST", "/contacts/requests", { body: { userId: bob.id } }), 401, "unauthorized");
    expect(await count("friend_requests")).toBe(0);
    await friends(alice, bob);
    expectError(await request(alice, bob), 409, "already_friends");
  });

  it("limits how many people one user can ask in a day", async () => {
    const alice = await makeUser("spammer");
    const targets = await makeUsers(CONTACT_LIMITS.requestsPerDay + 1);
    for (const t of targets.slice(0, CONTACT_LIMITS.requestsPerDay)) expect((await request(alice, t)).status).toBe(201);
    const res = await request(alice, targets.at(-1)!);
    expectError(res, 429, "rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await count("friend_requests", "from_user_id = ?", alice.id)).toBe(CONTACT_LIMITS.requestsPerDay);
  }, 20_000); // 31 people and 31 requests: about 3 s alone, more on a busy machine
});

describe("friends: remarks, tags and deleting", () => {
  it("keeps remarks and tags per side, renames and deletes tags across friends", async () => {
    const [me, ann, ben] = await people(3);
    await friends(me, ann);
    await friends(me, ben);
    const set = await api("PATCH", `/contacts/${ann.id}`, { token: me.token, body: { remark: "Ann (work)", tags: ["Work", "Hiking"] } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ remark: "Ann (work)", tags: ["Work", "Hiking"] });
    await api("PATCH", `/contacts/${ben.id}`, { token: me.token, body: { tags: ["Work"] } });
    expect((await api("GET", "/contacts", { token: me.token })).body.tags).toEqual(["Hiking", "Work"]);
    // Ann's view of me is untouched.
    expect((await api("GET", `/contacts/${me.id}`, { token: ann.token })).body).toMatchObject({ remark: "", tags: [] });

    expect((await api("PUT", "/contacts/tags/Work", { token: me.token, body: { name: "Colleagues" } })).body.changed).toBe(2);
    expect((await api("DELETE", "/contacts/tags/Hiking", { token: me.token })).body).toEqual({ changed: 1 });
    const list = (await api("GET", "/contacts", { token: me.token })).body;
    expect(list.tags).toEqual(["Colleagues"]);
    expect(list.friends.map((f: { tags: string[] }) => f.tags)).toEqual([["Colleagues"], ["Colleagues"]]);
    expectError(await api("DELETE", "/contacts/tags/Nope", { token: me.token }), 404, "not_found");
  });

  it("refuses to edit people who are not your friends, and bad tag lists", async () => {
    const [me, stranger, friend] = await people(3);
    await friends(me, friend);
    expectError(await api("PATCH", `/contacts/${stranger.id}`, { token: me.token, body: { remark: "x" } }), 404, "not_found");
    expectError(await api("GET", `/contacts/${stranger.id}`, { token: me.token }), 404, "not_found");
    const tooMany = Array.from({ length: CONTACT_LIMITS.tagsPerFriend + 1 }, (_, i) => `t${i}`);
    expectError(await api("PATCH", `/contacts/${friend.id}`, { token: me.token, body: { tags: tooMany } }), 400, "invalid_request");
    expectError(await api("PATCH", `/contacts/${friend.id}`, { token: me.token, body: {} }), 400, "invalid_request");
    expect((await rows<{ tags: string }>("select tags from friendships where user_id = ?", me.id))[0]!.tags).toBe("[]");
  });

  it("deleting ends the friendship for both; the chat's history stays but new messages are refused", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    await sendText(alice, chat, "before");
    expect((await api("DELETE", `/contacts/${bob.id}`, { token: alice.token })).status).toBe(204);
    expect(await count("friendships", "user_id in (?, ?)", alice.id, bob.id)).toBe(0);
    expectError(await sendText(alice, chat, "after"), 403, "not_friends");
    expectError(await sendText(bob, chat, "after"), 403, "not_friends");
    expect((await history(bob, chat)).map((m) => m.seq)).toEqual([1, 2]);
    expectError(await api("DELETE", `/contacts/${bob.id}`, { token: alice.token }), 404, "not_found");
    // Befriending again reopens the same chat.
    expect(await friends(bob, alice)).toBe(chat);
    expect((await sendText(alice, chat, "again")).status).toBe(201);
  });
});

describe("direct chats and strangers", () => {
  it("lets strangers start a chat only with people who allow it, and follows the setting when it changes", async () => {
    const [alice, bob] = await people(2);
    expectError(await api("POST", "/conversations/direct", { token: alice.token, body: { userId: bob.id } }), 403, "not_friends");
    expect(await count("conversations", "kind = 'direct'")).toBe(0);

    const me = await api("PATCH", "/me", { token: bob.token, body: { allowStrangers: true } });
    expect(me.body.allowStrangers).toBe(true);
    const opened = await api("POST", "/conversations/direct", { token: alice.token, body: { userId: bob.id } });
    expect(opened.status).toBe(201);
    const chat = opened.body.id;
    expect((await sendText(alice, chat, "hello stranger")).status).toBe(201);
    // Bob allows strangers; Alice does not, so Bob's replies need friendship.
    expectError(await sendText(bob, chat, "hi"), 403, "not_friends");

    await api("PATCH", "/me", { token: bob.token, body: { allowStrangers: false } });
    expectError(await sendText(alice, chat, "still there?"), 403, "not_friends");
  });
});

describe("blocking", () => {
  it("stops the blocked person's messages and requests, keeps yours going, and undoes cleanly", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    expect((await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token })).status).toBe(204);
    expect((await api("GET", "/contacts/blocks", { token: alice.token })).body.users.map((u: { id: string }) => u.id)).toEqual([bob.id]);
    expect((await api("GET", "/contacts/blocks", { token: bob.token })).body.users).toEqual([]);

    const refused = await sendText(bob, chat, "hey?");
    expectError(refused, 403, "blocked");
    expect(refused.body.error.message).not.toMatch(/block/i); // WeChat does not say "you were blocked"
    expect((await sendText(alice, chat, "I can still write")).status).toBe(201);
    expect(await count("friendships", "user_id in (?, ?)", alice.id, bob.id)).toBe(2); // still friends

    // Blocked people cannot ask again, and blocking clears what they had pending.
    const [carol] = await makeUsers(1);
    await request(carol!, alice);
    await api("PUT", `/contacts/blocks/${carol!.id}`, { token: alice.token });
    expect(await count("friend_requests", "from_user_id = ? and status = 'pending'", carol!.id)).toBe(0);
    expectError(await request(carol!, alice), 403, "blocked");
    expectError(await request(alice, carol!), 409, "conflict");

    expect((await api("DELETE", `/contacts/blocks/${bob.id}`, { token: alice.token })).status).toBe(204);
    expect((await sendText(bob, chat, "back")).status).toBe(201);
    expectError(await api("DELETE", `/contacts/blocks/${bob.id}`, { token: alice.token }), 404, "not_found");
    expectError(await api("PUT", `/contacts/blocks/${alice.id}`, { token: alice.token }), 400, "invalid_request");
    expectError(await api("PUT", "/contacts/blocks/u_00000000000000000000", { token: alice.token }), 404, "not_found");
  });

  it("also refuses a blocked person's sends over the socket with an error frame", async () => {
    const [alice, bob] = await people(2);
    const chat = await friends(alice, bob);
    await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token });
    const bobPhone = await SocketClient.connect(bob.token);
    bobPhone.send({ type: "send", ref: "r1", conversationId: chat, message: { clientId: "x1", type: "text", body: { text: "hi" } } });
    const err = await bobPhone.next<Extract<ServerFrame, { type: "error" }>>((f) => f.type === "error" && f.ref === "r1");
    expect(err.code).toBe("blocked");
    expect((await history(alice, chat)).map((m) => m.type)).toEqual(["system"]);
  });
});

describe("presence", () => {
  it("tells online friends when someone's first device connects and their last one leaves, and no one else", async () => {
    const [alice, bob, stranger] = await people(3);
    await friends(alice, bob);
    const [bobPhone, strangerPhone] = await Promise.all([SocketClient.connect(bob.token), SocketClient.connect(stranger.token)]);
    const alicePhone = await SocketClient.connect(alice.token);
    await bobPhone.next((f) => f.type === "presence" && f.userId === alice.id && f.online);
    expect((await api("GET", "/contacts", { token: bob.token })).body.friends[0].online).toBe(true);

    alicePhone.ws.close(1000);
    await bobPhone.next((f) => f.type === "presence" && f.userId === alice.id && !f.online);
    await expect.poll(async () => (await api("GET", "/contacts", { token: bob.token })).body.friends[0].online).toBe(false);
    expect(strangerPhone.frames.filter((f) => f.type === "presence")).toEqual([]);
  });
});

describe("friend requests under pressure", () => {
  it("keeps one pending request a direction when the same request is sent twice at once", async () => {
    const [alice, bob] = await people(2);
    const [a, b] = await Promise.all([request(alice, bob, "first"), request(alice, bob, "second")]);
    expect([a.status, b.status].every((s) => s === 200 || s === 201)).toBe(true);
    expect(await count("friend_requests", "from_user_id = ? and to_user_id = ? and status = 'pending'", alice.id, bob.id)).toBe(1);
    expect(a.body.request.id).toBe(b.body.request.id);
  });

  it("answers a request once when two devices accept it at the same moment", async () => {
    const [alice, bob] = await people(2);
    const sent = await request(alice, bob, "hi");
    const answers = await Promise.all([accept(bob, sent.body.request.id), accept(bob, sent.body.request.id)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const chat = answers.find((a) => a.status === 200)!.body.conversationId;
    expect((await history(alice, chat)).filter((m) => m.type === "system")).toHaveLength(1);
    expect(await count("friendships", "user_id in (?, ?)", alice.id, bob.id)).toBe(2);
  });

  it("lets only one of an accept and a decline sent together take effect", async () => {
    const [alice, bob] = await people(2);
    const sent = await request(alice, bob, "hi");
    const id = sent.body.request.id;
    const [acc, dec] = await Promise.all([accept(bob, id), api("POST", `/contacts/requests/${id}/decline`, { token: bob.token })]);
    expect([acc.status, dec.status].filter((s) => s === 409)).toHaveLength(1);
    const [row] = await rows<{ status: string }>("select status from friend_requests where id = ?", id);
    expect(await count("friendships", "user_id in (?, ?)", alice.id, bob.id)).toBe(row!.status === "accepted" ? 2 : 0);
  });

  it("gives the requester the remark they chose when the request is accepted", async () => {
    const [alice, bob] = await people(2);
    const sent = await api("POST", "/contacts/requests", { token: alice.token, body: { userId: bob.id, greeting: "hi", remark: "Bob (neighbour)" } });
    await accept(bob, sent.body.request.id, { remark: "Alice" });
    expect((await api("GET", `/contacts/${bob.id}`, { token: alice.token })).body.remark).toBe("Bob (neighbour)");
    expect((await api("GET", `/contacts/${alice.id}`, { token: bob.token })).body.remark).toBe("Alice");
  });

  it("withdraws your own pending request when you block its recipient, so they cannot accept it", async () => {
    const [alice, bob] = await people(2);
    const sent = await request(alice, bob);
    await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token });
    expect(await count("friend_requests", "status = 'pending'")).toBe(0);
    expectError(await accept(bob, sent.body.request.id), 404, "not_found");
    expect(await count("friendships")).toBe(0);
  });
});

describe("finding people", () => {
  it("finds a user by exact Qun ID or user id, showing only their public profile", async () => {
    const [me, other] = await people(2);
    expect((await api("PATCH", "/me", { token: other.token, body: { username: "Findable_1" } })).status).toBe(200);
    for (const q of ["findable_1", "FINDABLE_1", other.id]) {
      const res = await api("GET", `/users/search?q=${encodeURIComponent(q)}`, { token: me.token });
      expect(res.status).toBe(200);
      expect(res.body.users).toHaveLength(1);
      // No openid, password state or privacy setting: only the public profile.
      expect(Object.keys(res.body.users[0]).sort()).toEqual(["avatarMediaId", "id", "nickname", "signature", "status", "username"]);
    }
    // No prefix matching, so nobody can list the users.
    expect((await api("GET", "/users/search?q=findable", { token: me.token })).body.users).toEqual([]);
    expectError(await api("GET", "/users/search?q=findable_1"), 401, "unauthorized");
  });
});
