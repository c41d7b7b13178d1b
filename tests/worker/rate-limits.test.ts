// Rate limits under concurrency: every limited request is counted before the work it guards, so
// a burst of parallel requests gets exactly the allowance and no more. And the sign-in lockout
// is per (account, address), so failures from one place do not lock the owner out elsewhere.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CONTACT_LIMITS } from "../../schema/contacts";
import { LIMITS, MEDIA_LIMITS } from "../../schema/limits";
import { env } from "cloudflare:test";
import { makeUser, makeUsers } from "./chat-helpers";
import { api, count, DEFAULT_PASSWORD, expectError, login, signUp, uniqueName, type ApiResult, startAtWindowBoundary } from "./helpers";
import { gif, r2Keys, uploadRaw } from "./media-helpers";

const statuses = (results: ApiResult[]) => {
  const tally: Record<number, number> = {};
  for (const r of results) tally[r.status] = (tally[r.status] ?? 0) + 1;
  return tally;
};

function expectRateLimited(res: ApiResult, maxSeconds: number) {
  expectError(res, 429, "rate_limited");
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
}

describe("limits hold against parallel requests", () => {
  // Counts up to fixed-window limits: start at a window boundary so no count is reset mid-spec.
  beforeEach(startAtWindowBoundary);
  afterEach(() => {
    vi.useRealTimers();
  });

  it(`checks at most ${LIMITS.loginFailuresPerAccount} of 30 parallel wrong passwords for one account from one address`, async () => {
    const alice = await signUp("alice");
    const results = await Promise.all(Array.from({ length: 30 }, () => login(alice.username, "wrong-passw0rd", "198.51.100.20")));
    expect(statuses(results)).toEqual({ 401: LIMITS.loginFailuresPerAccount, 429: 30 - LIMITS.loginFailuresPerAccount });
    for (const r of results.filter((r) => r.status === 429)) expectRateLimited(r, LIMITS.loginWindowSeconds);
  });

  it("lets the right password through only if it was among the attempts that were checked", async () => {
    const alice = await signUp("alice");
    const attempts = Array.from({ length: 30 }, (_, i) => (i === 29 ? alice.password : "wrong-passw0rd"));
    const results = await Promise.all(attempts.map((p) => login(alice.username, p, "198.51.100.21")));
    const checked = results.filter((r) => r.status !== 429);
    expect(checked.length).toBeLessThanOrEqual(LIMITS.loginFailuresPerAccount);
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
  });

  it(`creates at most ${LIMITS.registrationsPerIp} accounts from 14 parallel sign-ups from one address`, async () => {
    const results = await Promise.all(Array.from({ length: 14 }, () => api("POST", "/auth/register", { body: { username: uniqueName(), password: DEFAULT_PASSWORD }, ip: "198.51.100.30" })));
    expect(statuses(results)).toEqual({ 201: LIMITS.registrationsPerIp, 429: 14 - LIMITS.registrationsPerIp });
    expect(await count("users")).toBe(LIMITS.registrationsPerIp);
  });

  it(`creates ${CONTACT_LIMITS.requestsPerDay} of 40 friend requests sent in parallel, refusing the rest with Retry-After`, async () => {
    const alice = await makeUser("spammer");
    const targets = await makeUsers(40, "target");
    const results = await Promise.all(targets.map((t) => api("POST", "/contacts/requests", { token: alice.token, body: { userId: t.id } })));
    expect(statuses(results)).toEqual({ 201: CONTACT_LIMITS.requestsPerDay, 429: 40 - CONTACT_LIMITS.requestsPerDay });
    for (const r of results.filter((r) => r.status === 429)) expectRateLimited(r, 24 * 3600);
    expect(await count("friend_requests", "from_user_id = ?", alice.id)).toBe(CONTACT_LIMITS.requestsPerDay);
  }, 30_000);

  it("stores only the uploads that fit the day's bytes when they arrive in parallel", async () => {
    const alice = await makeUser("alice");
    const picture = gif();
    const start = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    await env.DB.prepare("insert into rate_limits (key, window_start, count) values (?, ?, ?)")
      .bind(`media-bytes:${alice.id}`, start, MEDIA_LIMITS.uploadBytesPerDay - 3 * picture.length)
      .run();
    const results = await Promise.all(Array.from({ length: 10 }, () => uploadRaw(alice, picture, { kind: "image" })));
    expect(statuses(results)).toEqual({ 201: 3, 429: 7 });
    expect(await count("media", "owner_id = ?", alice.id)).toBe(3);
    expect((await r2Keys()).length).toBe(3);
  });

  it("stores only the uploads left in the hour's count when they arrive in parallel", async () => {
    const alice = await makeUser("alice");
    const start = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    await env.DB.prepare("insert into rate_limits (key, window_start, count) values (?, ?, ?)")
      .bind(`media-uploads:${alice.id}`, start, MEDIA_LIMITS.uploadsPerHour - 2)
      .run();
    const results = await Promise.all(Array.from({ length: 8 }, () => uploadRaw(alice, gif(), { kind: "image" })));
    expect(statuses(results)).toEqual({ 201: 2, 429: 6 });
    expect(await count("media", "owner_id = ?", alice.id)).toBe(2);
  });
});

