import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MEDIA_LIMITS } from "../../schema/limits";
import worker from "../../worker/index";
import { signMediaUrl, urlExpiry } from "../../worker/lib/media-url";
import { befriend, createGroup, makeUser, openDirect, type TestUser } from "./chat-helpers";
import { api, expectError, rows } from "./helpers";
import { aac, fetchUrl, filler, mp4, pdf, png, r2Keys, sha256, uploaded, urlFor, urls } from "./media-helpers";

let n = 0;
async function sendImage(user: TestUser, conversationId: string, mediaId: string): Promise<number> {
  const res = await api("POST", `/conversations/${conversationId}/messages`, { token: user.token, body: { clientId: `dl-${++n}`, type: "image", body: { mediaId } } });
  if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.seq;
}

async function errorOf(res: Response) {
  return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
}

describe("who gets download URLs", () => {
  it("gives the uploader a URL that downloads the same bytes without any header", async () => {
    const alice = await makeUser("alice");
    const bytes = png(16, 16);
    const photo = await uploaded(alice, bytes);
    const res = await urls(alice, [photo.id]);
    expect(res.status).toBe(200);
    expect(res.body.denied).toEqual([]);
    const [granted] = res.body.urls;
    expect(granted!.url).toMatch(new RegExp(`^https://qun\\.test/media/${photo.id}\\?e=\\d+&s=[A-Za-z0-9_-]{43}$`));
    expect(granted!.expiresAt).toBeGreaterThan(Date.now() + MEDIA_LIMITS.urlTtlSeconds * 1000 - 1000);
    expect(granted!.expiresAt).toBeLessThanOrEqual(Date.now() + (MEDIA_LIMITS.urlTtlSeconds + MEDIA_LIMITS.urlStepSeconds) * 1000);
    const download = await fetchUrl(granted!.url);
    expect(download.status).toBe(200);
    expect(await sha256(await download.arrayBuffer())).toBe(photo.sha256);
  });

  it("gives members of a conversation where the media was sent a URL, and others none", async () => {
    const [alice, bob, eve] = [await makeUser("alice"), await makeUser("bob"), await makeUser("eve")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const unsent = await uploaded(alice, png(3, 3, 4));
    await sendImage(alice, group, photo.id);

    const forBob = await urls(bob, [photo.id, unsent.id], group);
    expect(forBob.status).toBe(200);
    expect(forBob.body.urls.map((u) => u.mediaId)).toEqual([photo.id]);
    expect(forBob.body.denied).toEqual([unsent.id]);
    expect((await fetchUrl(forBob.body.urls[0]!.url)).status).toBe(200);

    expectError(await urls(eve, [photo.id], group), 403, "forbidden");
    const withoutConversation = await urls(eve, [photo.id]);
    expect(withoutConversation.body).toEqual({ urls: [], denied: [photo.id] });
    // Naming a conversation one belongs to does not reach media sent elsewhere.
    const evesChat = await openDirect(eve, bob);
    expect((await urls(eve, [photo.id], evesChat)).body.denied).toEqual([photo.id]);
  });

  it("gives no URL for what was sent before a member joined when the group hides history", async () => {
    const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
    const group = await createGroup(alice, [bob]);
    const before = await uploaded(alice, png());
    await sendImage(alice, group, before.id);
    await befriend(alice, carol);
    expect((await api("POST", `/conversations/${group}/members`, { token: alice.token, body: { userIds: [carol.id] } })).status).toBe(200);
    const after = await uploaded(alice, png(3, 3, 6));
    await sendImage(alice, group, after.id);
    const res = await urls(carol, [before.id, after.id], group);
    expect(res.body.urls.map((u) => u.mediaId)).toEqual([after.id]);
    expect(res.body.denied).toEqual([before.id]);
  });

  it("gives no new URLs for a recalled picture, except to its uploader", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const seq = await sendImage(alice, group, photo.id);
    const old = await urlFor(bob, photo.id, group);
    expect((await api("POST", `/conversations/${group}/messages/${seq}/recall`, { token: alice.token })).status).toBe(200);
    expect((await urls(bob, [photo.id], group)).body.denied).toEqual([photo.id]);
    expect((await urls(alice, [photo.id], group)).body.denied).toEqual([]);
    // A URL issued before the recall keeps working only until it expires (see the token specs).
    expect((await fetchUrl(old)).status).toBe(200);
  });

  it("gives no new URLs for media of a dissolved group", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    await sendImage(alice, group, photo.id);
    expect((await api("POST", `/groups/${group}/dissolve`, { token: alice.token })).status).toBe(200);
    expect((await urls(bob, [photo.id], group)).body.denied).toEqual([photo.id]);
  });

  it("gives no URLs to someone who left the group", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    await sendImage(alice, group, photo.id);
    expect((await api("POST", `/conversations/${group}/leave`, { token: bob.token })).status).toBe(200);
    expectError(await urls(bob, [photo.id], group), 403, "forbidden");
  });

  it("gives anyone signed in a URL for a current avatar, and no longer once it is replaced", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const photo = await uploaded(alice, png());
    await api("PATCH", "/me", { token: alice.token, body: { avatarMediaId: photo.id } });
    expect((await urls(bob, [photo.id])).body.urls.map((u) => u.mediaId)).toEqual([photo.id]);
    await api("PATCH", "/me", { token: alice.token, body: { avatarMediaId: null } });
    expect((await urls(bob, [photo.id])).body.denied).toEqual([photo.id]);
  });

  it("refuses URL requests without a user, with malformed ids or too many ids", async () => {
    const alice = await makeUser("alice");
    expectError(await api("POST", "/media/urls", { body: { mediaIds: ["md_abcdefghij0123456789"] } }), 401, "unauthorized");
    expectError(await urls(alice, ["../../etc/passwd"]), 400, "invalid_request");
    expectError(await urls(alice, []), 400, "invalid_request");
    expectError(
      await urls(
        alice,
        Array.from({ length: MEDIA_LIMITS.urlsPerRequest + 1 }, (_, i) => `md_${String(i).padStart(20, "0")}`),
      ),
      400,
      "invalid_request",
    );
  });

  it("issues the same URL twice within one expiry step, so clients can cache by URL", async () => {
    const alice = await makeUser("alice");
    const photo = await uploaded(alice, png());
    const [a, b] = [await urlFor(alice, photo.id), await urlFor(alice, photo.id)];
    // Unless the two requests straddle a step boundary, which the expiries would show.
    const expiry = (u: string) => new URL(u).searchParams.get("e");
    if (expiry(a) === expiry(b)) expect(a).toBe(b);
    else expect(Number(expiry(b)) - Number(expiry(a))).toBe(MEDIA_LIMITS.urlStepSeconds);
  });
});

