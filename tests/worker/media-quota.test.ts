import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MEDIA_LIMITS } from "../../schema/limits";
import { makeUser, type TestUser } from "./chat-helpers";
import { count, expectError, rows, startAtWindowBoundary } from "./helpers";
import { gif, jpeg, png, r2Keys, uploadMultipart, uploadRaw } from "./media-helpers";

const HOUR = 3600;
const DAY = 24 * 3600;

/** The uploader's counter for the window that holds now (what the worker reads and adds to). */
async function counter(user: TestUser, what: "uploads" | "bytes"): Promise<number> {
  const windowSeconds = what === "uploads" ? HOUR : DAY;
  const start = Math.floor(Date.now() / (windowSeconds * 1000)) * windowSeconds * 1000;
  const [row] = await rows<{ count: number }>("select count from rate_limits where key = ? and window_start = ?", `media-${what}:${user.id}`, start);
  return row?.count ?? 0;
}

/** Sets a counter as if earlier uploads had used it, in this window and the next (so a test that crosses the boundary still holds). */
async function used(user: TestUser, what: "uploads" | "bytes", amount: number) {
  const windowSeconds = what === "uploads" ? HOUR : DAY;
  const start = Math.floor(Date.now() / (windowSeconds * 1000)) * windowSeconds * 1000;
  for (const w of [start, start + windowSeconds * 1000]) {
    await env.DB.prepare("insert into rate_limits (key, window_start, count) values (?, ?, ?)").bind(`media-${what}:${user.id}`, w, amount).run();
  }
}

async function storedBy(user: TestUser) {
  return { rows: await count("media", "owner_id = ?", user.id), objects: (await r2Keys()).length };
}

describe("upload quotas", () => {
  // Counts up to fixed-window limits: start at a window boundary so no count is reset mid-spec.
  beforeEach(startAtWindowBoundary);
  afterEach(() => {
    vi.useRealTimers();
  });

  it("counts each stored upload and its bytes against its uploader, and nothing for a refused one", async () => {
    const [alice, bob] = await Promise.all([makeUser("alice"), makeUser("bob")]);
    const picture = png(8, 8);
    const res = await uploadRaw(alice, picture, { kind: "image" });
    expect(res.status).toBe(201);
    expect(await counter(alice, "uploads")).toBe(1);
    expect(await counter(alice, "bytes")).toBe(picture.length);

    expectError(await uploadRaw(alice, jpeg(), { kind: "voice" }), 415, "unsupported_media_type");
    expect(await counter(alice, "uploads")).toBe(1);
    expect(await counter(alice, "bytes")).toBe(picture.length);
    expect(await counter(bob, "uploads")).toBe(0);
  });

  it("refuses uploads once the hour's count is used up, saying when to retry, and stores nothing", async () => {
    const [alice, bob] = await Promise.all([makeUser("alice"), makeUser("bob")]);
    await used(alice, "uploads", MEDIA_LIMITS.uploadsPerHour);

    const res = await uploadMultipart(alice, png(), { fields: { kind: "image" } });
    expectError(res, 429, "rate_limited");
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(HOUR);
    expect(await storedBy(alice)).toEqual({ rows: 0, objects: 0 });

    // The quota is the uploader's own: someone else uploads as usual.
    expect((await uploadMultipart(bob, png(), { fields: { kind: "image" } })).status).toBe(201);
  });

  it("accepts an upload that fills the day's bytes exactly, and refuses one declared past them before reading it", async () => {
    const alice = await makeUser("alice");
    const last = gif();
    await used(alice, "bytes", MEDIA_LIMITS.uploadBytesPerDay - last.length);

    expect((await uploadRaw(alice, last, { kind: "image" })).status).toBe(201);
    expect(await counter(alice, "bytes")).toBe(MEDIA_LIMITS.uploadBytesPerDay);

    const res = await uploadRaw(alice, jpeg(), { kind: "image" });
    expectError(res, 429, "rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(DAY);
    expect(await storedBy(alice)).toEqual({ rows: 1, objects: 1 });
  });

  it("refuses a large upload that would pass the day's bytes even while smaller ones still fit", async () => {
    const alice = await makeUser("alice");
    const big = jpeg(64 * 1024);
    await used(alice, "bytes", MEDIA_LIMITS.uploadBytesPerDay - 1024);

    expectError(await uploadRaw(alice, big, { kind: "image" }), 429, "rate_limited");
    expect(await storedBy(alice)).toEqual({ rows: 0, objects: 0 });
    expect((await uploadRaw(alice, gif(), { kind: "image" })).status).toBe(201);
  });
});
