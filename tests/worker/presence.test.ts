// Presence: when a user's first device connects or last device leaves, their friends who are
// online hear it, at one delivery per gateway shard whatever the number of friends. A block,
// either way, stops it. Real sockets over the worker's /ws route.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FriendView } from "../../schema/contacts";
import type { ServerFrame } from "../../schema/protocol";
import { db } from "../../worker/db";
import { gatewayFor, shardLayout, shardOf } from "../../worker/lib/shards";
import { startSession } from "../../worker/services/tokens";
import { befriend, makeUser, makeUsers, SocketClient, type TestUser } from "./chat-helpers";
import { api } from "./helpers";

type Presence = Extract<ServerFrame, { type: "presence" }>;
const presenceOf = (userId: string, online: boolean) => (f: ServerFrame) => f.type === "presence" && f.userId === userId && f.online === online;
const presenceFrames = (c: SocketClient, userId: string) => c.frames.filter((f): f is Presence => f.type === "presence" && f.userId === userId);
const settle = () => new Promise((r) => setTimeout(r, 300));

async function connect(token: string): Promise<SocketClient> {
  const c = await SocketClient.connect(token);
  await c.next((f) => f.type === "ready");
  return c;
}

async function closeAll(...clients: SocketClient[]) {
  for (const c of clients) c.close();
  await Promise.all(clients.map((c) => c.waitClosed()));
  await settle(); // their offline announcements finish inside the test
}

const anotherDevice = async (user: TestUser) => (await startSession(env, db(env), user.id, "laptop")).accessToken;

