import { describe, expect, it } from "vitest";
import { api, expectError, signUp } from "./helpers";

// The mini-program's wx.request has no PATCH: it sends POST with X-HTTP-Method-Override.
describe("method override for the mini-program", () => {
  it("treats POST with X-HTTP-Method-Override: PATCH as PATCH", async () => {
    const alice = await signUp("alice");
    const res = await api("POST", "/me", { token: alice.accessToken, body: { nickname: "Alice Liu" }, headers: { "x-http-method-override": "patch" } });
    expect(res.status).toBe(200);
    expect(res.body.nickname).toBe("Alice Liu");
    expect((await api("GET", "/me", { token: alice.accessToken })).body.nickname).toBe("Alice Liu");
  });

  it("leaves a POST without the header alone", async () => {
    const alice = await signUp("alice");
    expectError(await api("POST", "/me", { token: alice.accessToken, body: { nickname: "Alice Liu" } }), 404, "not_found");
  });

  it("honours only PATCH, the one method wx.request lacks", async () => {
    const alice = await signUp("alice");
    expectError(await api("POST", "/me", { token: alice.accessToken, body: {}, headers: { "x-http-method-override": "DELETE" } }), 404, "not_found");
    expect((await api("GET", "/me", { token: alice.accessToken })).status).toBe(200);
  });
});
