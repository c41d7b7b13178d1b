// Who sees a post: every audience option, tags, hiding and muting, the past-posts windows,
// unfriending, blocking and deletion, on the timeline, the album and a post opened by id.
import { describe, expect, it } from "vitest";
import { befriend, makeUser, makeUsers, type TestUser } from "./chat-helpers";
import { api, count, expectError } from "./helpers";
import { age, albumIds, canOpen, post, tag, timelineIds } from "./moment-helpers";

/** Alice with friends Bob, Carol and Dave, and Eve who is nobody's friend. */
async function circle() {
  const [alice, bob, carol, dave] = (await makeUsers(4)) as [TestUser, TestUser, TestUser, TestUser];
  const eve = await makeUser("eve");
  await befriend(alice, bob, carol, dave);
  return { alice, bob, carol, dave, eve };
}

/** Where the viewer meets the post: [timeline, album, by id]. */
const seen = async (viewer: TestUser, author: TestUser, id: string) => [(await timelineIds(viewer)).includes(id), (await albumIds(viewer, author)).includes(id), await canOpen(viewer, id)];
const YES = [true, true, true];
const NO = [false, false, false];

describe("a post's audience", () => {
  it("shows an all-friends post to every friend on the timeline, the album and by id, and to no stranger", async () => {
    const { alice, bob, carol, eve } = await circle();
    const m = await post(alice, { text: "hello friends" });
    expect(await seen(bob, alice, m.id)).toEqual(YES);
    expect(await seen(carol, alice, m.id)).toEqual(YES);
    expect(await seen(eve, alice, m.id)).toEqual(NO);
    expect(await seen(alice, alice, m.id)).toEqual(YES);
  });

  it("shows an only-me post to its author alone", async () => {
    const { alice, bob } = await circle();
    const m = await post(alice, { text: "diary", visibility: "private" });
    expect(await seen(bob, alice, m.id)).toEqual(NO);
    expect(await seen(alice, alice, m.id)).toEqual(YES);
  });

  it("shows an include post to the chosen friends and the friends in the chosen tags only", async () => {
    const { alice, bob, carol, dave } = await circle();
    await tag(alice, "Family", [carol]);
    const m = await post(alice, { text: "family dinner", visibility: "include", userIds: [bob.id], tags: ["Family"] });
    expect(await seen(bob, alice, m.id)).toEqual(YES);
    expect(await seen(carol, alice, m.id)).toEqual(YES);
    expect(await seen(dave, alice, m.id)).toEqual(NO);
    expect(m.audience).toEqual({ visibility: "include", userIds: [bob.id], tags: ["Family"] });
  });

  it("hides an exclude post from the chosen friends and the friends in the chosen tags, and shows it to the rest", async () => {
    const { alice, bob, carol, dave } = await circle();
    await tag(alice, "Work", [carol]);
    const m = await post(alice, { text: "weekend trip", visibility: "exclude", userIds: [bob.id], tags: ["Work"] });
    expect(await seen(bob, alice, m.id)).toEqual(NO);
    expect(await seen(carol, alice, m.id)).toEqual(NO);
    expect(await seen(dave, alice, m.id)).toEqual(YES);
  });

  it("shows the audience it was posted with to the author only", async () => {
    const { alice, bob, carol } = await circle();
    const m = await post(alice, { text: "x", visibility: "exclude", userIds: [carol.id] });
    const asBob = await api("GET", `/moments/${m.id}`, { token: bob.token });
    expect(asBob.body.audience).toBeNull();
    expect(JSON.stringify(asBob.body)).not.toContain(carol.id);
  });
});

describe("hiding, muting and the past-posts windows", () => {
  it("hides all of my posts from a friend I hide them from (不让他看), everywhere, until I take them off the list", async () => {
    const { alice, bob, carol } = await circle();
    const m = await post(alice, { text: "not for bob" });
    expect((await api("PUT", "/moments/settings/hidden", { token: alice.token, body: { userIds: [bob.id] } })).body.hiddenFrom).toEqual([bob.id]);
    expect(await seen(bob, alice, m.id)).toEqual(NO);
    expect(await seen(carol, alice, m.id)).toEqual(YES);
    await api("PUT", "/moments/settings/hidden", { token: alice.token, body: { userIds: [] } });
    expect(await seen(bob, alice, m.id)).toEqual(YES);
  });

  it("leaves a muted friend's posts out of my timeline (不看他) but not out of their album", async () => {
    const { alice, bob } = await circle();
    const m = await post(alice, { text: "muted" });
    await api("PUT", "/moments/settings/muted", { token: bob.token, body: { userIds: [alice.id] } });
    expect(await seen(bob, alice, m.id)).toEqual([false, true, true]);
  });

  it("lets friends see only the last 3 days, a month or 6 months of my posts when I choose so", async () => {
    const { alice, bob } = await circle();
    const fresh = await post(alice, { text: "today" });
    const week = await post(alice, { text: "last week" });
    const season = await post(alice, { text: "two months ago" });
    const old = await post(alice, { text: "last year" });
    await age(week.id, 7);
    await age(season.id, 60);
    await age(old.id, 365);
    const windows: [string, string[]][] = [
      ["3d", [fresh.id]],
      ["1m", [fresh.id, week.id]],
      ["6m", [fresh.id, week.id, season.id]],
      ["all", [fresh.id, week.id, season.id, old.id]],
    ];
    for (const [w, expected] of windows) {
      expect((await api("PATCH", "/moments/settings", { token: alice.token, body: { friendsWindow: w } })).status).toBe(200);
      expect([w, await albumIds(bob, alice)]).toEqual([w, expected]);
      expect([w, await timelineIds(bob)]).toEqual([w, expected]);
    }
    // The author always sees all of their own.
    expect(await albumIds(alice, alice)).toHaveLength(4);
  });

  it("shows non-friends nothing by default, and then only all-friends posts within their window", async () => {
    const { alice, eve } = await circle();
    const open = await post(alice, { text: "public-ish" });
    const closed = await post(alice, { text: "only me", visibility: "private" });
    const old = await post(alice, { text: "old" });
    await age(old.id, 10);
    expect(await albumIds(eve, alice)).toEqual([]);
    await api("PATCH", "/moments/settings", { token: alice.token, body: { strangersWindow: "3d" } });
    expect(await albumIds(eve, alice)).toEqual([open.id]);
    expect(await canOpen(eve, closed.id)).toBe(false);
    expect(await timelineIds(eve)).toEqual([]); // a timeline is friends only
    await api("PATCH", "/moments/settings", { token: alice.token, body: { strangersWindow: "all" } });
    expect(await albumIds(eve, alice)).toEqual([open.id, old.id]);
  });
});