describe("presence", () => {
  it("tells a friend when the first device connects and when the last one leaves, not in between", async () => {
    const [alice, bob] = (await makeUsers(2)) as [TestUser, TestUser];
    await befriend(alice, bob);
    const bobPhone = await connect(bob.token);

    const alicePhone = await connect(alice.token);
    await bobPhone.next(presenceOf(alice.id, true));
    const aliceLaptop = await connect(await anotherDevice(alice));
    alicePhone.close();
    await alicePhone.waitClosed();
    await settle();
    expect(presenceFrames(bobPhone, alice.id).map((f) => f.online)).toEqual([true]);

    aliceLaptop.close();
    await bobPhone.next(presenceOf(alice.id, false));
    await settle();
    expect(presenceFrames(bobPhone, alice.id).map((f) => f.online)).toEqual([true, false]);
    await closeAll(bobPhone);
  });

  it("announces nothing when a device reconnects and replaces its own session", async () => {
    const [alice, bob] = (await makeUsers(2)) as [TestUser, TestUser];
    await befriend(alice, bob);
    const bobPhone = await connect(bob.token);
    const first = await connect(alice.token);
    await bobPhone.next(presenceOf(alice.id, true));
    const second = await connect(alice.token); // same session: the first socket is closed with 4409
    await first.waitClosed();
    await settle();
    expect(presenceFrames(bobPhone, alice.id).map((f) => f.online)).toEqual([true]);
    await closeAll(second, bobPhone);
  });

  it("says a user went offline when their last device signs out", async () => {
    const [alice, bob] = (await makeUsers(2)) as [TestUser, TestUser];
    await befriend(alice, bob);
    const bobPhone = await connect(bob.token);
    await connect(alice.token);
    await bobPhone.next(presenceOf(alice.id, true));
    expect((await api("POST", "/auth/logout", { token: alice.token })).status).toBe(204);
    await bobPhone.next(presenceOf(alice.id, false));
    await closeAll(bobPhone);
  });

  it("says nothing to strangers, or across a block in either direction", async () => {
    const [alice, stranger, blocked, blocker] = (await makeUsers(4)) as [TestUser, TestUser, TestUser, TestUser];
    await befriend(alice, blocked);
    await befriend(alice, blocker);
    await api("PUT", `/contacts/blocks/${blocked.id}`, { token: alice.token });
    await api("PUT", `/contacts/blocks/${alice.id}`, { token: blocker.token });
    const others = [await connect(stranger.token), await connect(blocked.token), await connect(blocker.token)];

    const alicePhone = await connect(alice.token);
    await settle();
    await closeAll(alicePhone);
    for (const c of others) expect(presenceFrames(c, alice.id)).toEqual([]);
    // Nor does either side see the other online in their list.
    const onlineIn = async (viewer: TestUser, of: TestUser) => ((await api("GET", "/contacts", { token: viewer.token })).body.friends as FriendView[]).find((f) => f.user.id === of.id)!.online;
    expect(await onlineIn(alice, blocked)).toBe(false);
    expect(await onlineIn(alice, blocker)).toBe(false);
    await closeAll(...others);
  });

  it("tells two people who just became friends whether the other is online", async () => {
    const [alice, bob, carol] = (await makeUsers(3)) as [TestUser, TestUser, TestUser];
    const [alicePhone, bobPhone] = [await connect(alice.token), await connect(bob.token)];
    const sent = await api("POST", "/contacts/requests", { token: alice.token, body: { userId: bob.id } });
    expect((await api("POST", `/contacts/requests/${sent.body.request.id}/accept`, { token: bob.token, body: {} })).status).toBe(200);
    await alicePhone.next(presenceOf(bob.id, true));
    await bobPhone.next(presenceOf(alice.id, true));

    // Carol is offline when Alice accepts her: Alice hears so, and Carol's absent phone nothing.
    const fromCarol = await api("POST", "/contacts/requests", { token: carol.token, body: { userId: alice.id } });
    await api("POST", `/contacts/requests/${fromCarol.body.request.id}/accept`, { token: alice.token, body: {} });
    await alicePhone.next(presenceOf(carol.id, false));
    await closeAll(alicePhone, bobPhone);
  });

  it("shows each side of a block as offline at once, and their real state again when it is lifted", async () => {
    const [alice, bob] = (await makeUsers(2)) as [TestUser, TestUser];
    await befriend(alice, bob);
    const alicePhone = await connect(alice.token);
    const bobPhone = await connect(bob.token);
    await alicePhone.next(presenceOf(bob.id, true));

    await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token });
    await alicePhone.next(presenceOf(bob.id, false));
    await bobPhone.next(presenceOf(alice.id, false));

    await api("DELETE", `/contacts/blocks/${bob.id}`, { token: alice.token });
    await alicePhone.next(presenceOf(bob.id, true));
    await bobPhone.next(presenceOf(alice.id, true));
    expect(presenceFrames(bobPhone, alice.id).map((f) => f.online)).toEqual([false, true]);
    await closeAll(alicePhone, bobPhone);
  });

  it("stays hidden when one block of two is lifted", async () => {
    const [alice, bob] = (await makeUsers(2)) as [TestUser, TestUser];
    await befriend(alice, bob);
    await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token });
    await api("PUT", `/contacts/blocks/${alice.id}`, { token: bob.token });
    const alicePhone = await connect(alice.token);
    const bobPhone = await connect(bob.token);
    await api("DELETE", `/contacts/blocks/${bob.id}`, { token: alice.token });
    await settle();
    expect(presenceFrames(alicePhone, bob.id)).toEqual([]);
    expect(presenceFrames(bobPhone, alice.id)).toEqual([]);
    await closeAll(alicePhone, bobPhone);
  });

  it("reaches many friends with one delivery per gateway shard", async () => {
    const alice = await makeUser("alice");
    const friends = await makeUsers(40, "friend");
    for (const f of friends) await befriend(alice, f);
    const phones = await Promise.all(friends.map((f) => connect(f.token)));
    await settle(); // the friends' own announcements are done before counting

    const stub = gatewayFor(env, alice.id);
    const before = await stub.presenceStats();
    const alicePhone = await connect(alice.token);
    await Promise.all(phones.map((p) => p.next(presenceOf(alice.id, true), 5000)));
    const after = await stub.presenceStats();

    const shards = new Set(friends.map((f) => shardOf(f.id))).size;
    expect(shards).toBeLessThanOrEqual(shardLayout().count);
    expect(shards).toBeLessThan(friends.length);
    expect(after.announcements - before.announcements).toBe(1);
    expect(after.shardDeliveries - before.shardDeliveries).toBe(shards);
    await closeAll(alicePhone, ...phones);
  }, 30_000); // 41 sign-ups and sockets: slow on a busy machine
});
