import { env } from "cloudflare:test";
import { SignJWT, UnsecuredJWT, decodeJwt } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LIMITS } from "../../schema/limits";
import { sha256Hex } from "../../worker/lib/crypto";
import { signAccessToken } from "../../worker/services/tokens";
import { api, count, expectError, login, rows, signUp } from "./helpers";

const refresh = (refreshToken: string) => api("POST", "/auth/refresh", { body: { refreshToken } });
const me = (token: string) => api("GET", "/me", { token });
const secret = () => new TextEncoder().encode(env.JWT_SECRET);

/** Moves the clock past the grace in which a rotated refresh token may be retried. */
function afterRetryGrace() {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + (LIMITS.refreshRetryGraceSeconds + 1) * 1000);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("access tokens", () => {
  it("are HS256 JWTs for the user and session, valid for the configured lifetime", async () => {
    const before = Date.now();
    const alice = await signUp("alice");
    const claims = decodeJwt(alice.accessToken);
    const [session] = await rows<{ id: string }>("select id from sessions where user_id = ?", alice.user.id);
    expect(claims).toMatchObject({ sub: alice.user.id, sid: session!.id, iss: "qun" });
    expect(claims.exp! - claims.iat!).toBe(LIMITS.accessTokenSeconds);
    expect(alice.accessTokenExpiresAt).toBe(claims.exp! * 1000);
    expect(alice.accessTokenExpiresAt).toBeGreaterThanOrEqual(before + LIMITS.accessTokenSeconds * 1000 - 1000);
    expect(alice.refreshTokenExpiresAt).toBeGreaterThanOrEqual(before + LIMITS.refreshTokenDays * 86_400_000);
  });

  it("open protected routes", async () => {
    const alice = await signUp("alice");
    const res = await me(alice.accessToken);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(alice.user.id);
  });

  it("are required: no header, an empty bearer or another scheme answer 401 unauthorized", async () => {
    expectError(await api("GET", "/me"), 401, "unauthorized");
    expectError(await api("GET", "/me", { headers: { authorization: "Bearer " } }), 401, "unauthorized");
    expectError(await api("GET", "/me", { headers: { authorization: "Basic YWxpY2U6cGFzc3dvcmQ=" } }), 401, "unauthorized");
    expectError(await api("GET", "/users/search?q=alice"), 401, "unauthorized");
    expectError(await api("POST", "/auth/logout"), 401, "unauthorized");
  });

  it("expire: a token past its exp answers 401 token_expired", async () => {
    const alice = await signUp("alice");
    const { sid } = decodeJwt(alice.accessToken) as { sid: string };
    const past = Date.now() - (LIMITS.accessTokenSeconds + 60) * 1000;
    const { token } = await signAccessToken(env, { userId: alice.user.id, sessionId: sid }, past);
    expectError(await me(token), 401, "token_expired");
  });

  it("signed with another secret answer 401 token_invalid", async () => {
    const alice = await signUp("alice");
    const { sid } = decodeJwt(alice.accessToken) as { sid: string };
    const forged = await new SignJWT({ sid })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(alice.user.id)
      .setIssuer("qun")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode("some-other-secret-that-is-long-enough-000"));
    expectError(await me(forged), 401, "token_invalid");
  });

  it("with alg none answer 401 token_invalid", async () => {
    const alice = await signUp("alice");
    const { sid } = decodeJwt(alice.accessToken) as { sid: string };
    const unsigned = new UnsecuredJWT({ sid }).setSubject(alice.user.id).setIssuer("qun").setIssuedAt().setExpirationTime("10m").encode();
    expectError(await me(unsigned), 401, "token_invalid");
  });

  it("with a tampered payload answer 401 token_invalid", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    const [header, payload, signature] = alice.accessToken.split(".");
    const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const swapped = btoa(JSON.stringify({ ...claims, sub: bob.user.id }))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expectError(await me(`${header}.${swapped}.${signature}`), 401, "token_invalid");
  });

  it("that are not JWTs, or lack the session claim, or come from another issuer answer 401 token_invalid", async () => {
    const alice = await signUp("alice");
    expectError(await me("not-a-jwt"), 401, "token_invalid");
    expectError(await me("aaa.bbb.ccc"), 401, "token_invalid");
    const noSid = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(alice.user.id).setIssuer("qun").setExpirationTime("10m").sign(secret());
    expectError(await me(noSid), 401, "token_invalid");
    const { sid } = decodeJwt(alice.accessToken) as { sid: string };
    const otherIssuer = await new SignJWT({ sid }).setProtectedHeader({ alg: "HS256" }).setSubject(alice.user.id).setIssuer("elsewhere").setExpirationTime("10m").sign(secret());
    expectError(await me(otherIssuer), 401, "token_invalid");
  });

  it("for a session that belongs to another user answer 401 token_revoked", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    const { sid: bobSession } = decodeJwt(bob.accessToken) as { sid: string };
    const { token } = await signAccessToken(env, { userId: alice.user.id, sessionId: bobSession });
    expectError(await me(token), 401, "token_revoked");
  });
});

