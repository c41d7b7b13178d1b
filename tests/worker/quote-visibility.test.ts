// A group that hides earlier history from new members must hide it in quotes too: a reply to a
// message from before a reader's first visible seq shows that reader `{ seq, unavailable: true }`,
// in history, catch-up, one message and live pushes alike.
import { describe, expect, it } from "vitest";
import type { Message, ServerFrame } from "../../schema/protocol";
import { befriend, createGroup, history, makeUser, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { api } from "./helpers";

const unpacked = (frames: ServerFrame[]): ServerFrame[] => frames.flatMap((f) => (f.type === "batch" ? unpacked(f.frames) : [f]));
const pushed = (socket: SocketClient, seq: number) =>
  socket
    .next((f) => unpacked([f]).some((g) => g.type === "message" && g.message.seq === seq))
    .then(() => unpacked(socket.frames).flatMap((f) => (f.type === "message" && f.message.seq === seq ? [f.message] : []))[0]!);

async function add(owner: TestUser, group: string, user: TestUser) {
  await befriend(owner, user);
  const res = await api("POST", `/conversations/${group}/members`, { token: owner.token, body: { userIds: [user.id] } });
  if (res.status !== 200) throw new Error(`add: ${res.status} ${JSON.stringify(res.body)}`);
}

async function seqOf(res: Awaited<ReturnType<typeof sendText>>): Promise<number> {
  if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.seq;
}

describe("a quote of a message from before the reader's history starts", () => {
  it("reads unavailable to a newcomer in history, catch-up and one message, and in full to the others", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    const secret = await seqOf(await sendText(alice, group, "the old plan"));
    await add(alice, group, carol);
    const reply = await seqOf(await sendText(bob, group, "still on?", { replyTo: secret }));

    const unavailable = { seq: secret, unavailable: true };
    const seen = (ms: Message[]) => ms.find((m) => m.seq === reply)!.replyTo;
    expect(seen(await history(carol, group))).toEqual(unavailable);
    expect(seen(await history(carol, group, "?after=0"))).toEqual(unavailable);
    expect((await api("GET", `/conversations/${group}/messages/${reply}`, { token: carol.token })).body.replyTo).toEqual(unavailable);
    expect(seen(await history(bob, group))).toEqual({ seq: secret, senderId: alice.id, type: "text", preview: "the old plan", recalled: false });
  });

  it("is pushed unavailable to the newcomer's socket and in full to the others, in order with what surrounds it", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    const secret = await seqOf(await sendText(alice, group, "the old plan"));
    await add(alice, group, carol);
    const welcome = await seqOf(await sendText(alice, group, "welcome"));
    const [carols, bobs] = [await SocketClient.connect(carol.token, "header", "/ws?batch=1"), await SocketClient.connect(bob.token)];
    try {
      // Three at once so they can share a flush: a plain text, a reply to the old message, a reply to a new one.
      const sent = await Promise.all([sendText(alice, group, "one"), sendText(alice, group, "two", { replyTo: secret }), sendText(alice, group, "three", { replyTo: welcome })]);
      const [one, two, three] = await Promise.all(sent.map(seqOf));
      const toCarol = await pushed(carols, two!);
      expect(toCarol.replyTo).toEqual({ seq: secret, unavailable: true });
      expect(JSON.stringify(toCarol)).not.toContain("the old plan");
      expect((await pushed(carols, three!)).replyTo).toMatchObject({ seq: welcome, preview: "welcome" });
      expect((await pushed(bobs, two!)).replyTo).toMatchObject({ seq: secret, senderId: alice.id, preview: "the old plan" });
      const order = unpacked(carols.frames).flatMap((f) => (f.type === "message" ? [f.message.seq] : []));
      expect(order.filter((s) => [one, two, three].includes(s))).toEqual([one, two, three].sort((a, b) => a! - b!));
    } finally {
      carols.close();
      bobs.close();
    }
  });

  it("depends on each reader's own first visible seq when newcomers joined at different times", async () => {
    const [alice, bob, carol, dave] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol"), await makeUser("dave")];
    const group = await createGroup(alice, [bob]);
    const before = await seqOf(await sendText(alice, group, "before carol"));
    await add(alice, group, carol);
    const between = await seqOf(await sendText(alice, group, "before dave"));
    await add(alice, group, dave);
    const [carols, daves] = [await SocketClient.connect(carol.token), await SocketClient.connect(dave.token)];
    try {
      const r1 = await seqOf(await sendText(bob, group, "re 1", { replyTo: before }));
      const r2 = await seqOf(await sendText(bob, group, "re 2", { replyTo: between }));
      expect((await pushed(carols, r1)).replyTo).toEqual({ seq: before, unavailable: true });
      expect((await pushed(carols, r2)).replyTo).toMatchObject({ seq: between, preview: "before dave" });
      expect((await pushed(daves, r1)).replyTo).toEqual({ seq: before, unavailable: true });
      expect((await pushed(daves, r2)).replyTo).toEqual({ seq: between, unavailable: true });
    } finally {
      carols.close();
      daves.close();
    }
    const inHistory = (ms: Message[], seq: number) => ms.find((m) => m.seq === seq)!.replyTo;
    expect(inHistory(await history(carol, group), r2Of(await history(bob, group)))).toMatchObject({ preview: "before dave" });
    expect(inHistory(await history(dave, group), r2Of(await history(bob, group)))).toEqual({ seq: between, unavailable: true });
  });

  it("shows in full to everyone when the group lets new members see earlier history", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    expect((await api("PATCH", `/groups/${group}`, { token: alice.token, body: { newMembersSeeHistory: true } })).status).toBe(200);
    const old = await seqOf(await sendText(alice, group, "the old plan"));
    await add(alice, group, carol);
    const reply = await seqOf(await sendText(bob, group, "still on?", { replyTo: old }));
    expect((await history(carol, group)).find((m) => m.seq === reply)!.replyTo).toMatchObject({ seq: old, preview: "the old plan" });
  });
});

const r2Of = (ms: Message[]) => ms.filter((m) => m.type === "text" && (m.body as { text: string }).text === "re 2")[0]!.seq;
