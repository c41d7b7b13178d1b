// What a member added later may read and quote. With "new members see history" on they read and
// page everything before they came, one message by seq, and its media; with it off (the default)
// the earlier log stays closed to them, quotes included.
import { describe, expect, it } from "vitest";
import { befriend, createGroup, history, makeUser, sendText } from "./chat-helpers";
import { call, patchGroup } from "./group-helpers";
import { api, expectError } from "./helpers";
import { png, uploaded, urls } from "./media-helpers";

describe("a member added later", () => {
  it("reads and pages the earlier messages, one by seq and its media URLs, when new members see history", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    expect((await patchGroup(alice, group, { newMembersSeeHistory: true })).status).toBe(200); // seq 2
    const said = await sendText(bob, group, "before carol came"); // seq 3
    const photo = await uploaded(alice, png());
    const sent = await api("POST", `/conversations/${group}/messages`, { token: alice.token, body: { clientId: "early-photo", type: "image", body: { mediaId: photo.id } } }); // seq 4
    await befriend(alice, carol);
    expect((await call(alice, "POST", `/conversations/${group}/members`, { userIds: [carol.id] })).body).toMatchObject({ added: [carol.id], seq: 5 });

    expect((await history(carol, group, "?after=0")).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    // Paging backwards from the newest reaches the first message.
    expect((await history(carol, group, "?before=6&limit=2")).map((m) => m.seq)).toEqual([4, 5]);
    const older = await api("GET", `/conversations/${group}/messages?before=4&limit=3`, { token: carol.token });
    expect(older.body).toMatchObject({ hasMore: false });
    expect(older.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
    const one = await api("GET", `/conversations/${group}/messages/${said.body.seq}`, { token: carol.token });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ seq: 3, senderId: bob.id, body: { text: "before carol came" } });
    expect(sent.body.seq).toBe(4);
    const res = await urls(carol, [photo.id], group);
    expect(res.body.urls.map((u) => u.mediaId)).toEqual([photo.id]);
    expect(res.body.denied).toEqual([]);
  });

  it("cannot reply to a message from before they joined while earlier history is hidden: refused, nothing stored", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    const early = await sendText(bob, group, "a secret from before"); // seq 2
    await befriend(alice, carol);
    await call(alice, "POST", `/conversations/${group}/members`, { userIds: [carol.id] }); // seq 3
    const before = await history(alice, group, "?after=0");
    expectError(await sendText(carol, group, "what secret?", { replyTo: early.body.seq }), 400, "invalid_request");
    expect(await history(alice, group, "?after=0")).toEqual(before);
    // Their own era can be quoted.
    expect((await sendText(carol, group, "hello all", { replyTo: 3 })).status).toBe(201);
  });
});
