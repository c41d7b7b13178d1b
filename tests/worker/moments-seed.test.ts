// The development-only seeding route of the Moments benchmark: many friends at once, with posts
// on the caller's timeline; refused outside development.
import { describe, expect, it } from "vitest";
import { makeUser } from "./chat-helpers";
import { api, count, expectError } from "./helpers";

describe("POST /dev/moments/seed", () => {
  it("gives the caller friends in a tag, each with posts on the caller's timeline, in development only", async () => {
    const me = await makeUser("seeder");
    const body = { friends: 120, postsPerFriend: 2, tag: "everyone" };
    expectError(await api("POST", "/dev/moments/seed", { token: me.token, body }), 404, "not_found");
    const res = await api("POST", "/dev/moments/seed", { token: me.token, body, env: { ENVIRONMENT: "development" } });
    expect(res.status).toBe(200);
    expect(res.body.posts).toBe(240);
    expect(await count("friendships", "user_id = ?", me.id)).toBe(120);
    const page = await api("GET", "/moments/timeline?limit=30", { token: me.token });
    expect(page.body.moments).toHaveLength(30);
    const tagged = await api("POST", "/moments", { token: me.token, body: { text: "to the tag", visibility: "include", tags: ["everyone"] } });
    expect(tagged.status).toBe(201);
    expect(await count("moment_audience", "moment_id = ?", tagged.body.id)).toBe(120);
  });
});
