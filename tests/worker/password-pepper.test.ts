// Passwords are peppered: an HMAC under a server secret (PASSWORD_PEPPER) goes into PBKDF2, so a
// copy of the database alone is not enough to test guesses. Hashes from before the pepper still
// verify and are replaced on the owner's next sign-in.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../schema/limits";
import { fromBase64Url, toBase64Url } from "../../worker/lib/crypto";
import { makeUser } from "./chat-helpers";
import { api, count, DEFAULT_PASSWORD, expectError, login, rows, signUp, uniqueName } from "./helpers";

const enc = new TextEncoder();

async function pbkdf2(password: Uint8Array, salt: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: LIMITS.pbkdf2Iterations }, key, 256));
}

/** The hash the server stored before the pepper: PBKDF2 over the password itself. */
async function unpepperedHash(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${LIMITS.pbkdf2Iterations}$${toBase64Url(salt)}$${toBase64Url(await pbkdf2(enc.encode(password), salt))}`;
}

const storedHash = async (userId: string) => (await rows<{ password_hash: string }>("select password_hash from users where id = ?", userId))[0]!.password_hash;

describe("the password pepper", () => {
  it("goes into every new hash: PBKDF2 over the password alone does not give the stored hash", async () => {
    const alice = await signUp("alice");
    const stored = await storedHash(alice.user.id);
    expect(stored).toMatch(new RegExp(`^pbkdf2-sha256-peppered\\$${LIMITS.pbkdf2Iterations}\\$[A-Za-z0-9_-]{22}\\$[A-Za-z0-9_-]{43}$`));
    const [, , salt, hash] = stored.split("$");
    expect(toBase64Url(await pbkdf2(enc.encode(DEFAULT_PASSWORD), fromBase64Url(salt!)))).not.toBe(hash);
  });

  it("is needed to sign in: the right password under another pepper is refused", async () => {
    const alice = await signUp("alice");
    const res = await api("POST", "/auth/login", { body: { username: alice.username, password: alice.password }, env: { PASSWORD_PEPPER: "another-pepper-that-is-at-least-32-characters" } });
    expectError(res, 401, "invalid_credentials");
    expect((await login(alice.username, alice.password)).status).toBe(200);
  });

  it("still accepts a hash stored before the pepper, and replaces it with a peppered one on that sign-in", async () => {
    const alice = await signUp("alice");
    await env.DB.prepare("update users set password_hash = ? where id = ?")
      .bind(await unpepperedHash(alice.password), alice.user.id)
      .run();

    expect((await login(alice.username, alice.password)).status).toBe(200);
    expect(await storedHash(alice.user.id)).toMatch(/^pbkdf2-sha256-peppered\$/);
    expect((await login(alice.username, alice.password)).status).toBe(200);
    expectError(await login(alice.username, "wrong-passw0rd"), 401, "invalid_credentials");
  });

  it("leaves an old hash alone when the password given is wrong", async () => {
    const alice = await signUp("alice");
    const old = await unpepperedHash(alice.password);
    await env.DB.prepare("update users set password_hash = ? where id = ?").bind(old, alice.user.id).run();
    expectError(await login(alice.username, "wrong-passw0rd"), 401, "invalid_credentials");
    expect(await storedHash(alice.user.id)).toBe(old);
  });

  it("missing from the configuration: password sign-up, sign-in and change answer 503 not_configured and write nothing", async () => {
    const alice = await signUp("alice");
    const before = await storedHash(alice.user.id);
    const noPepper = { PASSWORD_PEPPER: undefined };
    const res = await api("POST", "/auth/login", { body: { username: alice.username, password: alice.password }, env: noPepper });
    expectError(res, 503, "not_configured");
    expect(res.body.error.message).toContain("PASSWORD_PEPPER");
    expectError(await api("POST", "/auth/register", { body: { username: uniqueName(), password: DEFAULT_PASSWORD }, env: noPepper }), 503, "not_configured");
    expectError(await api("POST", "/auth/password", { token: alice.accessToken, body: { currentPassword: alice.password, newPassword: "new-passw0rd" }, env: noPepper }), 503, "not_configured");
    expect(await count("users")).toBe(1);
    expect(await count("sessions")).toBe(1);
    expect(await storedHash(alice.user.id)).toBe(before);
    expect(await count("rate_limits", "key like 'login:%'")).toBe(0);
  });

  it("missing from the configuration does not stop WeChat sign-in or signed-in use", async () => {
    const wechat = await api("POST", "/auth/wechat", { body: { code: "ok-pepperless" }, env: { PASSWORD_PEPPER: undefined } });
    expect(wechat.status).toBe(201);
    const bob = await makeUser("bob");
    expect((await api("GET", "/me", { token: bob.token, env: { PASSWORD_PEPPER: undefined } })).status).toBe(200);
  });
});