describe("download tokens", () => {
  it("refuses an expired URL", async () => {
    const alice = await makeUser("alice");
    const photo = await uploaded(alice, png());
    const expired = await signMediaUrl(env, "https://qun.test", photo.id, Math.floor(Date.now() / 1000) - 1);
    expect(await errorOf(await fetchUrl(expired))).toEqual({ status: 401, code: "token_expired" });
  });

  it("refuses forged URLs: a changed expiry, another media id, a bad signature, none at all", async () => {
    const alice = await makeUser("alice");
    const photo = await uploaded(alice, png());
    const other = await uploaded(alice, png(3, 3, 2));
    const good = new URL(await urlFor(alice, photo.id));
    const e = good.searchParams.get("e")!;
    const s = good.searchParams.get("s")!;
    const variants = [
      `/media/${photo.id}?e=${Number(e) + 3600}&s=${s}`,
      `/media/${other.id}?e=${e}&s=${s}`,
      `/media/${photo.id}?e=${e}&s=${s.slice(0, -2)}${s.endsWith("AA") ? "BB" : "AA"}`,
      `/media/${photo.id}?e=${e}`,
      `/media/${photo.id}`,
    ];
    for (const v of variants) expect(await errorOf(await fetchUrl(`https://qun.test${v}`))).toEqual({ status: 401, code: "token_invalid" });
    // A token signed with a different secret is forged too.
    const foreign = await signMediaUrl({ ...env, JWT_SECRET: "another-secret-that-is-at-least-32-characters" }, "https://qun.test", photo.id, urlExpiry());
    expect(await errorOf(await fetchUrl(foreign))).toEqual({ status: 401, code: "token_invalid" });
  });

  it("answers 404 for a validly signed URL of deleted media", async () => {
    const alice = await makeUser("alice");
    const photo = await uploaded(alice, png());
    const url = await urlFor(alice, photo.id);
    expect((await api("DELETE", `/media/${photo.id}`, { token: alice.token })).status).toBe(200);
    expect(await errorOf(await fetchUrl(url))).toEqual({ status: 404, code: "not_found" });
  });
});

