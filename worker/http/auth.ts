import { Hono } from "hono";
import type { Context } from "hono";
import { changePasswordBody, devLoginBody, loginBody, refreshBody, registerBody, wechatLoginBody, type AuthResponse } from "../../schema/api";
import type { User } from "../../schema/d1";
import { db, type Db } from "../db";
import { isDevelopment, type AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { jsonBody } from "./validate";
import { requireAuth } from "./middleware";
import * as accounts from "../services/accounts";
import { closeSessionSockets, closeSocketsOfRevokedRefresh } from "../services/sessions";
import * as tokens from "../services/tokens";
import { code2Session } from "../services/wechat";
import { authResponse, authTokens, DEFAULT_WECHAT_NICKNAME } from "../../schema/api";
import { doc } from "./openapi";

export const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? "unknown";

async function signedIn(c: Context<AppEnv>, d: Db, user: User, created: boolean, device?: string): Promise<AuthResponse> {
  const t = await tokens.startSession(c.env, d, user.id, device ?? "");
  return { ...t, user: accounts.toOwnProfile(user), created };
}

export const auth = new Hono<AppEnv>()
  .post(
    "/register",
    doc({ summary: "Register with a username and password", responses: { 201: authResponse }, errors: [409, 429, 503], see: "docs/api.md#signing-in" }),
    jsonBody(registerBody),
    async (c) => {
      const body = c.req.valid("json");
      const d = db(c.env);
      tokens.assertConfigured(c.env);
      const user = await accounts.register(d, accounts.passwordPepper(c.env), body, clientIp(c));
      return c.json(await signedIn(c, d, user, true, body.device), 201);
    },
  )
  .post("/login", doc({ summary: "Sign in with a username and password", responses: { 200: authResponse }, errors: [401, 429], see: "docs/api.md#signing-in" }), jsonBody(loginBody), async (c) => {
    const body = c.req.valid("json");
    const d = db(c.env);
    const user = await accounts.loginWithPassword(d, accounts.passwordPepper(c.env), body.username, body.password, clientIp(c));
    return c.json(await signedIn(c, d, user, false, body.device));
  })
  .post(
    "/wechat",
    doc({ summary: "Sign in with a wx.login code", responses: { 200: authResponse, 201: authResponse }, errors: [401, 502, 503], see: "docs/api.md#signing-in" }),
    jsonBody(wechatLoginBody),
    async (c) => {
      const body = c.req.valid("json");
      const d = db(c.env);
      tokens.assertConfigured(c.env);
      const session = await code2Session(c.env, body.code);
      const { user, created } = await accounts.findOrCreateByOpenid(d, session.openid, session.unionid ?? null, DEFAULT_WECHAT_NICKNAME);
      return c.json(await signedIn(c, d, user, created, body.device), created ? 201 : 200);
    },
  )
  // Development only: sign in as any name without WeChat. Production answers 404, as if absent.
  .post(
    "/dev",
    doc({ summary: "Development only: sign in as any name (404 in production)", responses: { 200: authResponse, 201: authResponse }, errors: [404] }),
    async (c, next) => {
      if (!isDevelopment(c.env)) throw new ApiError("not_found", "No such route");
      await next();
    },
    jsonBody(devLoginBody),
    async (c) => {
      const body = c.req.valid("json");
      const d = db(c.env);
      const { user, created } = await accounts.findOrCreateByOpenid(d, `dev:${body.name.toLowerCase()}`, null, body.name);
      return c.json(await signedIn(c, d, user, created, body.device), created ? 201 : 200);
    },
  )
  .post(
    "/refresh",
    doc({ summary: "Trade a refresh token for new tokens (rotation)", responses: { 200: authTokens }, errors: [401], see: "docs/api.md#signing-in" }),
    jsonBody(refreshBody),
    async (c) => {
      const { refreshToken } = c.req.valid("json");
      try {
        return c.json(await tokens.rotate(c.env, db(c.env), refreshToken));
      } catch (e) {
        // A reused refresh token revokes its session: its open sockets must end now too.
        if (e instanceof ApiError && e.code === "token_revoked") await closeSocketsOfRevokedRefresh(c.env, refreshToken);
        throw e;
      }
    },
  )
  .post("/logout", doc({ summary: "Sign this session out", responses: { 204: null } }), requireAuth, async (c) => {
    const { userId, sessionId } = c.get("auth");
    await tokens.revokeSession(db(c.env), sessionId, "logout");
    await closeSessionSockets(c.env, userId, [sessionId], "signed_out");
    return c.body(null, 204);
  })
  .post("/password", doc({ summary: "Set or change the password; other sessions end", responses: { 204: null }, errors: [403, 429] }), requireAuth, jsonBody(changePasswordBody), async (c) => {
    const body = c.req.valid("json");
    const d = db(c.env);
    const pepper = accounts.passwordPepper(c.env);
    const { userId, sessionId } = c.get("auth");
    const user = await accounts.requireUser(d, userId);
    await accounts.changePassword(d, pepper, user, body.currentPassword, body.newPassword);
    await closeSessionSockets(c.env, userId, await tokens.revokeOtherSessions(d, userId, sessionId, "password_changed"), "password_changed");
    return c.body(null, 204);
  });
