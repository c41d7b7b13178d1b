import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectError } from "./helpers";
import { befriend, createGroup, makeUser, makeUsers, openDirect, sendText } from "./chat-helpers";

describe("conversations", () => {
  it("creates a group with its creator as owner, a 'created' notice as seq 1, and D1 rows for every member", async () => {
    const [owner, a, b] = await makeUsers(3);
    await befriend(owner!, a!, b!);
    const res = await api("POST", "/conversations", { token: owner!.token, body: { name: "Hikers", memberIds: [a!.id, b!.id] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: "group", name: "Hikers", memberCount: 3, lastSeq: 1, role: "owner", unread: 0 });
    const rows = await env.DB.prepare("select user_id, role from memberships where conversation_id = ? order by role").bind(res.body.id).all();
    expect(rows.results).toHaveLength(3);
    expect(rows.results.filter((r) => r.role === "owner")).toEqual([{ user_id: owner!.id, role: "owner" }]);
    const info = await api("GET", `/conversations/${res.body.id}`, { token: a!.token });
    expect(info.body.members.map((m: { userId: string }) => m.userId).sort()).toEqual([owner!.id, a!.id, b!.id].sort());
  });

  it("refuses a group with an unknown member and writes nothing", async () => {
    const owner = await makeUser();
    const before = await env.DB.prepare("select count(*) as n from conversations").first<{ n: number }>();
    const res = await api("POST", "/conversations", { token: owner.token, body: { name: "X", memberIds: ["u_aaaaaaaaaaaaaaaaaaaa"] } });
    expectError(res, 400, "invalid_request");
    const after = await env.DB.prepare("select count(*) as n from conversations").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("validates group bodies", async () => {
    const owner = await makeUser();
    expectError(await api("POST", "/conversations", { token: owner.token, body: { name: "", memberIds: [] } }), 400, "invalid_request");
    expectError(await api("POST", "/conversations", { token: owner.token, body: { name: "ok", memberIds: ["nope"] } }), 400, "invalid_request");
    expectError(await api("POST", "/conversations", { body: { name: "ok", memberIds: [] } }), 401, "unauthorized");
  });

  it("gives a pair exactly one direct conversation, whoever opens it first and however often", async () => {
    const [a, b] = await makeUsers(2);
    await befriend(a!, b!);
    const [first, second] = await Promise.all([
      api("POST", "/conversations/direct", { token: a!.token, body: { userId: b!.id } }),
      api("POST", "/conversations/direct", { token: b!.token, body: { userId: a!.id } }),
    ]);
    expect(first.body.id).toBe(second.body.id);
    expect([first.status, second.status].sort()).toEqual([200, 201]);
    expect(first.body.peer.id).toBe(b!.id);
    expect(second.body.peer.id).toBe(a!.id);
    const n = await env.DB.prepare("select count(*) as n from memberships where conversation_id = ?").bind(first.body.id).first<{ n: number }>();
    expect(n!.n).toBe(2);
    expectError(await api("POST", "/conversations/direct", { token: a!.token, body: { userId: a!.id } }), 400, "invalid_request");
    // An unknown user is 404, as in contacts.md (a well-formed id nobody has).
    expectError(await api("POST", "/conversations/direct", { token: a!.token, body: { userId: "u_" + "0".repeat(20) } }), 404, "not_found");
  });

  it("lists direct chats only once they have a message, newest activity first, with unread counts", async () => {
    const [me, bob, carol] = await makeUsers(3);
    const dmBob = await openDirect(me!, bob!);
    const group = await createGroup(carol!, [me!], "Book club");
    let list = await api("GET", "/conversations", { token: me!.token });
    expect(list.body.conversations.map((c: { id: string }) => c.id)).toEqual([group]);

    await sendText(bob!, dmBob, "hi");
    await sendText(bob!, dmBob, "are you there?");
    list = await api("GET", "/conversations", { token: me!.token });
    const [top, next] = list.body.conversations;
    expect(top).toMatchObject({ id: dmBob, kind: "direct", name: bob!.nickname, unread: 2, lastSeq: 2, lastMessage: { text: "are you there?", senderId: bob!.id } });
    expect(next.id).toBe(group);

    // Pinning moves a conversation to the top whatever its activity.
    const pinned = await api("PATCH", `/conversations/${group}/settings`, { token: me!.token, body: { pinned: true } });
    expect(pinned.body.pinned).toBe(true);
    list = await api("GET", "/conversations", { token: me!.token });
    expect(list.body.conversations[0].id).toBe(group);
  });

  it("never counts your own messages as unread", async () => {
    const [a, b] = await makeUsers(2);
    const dm = await openDirect(a!, b!);
    await sendText(b!, dm, "one");
    await sendText(a!, dm, "reply");
    const mine = await api("GET", "/conversations", { token: a!.token });
    expect(mine.body.conversations[0]).toMatchObject({ lastSeq: 2, readSeq: 2, unread: 0 });
    const theirs = await api("GET", "/conversations", { token: b!.token });
    expect(theirs.body.conversations[0]).toMatchObject({ lastSeq: 2, readSeq: 1, unread: 1 });
  });

  it("hides everything about a conversation from non-members", async () => {
    const [owner, member, outsider] = await makeUsers(3);
    const group = await createGroup(owner!, [member!]);
    await sendText(owner!, group, "secret plans");
    for (const [method, path, body] of [
      ["GET", `/conversations/${group}`, undefined],
      ["GET", `/conversations/${group}/messages`, undefined],
      ["GET", `/conversations/${group}/messages/2`, undefined],
      ["POST", `/conversations/${group}/messages`, { clientId: "x1", type: "text", body: { text: "let me in" } }],
      ["POST", `/conversations/${group}/read`, { seq: 2 }],
      ["GET", `/conversations/${group}/receipts`, undefined],
      ["POST", `/conversations/${group}/messages/2/recall`, undefined],
      ["PATCH", `/conversations/${group}/settings`, { pinned: true }],
      ["POST", `/conversations/${group}/members`, { userIds: [outsider!.id] }],
    ] as const) {
      const res = await api(method, path, { token: outsider!.token, body });
      expectError(res, 403, "forbidden");
      expect(JSON.stringify(res.body)).not.toContain("secret plans");
    }
    const list = await api("GET", "/conversations", { token: outsider!.token });
    expect(list.body.conversations).toEqual([]);
  });

  it("answers unknown and malformed conversation ids with 404", async () => {
    const u = await makeUser();
    expectError(await api("GET", "/conversations/c_aaaaaaaaaaaaaaaaaaaa/messages", { token: u.token }), 404, "not_found");
    expectError(await api("GET", "/conversations/../etc/messages", { token: u.token }), 404, "not_found");
    expectError(await api("GET", "/conversations/not-an-id", { token: u.token }), 404, "not_found");
  });
});
