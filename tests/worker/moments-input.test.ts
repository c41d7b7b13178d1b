// Posting media and bad input: a post's pictures are fetchable by its viewers only; refused posts
// and comments answer with the error shape and leave nothing behind; text goes through the same
// content screening as messages.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { befriend, makeUser, makeUsers, type TestUser } from "./chat-helpers";
import { api, count, expectError, rows } from "./helpers";
import { fetchUrl, jpeg, mp4, png, uploaded, urls } from "./media-helpers";
import { post } from "./moment-helpers";

async function trio() {
  const [alice, bob, carol] = (await makeUsers(3)) as [TestUser, TestUser, TestUser];
  await befriend(alice, bob, carol);
  return { alice, bob, carol };
}

describe("a post's pictures", () => {
  it("are fetchable by the post's viewers only, and by nobody once the post is deleted", async () => {
    const { alice, bob, carol } = await trio();
    const eve = await makeUser("eve");
    const pic = await uploaded(alice, png(8, 6, 1));
    const thumb = await uploaded(alice, jpeg(32, 2), { previewOf: pic.id });
    const m = await post(alice, { text: "for bob", media: [{ mediaId: pic.id, thumbMediaId: thumb.id }], visibility: "include", userIds: [bob.id] });
    expect(m.media).toEqual([expect.objectContaining({ mediaId: pic.id, kind: "image", thumbMediaId: thumb.id })]);

    const granted = await urls(bob, [pic.id, thumb.id]);
    expect(granted.body.denied).toEqual([]);
    const res = await fetchUrl(granted.body.urls[0]!.url);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    for (const outsider of [carol, eve]) expect((await urls(outsider, [pic.id, thumb.id])).body).toEqual({ urls: [], denied: [pic.id, thumb.id] });

    expect((await api("DELETE", `/moments/${m.id}`, { token: alice.token })).status).toBe(204);
    expect((await urls(bob, [pic.id])).body.denied).toEqual([pic.id]);
    expect((await urls(alice, [pic.id])).body.denied).toEqual([]); // still the uploader's
  });

  it("takes up to nine pictures or one video with its poster, only the author's own uploads", async () => {
    const { alice, bob } = await trio();
    const pics = [];
    for (let i = 0; i < 10; i++) pics.push(await uploaded(alice, png(4, 3, i + 1)));
    const video = await uploaded(alice, mp4(256, 3), { kind: "video" });
    const poster = await uploaded(alice, jpeg(32, 9), { previewOf: video.id });
    const bobs = await uploaded(bob, png(4, 3, 77));
    const nine = await post(alice, { media: pics.slice(0, 9).map((p) => ({ mediaId: p.id })) });
    expect(nine.media).toHaveLength(9);
    const film = await post(alice, { text: "a clip", media: [{ mediaId: video.id, thumbMediaId: poster.id }] });
    expect(film.media[0]).toMatchObject({ kind: "video", thumbMediaId: poster.id });
    const before = await count("moments");
    expectError(await api("POST", "/moments", { token: alice.token, body: { media: pics.map((p) => ({ mediaId: p.id })) } }), 400, "invalid_request");
    expectError(await api("POST", "/moments", { token: alice.token, body: { media: [{ mediaId: video.id }, { mediaId: pics[0]!.id }] } }), 400, "invalid_request");
    expectError(await api("POST", "/moments", { token: alice.token, body: { media: [{ mediaId: bobs.id }] } }), 403, "forbidden");
    expectError(await api("POST", "/moments", { token: alice.token, body: { media: [{ mediaId: pics[0]!.id, thumbMediaId: poster.id }] } }), 400, "invalid_request");
    expectError(await api("POST", "/moments", { token: alice.token, body: { media: [{ mediaId: poster.id }] } }), 400, "invalid_request");
    expect(await count("moments")).toBe(before);
  });
});