describe("serving media", () => {
  it("serves pictures inline with their type, a private cache lifetime, an ETag and nosniff", async () => {
    const alice = await makeUser("alice");
    const photo = await uploaded(alice, png());
    const res = await fetchUrl(await urlFor(alice, photo.id));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-length")).toBe(String(photo.size));
    expect(res.headers.get("content-disposition")).toBe("inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("etag")).toBe(`"${photo.sha256}"`);
    const cache = res.headers.get("cache-control")!;
    expect(cache).toMatch(/^private, max-age=\d+, immutable$/);
    const maxAge = Number(cache.match(/max-age=(\d+)/)![1]);
    expect(maxAge).toBeGreaterThan(MEDIA_LIMITS.urlTtlSeconds - 5);
    expect(maxAge).toBeLessThanOrEqual(MEDIA_LIMITS.urlTtlSeconds + MEDIA_LIMITS.urlStepSeconds);
    await res.arrayBuffer();
  });

  it("serves files as attachments under their name, encoded safely, and unknown bytes as opaque", async () => {
    const alice = await makeUser("alice");
    const doc = await uploaded(alice, pdf(), { kind: "file", name: '报告 "final"; 2026.pdf' });
    const res = await fetchUrl(await urlFor(alice, doc.id));
    expect(res.headers.get("content-type")).toBe("application/pdf");
    const disposition = res.headers.get("content-disposition")!;
    expect(disposition).toBe(`attachment; filename="__ final_ 2026.pdf"; filename*=UTF-8''${encodeURIComponent("报告 final; 2026.pdf")}`);
    await res.arrayBuffer();
    const page = await uploaded(alice, new TextEncoder().encode("<script>alert(1)</script>"), { kind: "file", name: "x.html" });
    const served = await fetchUrl(await urlFor(alice, page.id));
    expect(served.headers.get("content-type")).toBe("application/octet-stream");
    expect(served.headers.get("content-disposition")).toMatch(/^attachment;/);
    expect(served.headers.get("content-security-policy")).toContain("sandbox");
    await served.arrayBuffer();
  });

  it("answers 304 to If-None-Match with the ETag, and the whole body to another ETag", async () => {
    const alice = await makeUser("alice");
    const photo = await uploaded(alice, png());
    const url = await urlFor(alice, photo.id);
    const cached = await fetchUrl(url, { "if-none-match": `"${photo.sha256}"` });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("etag")).toBe(`"${photo.sha256}"`);
    expect(await cached.text()).toBe("");
    const weakList = await fetchUrl(url, { "if-none-match": `"nope", W/"${photo.sha256}"` });
    expect(weakList.status).toBe(304);
    const changed = await fetchUrl(url, { "if-none-match": '"something-else"' });
    expect(changed.status).toBe(200);
    expect(await sha256(await changed.arrayBuffer())).toBe(photo.sha256);
  });

  it("serves byte ranges of a video with 206 and Content-Range, as players seek", async () => {
    const alice = await makeUser("alice");
    const bytes = mp4(5000);
    const video = await uploaded(alice, bytes, { kind: "video" });
    const url = await urlFor(alice, video.id);
    const size = bytes.length;

    const first = await fetchUrl(url, { range: "bytes=0-99" });
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe(`bytes 0-99/${size}`);
    expect(first.headers.get("content-length")).toBe("100");
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(bytes.subarray(0, 100));

    const middle = await fetchUrl(url, { range: "bytes=1000-" });
    expect(middle.status).toBe(206);
    expect(middle.headers.get("content-range")).toBe(`bytes 1000-${size - 1}/${size}`);
    expect(new Uint8Array(await middle.arrayBuffer())).toEqual(bytes.subarray(1000));

    const tail = await fetchUrl(url, { range: "bytes=-10" });
    expect(tail.headers.get("content-range")).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(size - 10));

    const past = await fetchUrl(url, { range: `bytes=${size - 5}-${size + 500}` });
    expect(past.headers.get("content-range")).toBe(`bytes ${size - 5}-${size - 1}/${size}`);
    expect((await past.arrayBuffer()).byteLength).toBe(5);
  });

  it("answers 416 to a range beyond the end, and the whole body to a range it does not handle", async () => {
    const alice = await makeUser("alice");
    const voice = await uploaded(alice, aac(10));
    const url = await urlFor(alice, voice.id);
    const beyond = await fetchUrl(url, { range: `bytes=${voice.size}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${voice.size}`);
    // Its own code: the code table maps invalid_request to 400, and this answer is a 416.
    expect(((await beyond.json()) as { error: { code: string } }).error.code).toBe("range_not_satisfiable");
    for (const range of ["bytes=0-1,5-9", "items=0-5", "bytes=9-2"]) {
      const whole = await fetchUrl(url, { range });
      expect(whole.status, range).toBe(200);
      expect((await whole.arrayBuffer()).byteLength).toBe(voice.size);
    }
  });

  it("serves the whole body when If-Range names another version", async () => {
    const alice = await makeUser("alice");
    const video = await uploaded(alice, mp4(800), { kind: "video" });
    const url = await urlFor(alice, video.id);
    const stale = await fetchUrl(url, { range: "bytes=0-9", "if-range": '"old"' });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
    const current = await fetchUrl(url, { range: "bytes=0-9", "if-range": `"${video.sha256}"` });
    expect(current.status).toBe(206);
    await current.arrayBuffer();
  });

  it("answers HEAD with the headers and no body, for the whole media and for a range", async () => {
    const alice = await makeUser("alice");
    const photo = await uploaded(alice, png());
    const url = await urlFor(alice, photo.id);
    const res = await fetchUrl(url, {}, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(photo.size));
    expect(res.headers.get("etag")).toBe(`"${photo.sha256}"`);
    expect(await res.text()).toBe("");

    const part = await fetchUrl(url, { range: "bytes=0-9" }, "HEAD");
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-9/${photo.size}`);
    expect(await part.text()).toBe("");
  });
});

describe("deleting media", () => {
  it("deletes one's own upload with its thumbnails, from R2 and D1", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const photo = await uploaded(alice, png());
    const thumb = await uploaded(alice, png(2, 2, 3), { previewOf: photo.id });
    const kept = await uploaded(alice, png(3, 3, 4));
    await sendImage(alice, group, photo.id);
    await api("PATCH", "/me", { token: alice.token, body: { avatarMediaId: photo.id } });

    const res = await api("DELETE", `/media/${photo.id}`, { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body.deleted.sort()).toEqual([photo.id, thumb.id].sort());
    expect(await r2Keys()).toEqual([`media/${kept.id}`]);
    expect((await env.DB.prepare("select id from media").all()).results).toEqual([{ id: kept.id }]);
    expect((await env.DB.prepare("select * from media_refs").all()).results).toEqual([]);
    expect((await api("GET", "/me", { token: alice.token })).body.avatarMediaId).toBeNull();
    expect((await urls(bob, [photo.id], group)).body.denied).toEqual([photo.id]);
  });

  it("clears a group's avatar when its uploader deletes the picture, and leaves other groups' avatars", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const [team, club] = [await createGroup(alice, [bob]), await createGroup(alice, [bob], "Club")];
    const [teamPicture, clubPicture] = [await uploaded(alice, png()), await uploaded(alice, png(3, 3, 7))];
    expect((await api("PATCH", `/groups/${team}`, { token: alice.token, body: { avatarMediaId: teamPicture.id } })).status).toBe(200);
    expect((await api("PATCH", `/groups/${club}`, { token: alice.token, body: { avatarMediaId: clubPicture.id } })).status).toBe(200);

    expect((await api("DELETE", `/media/${teamPicture.id}`, { token: alice.token })).status).toBe(200);
    // Both copies: D1 (conversation lists, invite previews) and the group object (group info).
    expect(await rows("select id, avatar_media_id from conversations where id in (?, ?) order by name", club, team)).toEqual([
      { id: club, avatar_media_id: clubPicture.id },
      { id: team, avatar_media_id: null },
    ]);
    expect((await api("GET", `/groups/${team}`, { token: bob.token })).body.avatarMediaId).toBeNull();
    expect((await api("GET", `/groups/${club}`, { token: bob.token })).body.avatarMediaId).toBe(clubPicture.id);
  });

  it("does not let anyone delete media they did not upload", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const photo = await uploaded(alice, png());
    expectError(await api("DELETE", `/media/${photo.id}`, { token: bob.token }), 404, "not_found");
    expectError(await api("DELETE", `/media/${photo.id}`), 401, "unauthorized");
    expect(await r2Keys()).toEqual([`media/${photo.id}`]);
  });

  it("deletes all of an account's media and nobody else's", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    for (let i = 0; i < 5; i++) await uploaded(alice, filler(200, i + 1));
    const bobs = await uploaded(bob, png());
    const res = await api("DELETE", "/media", { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: 5 });
    expect(await r2Keys()).toEqual([`media/${bobs.id}`]);
    expect((await env.DB.prepare("select owner_id from media").all()).results).toEqual([{ owner_id: bob.id }]);
  });
});

describe("the daily cron and media", () => {
  const DAY = 86_400_000;
  async function runDailyCron() {
    const controller = createScheduledController({ scheduledTime: Date.now(), cron: "17 3 * * *" });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
  }
  const age = (id: string, days: number) =>
    env.DB.prepare("update media set created_at = ? where id = ?")
      .bind(Date.now() - days * DAY, id)
      .run();

  it("deletes old uploads that were never sent nor used as an avatar, and keeps the rest", async () => {
    const [alice, bob] = [await makeUser("alice"), await makeUser("bob")];
    const group = await createGroup(alice, [bob]);
    const abandoned = await uploaded(alice, png(2, 2, 1));
    const sent = await uploaded(alice, png(2, 2, 2));
    const sentThumb = await uploaded(alice, png(2, 2, 3), { previewOf: sent.id });
    const avatar = await uploaded(alice, png(2, 2, 4));
    const recent = await uploaded(alice, png(2, 2, 5));
    const res = await api("POST", `/conversations/${group}/messages`, { token: alice.token, body: { clientId: "cron-1", type: "image", body: { mediaId: sent.id, thumbMediaId: sentThumb.id } } });
    expect(res.status).toBe(201);
    await api("PATCH", "/me", { token: alice.token, body: { avatarMediaId: avatar.id } });
    for (const m of [abandoned, sent, sentThumb, avatar]) await age(m.id, MEDIA_LIMITS.unsentDays + 1);
    await age(recent.id, MEDIA_LIMITS.unsentDays - 1);

    await runDailyCron();

    const left = [sent.id, sentThumb.id, avatar.id, recent.id];
    expect((await r2Keys()).sort()).toEqual(left.map((id) => `media/${id}`).sort());
    expect(((await env.DB.prepare("select id from media").all()).results as { id: string }[]).map((r) => r.id).sort()).toEqual([...left].sort());
  });
});
