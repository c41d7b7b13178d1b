// What a route about one conversation asks D1 before it reaches the conversation's object
// (worker/http/middleware.ts): the session and the caller's membership in one statement, one round
// trip instead of two, with the same answers as before: 401 for a signed-out session first, then
// 404 for a conversation nobody created and 403 for one the caller is not in.
import { describe, expect, it } from "vitest";
import { meterSnapshot, type MeterSnapshot } from "../../worker/lib/meter";
import { createGroup, makeUser, makeUsers, openDirect, sendText, type TestUser } from "./chat-helpers";
import { api, expectError } from "./helpers";

const d1Between = (before: MeterSnapshot, after: MeterSnapshot, binding: string) => {
  const a = after.databases[binding] ?? { statements: 0, batches: 0, single: 0 };
  const b = before.databases[binding] ?? { statements: 0, batches: 0, single: 0 };
  return { statements: a.statements - b.statements, batches: a.batches - b.batches, single: a.single - b.single };
};

/** The DB statements one request ran, and its answer. */
async function measured(method: string, path: string, token: string, body?: unknown) {
  const before = meterSnapshot();
  const res = await api(method, path, { token, ...(body === undefined ? {} : { body }) });
  return { res, db: d1Between(before, meterSnapshot(), "DB") };
}

const NOBODYS = "c_00000000000000000000000000";

describe("a route about one conversation", () => {
  it("reads D1 once before the object: a history page, a send, a read, a group's info and a chat search", async () => {
    // Before, each of these ran one statement more: the session, then the membership.
    const [a, b, c] = (await makeUsers(3, "access")) as [TestUser, TestUser, TestUser];
    const direct = await openDirect(a, b);
    const group = await createGroup(a, [b, c], "Access");
    await sendText(a, direct, "first");
    const page = await measured("GET", `/conversations/${direct}/messages?after=0`, b.token);
    expect(page.res.status).toBe(200);
    expect(page.res.body.messages.map((m: { body: { text: string } }) => m.body.text)).toEqual(["first"]);
    expect(page.db).toEqual({ statements: 1, batches: 0, single: 1 });
    // The object's screening reads the sender's account state from D1 too, kept 30 s: the first
    // send of b's pays it, the second shows the route's own reads.
    await sendText(b, direct, "second");
    const sent = await measured("POST", `/conversations/${direct}/messages`, b.token, { clientId: "access-1", type: "text", body: { text: "third" } });
    expect(sent.res.status).toBe(201);
    expect(sent.db.statements).toBe(1);
    const read = await measured("POST", `/conversations/${direct}/read`, a.token, { seq: 3 });
    expect(read.res.status).toBe(200);
    expect(read.db.statements).toBe(1);
    const info = await measured("GET", `/groups/${group}`, c.token);
    expect(info.res.status).toBe(200);
    // The session and membership, then (after the object) the members' names and avatars.
    expect(info.db.statements).toBe(2);
    // Mounted beside the chat's routes under /conversations: the session is checked once, not twice.
    const search = await measured("GET", `/conversations/${direct}/search?q=first`, a.token);
    expect(search.res.status).toBe(200);
    expect(search.db).toEqual({ statements: 1, batches: 0, single: 1 });
  });

  it("answers 404 for a conversation nobody created and 403 for someone else's, for chats and groups alike", async () => {
    const [a, b, outsider] = (await makeUsers(3, "access")) as [TestUser, TestUser, TestUser];
    const direct = await openDirect(a, b);
    const group = await createGroup(a, [b], "Closed");
    expectError(await api("GET", `/conversations/${NOBODYS}/messages`, { token: a.token }), 404, "not_found");
    expectError(await api("GET", `/groups/${NOBODYS}`, { token: a.token }), 404, "not_found");
    expectError(await api("GET", `/conversations/${direct}/messages`, { token: outsider.token }), 403, "forbidden");
    expectError(await api("POST", `/conversations/${direct}/messages`, { token: outsider.token, body: { clientId: "x-1", type: "text", body: { text: "let me in" } } }), 403, "forbidden");
    expectError(await api("GET", `/groups/${group}`, { token: outsider.token }), 403, "forbidden");
    expectError(await api("GET", `/conversations/${group}/search?q=hi`, { token: outsider.token }), 403, "forbidden");
    // Nothing of the outsider's attempt was stored.
    const held = await api("GET", `/conversations/${direct}/messages?after=0`, { token: a.token });
    expect(held.body.messages).toEqual([]);
  });

  it("refuses a signed-out session's token before saying anything of the conversation", async () => {
    const [a, b] = [await makeUser("access"), await makeUser("access")];
    const direct = await openDirect(a, b);
    expect((await api("GET", `/conversations/${direct}/messages`, { token: a.token })).status).toBe(200);
    expect((await api("POST", "/auth/logout", { token: a.token })).status).toBe(204);
    expectError(await api("GET", `/conversations/${direct}/messages`, { token: a.token }), 401, "token_revoked");
    expectError(await api("GET", `/conversations/${NOBODYS}/messages`, { token: a.token }), 401, "token_revoked");
    expectError(await api("GET", `/groups/${NOBODYS}`, { token: a.token }), 401, "token_revoked");
    expectError(await api("GET", "/conversations", { token: a.token }), 401, "token_revoked");
  });
});
