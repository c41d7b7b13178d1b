// Web sign-in routes (docs/api.md#web-sign-in). The browser side is authorised by cookies, not
// a Bearer token: the ticket's secret while it waits, then the web session's refresh token. Both
// are HttpOnly, SameSite=Strict and sent only to /auth/web; the refresh also wants the
// X-Qun-Web header and, when the browser sends one, our own Origin (docs/security.md#web-sessions).
// The phone side is ordinary Bearer routes.
import { Hono } from "hono";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import {
  WEB_CLIENT_HEADER,
  WEB_COOKIE_PATH,
  WEB_LOGIN_LIMITS,
  WEB_SESSION_COOKIE,
  WEB_TICKET_COOKIE,
  webQrAnswer,
  webQrBody,
  webScanAnswer,
  webSessionAnswer,
  webTicketId,
  webTicketState,
} from "../../schema/web-login";
import { db } from "../db";
import { isDevelopment, type AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { deviceLabel } from "../lib/user-agent";
import { clientIp } from "./auth";
import { requireAuth } from "./middleware";
import { doc } from "./openapi";
import { jsonBody, pathParams } from "./validate";
import { closeSessionSockets } from "../services/sessions";
import * as tokens from "../services/tokens";
import * as webLogin from "../services/web-login";

const ticketParams = pathParams(z.object({ ticket: webTicketId }), { ticket: "No such sign-in QR code" });

function cookieOptions(c: Context<AppEnv>, maxAgeSeconds: number) {
  // Secure everywhere but a development worker reached over plain http (wrangler dev), where a
  // browser would drop a Secure cookie.
  const secure = !(isDevelopment(c.env) && new URL(c.req.url).protocol === "http:");
  return { httpOnly: true, sameSite: "Strict", path: WEB_COOKIE_PATH, secure, maxAge: Math.max(0, Math.floor(maxAgeSeconds)) } as const;
}

function setSessionCookie(c: Context<AppEnv>, refreshToken: string, expiresAt: number) {
  setCookie(c, WEB_SESSION_COOKIE, refreshToken, cookieOptions(c, (expiresAt - Date.now()) / 1000));
}

function clearSessionCookie(c: Context<AppEnv>) {
  deleteCookie(c, WEB_SESSION_COOKIE, cookieOptions(c, 0));
}

/**
 * The refresh is the one cookie-authorised route that mints tokens, so a page elsewhere must not
 * be able to make the browser call it: SameSite=Strict already keeps the cookie off cross-site
 * requests; the custom header needs a CORS preflight no other origin passes; the Origin check
 * refuses what is left. In development, a local dev server's origin (localhost) is let through too.
 */
function requireOwnOrigin(c: Context<AppEnv>) {
  if (c.req.header(WEB_CLIENT_HEADER) !== "1") throw new ApiError("forbidden", "Send X-Qun-Web: 1 from the Qun web app");
  const origin = c.req.header("origin");
  if (origin === undefined) return;
  const own = [new URL(c.req.url).origin];
  try {
    own.push(new URL(c.env.PUBLIC_BASE_URL).origin);
  } catch {
    // A PUBLIC_BASE_URL that is not a URL leaves only the request's own origin.
  }
  if (own.includes(origin)) return;
  if (isDevelopment(c.env) && /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(origin)) return;
  throw new ApiError("forbidden", "This request did not come from the Qun web app");
}

export const webAuth = new Hono<AppEnv>()
  .post(
    "/qr",
    doc({ summary: "Browser: a new sign-in QR code (sets the ticket cookie)", responses: { 200: webQrAnswer }, errors: [429, 503], see: "docs/api.md#web-sign-in" }),
    jsonBody(webQrBody),
    async (c) => {
      const t = await webLogin.createTicket(c.env, db(c.env), clientIp(c), deviceLabel(c.req.header("user-agent")));
      setCookie(c, WEB_TICKET_COOKIE, t.secret, cookieOptions(c, WEB_LOGIN_LIMITS.ticketTtlSeconds + WEB_LOGIN_LIMITS.collectGraceSeconds));
      return c.json({ ticket: t.ticket, qr: t.qr, expiresAt: t.expiresAt });
    },
  )
  .get(
    "/qr/:ticket",
    doc({ summary: "Browser: poll a sign-in QR code (with its ticket cookie); collects the web session once", responses: { 200: webTicketState }, errors: [403], see: "docs/api.md#web-sign-in" }),
    async (c, next) => {
      // Without the ticket's cookie nothing about it is told, not even whether it exists.
      if (!webTicketId.safeParse(c.req.param("ticket")).success) throw new ApiError("forbidden", "This sign-in QR code belongs to another browser");
      await next();
    },
    async (c) => {
      const answer = await webLogin.poll(c.env, db(c.env), new URL(c.req.url).origin, c.req.param("ticket"), getCookie(c, WEB_TICKET_COOKIE));
      if (!webLogin.isCollected(answer)) return c.json(answer);
      // The ticket cookie stays until it runs out: a poll after this one is told "expired".
      setSessionCookie(c, answer.refreshToken, answer.refreshExpiresAt);
      return c.json(answer.state);
    },
  )
  .post(
    "/refresh",
    doc({ summary: "Browser: a new access token from the web session cookie (rotates it)", responses: { 200: webSessionAnswer }, errors: [401, 403], see: "docs/api.md#web-sign-in" }),
    async (c) => {
      requireOwnOrigin(c);
      try {
        const r = await webLogin.refresh(c.env, db(c.env), getCookie(c, WEB_SESSION_COOKIE));
        setSessionCookie(c, r.refreshToken, r.refreshExpiresAt);
        return c.json({ accessToken: r.accessToken, accessExpiresAt: r.accessExpiresAt, user: r.user });
      } catch (e) {
        // A cookie that cannot work any more is dropped, so the browser goes back to the QR code.
        if (e instanceof ApiError && e.status === 401) clearSessionCookie(c);
        throw e;
      }
    },
  )
  .post("/logout", doc({ summary: "Browser: sign this web session out (clears the cookie)", responses: { 204: null }, see: "docs/api.md#web-sign-in" }), requireAuth, async (c) => {
    const { userId, sessionId } = c.get("auth");
    await tokens.revokeSession(db(c.env), sessionId, "logout");
    await closeSessionSockets(c.env, userId, [sessionId], "signed_out");
    clearSessionCookie(c);
    return c.body(null, 204);
  })
  .post(
    "/qr/:ticket/scan",
    doc({ summary: "Phone: scanned a sign-in QR code (binds it to this session)", responses: { 200: webScanAnswer }, errors: [404, 409, 410], see: "docs/api.md#web-sign-in" }),
    requireAuth,
    ticketParams,
    async (c) => c.json(await webLogin.scan(db(c.env), c.get("auth"), c.req.valid("param").ticket)),
  )
  .post(
    "/qr/:ticket/confirm",
    doc({ summary: "Phone: sign the browser in (only the session that scanned)", responses: { 204: null }, errors: [403, 404, 410], see: "docs/api.md#web-sign-in" }),
    requireAuth,
    ticketParams,
    async (c) => {
      await webLogin.confirm(db(c.env), c.get("auth"), c.req.valid("param").ticket);
      return c.body(null, 204);
    },
  )
  .post(
    "/qr/:ticket/cancel",
    doc({ summary: "Phone: turn the browser's sign-in down (only the session that scanned)", responses: { 204: null }, errors: [403, 404, 410], see: "docs/api.md#web-sign-in" }),
    requireAuth,
    ticketParams,
    async (c) => {
      await webLogin.cancel(db(c.env), c.get("auth"), c.req.valid("param").ticket);
      return c.body(null, 204);
    },
  );

/**
 * What a phone's camera or WeChat's plain scanner opens from a web sign-in QR code: a static
 * explanation (nothing about the ticket, which only the mini-program's Scan may act on).
 */
export const webLoginPage = new Hono<AppEnv>().get(
  "/:ticket",
  doc({ summary: "The page a plain QR scanner opens from a web sign-in code (HTML, no sign-in)", responses: { 200: { contentType: "text/html", description: "How to sign in" } } }),
  () =>
    new Response(
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Qun</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111;text-align:center}h1{font-size:1.3rem}p{color:#555}</style></head>
<body><h1>登录网页版Qun · Sign in to Qun on the web</h1><p>请在Qun小程序中点右上角“+”，选择“扫一扫”扫描此二维码。</p><p>Open the Qun mini-program, tap + then Scan, and scan this code there.</p></body></html>`,
      { status: 200, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-robots-tag": "noindex" } },
    ),
);
