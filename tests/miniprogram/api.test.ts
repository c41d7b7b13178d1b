// The request wrapper: tokens, status checks, the error shape, and refresh on token_expired.
import { beforeEach, describe, expect, it } from "vitest";
import { api, refreshTokens, request } from "../../miniprogram/services/api";
import { DEFAULT_API_BASE, setApiBase } from "../../miniprogram/services/config";
import { ApiError, errorMessage, isApiError } from "../../miniprogram/services/errors";
import { currentTokens, endSession, isSignedIn, session, startSession } from "../../miniprogram/services/session";
import type { AuthResponse } from "../../schema/api";
import { createFakeApi, errorResponse, type FakeApi } from "./fake-api";
import { createWxAdapter, installWx, type WxAdapter } from "./wx-adapter";

let server: FakeApi;
let adapter: WxAdapter;

function signInAs(id: string): AuthResponse {
  const user = server.user(id);
  const res: AuthResponse = { ...server.tokensFor(id), user, created: false };
  startSession(res);
  return res;
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (e) {
    if (isApiError(e)) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

beforeEach(() => {
  server = createFakeApi({ refreshDelayMs: 20 });
  adapter = createWxAdapter({ fetch: server.fetch });
  installWx(adapter);
  endSession("user");
});

describe("request", () => {
  it("returns the parsed body of a 2xx answer and sends the access token", async () => {
    const { accessToken } = signInAs("u1");
    const me = await api.get<"/me">("/me");
    expect(me.id).toBe("u1");
    expect(adapter.requests[0]).toMatchObject({ method: "GET", url: `${DEFAULT_API_BASE}/me`, header: { authorization: `Bearer ${accessToken}` } });
  });

  it("uses the API base URL saved in storage", async () => {
    setApiBase("http://192.168.1.20:8787/");
    await api.get("/health", undefined, { auth: false });
    expect(adapter.requests[0]!.url).toBe("http://192.168.1.20:8787/health");
  });

  it("encodes query parameters and leaves out undefined ones", async () => {
    await request("/health", { auth: false, query: { q: "a b&c", page: 2, skip: undefined } });
    expect(adapter.requests[0]!.url).toBe(`${DEFAULT_API_BASE}/health?q=a%20b%26c&page=2`);
  });

  it("sends no token on requests made without auth", async () => {
    signInAs("u1");
    await api.get("/health", undefined, { auth: false });
    expect(adapter.requests[0]!.header.authorization).toBeUndefined();
  });

  it("fails before the network when an authenticated call has no session", async () => {
    const err = await rejection(api.get("/me"));
    expect(err).toMatchObject({ code: "unauthorized", status: 401 });
    expect(adapter.requests).toHaveLength(0);
  });

  it("turns { error: { code, message } } into an ApiError with status, code, message and request id", async () => {
    const err = await rejection(api.post("/auth/dev", { name: "no spaces allowed" }, { auth: false }));
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "invalid_request", status: 400, message: "name: Name: letters, digits, _ and - only", requestId: "req-fake-0001" });
    expect(errorMessage(err)).toBe("name: Name: letters, digits, _ and - only");
  });

  it("reports an error answer without the error shape as unexpected_response", async () => {
    installWx(createWxAdapter({ fetch: async () => new Response("<html>Bad gateway</html>", { status: 502, headers: { "x-request-id": "edge-123456" } }) }));
    const err = await rejection(api.get("/health", undefined, { auth: false }));
    expect(err).toMatchObject({ code: "unexpected_response", status: 502, requestId: "edge-123456" });
  });

  it("reports a failed connection as a network error with a readable message", async () => {
    installWx(
      createWxAdapter({
        fetch: async () => {
          throw new TypeError("fetch failed");
        },
      }),
    );
    const err = await rejection(api.get("/health", undefined, { auth: false }));
    expect(err).toMatchObject({ code: "network", status: 0 });
    expect(err.message).toContain("request:fail");
    expect(errorMessage(err)).toMatch(/^Network unavailable/);
  });

  it("returns undefined for 204 No Content", async () => {
    signInAs("u1");
    await expect(api.post("/auth/logout")).resolves.toBeUndefined();
  });

  it("sends PATCH as POST with x-http-method-override, since wx.request has no PATCH", async () => {
    signInAs("u1");
    const me = await api.patch<"/me">("/me", { nickname: "Ann" });
    expect(me.nickname).toBe("Ann");
    expect(adapter.requests[0]).toMatchObject({ method: "POST", header: { "x-http-method-override": "PATCH", "content-type": "application/json" }, data: { nickname: "Ann" } });
  });
});