describe("refresh tokens", () => {
  it("are stored only as SHA-256 hashes", async () => {
    const alice = await signUp("alice");
    const stored = await rows<{ token_hash: string }>("select token_hash from refresh_tokens");
    expect(stored).toEqual([{ token_hash: await sha256Hex(alice.refreshToken) }]);
  });

  it("rotate: a refresh returns a new pair for the same session and marks the old token used", async () => {
    const alice = await signUp("alice");
    const res = await refresh(alice.refreshToken);
    expect(res.status).toBe(200);
    expect(res.body.refreshToken).not.toBe(alice.refreshToken);
    expect(res.body.accessTokenExpiresAt).toBeGreaterThanOrEqual(alice.accessTokenExpiresAt);
    expect(decodeJwt(res.body.accessToken).sid).toBe(decodeJwt(alice.accessToken).sid);
    expect((await me(res.body.accessToken)).body.id).toBe(alice.user.id);

    const [old] = await rows<{ rotated_at: number | null }>("select rotated_at from refresh_tokens where token_hash = ?", await sha256Hex(alice.refreshToken));
    expect(old!.rotated_at).toEqual(expect.any(Number));
    // The rotated chain keeps working.
    const again = await refresh(res.body.refreshToken);
    expect(again.status).toBe(200);
  });

  it("reused after rotation revoke the whole session: the new refresh and access tokens stop working", async () => {
    const alice = await signUp("alice");
    const rotated = await refresh(alice.refreshToken);
    expect(rotated.status).toBe(200);
    afterRetryGrace();

    expectError(await refresh(alice.refreshToken), 401, "token_revoked");
    expectError(await refresh(rotated.body.refreshToken), 401, "token_revoked");
    expectError(await me(rotated.body.accessToken), 401, "token_revoked");
    const [session] = await rows("select revoked_reason from sessions where user_id = ?", alice.user.id);
    expect(session).toEqual({ revoked_reason: "refresh_token_reused" });
  });

  it("reused after rotation leave the user's other sessions alone", async () => {
    const alice = await signUp("alice");
    const phone = await login(alice.username, alice.password);
    await refresh(alice.refreshToken);
    afterRetryGrace();
    expectError(await refresh(alice.refreshToken), 401, "token_revoked");
    expect((await me(phone.body.accessToken)).status).toBe(200);
    expect((await refresh(phone.body.refreshToken)).status).toBe(200);
  });

  it("used twice at once: exactly one use rotates, and both answers carry the same successor", async () => {
    const alice = await signUp("alice");
    const results = await Promise.all([refresh(alice.refreshToken), refresh(alice.refreshToken)]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results[0]!.body.refreshToken).toBe(results[1]!.body.refreshToken);
    expect(await count("refresh_tokens", "rotated_at is null")).toBe(1);
  });

  it("unknown to the server answer 401 token_invalid", async () => {
    expectError(await refresh("x".repeat(43)), 401, "token_invalid");
  });

  it("past their expiry answer 401 token_expired", async () => {
    const alice = await signUp("alice");
    await env.DB.prepare("update refresh_tokens set expires_at = ?")
      .bind(Date.now() - 1000)
      .run();
    expectError(await refresh(alice.refreshToken), 401, "token_expired");
  });

  it("must be a string of plausible length", async () => {
    expectError(await api("POST", "/auth/refresh", { body: {} }), 400, "invalid_request");
    expectError(await api("POST", "/auth/refresh", { body: { refreshToken: "short" } }), 400, "invalid_request");
    // biome-ignore lint/correctness/noPrecisionLoss: a number where a string belongs, its value beside the point
    expectError(await api("POST", "/auth/refresh", { body: { refreshToken: 12345678901234567890 } }), 400, "invalid_request");
  });
});

describe("signing out", () => {
  it("revokes the session: its access and refresh tokens answer 401 token_revoked", async () => {
    const alice = await signUp("alice");
    const res = await api("POST", "/auth/logout", { token: alice.accessToken });
    expect(res.status).toBe(204);
    expectError(await me(alice.accessToken), 401, "token_revoked");
    expectError(await refresh(alice.refreshToken), 401, "token_revoked");
    expectError(await api("POST", "/auth/logout", { token: alice.accessToken }), 401, "token_revoked");
    const [session] = await rows("select revoked_reason from sessions where user_id = ?", alice.user.id);
    expect(session).toEqual({ revoked_reason: "logout" });
  });

  it("ends only the session that signs out", async () => {
    const alice = await signUp("alice");
    const laptop = await login(alice.username, alice.password);
    await api("POST", "/auth/logout", { token: alice.accessToken });
    expect((await me(laptop.body.accessToken)).status).toBe(200);
    expect((await refresh(laptop.body.refreshToken)).status).toBe(200);
  });
});
