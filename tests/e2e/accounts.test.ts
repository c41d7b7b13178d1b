// Accounts end to end: wrangler dev talking to a (fake) WeChat jscode2session over real HTTP,
// then the token lifecycle a device goes through.
import { describe, expect, it } from "vitest";
import { HttpClient, uniqueName } from "./harness";
import { Device } from "./socket";

const http = new HttpClient();

describe("signing in through WeChat and staying signed in", () => {
  it("exchanges a wx.login code, refreshes, and signs out so the old tokens stop working", async () => {
    const name = uniqueName("wx");
    const first = await http.post("/auth/wechat", { code: `ok-${name}` });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: true, user: { id: expect.stringMatching(/^u_/) } });
    const again = await http.post("/auth/wechat", { code: `ok-${name}` });
    expect(again.status).toBe(200);
    expect(again.body.user.id).toBe(first.body.user.id); // same openid, same account

    const refreshed = await http.post("/auth/refresh", { refreshToken: again.body.refreshToken });
    expect(refreshed.status).toBe(200);
    expect((await http.get("/me", refreshed.body.accessToken)).body.id).toBe(first.body.user.id);
    // Once its successor has been used, the rotated refresh token cannot be used again.
    expect((await http.post("/auth/refresh", { refreshToken: refreshed.body.refreshToken })).status).toBe(200);
    expect((await http.post("/auth/refresh", { refreshToken: again.body.refreshToken })).status).toBe(401);

    const device = await Device.connect(http.baseUrl, first.body.accessToken);
    expect((await http.post("/auth/logout", undefined, first.body.accessToken)).status).toBe(204);
    expect((await device.whenClosed()).code).toBe(4403); // signed out: its socket closes too
    expect((await http.get("/me", first.body.accessToken)).status).toBe(401);
  });

  it("signs up and back in with a password, peppered as in production, and says no-store", async () => {
    const username = uniqueName("pw");
    const made = await http.post("/auth/register", { username, password: "passw0rd-e2e" });
    expect(made.status).toBe(201);
    const back = await http.post("/auth/login", { username, password: "passw0rd-e2e" });
    expect(back.status).toBe(200);
    expect(back.body.user.id).toBe(made.body.user.id);
    expect(back.headers.get("cache-control")).toBe("no-store");
  });

  it("passes WeChat's refusal of a code on as a clear error", async () => {
    const res = await http.post("/auth/wechat", { code: "invalid" });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });
});
