// Contact tags (friend groups): a user makes named tags, empty ones included, puts friends in
// them and takes them out, renames and deletes them. Tags are the owner's alone. Real D1.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CONTACT_LIMITS, type FriendView, type TagView } from "../../schema/contacts";
import { befriend, makeUsers, type TestUser } from "./chat-helpers";
import { api, count, expectError, rows } from "./helpers";

const people = async (n: 3 | 4) => (await makeUsers(n)) as [TestUser, TestUser, TestUser, TestUser];
const path = (name: string) => `/contacts/tags/${encodeURIComponent(name)}`;

const createTag = (who: TestUser, name: string, userIds: string[] = []) => api("POST", "/contacts/tags", { token: who.token, body: { name, userIds } });
const addTo = (who: TestUser, name: string, userIds: string[]) => api("POST", `${path(name)}/members`, { token: who.token, body: { userIds } });
const tagsOf = async (who: TestUser): Promise<TagView[]> => (await api("GET", "/contacts/tags", { token: who.token })).body.tags;
const counts = async (who: TestUser) => Object.fromEntries((await tagsOf(who)).map((t) => [t.name, t.count]));

/** What D1 holds: the user's tag names, and each friend's tags. */
const storedNames = async (who: TestUser) => (await rows<{ name: string }>("select name from contact_tags where user_id = ? order by name", who.id)).map((r) => r.name);
const storedTagsOf = async (who: TestUser, friend: TestUser) =>
  JSON.parse((await rows<{ tags: string }>("select tags from friendships where user_id = ? and friend_id = ?", who.id, friend.id))[0]!.tags) as string[];

describe("making tags", () => {
  it("makes an empty tag that is listed with a count of zero until friends are put in it", async () => {
    const [me] = await people(3);
    const res = await createTag(me, "Family");
    expect(res.status).toBe(201);
    expect(res.body.tag).toMatchObject({ name: "Family", count: 0 });
    expect(await tagsOf(me)).toEqual([expect.objectContaining({ name: "Family", count: 0 })]);
    expect((await api("GET", "/contacts", { token: me.token })).body.tags).toEqual(["Family"]);
  });

  it("makes a tag with friends in it at once", async () => {
    const [me, ann, ben] = await people(3);
    await befriend(me, ann);
    await befriend(me, ben);
    const res = await createTag(me, "Climbing", [ann.id, ben.id]);
    expect(res.status).toBe(201);
    expect(res.body.tag).toMatchObject({ name: "Climbing", count: 2 });
    const friends: FriendView[] = (await api("GET", "/contacts", { token: me.token })).body.friends;
    expect(friends.map((f) => f.tags)).toEqual([["Climbing"], ["Climbing"]]);
    // Ann's own view of me carries no tags: tags belong to whoever made them.
    expect((await api("GET", `/contacts/${me.id}`, { token: ann.token })).body.tags).toEqual([]);
    expect(await tagsOf(ann)).toEqual([]);
  });

  it("makes the tags a friend is given by editing the friend, so they appear in the tag list", async () => {
    const [me, ann] = await people(3);
    await befriend(me, ann);
    await api("PATCH", `/contacts/${ann.id}`, { token: me.token, body: { tags: ["Work", "Hiking", "Work"] } });
    expect(await counts(me)).toEqual({ Hiking: 1, Work: 1 });
    expect(await storedTagsOf(me, ann)).toEqual(["Work", "Hiking"]);
  });

  it("refuses a name already in use, a bad name, and tagging anyone who is not a friend, writing nothing", async () => {
    const [me, ann, stranger] = await people(3);
    await befriend(me, ann);
    await createTag(me, "Work");
    expectError(await createTag(me, "Work"), 409, "tag_exists");
    expectError(await createTag(me, "  "), 400, "invalid_request");
    expectError(await createTag(me, "x".repeat(CONTACT_LIMITS.tagChars + 1)), 400, "invalid_request");
    expectError(await api("POST", "/contacts/tags", { token: me.token, body: { name: "Ok", extra: true } }), 400, "invalid_request");
    const refused = await createTag(me, "Mixed", [ann.id, stranger.id]);
    expectError(refused, 404, "not_found");
    expect(refused.body.error.details).toEqual({ notFriends: [stranger.id] });
    expectError(await api("POST", "/contacts/tags", { body: { name: "Nope" } }), 401, "unauthorized");
    expect(await storedNames(me)).toEqual(["Work"]);
    expect(await storedTagsOf(me, ann)).toEqual([]);
  });

  it(`allows at most ${CONTACT_LIMITS.tagsPerUser} tags per user`, async () => {
    const [me, ann] = await people(3);
    await befriend(me, ann);
    const seed = env.DB.prepare("insert into contact_tags (user_id, name, created_at) values (?, ?, ?)");
    await env.DB.batch(Array.from({ length: CONTACT_LIMITS.tagsPerUser }, (_, i) => seed.bind(me.id, `t${i}`, i)));
    expectError(await createTag(me, "One more"), 409, "tag_limit");
    expectError(await api("PATCH", `/contacts/${ann.id}`, { token: me.token, body: { tags: ["t1", "One more"] } }), 409, "tag_limit");
    expect(await count("contact_tags", "user_id = ?", me.id)).toBe(CONTACT_LIMITS.tagsPerUser);
    expect(await storedTagsOf(me, ann)).toEqual([]);
    // Existing tags can still be given.
    expect((await api("PATCH", `/contacts/${ann.id}`, { token: me.token, body: { tags: ["t1", "t2"] } })).status).toBe(200);
  });
});

