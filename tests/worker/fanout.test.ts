import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MESSAGE_LIMITS } from "../../schema/limits";
import { db } from "../../worker/db";
import { shardLayout } from "../../worker/lib/shards";
import { startSession } from "../../worker/services/tokens";
import { api, count, expectError } from "./helpers";
import { befriend, createGroup, makeUsers, sendText, SocketClient } from "./chat-helpers";

describe("fan-out to a 500-member group", () => {
  it("reaches connected members with one gateway call per shard per batch, not one per member", async () => {
    const [owner, ...rest] = await makeUsers(MESSAGE_LIMITS.groupMembersMax);
    const group = await createGroup(owner!, rest);
    expect((await api("GET", `/conversations/${group}`, { token: owner!.token })).body.memberCount).toBe(500);

    const online = rest.filter((_, i) => i % 25 === 0); // 20 members spread over the shards
    const sockets = await Promise.all(online.map((u) => SocketClient.connect(u.token)));
    await Promise.all(sockets.map((s) => s.next((f) => f.type === "ready")));

    const stub = env.CONVERSATION.get(env.CONVERSATION.idFromName(group));
    const before = await stub.stats();
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => sendText(owner!, group, `news ${i}`)));
    const seqs = burst.map((r) => r.body.seq as number);
    for (const s of sockets) {
      await expect.poll(() => s.messages(group).filter((m) => seqs.includes(m.seq)).length).toBe(20);
      expect(new Set(s.messages(group).map((m) => m.seq)).size).toBe(s.messages(group).length); // no duplicates
    }
    const after = await stub.stats();
    const flushes = after.flushes - before.flushes;
    expect(after.shards).toBeLessThanOrEqual(shardLayout().count);
    expect(after.gatewayCalls - before.gatewayCalls).toBeLessThanOrEqual(flushes * shardLayout().count);
    expect(flushes).toBeLessThanOrEqual(20); // bursts coalesce into fewer flushes
    for (const s of sockets) s.close();
  }, 60_000);

  it("sends a burst of read frames on to the conversation as one call, and refuses an outsider's read", async () => {
    const [owner, a, b, outsider] = await makeUsers(4);
    const group = await createGroup(owner!, [a!, b!]);
    const sent = await Promise.all(Array.from({ length: 5 }, (_, i) => sendText(owner!, group, `read me ${i}`)));
    const last = Math.max(...sent.map((r) => r.body.seq as number));
    const tabletToken = (await startSession(env, db(env), a!.id, "tablet")).accessToken; // a second device: its own session
    const [phone, tablet, stranger] = await Promise.all([SocketClient.connect(a!.token), SocketClient.connect(tabletToken), SocketClient.connect(outsider!.token)]);
    await Promise.all([phone, tablet, stranger].map((s) => s.next((f) => f.type === "ready")));
    const stub = env.CONVERSATION.get(env.CONVERSATION.idFromName(group));
    const before = await stub.stats();
    for (let seq = last - 4; seq <= last; seq++) phone.send({ type: "read", conversationId: group, seq });
    tablet.send({ type: "read", conversationId: group, seq: last - 2 });
    stranger.send({ type: "read", ref: "nosy", conversationId: group, seq: last });
    // a's other device hears the newest position; the outsider gets an error naming the ref.
    await tablet.next((f) => f.type === "read" && f.reads.some((r) => r.userId === a!.id && r.seq === last));
    expect(await stranger.next((f) => f.type === "error")).toMatchObject({ ref: "nosy", code: "forbidden" });
    // The phone's five reads go as one call; the tablet's joins it or, on a slow machine where more
    // than the 25 ms window passes between the sockets, goes alone; the outsider's is one more.
    // Without coalescing it would be seven.
    expect((await stub.stats()).readCalls - before.readCalls).toBeLessThanOrEqual(3);
    const receipts = await api("GET", `/conversations/${group}/receipts`, { token: owner!.token });
    expect(receipts.body.reads).toContainEqual({ userId: a!.id, seq: last });
    for (const s of [phone, tablet, stranger]) s.close();
  });

  it("refuses a 501st member", async () => {
    const [owner, ...rest] = await makeUsers(MESSAGE_LIMITS.groupMembersMax + 2);
    const group = await createGroup(owner!, rest.slice(0, 498)); // 499 with the owner
    const [last, extra1, extra2] = rest.slice(498);
    await befriend(owner!, last!, extra1!, extra2!);
    expect((await api("POST", `/conversations/${group}/members`, { token: owner!.token, body: { userIds: [last!.id] } })).body.added).toEqual([last!.id]);
    expectError(await api("POST", `/conversations/${group}/members`, { token: owner!.token, body: { userIds: [extra1!.id, extra2!.id] } }), 409, "group_full");
    expectError(await api("GET", `/conversations/${group}/messages`, { token: extra1!.token }), 403, "forbidden");
    expect((await api("GET", `/conversations/${group}`, { token: owner!.token })).body.memberCount).toBe(500);
  }, 60_000);

  it("refuses exactly one person past 500 and writes nothing", async () => {
    const [owner, ...rest] = await makeUsers(MESSAGE_LIMITS.groupMembersMax + 1);
    const group = await createGroup(owner!, rest.slice(0, MESSAGE_LIMITS.groupMembersMax - 1)); // 500 with the owner
    const extra = rest.at(-1)!;
    await befriend(owner!, extra);
    const before = (await api("GET", `/conversations/${group}/messages`, { token: owner!.token })).body.lastSeq;
    expectError(await api("POST", `/conversations/${group}/members`, { token: owner!.token, body: { userIds: [extra.id] } }), 409, "group_full");
    expectError(await api("GET", `/conversations/${group}/messages`, { token: extra.token }), 403, "forbidden");
    expect(await count("memberships", "conversation_id = ?", group)).toBe(500);
    expect((await api("GET", `/conversations/${group}`, { token: owner!.token })).body.memberCount).toBe(500);
    expect((await api("GET", `/conversations/${group}/messages`, { token: owner!.token })).body.lastSeq).toBe(before);
  }, 60_000);
});
