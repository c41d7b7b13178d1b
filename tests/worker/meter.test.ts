// Request metering (worker/lib/meter.ts) for the simulation of a large deployment: a known
// sequence of calls gives known counts per object, per method and per D1 binding, and the
// development-only routes (GET /dev/meter, the bulk seeds) refuse outside development.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { meterEnv, meterSnapshot, type MeterSnapshot } from "../../worker/lib/meter";
import { summaryShardOf } from "../../worker/data/summaries";
import { conversationObject, gateway, shardOf } from "../../worker/lib/shards";
import { makeUser, openDirect, SocketClient } from "./chat-helpers";
import { api, count, expectError } from "./helpers";

const dev = { ENVIRONMENT: "development" };

/** Requests by method that `hex` (an object's id) received between two snapshots. */
function methodsBetween(before: MeterSnapshot, after: MeterSnapshot, kind: string, hex: string): Record<string, number> {
  const a = after.objects[kind]?.[hex]?.byMethod ?? {};
  const b = before.objects[kind]?.[hex]?.byMethod ?? {};
  return Object.fromEntries(Object.entries(a).flatMap(([m, n]) => (n - (b[m] ?? 0) > 0 ? [[m, n - (b[m] ?? 0)]] : [])));
}

const d1Between = (before: MeterSnapshot, after: MeterSnapshot, binding: string) => {
  const a = after.databases[binding] ?? { statements: 0, batches: 0, single: 0 };
  const b = before.databases[binding] ?? { statements: 0, batches: 0, single: 0 };
  return { statements: a.statements - b.statements, batches: a.batches - b.batches, single: a.single - b.single };
};

describe("request metering", () => {
  it("counts every RPC call an object receives, by method, and not the calls it makes to itself", async () => {
    const [a, b] = [await makeUser("meter"), await makeUser("meter")];
    const id = await openDirect(a, b);
    const stub = conversationObject(env, id);
    const hex = env.CONVERSATION.idFromName(id).toString();
    const before = meterSnapshot();
    await stub.info(a.id);
    await stub.info(b.id);
    await stub.history(a.id, {});
    await stub.leave(a.id); // refused (a direct chat), still a request; runs through the private `serial`
    const shard = gateway(env, shardOf(a.id));
    await shard.online([a.id]);
    expect(methodsBetween(before, meterSnapshot(), "conversation", hex)).toEqual({ info: 2, history: 1, leave: 1 });
    expect(methodsBetween(before, meterSnapshot(), "gateway", env.GATEWAY.idFromName(`gateway-${shardOf(a.id)}`).toString())).toEqual({ online: 1 });
  });

  it("counts a socket's connect and frames at its shard, and the send it causes at the conversation", async () => {
    const [a, b] = [await makeUser("meter"), await makeUser("meter")];
    const id = await openDirect(a, b);
    const shardHex = env.GATEWAY.idFromName(`gateway-${shardOf(a.id)}`).toString();
    const before = meterSnapshot();
    const socket = await SocketClient.connect(a.token);
    await socket.next((f) => f.type === "ready");
    socket.send({ type: "send", ref: "r1", conversationId: id, message: { clientId: "c1", type: "text", body: { text: "hi" } } });
    await socket.next((f) => f.type === "ack");
    socket.send({ type: "ping" });
    await socket.next((f) => f.type === "pong");
    await new Promise((r) => setTimeout(r, 100)); // the presence announcement, which runs after the connect
    const after = meterSnapshot();
    // The ping is answered by the runtime without waking the object (auto-response): not a request.
    const atShard = methodsBetween(before, after, "gateway", shardHex);
    expect(atShard).toMatchObject({ fetch: 1, webSocketMessage: 1 });
    // Presence to friends on the same shard is pushed in place, not by a call to itself.
    expect(atShard.push).toBeUndefined();
    expect(methodsBetween(before, after, "conversation", env.CONVERSATION.idFromName(id).toString())).toMatchObject({ send: 1 });
  });

  it("counts D1 statements and batches by binding: a flush with one flag is one batch of one statement", async () => {
    const [a, b] = [await makeUser("meter"), await makeUser("meter")];
    const id = await openDirect(a, b);
    // The object's first flush writes its whole summary (every member's row); the next ones only what changed.
    expect((await conversationObject(env, id).markUnread(b.id, true)).ok).toBe(true);
    const before = meterSnapshot();
    // Marking unread stores the flag and, by the next flush, writes it in one batch to the
    // conversation's summary shard (docs/scaling.md#summary-shards), and nothing to DB.
    const r = await conversationObject(env, id).markUnread(a.id, true);
    expect(r.ok).toBe(true);
    const after = meterSnapshot();
    expect(d1Between(before, after, `SUMMARIES_${summaryShardOf(env, id)}`)).toEqual({ statements: 1, batches: 1, single: 0 });
    expect(d1Between(before, after, "DB")).toEqual({ statements: 0, batches: 0, single: 0 });
    // A signed-in request runs statements of its own (the session check) through the Worker's bindings.
    const mid = meterSnapshot();
    expect((await api("GET", "/me", { token: a.token })).status).toBe(200);
    expect(d1Between(mid, meterSnapshot(), "DB").single).toBeGreaterThan(0);
  });
});

