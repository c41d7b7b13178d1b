// A conversation id nobody created must cost nothing: guessing ids creates no Durable Object
// storage, and the caller gets the usual error body. Authorisation is answered from D1 where the
// object is not needed to say no, and an object writes nothing until createGroup/openDirect.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../schema/protocol";
import { conversationObject } from "../../worker/lib/shards";
import { createGroup, makeUser, SocketClient, type TestUser } from "./chat-helpers";
import { api, expectError } from "./helpers";

const randomId = () => `c_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;

/** The tables in the object's SQLite (the runtime's own `_cf_` tables aside) and its size. */
function storageOf(id: string) {
  return runInDurableObject(conversationObject(env, id), async (_instance, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like '\\_cf\\_%' escape '\\'")
      .toArray()
      .map((r) => r.name),
    size: state.storage.sql.databaseSize,
  }));
}

const ROUTES: [string, string, unknown?][] = [
  ["GET", ""],
  ["GET", "/messages"],
  ["GET", "/messages?after=0"],
  ["POST", "/messages", { clientId: "x1", type: "text", body: { text: "hi" } }],
  ["GET", "/messages/1"],
  ["POST", "/messages/1/recall"],
  ["POST", "/messages/1/forward", { to: ["c_aaaaaaaaaaaaaaaaaaaa"], clientId: "f1" }],
  ["POST", "/read", { seq: 1 }],
  ["GET", "/receipts"],
  ["POST", "/leave"],
];

describe("a conversation id nobody created", () => {
  it("answers history with 404 not_found and leaves the object for that id without storage", async () => {
    const alice = await makeUser("alice");
    const id = randomId();
    expectError(await api("GET", `/conversations/${id}/messages`, { token: alice.token }), 404, "not_found");
    expect(await storageOf(id)).toEqual({ tables: [], size: expect.any(Number) });
  });

  it("answers every conversation and group route with an error body, creating no storage", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    for (const [method, path, body] of [...ROUTES, ["POST", "/members", { userIds: [bob.id] }] as const]) {
      const id = randomId();
      const res = await api(method, `/conversations/${id}${path}`, { token: alice.token, body });
      expect([403, 404], `${method} ${path}: ${JSON.stringify(res.body)}`).toContain(res.status);
      expect(res.body.error.message).toEqual(expect.any(String));
      expect((await storageOf(id)).tables, `${method} ${path}`).toEqual([]);
    }
    for (const [method, path, body] of [
      ["GET", ""],
      ["GET", "/members"],
      ["GET", "/invites"],
      ["POST", "/invites", {}],
      ["DELETE", `/members/${alice.id}`],
      ["PATCH", "", { name: "x" }],
    ] as const) {
      const id = randomId();
      const res = await api(method, `/groups/${id}${path}`, { token: alice.token, body });
      expect([403, 404], `${method} /groups${path}: ${JSON.stringify(res.body)}`).toContain(res.status);
      expect((await storageOf(id)).tables, `${method} /groups${path}`).toEqual([]);
    }
  });

  it("answers a forward to it with a per-target error, creating no storage there", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const sent = await api("POST", `/conversations/${group}/messages`, { token: alice.token, body: { clientId: "s", type: "text", body: { text: "hi" } } });
    const target = randomId();
    const fwd = await api("POST", `/conversations/${group}/messages/${sent.body.seq}/forward`, { token: alice.token, body: { to: [target], clientId: "f" } });
    expect(fwd.status).toBe(200);
    expect(fwd.body.results).toEqual([{ conversationId: target, ok: false, error: { code: "not_found", message: expect.any(String) } }]);
    expect((await storageOf(target)).tables).toEqual([]);
  });

  it("refuses a socket send to it with an error frame echoing the ref, creating no storage", async () => {
    const alice = await makeUser("alice");
    const id = randomId();
    const socket = await SocketClient.connect(alice.token);
    try {
      socket.send({ type: "send", ref: "r", conversationId: id, message: { clientId: "x", type: "text", body: { text: "hi" } } });
      const err = await socket.next<Extract<ServerFrame, { type: "error" }>>((f) => f.type === "error" && f.ref === "r");
      expect(err.code).toBe("not_found");
      socket.send({ type: "read", ref: "r2", conversationId: id, seq: 1 });
      socket.send({ type: "typing", conversationId: id });
      await socket.next((f) => f.type === "error" && f.ref === "r2");
    } finally {
      socket.close();
    }
    expect((await storageOf(id)).tables).toEqual([]);
  });
});

describe("a conversation that exists", () => {
  async function outsiderOf(): Promise<{ id: string; outsider: TestUser }> {
    const [alice, bob, outsider] = [await makeUser("alice"), await makeUser("bob"), await makeUser("outsider")];
    return { id: await createGroup(alice, [bob]), outsider };
  }

  it("still answers outsiders with 403 forbidden on history, sends and receipts", async () => {
    const { id, outsider } = await outsiderOf();
    expectError(await api("GET", `/conversations/${id}/messages`, { token: outsider.token }), 403, "forbidden");
    expectError(await api("POST", `/conversations/${id}/messages`, { token: outsider.token, body: { clientId: "o", type: "text", body: { text: "hi" } } }), 403, "forbidden");
    expectError(await api("GET", `/conversations/${id}/receipts`, { token: outsider.token }), 403, "forbidden");
  });

  it("keeps its storage after being created, so its members read what they wrote", async () => {
    const { id } = await outsiderOf();
    const stored = await storageOf(id);
    expect(stored.tables).toEqual(expect.arrayContaining(["meta", "members", "messages"]));
    expect(stored.size).toBeGreaterThan(0);
  });
});