describe("putting friends in tags and taking them out", () => {
  it("adds friends to a tag and removes one, and the tag stays when it is empty", async () => {
    const [me, ann, ben] = await people(3);
    await befriend(me, ann);
    await befriend(me, ben);
    await createTag(me, "Neighbours");
    const added = await addTo(me, "Neighbours", [ann.id, ben.id, ann.id]);
    expect(added.status).toBe(200);
    expect(added.body.tag).toMatchObject({ name: "Neighbours", count: 2 });
    // Adding someone already in it changes nothing.
    expect((await addTo(me, "Neighbours", [ann.id])).body.tag.count).toBe(2);
    expect(await storedTagsOf(me, ann)).toEqual(["Neighbours"]);

    const removed = await api("DELETE", `${path("Neighbours")}/members/${ann.id}`, { token: me.token });
    expect(removed.status).toBe(200);
    expect(removed.body.tag.count).toBe(1);
    await api("DELETE", `${path("Neighbours")}/members/${ben.id}`, { token: me.token });
    expect(await counts(me)).toEqual({ Neighbours: 0 });
    expect(await storedTagsOf(me, ann)).toEqual([]);
    expect(await storedTagsOf(me, ben)).toEqual([]);
  });

  it("keeps both when one friend is given two tags at once", async () => {
    const [me, ann] = await people(3);
    await befriend(me, ann);
    await createTag(me, "A");
    await createTag(me, "B");
    const [a, b] = await Promise.all([addTo(me, "A", [ann.id]), addTo(me, "B", [ann.id])]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await storedTagsOf(me, ann)).sort()).toEqual(["A", "B"]);
  });

  it(`refuses a friend a tag past ${CONTACT_LIMITS.tagsPerFriend}, strangers, and tags you do not have, changing nothing`, async () => {
    const [me, ann, ben, stranger] = await people(4);
    await befriend(me, ann);
    await befriend(me, ben);
    const ten = Array.from({ length: CONTACT_LIMITS.tagsPerFriend }, (_, i) => `t${i}`);
    await api("PATCH", `/contacts/${ann.id}`, { token: me.token, body: { tags: ten } });
    await createTag(me, "Extra");
    const full = await addTo(me, "Extra", [ben.id, ann.id]);
    expectError(full, 409, "tag_limit");
    expect(full.body.error.details).toEqual({ full: [ann.id] });
    expectError(await addTo(me, "Extra", [stranger.id]), 404, "not_found");
    expectError(await addTo(me, "Missing", [ben.id]), 404, "not_found");
    expectError(await addTo(me, "Extra", []), 400, "invalid_request");
    expectError(await api("DELETE", `${path("Extra")}/members/${stranger.id}`, { token: me.token }), 404, "not_found");
    expect(await storedTagsOf(me, ben)).toEqual([]);
    expect(await counts(me)).toMatchObject({ Extra: 0 });
  });
});

