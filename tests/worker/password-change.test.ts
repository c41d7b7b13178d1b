import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LIMITS } from "../../schema/limits";
import { api, expectError, login, rows, signUp, startAtWindowBoundary } from "./helpers";

const changePassword = (token: string, body: unknown) => api("POST", "/auth/password", { token, body });
const me = (token: string) => api("GET", "/me", { token });

describe("changing the password", () => {
  // Counts up to fixed-window limits: start at a window boundary so no count is reset mid-spec.
  beforeEach(startAtWindowBoundary);
  afterEach(() => {
    vi.useRealTimers();
  });

  it("needs the current password: a wrong or missing one answers 401 invalid_credentials and changes nothing", async () => {
    const alice = await signUp("alice");
    const [before] = await rows<{ password_hash: string }>("select password_hash from users where id = ?", alice.user.id);
    expectError(await changePassword(alice.accessToken, { currentPassword: "wrong-passw0rd", newPassword: "brand-new-pass1" }), 401, "invalid_credentials");
    expectError(await changePassword(alice.accessToken, { newPassword: "brand-new-pass1" }), 401, "invalid_credentials");
    const [after] = await rows<{ password_hash: string }>("select password_hash from users where id = ?", alice.user.id);
    expect(after!.password_hash).toBe(before!.password_hash);
    expect((await login(alice.username, alice.password)).status).toBe(200);
  });

  it("replaces the password: the new one signs in, the old one no longer does", async () => {
    const alice = await signUp("alice");
    const res = await changePassword(alice.accessToken, { currentPassword: alice.password, newPassword: "brand-new-pass1" });
    expect(res.status).toBe(204);
    expectError(await login(alice.username, alice.password), 401, "invalid_credentials");
    expect((await login(alice.username, "brand-new-pass1")).status).toBe(200);
  });

  it("signs out every other session but keeps the current one", async () => {
    const alice = await signUp("alice");
    const laptop = await login(alice.username, alice.password);
    const tablet = await login(alice.username, alice.password);
    expect((await changePassword(alice.accessToken, { currentPassword: alice.password, newPassword: "brand-new-pass1" })).status).toBe(204);

    for (const other of [laptop.body, tablet.body]) {
      expectError(await me(other.accessToken), 401, "token_revoked");
      expectError(await api("POST", "/auth/refresh", { body: { refreshToken: other.refreshToken } }), 401, "token_revoked");
    }
    expect((await me(alice.accessToken)).status).toBe(200);
    expect((await api("POST", "/auth/refresh", { body: { refreshToken: alice.refreshToken } })).status).toBe(200);
    const reasons = await rows("select revoked_reason from sessions where user_id = ? order by revoked_reason", alice.user.id);
    expect(reasons).toEqual([{ revoked_reason: null }, { revoked_reason: "password_changed" }, { revoked_reason: "password_changed" }]);
  });

  it("applies the password rules to the new password", async () => {
    const alice = await signUp("alice");
    for (const newPassword of ["short1", "nodigitshere", "1234567890", `a1${"x".repeat(LIMITS.passwordMax)}`]) {
      expectError(await changePassword(alice.accessToken, { currentPassword: alice.password, newPassword }), 400, "invalid_request");
    }
    expect((await login(alice.username, alice.password)).status).toBe(200);
  });

  it("rejects unknown fields and needs a signed-in user", async () => {
    const alice = await signUp("alice");
    expectError(await changePassword(alice.accessToken, { currentPassword: alice.password, newPassword: "brand-new-pass1", userId: "u_other" }), 400, "invalid_request");
    expectError(await api("POST", "/auth/password", { body: { currentPassword: alice.password, newPassword: "brand-new-pass1" } }), 401, "unauthorized");
  });

  it(`stops guessing after ${LIMITS.loginFailuresPerAccount} wrong current passwords with 429`, async () => {
    const alice = await signUp("alice");
    for (let i = 0; i < LIMITS.loginFailuresPerAccount; i++) {
      expectError(await changePassword(alice.accessToken, { currentPassword: `wrong-${i}-passw0rd`, newPassword: "brand-new-pass1" }), 401, "invalid_credentials");
    }
    const refused = await changePassword(alice.accessToken, { currentPassword: alice.password, newPassword: "brand-new-pass1" });
    expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("lets a WeChat user without a password set one without currentPassword, then sign in with it", async () => {
    const wechat = await api("POST", "/auth/wechat", { body: { code: "ok-wei" } });
    expect(wechat.body.user.hasPassword).toBe(false);
    expect((await changePassword(wechat.body.accessToken, { newPassword: "first-passw0rd" })).status).toBe(204);
    expect((await me(wechat.body.accessToken)).body.hasPassword).toBe(true);

    // Password sign-in goes by Qun ID, which a WeChat user picks once.
    await api("PATCH", "/me", { token: wechat.body.accessToken, body: { username: "wei_qun" } });
    const res = await login("wei_qun", "first-passw0rd");
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(wechat.body.user.id);

    // Once set, changing it needs the current one like everyone else.
    expectError(await changePassword(wechat.body.accessToken, { newPassword: "second-passw0rd" }), 401, "invalid_credentials");
  });
});
