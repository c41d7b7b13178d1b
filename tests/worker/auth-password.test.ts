import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LIMITS } from "../../schema/limits";
import type { ErrorBody } from "../../schema/errors";
import { api, count, DEFAULT_PASSWORD, expectError, login, rows, signUp, uniqueName, startAtWindowBoundary } from "./helpers";

const register = (body: unknown, ip?: string) => api("POST", "/auth/register", { body, ip });

describe("registering with a username and password", () => {
  // Counts up to fixed-window limits: start at a window boundary so no count is reset mid-spec.
  beforeEach(startAtWindowBoundary);
  afterEach(() => {
    vi.useRealTimers();
  });

  it("creates the user, signs it in and stores only a salted PBKDF2 hash", async () => {
    const username = uniqueName("alice");
    const res = await register({ username, password: DEFAULT_PASSWORD, nickname: "  Alice  ", device: "iPhone" });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(true);
    expect(res.body.user).toEqual({
      id: expect.stringMatching(/^u_[0-9a-z]{20}$/),
      username,
      nickname: "Alice",
      avatarMediaId: null,
      signature: "",
      status: "",
      allowStrangers: false,
      hasPassword: true,
      wechatLinked: false,
      createdAt: expect.any(Number),
    });
    expect(typeof res.body.accessToken).toBe("string");
    expect(typeof res.body.refreshToken).toBe("string");

    const [row] = await rows<{ password_hash: string; openid: string | null }>("select password_hash, openid from users where id = ?", res.body.user.id);
    expect(row!.openid).toBeNull();
    expect(row!.password_hash).toMatch(new RegExp(`^pbkdf2-sha256-peppered\\$${LIMITS.pbkdf2Iterations}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));
    expect(row!.password_hash).not.toContain(DEFAULT_PASSWORD);
    const [session] = await rows<{ device: string }>("select device from sessions where user_id = ?", res.body.user.id);
    expect(session!.device).toBe("iPhone");
  });

  it("gives two users with the same password different salts", async () => {
    const a = await signUp();
    const b = await signUp();
    const hashes = await rows<{ password_hash: string }>("select password_hash from users where id in (?, ?)", a.user.id, b.user.id);
    expect(hashes).toHaveLength(2);
    expect(hashes[0]!.password_hash).not.toBe(hashes[1]!.password_hash);
  });

  it("uses the username as nickname when none is given, and stores usernames lower-case", async () => {
    const res = await register({ username: "MixedCase_1", password: DEFAULT_PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body.user.username).toBe("mixedcase_1");
    expect(res.body.user.nickname).toBe("mixedcase_1");
  });

  it("refuses a username that is taken, whatever its case, and writes nothing", async () => {
    expect((await register({ username: "takenname", password: DEFAULT_PASSWORD })).status).toBe(201);
    for (const username of ["takenname", "TakenName", " TAKENNAME "]) {
      expectError(await register({ username, password: "another1pass" }), 409, "username_taken");
    }
    expect(await count("users")).toBe(1);
    expect(await count("sessions")).toBe(1);
  });

  it.each([
    ["too short", "abcde"],
    ["too long", "a".repeat(LIMITS.usernameMax + 1)],
    ["starting with a digit", "1abcdef"],
    ["starting with an underscore", "_abcdef"],
    ["with a space", "abc def"],
    ["with a dot", "abc.def"],
    ["with non-ASCII letters", "名字名字名字"],
    ["not a string", 123456],
  ])("rejects a username %s", async (_, username) => {
    const res = await register({ username, password: DEFAULT_PASSWORD });
    expectError(res, 400, "invalid_request");
    expect(res.body.error.details[0].path).toBe("username");
    expect(await count("users")).toBe(0);
  });

  it.each([
    ["too short", "abc1234"],
    ["too long", `a1${"x".repeat(LIMITS.passwordMax - 1)}`],
    ["without a digit", "onlyletters"],
    ["without a letter", "1234567890"],
  ])("rejects a password %s", async (_, password) => {
    const res = await register({ username: uniqueName(), password });
    expectError(res, 400, "invalid_request");
    expect(res.body.error.details[0].path).toBe("password");
    expect(await count("users")).toBe(0);
  });

  it("accepts passwords at both length limits", async () => {
    expect((await register({ username: uniqueName(), password: "abcdefg1" })).status).toBe(201);
    expect((await register({ username: uniqueName(), password: `a1${"x".repeat(LIMITS.passwordMax - 2)}` })).status).toBe(201);
  });

  it("rejects missing fields, unknown fields and a nickname that is too long", async () => {
    expectError(await register({ username: uniqueName() }), 400, "invalid_request");
    expectError(await register({ password: DEFAULT_PASSWORD }), 400, "invalid_request");
    const unknown = await register({ username: uniqueName(), password: DEFAULT_PASSWORD, isAdmin: true });
    expectError(unknown, 400, "invalid_request");
    expect(JSON.stringify(unknown.body.error.details)).toContain("isAdmin");
    expectError(await register({ username: uniqueName(), password: DEFAULT_PASSWORD, nickname: "n".repeat(LIMITS.nicknameMax + 1) }), 400, "invalid_request");
    expectError(await register({ username: uniqueName(), password: DEFAULT_PASSWORD, nickname: "   " }), 400, "invalid_request");
    expect(await count("users")).toBe(0);
  });

  it(`allows ${LIMITS.registrationsPerIp} sign-ups an hour from one IP, then answers 429 with Retry-After`, async () => {
    for (let i = 0; i < LIMITS.registrationsPerIp; i++) {
      expect((await register({ username: uniqueName(), password: DEFAULT_PASSWORD }, "198.51.100.7")).status).toBe(201);
    }
    const refused = await register({ username: uniqueName(), password: DEFAULT_PASSWORD }, "198.51.100.7");
    expectError(refused, 429, "rate_limited");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LIMITS.registrationWindowSeconds);
    expect(await count("users")).toBe(LIMITS.registrationsPerIp);
    expect((await register({ username: uniqueName(), password: DEFAULT_PASSWORD }, "198.51.100.8")).status).toBe(201);
  });

  it("creates nothing when the server cannot sign tokens (JWT_SECRET missing)", async () => {
    const res = await api("POST", "/auth/register", { body: { username: uniqueName(), password: DEFAULT_PASSWORD }, env: { JWT_SECRET: undefined } });
    expectError(res, 503, "not_configured");
    expect(await count("users")).toBe(0);
  });
});

describe("signing in with a username and password", () => {
  // Counts up to fixed-window limits: start at a window boundary so no count is reset mid-spec.
  beforeEach(startAtWindowBoundary);
  afterEach(() => {
    vi.useRealTimers();
  });

  it("returns tokens and the profile for the right password, matching the username case-insensitively", async () => {
    const alice = await signUp("alice");
    const res = await login(`  ${alice.username.toUpperCase()} `, alice.password);
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(false);
    expect(res.body.user.id).toBe(alice.user.id);
    expect(res.body.refreshToken).not.toBe(alice.refreshToken);
    const me = await api("GET", "/me", { token: res.body.accessToken });
    expect(me.body.id).toBe(alice.user.id);
    expect(await count("sessions", "user_id = ?", alice.user.id)).toBe(2);
  });

  it("answers a wrong password and an unknown user identically", async () => {
    const alice = await signUp("alice");
    const wrong = await login(alice.username, "wrong-passw0rd");
    const unknown = await login("nobody-here", "wrong-passw0rd");
    expectError(wrong, 401, "invalid_credentials");
    expectError(unknown, 401, "invalid_credentials");
    const [w, u] = [wrong.body as unknown as ErrorBody, unknown.body as unknown as ErrorBody];
    expect(w.error.message).toBe(u.error.message);
    expect(Object.keys(w.error).sort()).toEqual(Object.keys(u.error).sort());
  });

  it("refuses a password login for an account that has no password", async () => {
    const wechat = await api("POST", "/auth/wechat", { body: { code: "ok-nopassword" } });
    await api("PATCH", "/me", { token: wechat.body.accessToken, body: { username: "nopassword" } });
    expectError(await login("nopassword", "anything1"), 401, "invalid_credentials");
  });

  it("rejects a body without a password", async () => {
    expectError(await api("POST", "/auth/login", { body: { username: "someone" } }), 400, "invalid_request");
    expectError(await api("POST", "/auth/login", { body: { username: "someone", password: "" } }), 400, "invalid_request");
  });

  it(`locks an address out of an account after ${LIMITS.loginFailuresPerAccount} failures, refusing even the right password from there`, async () => {
    const alice = await signUp("alice");
    for (let i = 0; i < LIMITS.loginFailuresPerAccount; i++) {
      expectError(await login(alice.username, "wrong-passw0rd", "203.0.113.9"), 401, "invalid_credentials");
    }
    const locked = await login(alice.username, alice.password, "203.0.113.9");
    expectError(locked, 429, "rate_limited");
    const retryAfter = Number(locked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LIMITS.loginWindowSeconds);

    // Other accounts from that address are unaffected.
    const bob = await signUp("bob");
    expect((await login(bob.username, bob.password, "203.0.113.9")).status).toBe(200);
  });

  it("locks an unknown username the same way, so the lock does not reveal which accounts exist", async () => {
    for (let i = 0; i < LIMITS.loginFailuresPerAccount; i++) {
      expectError(await login("ghost-user", "wrong-passw0rd"), 401, "invalid_credentials");
    }
    expectError(await login("ghost-user", "wrong-passw0rd"), 429, "rate_limited");
  });

  it("counts a username's failures case-insensitively", async () => {
    const alice = await signUp("alice");
    for (let i = 0; i < LIMITS.loginFailuresPerAccount; i++) {
      await login(i % 2 ? alice.username.toUpperCase() : alice.username, "wrong-passw0rd");
    }
    expectError(await login(alice.username, alice.password), 429, "rate_limited");
  });

  it("resets an account's failure count after a successful sign-in", async () => {
    const alice = await signUp("alice");
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < LIMITS.loginFailuresPerAccount - 1; i++) await login(alice.username, "wrong-passw0rd");
      expect((await login(alice.username, alice.password)).status).toBe(200);
    }
  });

  it("lifts the account lock when the window ends", async () => {
    const alice = await signUp("alice");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.UTC(2026, 10, 20, 10, 0, 0));
    for (let i = 0; i < LIMITS.loginFailuresPerAccount; i++) await login(alice.username, "wrong-passw0rd");
    expectError(await login(alice.username, alice.password), 429, "rate_limited");
    vi.setSystemTime(Date.UTC(2026, 10, 20, 10, 0, 0) + LIMITS.loginWindowSeconds * 1000);
    expect((await login(alice.username, alice.password)).status).toBe(200);
  });

  it(`limits one IP to ${LIMITS.loginFailuresPerIp} failures across all usernames`, async () => {
    const alice = await signUp("alice");
    const ip = "192.0.2.44";
    for (let i = 0; i < LIMITS.loginFailuresPerIp; i++) {
      expectError(await login(`stranger${i}x`, "wrong-passw0rd", ip), 401, "invalid_credentials");
    }
    const refused = await login(alice.username, alice.password, ip);
    expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // The same account from another network is fine: only the IP is limited.
    expect((await login(alice.username, alice.password, "192.0.2.45")).status).toBe(200);
  });

  it("records failures in D1 per account and address, per account and per IP", async () => {
    await login("ghost-user", "wrong-passw0rd", "192.0.2.9");
    await login("ghost-user", "wrong-passw0rd", "192.0.2.9");
    const counters = await rows<{ key: string; count: number }>("select key, count from rate_limits order by key");
    expect(counters).toEqual([
      { key: "login:acct:ghost-user", count: 2 },
      { key: "login:ip:192.0.2.9", count: 2 },
      { key: "login:pair:3600:ghost-user|192.0.2.9", count: 2 },
      { key: "login:pair:86400:ghost-user|192.0.2.9", count: 2 },
      { key: "login:pair:900:ghost-user|192.0.2.9", count: 2 },
    ]);
  });
});