describe("signing in: failures lock one address out of one account", () => {
  // Counts up to fixed-window limits: start at a window boundary so no count is reset mid-spec.
  beforeEach(startAtWindowBoundary);
  afterEach(() => {
    vi.useRealTimers();
  });

  it("locks the attacker's address after repeated failures while the owner signs in from another", async () => {
    const alice = await signUp("alice");
    for (let i = 0; i < LIMITS.loginFailuresPerAccount; i++) expectError(await login(alice.username, "wrong-passw0rd", "203.0.113.66"), 401, "invalid_credentials");
    // The attacker's address is locked, even if it now guesses right.
    expectRateLimited(await login(alice.username, alice.password, "203.0.113.66"), LIMITS.loginWindowSeconds);
    // The owner, elsewhere, is not.
    const owner = await login(alice.username, alice.password, "198.51.100.1");
    expect(owner.status).toBe(200);
    expect(owner.body.user.id).toBe(alice.user.id);
    // Still locked for the attacker after the owner's success.
    expectRateLimited(await login(alice.username, "wrong-passw0rd", "203.0.113.66"), LIMITS.loginWindowSeconds);
  });

  it("locks an address for longer when it keeps failing after a lock ends", async () => {
    const alice = await signUp("alice");
    const ip = "203.0.113.67";
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.UTC(2026, 10, 20, 10, 0, 0);
    vi.setSystemTime(t0);
    for (let i = 0; i < LIMITS.loginFailuresPerAccount; i++) await login(alice.username, "wrong-passw0rd", ip);
    expectRateLimited(await login(alice.username, "wrong-passw0rd", ip), LIMITS.loginWindowSeconds);

    vi.setSystemTime(t0 + LIMITS.loginWindowSeconds * 1000);
    for (let i = 0; i < LIMITS.loginFailuresPerAccount; i++) expectError(await login(alice.username, "wrong-passw0rd", ip), 401, "invalid_credentials");
    const longer = await login(alice.username, alice.password, ip);
    expectRateLimited(longer, 3600);
    expect(Number(longer.headers.get("retry-after"))).toBeGreaterThan(LIMITS.loginWindowSeconds);
    // The owner elsewhere is still fine.
    expect((await login(alice.username, alice.password, "198.51.100.2")).status).toBe(200);
  });

  it(`still locks the account everywhere after ${LIMITS.loginFailuresPerAccountGlobal} failures an hour from many addresses`, async () => {
    const alice = await signUp("alice");
    for (let batch = 0; batch < LIMITS.loginFailuresPerAccountGlobal / 10; batch++) {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => login(alice.username, "wrong-passw0rd", `10.0.${batch}.${i}`)));
      expect(statuses(results)).toEqual({ 401: 10 });
    }
    expectRateLimited(await login(alice.username, alice.password, "198.51.100.3"), LIMITS.loginGlobalWindowSeconds);
  }, 60_000);

  it("counts only failures: signing in correctly does not use up the address's attempts", async () => {
    const alice = await signUp("alice");
    for (let i = 0; i < LIMITS.loginFailuresPerAccount + 2; i++) expect((await login(alice.username, alice.password, "198.51.100.4")).status).toBe(200);
    for (let i = 0; i < LIMITS.loginFailuresPerAccount - 1; i++) expectError(await login(alice.username, "wrong-passw0rd", "198.51.100.4"), 401, "invalid_credentials");
    expect((await login(alice.username, alice.password, "198.51.100.4")).status).toBe(200);
  });
});