describe("a post's pictures and the daily purge of unsent uploads", () => {
  it("keeps pictures in a post and a cover however old, and purges a deleted post's pictures", async () => {
    const { alice } = await trio();
    const pic = await uploaded(alice, png(4, 3, 41));
    const cover = await uploaded(alice, png(4, 3, 42));
    const m = await post(alice, { media: [{ mediaId: pic.id }] });
    await api("PATCH", "/moments/settings", { token: alice.token, body: { coverMediaId: cover.id } });
    const cron = async () => {
      await env.DB.prepare("update media set created_at = ?")
        .bind(Date.now() - 30 * 86_400_000)
        .run();
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "17 3 * * *" }), env, ctx);
      await waitOnExecutionContext(ctx);
    };
    await cron();
    expect(await count("media", "id in (?, ?)", pic.id, cover.id)).toBe(2);
    await api("DELETE", `/moments/${m.id}`, { token: alice.token });
    await cron();
    expect(await count("media", "id = ?", pic.id)).toBe(0);
    expect(await count("media", "id = ?", cover.id)).toBe(1);
  });
});

describe("bad input", () => {
  it("refuses malformed posts with 400 and the error shape, and stores nothing", async () => {
    const { alice, bob } = await trio();
    const bad: unknown[] = [
      {},
      { text: "" },
      { text: "   " },
      { text: "x".repeat(2001) },
      { text: "hi", visibility: "include" },
      { text: "hi", visibility: "all", userIds: [bob.id] },
      { text: "hi", visibility: "sometimes" },
      { text: "hi", userIds: ["nope"], visibility: "include" },
      { text: "hi", location: { name: "Here", latitude: 91, longitude: 0 } },
      { text: "hi", extra: true },
      { text: "hi", media: [{ mediaId: "md_x" }] },
      "just a string",
    ];
    for (const body of bad) {
      const res = await api("POST", "/moments", { token: alice.token, body });
      expect([JSON.stringify(body).slice(0, 40), res.status, res.body?.error?.code]).toEqual([JSON.stringify(body).slice(0, 40), 400, "invalid_request"]);
      expect(typeof res.body.error.message).toBe("string");
    }
    expect(await count("moments")).toBe(0);
  });

  it("refuses an audience of strangers or unknown tags without storing the post", async () => {
    const { alice } = await trio();
    const eve = await makeUser("eve");
    expectError(await api("POST", "/moments", { token: alice.token, body: { text: "x", visibility: "include", userIds: [eve.id] } }), 403, "not_friends");
    expectError(await api("POST", "/moments", { token: alice.token, body: { text: "x", visibility: "exclude", tags: ["Nope"] } }), 404, "not_found");
    expectError(await api("PUT", "/moments/settings/hidden", { token: alice.token, body: { userIds: [eve.id] } }), 403, "not_friends");
    expect(await count("moments")).toBe(0);
    expect(await count("moment_audience")).toBe(0);
  });

  it("answers 404 for malformed or unknown post and comment ids, 400 for a bad cursor or settings", async () => {
    const { alice } = await trio();
    expectError(await api("GET", "/moments/nope", { token: alice.token }), 404, "not_found");
    expectError(await api("GET", "/moments/mo_aaaaaaaaaaaaaaaaaaaa", { token: alice.token }), 404, "not_found");
    expectError(await api("PUT", "/moments/mo_aaaaaaaaaaaaaaaaaaaa/like", { token: alice.token }), 404, "not_found");
    const m = await post(alice, { text: "mine" });
    expectError(await api("DELETE", `/moments/${m.id}/comments/mc_aaaaaaaaaaaaaaaaaaaa`, { token: alice.token }), 404, "not_found");
    expectError(await api("POST", `/moments/${m.id}/comments`, { token: alice.token, body: { text: "" } }), 400, "invalid_request");
    expectError(await api("GET", "/moments/timeline?cursor=bogus", { token: alice.token }), 400, "invalid_request");
    expectError(await api("GET", "/moments/timeline?limit=500", { token: alice.token }), 400, "invalid_request");
    expectError(await api("PATCH", "/moments/settings", { token: alice.token, body: { friendsWindow: "forever" } }), 400, "invalid_request");
    expectError(await api("PATCH", "/moments/settings", { token: alice.token, body: { friendsWindow: "none" } }), 400, "invalid_request");
    expectError(await api("GET", "/moments/users/u_aaaaaaaaaaaaaaaaaaaa", { token: alice.token }), 404, "not_found");
  });

  it("screens post and comment text like messages: a listed word is refused with 422 and nothing is stored", async () => {
    const { alice, bob } = await trio();
    expectError(await api("POST", "/moments", { token: alice.token, body: { text: "forbiddenword here" } }), 422, "content_refused");
    expect(await count("moments")).toBe(0);
    const m = await post(alice, { text: "clean" });
    expectError(await api("POST", `/moments/${m.id}/comments`, { token: bob.token, body: { text: "forbiddenword" } }), 422, "content_refused");
    expect(await count("moment_comments")).toBe(0);
    expect(await count("content_flags", "kind in ('moment', 'moment_comment') and status = 'refused'")).toBe(2);
  });

  it("takes a cover picture of the user's own, and shows it on their album", async () => {
    const { alice, bob } = await trio();
    const cover = await uploaded(alice, png(16, 9, 5));
    const bobs = await uploaded(bob, png(16, 9, 6));
    expectError(await api("PATCH", "/moments/settings", { token: alice.token, body: { coverMediaId: bobs.id } }), 403, "forbidden");
    expect((await api("PATCH", "/moments/settings", { token: alice.token, body: { coverMediaId: cover.id } })).body.coverMediaId).toBe(cover.id);
    expect((await api("GET", `/moments/users/${alice.id}`, { token: bob.token })).body.coverMediaId).toBe(cover.id);
    expect((await urls(bob, [cover.id])).body.denied).toEqual([]);
  });
});

