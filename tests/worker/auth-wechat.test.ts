import { describe, expect, it } from "vitest";
import { api, count, expectError, rows } from "./helpers";

// The configured WECHAT_API_BASE is the fake WeChat API started in global-setup.ts
// (tests/support/fake-wechat.ts): "ok-<name>" signs in openid "openid-<name>".
const wechatLogin = (code: string, opts: { env?: Record<string, unknown>; device?: string } = {}) =>
  api("POST", "/auth/wechat", { body: { code, ...(opts.device ? { device: opts.device } : {}) }, env: opts.env });

describe("signing in with WeChat", () => {
  it("creates a user for a new openid on the first login", async () => {
    const res = await wechatLogin("ok-mei", { device: "WeChat iOS" });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(true);
    expect(res.body.user).toMatchObject({ username: null, nickname: "微信用户", hasPassword: false, wechatLinked: true });
    const me = await api("GET", "/me", { token: res.body.accessToken });
    expect(me.body.id).toBe(res.body.user.id);

    const [row] = await rows("select openid, unionid, password_hash from users where id = ?", res.body.user.id);
    expect(row).toEqual({ openid: "openid-mei", unionid: "union-mei", password_hash: null });
  });

  it("finds the same user by openid on later logins, with a new session each time", async () => {
    const first = await wechatLogin("ok-mei");
    const second = await wechatLogin("ok-mei");
    expect(second.status).toBe(200);
    expect(second.body.created).toBe(false);
    expect(second.body.user.id).toBe(first.body.user.id);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    expect(await count("users")).toBe(1);
    expect(await count("sessions", "user_id = ?", first.body.user.id)).toBe(2);
  });

  it("keeps different openids apart", async () => {
    const mei = await wechatLogin("ok-mei");
    const lei = await wechatLogin("ok-lei");
    expect(lei.status).toBe(201);
    expect(lei.body.user.id).not.toBe(mei.body.user.id);
  });

  it("keeps profile changes across logins", async () => {
    const first = await wechatLogin("ok-mei");
    await api("PATCH", "/me", { token: first.body.accessToken, body: { nickname: "Mei" } });
    const again = await wechatLogin("ok-mei");
    expect(again.body.user.nickname).toBe("Mei");
  });

  it.each(["invalid", "used"])("answers 401 wechat_code_invalid for a code WeChat rejects (%s) and creates nobody", async (code) => {
    expectError(await wechatLogin(code), 401, "wechat_code_invalid");
    expect(await count("users")).toBe(0);
    expect(await count("sessions")).toBe(0);
  });

  it("answers 502 wechat_unavailable when WeChat reports a system error", async () => {
    expectError(await wechatLogin("busy"), 502, "wechat_unavailable");
    expect(await count("users")).toBe(0);
  });

  it("answers 502 wechat_unavailable when WeChat drops the connection", async () => {
    expectError(await wechatLogin("reset"), 502, "wechat_unavailable");
  });

  it("answers 502 wechat_unavailable when WeChat cannot be reached at all", async () => {
    expectError(await wechatLogin("ok-mei", { env: { WECHAT_API_BASE: "http://127.0.0.1:9" } }), 502, "wechat_unavailable");
    expect(await count("users")).toBe(0);
  });

  it("answers 503 not_configured when the app id or secret is missing", async () => {
    expectError(await wechatLogin("ok-mei", { env: { WECHAT_APPID: undefined } }), 503, "not_configured");
    expectError(await wechatLogin("ok-mei", { env: { WECHAT_SECRET: "" } }), 503, "not_configured");
    expect(await count("users")).toBe(0);
  });

  it("answers 503 not_configured when WeChat rejects the server's credentials", async () => {
    const res = await wechatLogin("ok-mei", { env: { WECHAT_SECRET: "not-the-secret" } });
    expectError(res, 503, "not_configured");
    expect(res.body.error.message).not.toContain("not-the-secret");
  });

  it("rejects a body without a code, with an empty code or with unknown fields", async () => {
    expectError(await api("POST", "/auth/wechat", { body: {} }), 400, "invalid_request");
    expectError(await api("POST", "/auth/wechat", { body: { code: "" } }), 400, "invalid_request");
    expectError(await api("POST", "/auth/wechat", { body: { code: "x".repeat(129) } }), 400, "invalid_request");
    expectError(await api("POST", "/auth/wechat", { body: { code: "ok-mei", openid: "openid-someone" } }), 400, "invalid_request");
    expect(await count("users")).toBe(0);
  });
});