describe("token refresh", () => {
  it("refreshes once on token_expired, stores the new tokens and retries", async () => {
    const first = signInAs("u1");
    server.expireAccessTokens();
    const me = await api.get<"/me">("/me");
    expect(me.id).toBe("u1");
    const tokens = currentTokens()!;
    expect(tokens.accessToken).not.toBe(first.accessToken);
    expect(tokens.refreshToken).not.toBe(first.refreshToken);
    expect(JSON.parse(adapter.storage.get("qun.session")!).tokens.accessToken).toBe(tokens.accessToken);
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual(["GET /me", "POST /auth/refresh", "GET /me"]);
  });

  it("shares one refresh between concurrent requests", async () => {
    signInAs("u1");
    server.expireAccessTokens();
    const results = await Promise.all([api.get<"/me">("/me"), api.get<"/me">("/me"), api.get<"/me">("/me")]);
    expect(results.map((r) => r.id)).toEqual(["u1", "u1", "u1"]);
    expect(server.calls.filter((c) => c.path === "/auth/refresh")).toHaveLength(1);
    // Had each request refreshed on its own, the rotated refresh token's reuse would have revoked the session.
    expect(isSignedIn()).toBe(true);
  });

  it("retries without refreshing again when another request already replaced the token", async () => {
    const first = signInAs("u1");
    server.expireAccessTokens();
    await refreshTokens(first.accessToken);
    // A request that was sent with the old token and comes back expired now just retries.
    await refreshTokens(first.accessToken);
    expect(server.calls.filter((c) => c.path === "/auth/refresh")).toHaveLength(1);
  });

  it("ends the session when the refresh is refused, and surfaces that error", async () => {
    const first = signInAs("u1");
    server.expireAccessTokens();
    server.revoke(server.sessionOf(first.accessToken)!);
    const err = await rejection(api.get("/me"));
    expect(err).toMatchObject({ code: "token_revoked", status: 401 });
    expect(isSignedIn()).toBe(false);
    expect(session.get().endedBy).toBe("server");
    expect(adapter.storage.has("qun.session")).toBe(false);
  });

  it("keeps the session when the refresh fails for lack of network", async () => {
    signInAs("u1");
    server.expireAccessTokens();
    let calls = 0;
    installWx(
      createWxAdapter({
        fetch: async (req) => {
          if (++calls > 1) throw new TypeError("fetch failed");
          return server.fetch(req);
        },
      }),
    );
    const err = await rejection(api.get("/me"));
    expect(err.code).toBe("network");
    expect(isSignedIn()).toBe(true);
  });

  it("does not refresh on a revoked access token, and signs out", async () => {
    const first = signInAs("u1");
    server.revoke(server.sessionOf(first.accessToken)!);
    const err = await rejection(api.get("/me"));
    expect(err.code).toBe("token_revoked");
    expect(server.calls.map((c) => c.path)).toEqual(["/me"]);
    expect(isSignedIn()).toBe(false);
  });

  it("keeps the session on a 401 that is not about the session (a wrong password)", async () => {
    signInAs("u1");
    installWx(createWxAdapter({ fetch: async () => errorResponse("invalid_credentials", "Wrong username or password") }));
    const err = await rejection(api.post("/auth/password", { currentPassword: "x", newPassword: "passw0rd-2" }));
    expect(err.code).toBe("invalid_credentials");
    expect(isSignedIn()).toBe(true);
  });
});
