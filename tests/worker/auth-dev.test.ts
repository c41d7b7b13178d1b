import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, count, expectError } from "./helpers";

const DEVELOPMENT = { ENVIRONMENT: "development" };

describe("development login", () => {
  it("is declared production in wrangler.toml, which is what `wrangler deploy` uploads", () => {
    // Parsed from wrangler.toml by wrangler itself in vitest.config.ts.
    const { vars } = JSON.parse(env.TEST_WRANGLER_CONFIG) as { vars: Record<string, unknown> };
    expect(vars.ENVIRONMENT).toBe("production");
  });

  it("does not exist under the production config: 404, and nobody is created", async () => {
    expect(env.ENVIRONMENT).toBe("production");
    const res = await api("POST", "/auth/dev", { body: { name: "mallory" } });
    expectError(res, 404, "not_found");
    expect(await count("users")).toBe(0);
  });

  it.each(["staging", "", "Development", undefined])("does not exist when ENVIRONMENT is %j", async (value) => {
    expectError(await api("POST", "/auth/dev", { body: { name: "mallory" }, env: { ENVIRONMENT: value } }), 404, "not_found");
  });

  it("signs in by name when ENVIRONMENT is development, without WeChat credentials", async () => {
    const res = await api("POST", "/auth/dev", { body: { name: "Alice" }, env: { ...DEVELOPMENT, WECHAT_APPID: undefined, WECHAT_SECRET: undefined } });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(true);
    expect(res.body.user).toMatchObject({ nickname: "Alice", username: null, hasPassword: false, wechatLinked: false });
    const me = await api("GET", "/me", { token: res.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(res.body.user.id);
  });

  it("returns the same user for the same name, case-insensitively", async () => {
    const first = await api("POST", "/auth/dev", { body: { name: "alice" }, env: DEVELOPMENT });
    const second = await api("POST", "/auth/dev", { body: { name: "ALICE", device: "laptop" }, env: DEVELOPMENT });
    expect(second.status).toBe(200);
    expect(second.body.created).toBe(false);
    expect(second.body.user.id).toBe(first.body.user.id);
    const other = await api("POST", "/auth/dev", { body: { name: "bob" }, env: DEVELOPMENT });
    expect(other.body.user.id).not.toBe(first.body.user.id);
  });

  it("does not collide with a WeChat user", async () => {
    const wechat = await api("POST", "/auth/wechat", { body: { code: "ok-alice" } });
    const dev = await api("POST", "/auth/dev", { body: { name: "alice" }, env: DEVELOPMENT });
    expect(dev.status).toBe(201);
    expect(dev.body.user.id).not.toBe(wechat.body.user.id);
  });

  it("validates the name", async () => {
    for (const name of ["", "has space", "a/b", "x".repeat(21), 42]) {
      expectError(await api("POST", "/auth/dev", { body: { name }, env: DEVELOPMENT }), 400, "invalid_request");
    }
    expectError(await api("POST", "/auth/dev", { body: { name: "alice", admin: true }, env: DEVELOPMENT }), 400, "invalid_request");
    expect(await count("users")).toBe(0);
  });
});
