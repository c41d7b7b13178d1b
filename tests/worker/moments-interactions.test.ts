// Likes and comments, and THE RULE: a viewer sees likes and comments only from their own friends,
// the post's author and themselves. Checked on every path that returns them: the timeline, the
// album, one post, the answers to like/comment/delete, and notifications.
import { describe, expect, it } from "vitest";
import type { MomentView } from "../../schema/moments";
import { befriend, makeUsers, type TestUser } from "./chat-helpers";
import { api, expectError } from "./helpers";
import { post } from "./moment-helpers";

/** Alice's friends Bob and Carol are strangers to each other; Dave is a friend of Alice and Bob. */
async function strangers() {
  const [alice, bob, carol, dave] = (await makeUsers(4)) as [TestUser, TestUser, TestUser, TestUser];
  await befriend(alice, bob, carol, dave);
  await befriend(bob, dave);
  const m = await post(alice, { text: "a mutual friend's post" });
  return { alice, bob, carol, dave, m };
}

const names = (v: MomentView) => ({
  likes: v.likes.map((l) => l.user.id).sort(),
  comments: v.comments.map((c) => c.user.id).sort(),
});

/** Every response that carries the post, as the viewer gets it. */
async function everyPath(viewer: TestUser, author: TestUser, id: string): Promise<Record<string, MomentView | undefined>> {
  const tl = await api("GET", "/moments/timeline", { token: viewer.token });
  const album = await api("GET", `/moments/users/${author.id}`, { token: viewer.token });
  const one = await api("GET", `/moments/${id}`, { token: viewer.token });
  return {
    timeline: (tl.body.moments as MomentView[]).find((m) => m.id === id),
    album: (album.body.moments as MomentView[]).find((m) => m.id === id),
    byId: one.body as MomentView,
  };
}

