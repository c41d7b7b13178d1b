import { describe, expect, it } from "vitest";
import { LIMITS } from "../../schema/limits";
import { api, expectError, signUp, uniqueName } from "./helpers";

const PUBLIC_FIELDS = ["avatarMediaId", "id", "nickname", "signature", "status", "username"];
const patchMe = (token: string, body: unknown) => api("PATCH", "/me", { token, body });
const wechatUser = async (name: string) => (await api("POST", "/auth/wechat", { body: { code: `ok-${name}` } })).body;

describe("own profile", () => {
  it("GET /me returns the own profile and nothing secret", async () => {
    const alice = await signUp("alice");
    const res = await api("GET", "/me", { token: alice.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(alice.user);
    expect(Object.keys(res.body).sort()).toEqual([...PUBLIC_FIELDS, "allowStrangers", "createdAt", "hasPassword", "wechatLinked"].sort());
    expect(JSON.stringify(res.body)).not.toMatch(/pbkdf2|openid|password_hash|passwordHash/);
  });

  it("PATCH /me updates nickname, signature and status, trimmed, and keeps them", async () => {
    const alice = await signUp("alice");
    const res = await patchMe(alice.accessToken, { nickname: "  Alice Liu ", signature: "Hello from Qun", status: "busy" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ nickname: "Alice Liu", signature: "Hello from Qun", status: "busy", username: alice.username });
    const again = await api("GET", "/me", { token: alice.accessToken });
    expect(again.body).toMatchObject({ nickname: "Alice Liu", signature: "Hello from Qun", status: "busy" });

    const partial = await patchMe(alice.accessToken, { status: "" });
    expect(partial.body).toMatchObject({ nickname: "Alice Liu", signature: "Hello from Qun", status: "" });
  });

  it("accepts fields at their length limits and rejects one character more", async () => {
    const alice = await signUp("alice");
    const atLimit = { nickname: "n".repeat(LIMITS.nicknameMax), signature: "s".repeat(LIMITS.signatureMax), status: "t".repeat(LIMITS.statusMax) };
    expect((await patchMe(alice.accessToken, atLimit)).status).toBe(200);
    for (const [field, max] of [
      ["nickname", LIMITS.nicknameMax],
      ["signature", LIMITS.signatureMax],
      ["status", LIMITS.statusMax],
    ] as const) {
      const res = await patchMe(alice.accessToken, { [field]: "x".repeat(max + 1) });
      expectError(res, 400, "invalid_request");
      expect(res.body.error.details[0].path).toBe(field);
    }
    expect((await api("GET", "/me", { token: alice.accessToken })).body).toMatchObject(atLimit);
  });

  it("rejects an empty nickname, an empty patch and fields that cannot be set here", async () => {
    const alice = await signUp("alice");
    expectError(await patchMe(alice.accessToken, { nickname: "   " }), 400, "invalid_request");
    expectError(await patchMe(alice.accessToken, {}), 400, "invalid_request");
    for (const body of [{ id: "u_x" }, { hasPassword: false }, { openid: "x" }, { passwordHash: "x" }, { avatarMediaId: "m_x" }]) {
      expectError(await patchMe(alice.accessToken, body), 400, "invalid_request");
    }
    expect((await api("GET", "/me", { token: alice.accessToken })).body).toEqual(alice.user);
  });

  it("lets a user without a Qun ID choose one once (stored lower-case)", async () => {
    const wei = await wechatUser("wei");
    expect(wei.user.username).toBeNull();
    const res = await patchMe(wei.accessToken, { username: "Wei_Zhang" });
    expect(res.status).toBe(200);
    expect(res.body.username).toBe("wei_zhang");

    expectError(await patchMe(wei.accessToken, { username: "another_id" }), 409, "conflict");
    // Sending the same ID again (any case) is not a change.
    expect((await patchMe(wei.accessToken, { username: "WEI_ZHANG", status: "here" })).status).toBe(200);
    expect((await api("GET", "/me", { token: wei.accessToken })).body).toMatchObject({ username: "wei_zhang", status: "here" });
  });

  it("refuses a Qun ID that someone else has, whatever its case, with 409 username_taken and no change", async () => {
    const alice = await signUp("alice");
    const wei = await wechatUser("wei");
    const res = await patchMe(wei.accessToken, { username: alice.username.toUpperCase(), nickname: "Wei" });
    expectError(res, 409, "username_taken");
    expect((await api("GET", "/me", { token: wei.accessToken })).body).toMatchObject({ username: null, nickname: "微信用户" });
  });

  it("applies the username rules to a chosen Qun ID", async () => {
    const wei = await wechatUser("wei");
    for (const username of ["short", "9starts_with_digit", "has space", "x".repeat(LIMITS.usernameMax + 1)]) {
      expectError(await patchMe(wei.accessToken, { username }), 400, "invalid_request");
    }
  });

  it("needs a signed-in user", async () => {
    expectError(await api("GET", "/me"), 401, "unauthorized");
    expectError(await api("PATCH", "/me", { body: { nickname: "x" } }), 401, "unauthorized");
  });
});

describe("other users' profiles", () => {
  it("GET /users/:id returns only the public profile", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    await patchMe(bob.accessToken, { nickname: "Bob", signature: "hi", status: "away" });
    const res = await api("GET", `/users/${bob.user.id}`, { token: alice.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: bob.user.id, username: bob.username, nickname: "Bob", avatarMediaId: null, signature: "hi", status: "away" });
  });

  it("never exposes a WeChat user's openid", async () => {
    const alice = await signUp("alice");
    const wei = await wechatUser("wei");
    const res = await api("GET", `/users/${wei.user.id}`, { token: alice.accessToken });
    expect(Object.keys(res.body).sort()).toEqual(PUBLIC_FIELDS);
    expect(JSON.stringify(res.body)).not.toMatch(/openid|union/);
  });

  it("answers 404 not_found for an unknown id", async () => {
    const alice = await signUp("alice");
    expectError(await api("GET", "/users/u_doesnotexist00000000", { token: alice.accessToken }), 404, "not_found");
  });

  it("needs a signed-in user", async () => {
    const alice = await signUp("alice");
    expectError(await api("GET", `/users/${alice.user.id}`), 401, "unauthorized");
  });
});

describe("searching users", () => {
  const search = (token: string, q: string) => api("GET", `/users/search?q=${encodeURIComponent(q)}`, { token });

  it("finds a user by exact Qun ID, case-insensitively", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    for (const q of [bob.username, bob.username.toUpperCase(), ` ${bob.username} `]) {
      const res = await search(alice.accessToken, q);
      expect(res.status).toBe(200);
      expect(res.body.users).toHaveLength(1);
      expect(res.body.users[0]).toEqual({ id: bob.user.id, username: bob.username, nickname: bob.username, avatarMediaId: null, signature: "", status: "" });
    }
  });

  it("finds a user by exact user id", async () => {
    const alice = await signUp("alice");
    const wei = await wechatUser("wei");
    const res = await search(alice.accessToken, wei.user.id);
    expect(res.body.users.map((u: { id: string }) => u.id)).toEqual([wei.user.id]);
  });

  it("does not match prefixes, substrings or nicknames, so the user base cannot be browsed", async () => {
    const alice = await signUp("alice");
    const bob = await signUp("bob");
    await patchMe(bob.accessToken, { nickname: "Bobby" });
    for (const q of [bob.username.slice(0, 5), bob.username.slice(1), "Bobby", "%", "_", bob.user.id.slice(0, 10)]) {
      expect((await search(alice.accessToken, q)).body.users).toEqual([]);
    }
    expect((await search(alice.accessToken, uniqueName("nobody"))).body.users).toEqual([]);
  });

  it("validates the query", async () => {
    const alice = await signUp("alice");
    expectError(await api("GET", "/users/search", { token: alice.accessToken }), 400, "invalid_request");
    expectError(await search(alice.accessToken, "   "), 400, "invalid_request");
    expectError(await search(alice.accessToken, "q".repeat(LIMITS.searchQueryMax + 1)), 400, "invalid_request");
    expectError(await api("GET", "/users/search?q=alice&limit=100", { token: alice.accessToken }), 400, "invalid_request");
  });
});
