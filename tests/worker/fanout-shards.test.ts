// Which gateway shards a conversation calls: none where no member is online, and never at the
// cost of a message (worker/gateway/wake.ts says why nothing is lost).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { gateway, shardOf } from "../../worker/lib/shards";
import { api } from "./helpers";
import { befriend, createGroup, history, makeUsers, sendText, SocketClient, type TestUser } from "./chat-helpers";

const stats = (group: string) => env.CONVERSATION.get(env.CONVERSATION.idFromName(group)).stats();

/** Sends one message and waits until `watcher` has it pushed (so its flush is over). */
async function sendSeen(from: TestUser, group: string, watcher: SocketClient, text: string): Promise<number> {
  const seq = (await sendText(from, group, text)).body.seq as number;
  await watcher.next((f) => f.type === "message" && f.message.seq === seq);
  return seq;
}

async function online(user: TestUser): Promise<SocketClient> {
  const s = await SocketClient.connect(user.token);
  await s.next((f) => f.type === "ready");
  return s;
}

describe("gateway shards a conversation calls", () => {
  it("skips the shards where no member is online, and a member who then connects there hears the next message at once", async () => {
    const [owner, ...rest] = await makeUsers(12);
    const group = await createGroup(owner!, rest);
    const away = rest.find((u) => shardOf(u.id) !== shardOf(owner!.id))!;
    const ownerSocket = await online(owner!);

    await sendSeen(owner!, group, ownerSocket, "first: every member's shard is called once");
    const before = await stats(group);
    const missed = await sendSeen(owner!, group, ownerSocket, "second: only the owner's shard");
    const after = await stats(group);
    expect(after.gatewayCalls - before.gatewayCalls).toBe(1);
    expect(after.shardsSkipped - before.shardsSkipped).toBe(after.shards - 1);
    expect(await gateway(env, shardOf(away.id)).watching(away.id)).toEqual([group]);

    const awaySocket = await online(away);
    expect(await gateway(env, shardOf(away.id)).watching(away.id)).toEqual([]);
    const next = (await sendText(owner!, group, "third: reaches the member who just connected")).body.seq as number;
    await awaySocket.next((f) => f.type === "message" && f.message.seq === next);
    // What was skipped while they were away is there for their catch-up.
    expect((await history(away, group, `?after=${missed - 1}`)).map((m) => m.seq)).toEqual([missed, next]);
  });

  it("calls a skipped shard again when a member is added there, so an already connected newcomer hears the next message", async () => {
    const users = await makeUsers(16);
    const [owner] = users;
    // A member offline on a shard other than the owner's, and someone not yet in the group on that same shard.
    let pair: [TestUser, TestUser] | null = null;
    for (const a of users.slice(1)) {
      const b = users.slice(1).find((x) => x !== a && shardOf(x.id) === shardOf(a.id) && shardOf(a.id) !== shardOf(owner!.id));
      if (b) {
        pair = [a, b];
        break;
      }
    }
    if (!pair) throw new Error("no two users share a shard: make more users");
    const [member, newcomer] = pair;
    const group = await createGroup(
      owner!,
      users.slice(1).filter((u) => u !== newcomer),
    );
    const ownerSocket = await online(owner!);
    await sendSeen(owner!, group, ownerSocket, "the member's shard answers that nobody is there");
    expect(await gateway(env, shardOf(member.id)).watching(member.id)).toEqual([group]);

    const newcomerSocket = await online(newcomer);
    await befriend(owner!, newcomer);
    expect((await api("POST", `/conversations/${group}/members`, { token: owner!.token, body: { userIds: [newcomer.id] } })).body.added).toEqual([newcomer.id]);
    const seq = (await sendText(owner!, group, "welcome")).body.seq as number;
    await newcomerSocket.next((f) => f.type === "message" && f.message.seq === seq);
  });

  it("still calls a shard whose member has a socket, however often the group sends", async () => {
    const [owner, a, b] = await makeUsers(3);
    const group = await createGroup(owner!, [a!, b!]);
    const sockets = await Promise.all([owner!, a!, b!].map(online));
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push((await sendText(owner!, group, `m${i}`)).body.seq as number);
    for (const s of sockets) await expect.poll(() => seqs.every((q) => s.frames.some((f) => f.type === "message" && f.message.seq === q))).toBe(true);
    expect((await stats(group)).shardsSkipped).toBe(0);
  });
});