describe("the friends-only rule for likes and comments", () => {
  it("never shows two strangers each other's likes and comments on a mutual friend's post, on any path", async () => {
    const { alice, bob, carol, dave, m } = await strangers();
    for (const u of [bob, carol, dave]) {
      expect((await api("PUT", `/moments/${m.id}/like`, { token: u.token })).status).toBe(200);
      expect((await api("POST", `/moments/${m.id}/comments`, { token: u.token, body: { text: `from ${u.nickname}` } })).status).toBe(201);
    }
    await api("POST", `/moments/${m.id}/comments`, { token: alice.token, body: { text: "thanks all" } });

    // Bob: his own, the author's and his friend Dave's; never Carol's.
    for (const [path, v] of Object.entries(await everyPath(bob, alice, m.id))) {
      expect([path, names(v!)]).toEqual([path, { likes: [bob.id, dave.id].sort(), comments: [alice.id, bob.id, dave.id].sort() }]);
      expect([path, JSON.stringify(v)]).not.toEqual([path, expect.stringContaining(carol.id)]);
    }
    // Carol: her own and the author's only.
    for (const [path, v] of Object.entries(await everyPath(carol, alice, m.id))) {
      expect([path, names(v!)]).toEqual([path, { likes: [carol.id], comments: [alice.id, carol.id].sort() }]);
      expect(JSON.stringify(v)).not.toContain(bob.id);
      expect(JSON.stringify(v)).not.toContain(`from ${bob.nickname}`);
    }
    // The author sees all of her friends'.
    expect(names((await everyPath(alice, alice, m.id)).byId!)).toEqual({ likes: [bob.id, carol.id, dave.id].sort(), comments: [alice.id, bob.id, carol.id, dave.id].sort() });
  });

  it("applies the rule to the post each like, comment and delete answers with", async () => {
    const { bob, carol, m } = await strangers();
    await api("POST", `/moments/${m.id}/comments`, { token: bob.token, body: { text: "bob was here" } });
    const answers = [
      await api("PUT", `/moments/${m.id}/like`, { token: carol.token }),
      await api("POST", `/moments/${m.id}/comments`, { token: carol.token, body: { text: "carol too" } }),
      await api("DELETE", `/moments/${m.id}/like`, { token: carol.token }),
    ];
    for (const a of answers) {
      expect(a.status).toBeLessThan(300);
      expect(JSON.stringify(a.body)).not.toContain("bob was here");
      expect(JSON.stringify(a.body)).not.toContain(bob.id);
    }
    const mine = (answers[1]!.body as MomentView).comments.find((c) => c.user.id === carol.id)!;
    const del = await api("DELETE", `/moments/${m.id}/comments/${mine.id}`, { token: carol.token });
    expect(JSON.stringify(del.body)).not.toContain(bob.id);
    expect((del.body as MomentView).comments).toEqual([]);
  });

  it("hides a reply to a stranger of the viewer, so the stranger's name does not leak through it", async () => {
    const { alice, bob, carol, dave, m } = await strangers();
    const c = await api("POST", `/moments/${m.id}/comments`, { token: carol.token, body: { text: "carol asks" } });
    const carolComment = (c.body as MomentView).comments.find((x) => x.user.id === carol.id)!;
    // Alice answers Carol: Bob (not Carol's friend) must not see it; Carol does.
    const reply = await api("POST", `/moments/${m.id}/comments`, { token: alice.token, body: { text: "alice answers", replyTo: carolComment.id } });
    expect((reply.body as MomentView).comments.find((x) => x.text === "alice answers")?.replyTo?.id).toBe(carol.id);
    const asBob = (await everyPath(bob, alice, m.id)).byId!;
    expect(asBob.comments).toEqual([]);
    expect((await everyPath(carol, alice, m.id)).byId!.comments.map((x) => x.text)).toEqual(["carol asks", "alice answers"]);
    // Bob cannot reply to a comment he cannot see.
    expectError(await api("POST", `/moments/${m.id}/comments`, { token: bob.token, body: { text: "hi", replyTo: carolComment.id } }), 404, "not_found");
    void dave;
  });

  it("hides a friend's likes and comments from me once we are no longer friends, or while one of us blocks the other", async () => {
    const { alice, bob, dave, m } = await strangers();
    await api("POST", `/moments/${m.id}/comments`, { token: dave.token, body: { text: "dave says" } });
    const see = async () => (await api("GET", `/moments/${m.id}`, { token: bob.token })).body.comments.map((c: { text: string }) => c.text);
    expect(await see()).toEqual(["dave says"]);
    await api("PUT", `/contacts/blocks/${dave.id}`, { token: bob.token });
    expect(await see()).toEqual([]);
    await api("DELETE", `/contacts/blocks/${dave.id}`, { token: bob.token });
    expect(await see()).toEqual(["dave says"]);
    expect((await api("DELETE", `/contacts/${dave.id}`, { token: bob.token })).status).toBe(204);
    expect(await see()).toEqual([]);
    void alice;
  });

  it("lists notifications for the author with only what she may see, a red count, and read marks", async () => {
    const { alice, bob, carol, m } = await strangers();
    await api("PUT", `/moments/${m.id}/like`, { token: bob.token });
    await api("POST", `/moments/${m.id}/comments`, { token: carol.token, body: { text: "lovely" } });
    const n = await api("GET", "/moments/notifications", { token: alice.token });
    expect(n.body.unread).toBe(2);
    expect(n.body.notifications.map((x: { kind: string; user: { id: string }; text: string }) => [x.kind, x.user.id, x.text])).toEqual([
      ["comment", carol.id, "lovely"],
      ["like", bob.id, ""],
    ]);
    expect((await api("GET", "/moments/badge", { token: alice.token })).body.unreadNotifications).toBe(2);
    const newest = n.body.notifications[0].createdAt as number;
    expectError(await api("POST", "/moments/notifications/read", { token: alice.token, body: {} }), 400, "invalid_request");
    expect((await api("POST", "/moments/notifications/read", { token: alice.token, body: { until: newest - 1 } })).status).toBe(204);
    expect((await api("GET", "/moments/badge", { token: alice.token })).body.unreadNotifications).toBe(1); // the newest was not shown yet
    expect((await api("POST", "/moments/notifications/read", { token: alice.token, body: { until: newest } })).status).toBe(204);
    expect((await api("GET", "/moments/badge", { token: alice.token })).body.unreadNotifications).toBe(0);
    // Unfriending Carol takes her comment out of Alice's notifications too.
    await api("DELETE", `/contacts/${carol.id}`, { token: alice.token });
    expect((await api("GET", "/moments/notifications", { token: alice.token })).body.notifications.map((x: { user: { id: string } }) => x.user.id)).toEqual([bob.id]);
  });

  it("notifies the person replied to, but only of replies by someone they may see, and never of a stranger's", async () => {
    const { alice, bob, carol, dave, m } = await strangers();
    const b = await api("POST", `/moments/${m.id}/comments`, { token: bob.token, body: { text: "bob first" } });
    const bobComment = (b.body as MomentView).comments.find((x) => x.user.id === bob.id)!;
    await api("POST", `/moments/${m.id}/comments`, { token: dave.token, body: { text: "dave replies", replyTo: bobComment.id } });
    await api("POST", `/moments/${m.id}/comments`, { token: alice.token, body: { text: "alice replies", replyTo: bobComment.id } });
    const n = await api("GET", "/moments/notifications", { token: bob.token });
    expect(n.body.notifications.map((x: { kind: string; user: { id: string } }) => [x.kind, x.user.id])).toEqual([
      ["reply", alice.id],
      ["reply", dave.id],
    ]);
    // Carol, a stranger to Bob, cannot even see Bob's comment to answer it.
    expectError(await api("POST", `/moments/${m.id}/comments`, { token: carol.token, body: { text: "carol replies", replyTo: bobComment.id } }), 404, "not_found");
    expect(JSON.stringify((await api("GET", "/moments/notifications", { token: carol.token })).body)).not.toContain(bob.id);
  });

  it("lets only the author's friends like or comment, the writer or the author delete a comment, and a like count once", async () => {
    const { alice, bob, carol, m } = await strangers();
    await api("PATCH", "/moments/settings", { token: alice.token, body: { strangersWindow: "all" } });
    const [eve] = (await makeUsers(1, "eve")) as [TestUser];
    expect((await api("GET", `/moments/${m.id}`, { token: eve.token })).status).toBe(200); // a non-friend may look
    expectError(await api("PUT", `/moments/${m.id}/like`, { token: eve.token }), 403, "not_friends");
    expectError(await api("POST", `/moments/${m.id}/comments`, { token: eve.token, body: { text: "hi" } }), 403, "not_friends");
    await api("PUT", `/moments/${m.id}/like`, { token: bob.token });
    const twice = await api("PUT", `/moments/${m.id}/like`, { token: bob.token });
    expect((twice.body as MomentView).likes).toHaveLength(1);
    expect((twice.body as MomentView).likedByMe).toBe(true);
    const c = await api("POST", `/moments/${m.id}/comments`, { token: bob.token, body: { text: "bob's" } });
    const id = (c.body as MomentView).comments[0]!.id;
    expectError(await api("DELETE", `/moments/${m.id}/comments/${id}`, { token: carol.token }), 404, "not_found");
    expect((await api("DELETE", `/moments/${m.id}/comments/${id}`, { token: alice.token })).status).toBe(200);
    expect((await api("GET", `/moments/${m.id}`, { token: bob.token })).body.comments).toEqual([]);
  });
});