describe("which bindings are metered", () => {
  it("wraps the D1 bindings only, never a Fetcher stub such as the static assets', which answers every property with a function", () => {
    // A stub answers `prepare`, `batch` and `exec` too: taken for D1, the web page lost ASSETS.fetch.
    const stub = new Proxy({}, { get: () => () => undefined });
    const metered = meterEnv({ ...env, ASSETS: stub });
    expect(metered.ASSETS).toBe(stub);
    expect(metered.DB).not.toBe(env.DB);
    expect(typeof metered.DB.prepare).toBe("function");
  });
});

describe("GET /dev/meter", () => {
  it("answers 404 outside development", async () => {
    const me = await makeUser("meter");
    expectError(await api("GET", "/dev/meter", { token: me.token }), 404, "not_found");
    expectError(await api("GET", "/dev/meter", { env: dev }), 401, "unauthorized");
  });

  it("names conversations by id and shards by name, with their requests by method", async () => {
    const [a, b] = [await makeUser("meter"), await makeUser("meter")];
    const id = await openDirect(a, b);
    await conversationObject(env, id).info(a.id);
    const res = await api("GET", "/dev/meter", { token: a.token, env: dev });
    expect(res.status).toBe(200);
    expect(res.body.objects.conversation[id].byMethod.info).toBeGreaterThanOrEqual(1);
    expect(res.body.objects.conversation[id].byMethod.openDirect).toBe(1);
    expect(Object.keys(res.body.objects.gateway ?? {}).every((name: string) => /^gateway-\d+$/.test(name))).toBe(true);
    expect(res.body.databases.DB.statements).toBeGreaterThan(0);
  });
});

describe("POST /dev/sim/users and /dev/sim/conversations", () => {
  it("refuse outside development and write nothing", async () => {
    const me = await makeUser("meter");
    const users = await count("users");
    expectError(await api("POST", "/dev/sim/users", { token: me.token, body: { count: 3, signedIn: 1, prefix: "sim" } }), 404, "not_found");
    expectError(await api("POST", "/dev/sim/conversations", { token: me.token, body: { conversations: [{ members: [me.id, me.id] }] } }), 404, "not_found");
    expect(await count("users")).toBe(users);
  });

  it("create accounts, some signed in, and their direct chats and groups in development", async () => {
    const me = await makeUser("meter");
    const made = await api("POST", "/dev/sim/users", { token: me.token, body: { count: 5, signedIn: 2, prefix: "sim" }, env: dev });
    expect(made.status).toBe(200);
    const users: { id: string; token?: string }[] = made.body.users;
    expect(users).toHaveLength(5);
    expect(users.filter((u) => u.token)).toHaveLength(2);
    expect((await api("GET", "/me", { token: users[0]!.token })).body.id).toBe(users[0]!.id);
    const res = await api("POST", "/dev/sim/conversations", {
      token: me.token,
      env: dev,
      body: { conversations: [{ members: [users[0]!.id, users[1]!.id] }, { members: users.map((u) => u.id) }] },
    });
    expect(res.status).toBe(200);
    const [direct, group] = res.body.ids as [string, string];
    expect(await count("memberships", "conversation_id = ?", direct)).toBe(2);
    expect(await count("memberships", "conversation_id = ?", group)).toBe(5);
    // The direct chat is a real one: its members may send (the contacts rule reads the friendship).
    const sent = await api("POST", `/conversations/${direct}/messages`, { token: users[1]!.token, body: { clientId: "s1", type: "text", body: { text: "hello" } } });
    expect(sent.status).toBe(201);
  });

  it("refuse a conversation of an unknown account before writing anything", async () => {
    const me = await makeUser("meter");
    const conversations = await count("conversations");
    const res = await api("POST", "/dev/sim/conversations", { token: me.token, env: dev, body: { conversations: [{ members: [me.id, "u_00000000000000000000"] }] } });
    expectError(res, 400, "invalid_request");
    expect(await count("conversations")).toBe(conversations);
    expect(await count("friendships", "user_id = ?", me.id)).toBe(0);
  });
});