describe("unfriending, blocking and deleting take effect at once", () => {
  it("takes a friend's posts off my timeline and album the moment the friendship ends", async () => {
    const { alice, bob } = await circle();
    const m = await post(alice, { text: "before" });
    expect(await seen(bob, alice, m.id)).toEqual(YES);
    expect((await api("DELETE", `/contacts/${bob.id}`, { token: alice.token })).status).toBe(204);
    expect(await seen(bob, alice, m.id)).toEqual(NO);
  });

  it("hides posts both ways while either has blocked the other, and shows them again after unblocking", async () => {
    const { alice, bob } = await circle();
    const a = await post(alice, { text: "from alice" });
    const b = await post(bob, { text: "from bob" });
    expect((await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token })).status).toBe(204);
    expect(await seen(bob, alice, a.id)).toEqual(NO);
    expect(await seen(alice, bob, b.id)).toEqual(NO);
    await api("DELETE", `/contacts/blocks/${bob.id}`, { token: alice.token });
    expect(await seen(bob, alice, a.id)).toEqual(YES);
  });

  it("removes a deleted post from every path, with its likes and comments, and lets only its author delete it", async () => {
    const { alice, bob } = await circle();
    const m = await post(alice, { text: "oops" });
    await api("PUT", `/moments/${m.id}/like`, { token: bob.token });
    await api("POST", `/moments/${m.id}/comments`, { token: bob.token, body: { text: "nice" } });
    expectError(await api("DELETE", `/moments/${m.id}`, { token: bob.token }), 404, "not_found");
    expect(await canOpen(bob, m.id)).toBe(true);
    expect((await api("DELETE", `/moments/${m.id}`, { token: alice.token })).status).toBe(204);
    expect(await seen(bob, alice, m.id)).toEqual(NO);
    expect(await seen(alice, alice, m.id)).toEqual(NO);
    const n = await api("GET", "/moments/notifications", { token: alice.token });
    expect(n.body).toEqual({ notifications: [], unread: 0 });
  });

  it("takes a deleted account's posts, likes and comments away from everyone", async () => {
    const { alice, bob } = await circle();
    await api("PATCH", "/moments/settings", { token: alice.token, body: { strangersWindow: "all" } });
    const hers = await post(alice, { text: "mine" });
    const his = await post(bob, { text: "his" });
    await api("POST", `/moments/${his.id}/comments`, { token: alice.token, body: { text: "from alice" } });
    expect((await api("DELETE", "/me", { token: alice.token, body: { confirm: "DELETE" } })).status).toBe(200);
    expect(await canOpen(bob, hers.id)).toBe(false);
    expect((await api("GET", `/moments/${his.id}`, { token: bob.token })).body.comments).toEqual([]);
    expect(await count("moments", "author_id = ?", alice.id)).toBe(0);
  });

  it("pages the timeline newest first with a cursor, friends' posts and mine merged", async () => {
    const { alice, bob, carol } = await circle();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post([alice, bob, carol][i % 3]!, { text: `post ${i}` })).id);
    const first = await api("GET", "/moments/timeline?limit=2", { token: alice.token });
    const second = await api("GET", `/moments/timeline?limit=2&cursor=${first.body.nextCursor}`, { token: alice.token });
    const third = await api("GET", `/moments/timeline?limit=2&cursor=${second.body.nextCursor}`, { token: alice.token });
    const paged = [...first.body.moments, ...second.body.moments, ...third.body.moments].map((m: { id: string }) => m.id);
    expect(paged).toEqual([...ids].reverse());
    expect(third.body.nextCursor).toBeNull();
  });
});