describe("renaming and deleting tags", () => {
  it("renames a tag on every friend that has it, and refuses a name already in use", async () => {
    const [me, ann, ben] = await people(3);
    await befriend(me, ann);
    await befriend(me, ben);
    await createTag(me, "Work", [ann.id, ben.id]);
    await createTag(me, "Gym", [ann.id]);
    const res = await api("PUT", path("Work"), { token: me.token, body: { name: "Colleagues" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tag: expect.objectContaining({ name: "Colleagues", count: 2 }), changed: 2 });
    expect(await storedTagsOf(me, ann)).toEqual(["Colleagues", "Gym"]);
    expect(await storedNames(me)).toEqual(["Colleagues", "Gym"]);

    expectError(await api("PUT", path("Gym"), { token: me.token, body: { name: "Colleagues" } }), 409, "tag_exists");
    expectError(await api("PUT", path("Work"), { token: me.token, body: { name: "Old" } }), 404, "not_found");
    expect(await storedTagsOf(me, ann)).toEqual(["Colleagues", "Gym"]);
    // An empty tag can be renamed too.
    await createTag(me, "Empty");
    expect((await api("PUT", path("Empty"), { token: me.token, body: { name: "Still empty" } })).body.changed).toBe(0);
  });

  it("deletes a tag and takes it off every friend, who stay friends", async () => {
    const [me, ann, ben] = await people(3);
    await befriend(me, ann);
    await befriend(me, ben);
    await createTag(me, "Old school", [ann.id, ben.id]);
    await createTag(me, "Keep", [ann.id]);
    const res = await api("DELETE", path("Old school"), { token: me.token });
    expect(res.body).toEqual({ changed: 2 });
    expect(await storedNames(me)).toEqual(["Keep"]);
    expect(await storedTagsOf(me, ann)).toEqual(["Keep"]);
    expect(await storedTagsOf(me, ben)).toEqual([]);
    expect(await count("friendships", "user_id = ?", me.id)).toBe(2);
    expectError(await api("DELETE", path("Old school"), { token: me.token }), 404, "not_found");
  });

  it("only touches the caller's own tags, even under the same name", async () => {
    const [me, other, ann] = await people(3);
    await befriend(me, ann);
    await befriend(other, ann);
    await createTag(me, "Friends", [ann.id]);
    await createTag(other, "Friends", [ann.id]);
    await api("PUT", path("Friends"), { token: other.token, body: { name: "Pals" } });
    await api("DELETE", path("Pals"), { token: other.token });
    expect(await storedNames(me)).toEqual(["Friends"]);
    expect(await storedTagsOf(me, ann)).toEqual(["Friends"]);
    expectError(await api("PUT", path("Friends"), { token: other.token, body: { name: "Mine now" } }), 404, "not_found");
  });

  it("takes names with percent signs, slashes and spaces in the path", async () => {
    const [me, ann] = await people(3);
    await befriend(me, ann);
    for (const name of ["100%", "a/b", "Best friends"]) await createTag(me, name, [ann.id]);
    expect((await api("PUT", path("100%"), { token: me.token, body: { name: "50% off" } })).status).toBe(200);
    expect((await api("DELETE", path("a/b"), { token: me.token })).body).toEqual({ changed: 1 });
    expect((await api("DELETE", `${path("Best friends")}/members/${ann.id}`, { token: me.token })).body.tag.count).toBe(0);
    expect(await storedTagsOf(me, ann)).toEqual(["50% off"]);
  });
});
