// An in-memory stand-in for the worker's account routes, speaking the same shapes (schema/api.ts,
// schema/errors.ts), for fast page tests. Integration tests use the real worker instead.
import type { AuthResponse, AuthTokens, OwnProfile } from "../../schema/api";
import { ERROR_STATUS, type ErrorCode } from "../../schema/errors";

export interface FakeApiOptions {
  environment?: "development" | "production";
  /** Milliseconds POST /auth/refresh takes, to let concurrent callers pile up. */
  refreshDelayMs?: number;
}

export function errorResponse(code: ErrorCode, message: string, requestId = "req-fake-0001"): Response {
  return Response.json({ error: { code, message, requestId } }, { status: ERROR_STATUS[code], headers: { "x-request-id": requestId } });
}

export function createFakeApi(options: FakeApiOptions = {}) {
  let counter = 0;
  const users = new Map<string, OwnProfile>();
  /** access token -> user id; expired tokens answer token_expired. */
  const access = new Map<string, { userId: string; sessionId: string; expired: boolean }>();
  const refresh = new Map<string, { userId: string; sessionId: string; used: boolean }>();
  const revoked = new Set<string>();
  const calls: Array<{ method: string; path: string; body: unknown; authorization: string | null }> = [];

  function user(id: string, patch: Partial<OwnProfile> = {}): OwnProfile {
    const u: OwnProfile = {
      id,
      username: null,
      nickname: id,
      avatarMediaId: null,
      signature: "",
      status: "",
      allowStrangers: false,
      hasPassword: false,
      wechatLinked: false,
      createdAt: 1_700_000_000_000,
      ...patch,
    };
    users.set(id, u);
    return u;
  }

  function tokensFor(userId: string, sessionId = `s${++counter}`): AuthTokens {
    const accessToken = `access-${++counter}`;
    const refreshToken = `refresh-${++counter}-0123456789abcdef`;
    access.set(accessToken, { userId, sessionId, expired: false });
    refresh.set(refreshToken, { userId, sessionId, used: false });
    return { accessToken, accessTokenExpiresAt: Date.now() + 900_000, refreshToken, refreshTokenExpiresAt: Date.now() + 30 * 86_400_000 };
  }

  function signIn(u: OwnProfile, created: boolean): Response {
    const body: AuthResponse = { ...tokensFor(u.id), user: u, created };
    return Response.json(body, { status: created ? 201 : 200 });
  }

  function authed(req: Request): { userId: string; sessionId: string } | Response {
    const m = req.headers.get("authorization")?.match(/^Bearer (.+)$/);
    if (!m) return errorResponse("unauthorized", "Sign in first: send Authorization: Bearer <access token>");
    const a = access.get(m[1]!);
    if (!a) return errorResponse("token_invalid", "Access token is not valid");
    if (a.expired) return errorResponse("token_expired", "Access token expired; refresh it");
    if (revoked.has(a.sessionId)) return errorResponse("token_revoked", "This session has been signed out");
    return a;
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    // The worker's method override: the mini-program sends PATCH as POST with this header.
    const override = req.headers.get("x-http-method-override");
    const method = req.method === "POST" && override ? override.toUpperCase() : req.method;
    const text = req.method === "GET" ? "" : await req.text();
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    calls.push({ method, path: url.pathname + url.search, body, authorization: req.headers.get("authorization") });
    const route = `${method} ${url.pathname}`;
    switch (route) {
      case "GET /health":
        return Response.json({ status: "ok", environment: options.environment ?? "development", db: { ok: true, ms: 0 }, time: Date.now() });
      case "POST /auth/dev": {
        if (options.environment === "production") return errorResponse("not_found", "No such route");
        const name = String(body?.name ?? "");
        if (!/^[A-Za-z0-9_-]+$/.test(name)) return errorResponse("invalid_request", "name: Name: letters, digits, _ and - only");
        const id = `u-dev-${name.toLowerCase()}`;
        const existing = users.get(id);
        return signIn(existing ?? user(id, { nickname: name }), !existing);
      }
      case "POST /auth/wechat": {
        const code = String(body?.code ?? "");
        if (!code.startsWith("ok-")) return errorResponse("wechat_code_invalid", "WeChat rejected the login code; call wx.login again");
        const id = `u-wx-${code.slice(3)}`;
        const existing = users.get(id);
        return signIn(existing ?? user(id, { nickname: "微信用户", wechatLinked: true }), !existing);
      }
      case "POST /auth/login": {
        const u = [...users.values()].find((x) => x.username === String(body?.username ?? "").toLowerCase());
        if (!u || body?.password !== "passw0rd-ok") return errorResponse("invalid_credentials", "Wrong username or password");
        return signIn(u, false);
      }
      case "POST /auth/refresh": {
        if (options.refreshDelayMs) await new Promise((r) => setTimeout(r, options.refreshDelayMs));
        const r = refresh.get(String(body?.refreshToken ?? ""));
        if (!r) return errorResponse("token_invalid", "Refresh token is not valid");
        if (revoked.has(r.sessionId)) return errorResponse("token_revoked", "This session has been signed out");
        if (r.used) {
          revoked.add(r.sessionId);
          return errorResponse("token_revoked", "Refresh token was already used; the session has been signed out");
        }
        r.used = true;
        return Response.json(tokensFor(r.userId, r.sessionId));
      }
      case "POST /auth/logout": {
        const a = authed(req);
        if (a instanceof Response) return a;
        revoked.add(a.sessionId);
        return new Response(null, { status: 204 });
      }
      case "GET /me": {
        const a = authed(req);
        if (a instanceof Response) return a;
        return Response.json(users.get(a.userId));
      }
      case "PATCH /me": {
        const a = authed(req);
        if (a instanceof Response) return a;
        if (req.headers.get("content-type") !== "application/json") return errorResponse("unsupported_media_type", "Send the body as application/json");
        const patch = body ?? {};
        if ("nickname" in patch && String(patch.nickname).trim() === "") return errorResponse("invalid_request", "nickname: Nickname cannot be empty");
        if ("username" in patch && [...users.values()].some((x) => x.username === String(patch.username).toLowerCase())) return errorResponse("username_taken", "That username is taken");
        const next = { ...users.get(a.userId)!, ...patch } as OwnProfile;
        users.set(a.userId, next);
        return Response.json(next);
      }
      case "DELETE /me": {
        const a = authed(req);
        if (a instanceof Response) return a;
        const u = users.get(a.userId)!;
        if (u.hasPassword && body?.password !== "passw0rd-ok") return errorResponse("wrong_password", "The password is incorrect; the account was not deleted");
        if (!u.hasPassword && body?.confirm !== "DELETE") return errorResponse("invalid_request", 'This account has no password: send { confirm: "DELETE" } to delete it');
        users.delete(a.userId);
        revoked.add(a.sessionId);
        return Response.json({ handedOver: [], dissolved: [] });
      }
      default:
        return errorResponse("not_found", `No route for ${req.method} ${url.pathname}`);
    }
  }

  return {
    fetch: handle,
    calls,
    users,
    user,
    tokensFor,
    /** Makes every access token issued so far answer token_expired. */
    expireAccessTokens() {
      for (const a of access.values()) a.expired = true;
    },
    revoke(sessionId: string) {
      revoked.add(sessionId);
    },
    sessionOf(accessToken: string) {
      return access.get(accessToken)?.sessionId;
    },
  };
}

export type FakeApi = ReturnType<typeof createFakeApi>;
