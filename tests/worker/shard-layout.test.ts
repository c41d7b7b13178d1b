// Changing the number of gateway shards under live sockets (docs/scaling.md): while the count
// changes, everything addressed to a user goes to both of their shards, so sockets still held by
// the old layout hear every message; devices that reconnect land on the new count; nothing is
// lost or doubled. The layout is switched in this isolate as a deploy with GATEWAY_SHARDS and
// GATEWAY_SHARDS_PREVIOUS would switch it.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { jumpHash } from "../../worker/lib/shard-layout";
import { gateway, overrideShardLayout, shardOf } from "../../worker/lib/shards";
import { api } from "./helpers";
import { createGroup, history, makeUser, makeUsers, SocketClient, sendText, type TestUser } from "./chat-helpers";

afterEach(() => overrideShardLayout(null));

const moves = (u: TestUser) => jumpHash(u.id, 16) !== jumpHash(u.id, 24);
const text = (m: { body: unknown }) => (m.body as { text?: string } | null)?.text;

async function connect(user: TestUser): Promise<SocketClient> {
  const phone = await SocketClient.connect(user.token);
  await phone.next((f) => f.type === "ready");
  return phone;
}

/** Users of whom at least `moving` change shard between 16 and 24 and at least one does not. */
async function mixedUsers(count: number, moving: number): Promise<TestUser[]> {
  const users = await makeUsers(count);
  while (users.filter(moves).length < moving || users.every(moves)) users.push(await makeUser());
  return users;
}

describe("the gateway shard count changes under live sockets", () => {
  it("delivers to both layouts until devices reconnect, then to the new one: every member hears every message once", async () => {
    const users = await mixedUsers(5, 2);
    const [owner, ...members] = users as [TestUser, ...TestUser[]];
    const group = await createGroup(owner, members);
    const before = await Promise.all(users.map(connect));

    overrideShardLayout({ count: 24, previous: 16 });
    for (const [i, u] of users.entries()) expect((await sendText(u, group, `during ${i}`)).status).toBe(201);
    // Every old socket hears every message, the moved users' included.
    for (const phone of before) for (const [i] of users.entries()) await phone.next((f) => f.type === "message" && text(f.message) === `during ${i}`);

    // The devices reconnect: each lands on its shard under 24, and the moved ones leave their old shard.
    for (const phone of before) phone.close();
    const after = await Promise.all(users.map(connect));
    for (const u of users) {
      expect(shardOf(u.id)).toBe(jumpHash(u.id, 24));
      expect(await gateway(env, jumpHash(u.id, 24)).online([u.id])).toEqual([u.id]);
      if (moves(u)) await expect.poll(() => gateway(env, jumpHash(u.id, 16)).online([u.id])).toEqual([]);
    }
    expect((await sendText(owner, group, "after reconnect")).status).toBe(201);
    for (const phone of after) await phone.next((f) => f.type === "message" && text(f.message) === "after reconnect");

    // The change is over: only the new layout is called.
    overrideShardLayout({ count: 24, previous: null });
    expect((await sendText(members[0]!, group, "on 24 alone")).status).toBe(201);
    for (const phone of after) await phone.next((f) => f.type === "message" && text(f.message) === "on 24 alone");

    for (const u of users) {
      const seen = (await history(u, group)).map(text).filter((t) => t !== undefined);
      expect(seen).toEqual([...users.map((_, i) => `during ${i}`), "after reconnect", "on 24 alone"]);
    }
    // Pushed once each: no socket heard a message twice although two shards were called.
    for (const phone of after) {
      const texts = phone.messages(group).map(text);
      expect(new Set(texts).size).toBe(texts.length);
    }
  });

  it("signs a user out on whichever shard holds their socket while the count changes", async () => {
    const user = (await mixedUsers(1, 1)).find(moves)!;
    const phone = await connect(user); // on its shard under 16
    overrideShardLayout({ count: 24, previous: 16 });
    expect(shardOf(user.id)).not.toBe(jumpHash(user.id, 16));
    expect((await api("POST", "/auth/logout", { token: user.token })).status).toBe(204);
    const ended = await phone.next((f) => f.type === "session_ended");
    expect(ended).toMatchObject({ reason: "signed_out" });
  });
});
