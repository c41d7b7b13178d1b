import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MESSAGE_LIMITS } from "../../schema/limits";
import { GATEWAY_SHARDS } from "../../worker/lib/shards";
import { api, expectError } from "./helpers";
import { createGroup, makeUsers, sendText, SocketClient } from "./chat-helpers";

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
    expect(after.shards).toBeLessThanOrEqual(GATEWAY_SHARDS);
    expect(after.gatewayCalls - before.gatewayCalls).toBeLessThanOrEqual(flushes * GATEWAY_SHARDS);
    expect(flushes).toBeLessThanOrEqual(20); // bursts coalesce into fewer flushes
    for (const s of sockets) s.close();
  }, 60_000);

  it("refuses a 501st member", async () => {
    const [owner, ...rest] = await makeUsers(MESSAGE_LIMITS.groupMembersMax + 2);
    const group = await createGroup(owner!, rest.slice(0, 498)); // 499 with the owner
    const [last, extra1, extra2] = rest.slice(498);
    expect((await api("POST", `/conversations/${group}/members`, { token: owner!.token, body: { userIds: [last!.id] } })).body.added).toEqual([last!.id]);
    expectError(await api("POST", `/conversations/${group}/members`, { token: owner!.token, body: { userIds: [extra1!.id, extra2!.id] } }), 409, "group_full");
    expectError(await api("GET", `/conversations/${group}/messages`, { token: extra1!.token }), 403, "forbidden");
    expect((await api("GET", `/conversations/${group}`, { token: owner!.token })).body.memberCount).toBe(500);
  }, 60_000);
});