describe("reporting a post or a comment", () => {
  it("takes a report of a post or comment the reporter can see, keeps its text, and refuses what they cannot see", async () => {
    const { alice, bob, carol } = await trio();
    const m = await post(alice, { text: "a doubtful offer" });
    const c = await api("POST", `/moments/${m.id}/comments`, { token: bob.token, body: { text: "a doubtful comment" } });
    const commentId = c.body.comments[0].id as string;
    const onPost = await api("POST", "/reports", { token: bob.token, body: { target: "moment", momentId: m.id, reason: "fraud" } });
    expect(onPost.status).toBe(201);
    const onComment = await api("POST", "/reports", { token: alice.token, body: { target: "moment", momentId: m.id, commentId, reason: "spam" } });
    expect(onComment.status).toBe(201);
    const stored = await rows<{ target: string; target_user_id: string; moment_id: string; comment_id: string | null; excerpt: string }>(
      "select target, target_user_id, moment_id, comment_id, excerpt from reports order by created_at",
    );
    expect(stored).toEqual([
      { target: "moment", target_user_id: alice.id, moment_id: m.id, comment_id: null, excerpt: "a doubtful offer" },
      { target: "moment", target_user_id: bob.id, moment_id: m.id, comment_id: commentId, excerpt: "a doubtful comment" },
    ]);
    // Carol is Alice's friend but not Bob's: she cannot see Bob's comment, so cannot report it.
    expectError(await api("POST", "/reports", { token: carol.token, body: { target: "moment", momentId: m.id, commentId, reason: "spam" } }), 404, "not_found");
    const hidden = await post(alice, { text: "only me", visibility: "private" });
    expectError(await api("POST", "/reports", { token: bob.token, body: { target: "moment", momentId: hidden.id, reason: "spam" } }), 404, "not_found");
    expectError(await api("POST", "/reports", { token: alice.token, body: { target: "moment", momentId: m.id, reason: "spam" } }), 400, "invalid_request");
    expect(await count("reports")).toBe(2);
  });
});
