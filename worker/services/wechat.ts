// WeChat's code-to-session exchange (auth.code2Session). The base URL is a var so tests and
// local development can point it at a fake WeChat API.
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { fetchWithTimeout } from "../lib/fetch-timeout";
import { unwrap } from "../lib/result";

export interface WechatSession {
  openid: string;
  unionid?: string;
}

const TIMEOUT_MS = 5000;

export async function code2Session(env: Env, code: string): Promise<WechatSession> {
  if (!env.WECHAT_APPID || !env.WECHAT_SECRET) throw new ApiError("not_configured", "WeChat login is not configured on this server");
  const url = new URL("/sns/jscode2session", env.WECHAT_API_BASE);
  url.search = new URLSearchParams({ appid: env.WECHAT_APPID, secret: env.WECHAT_SECRET, js_code: code, grant_type: "authorization_code" }).toString();
  let body: { openid?: unknown; unionid?: unknown; errcode?: unknown; errmsg?: unknown };
  try {
    const res = await fetchWithTimeout(url, {}, TIMEOUT_MS);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (e) {
    console.error(JSON.stringify({ msg: "wechat code2session failed", error: String(e) }));
    throw new ApiError("wechat_unavailable", "WeChat could not be reached; try again");
  }
  const errcode = typeof body.errcode === "number" ? body.errcode : 0;
  if (errcode === 0 && typeof body.openid === "string" && body.openid.length > 0) {
    return { openid: body.openid, ...(typeof body.unionid === "string" ? { unionid: body.unionid } : {}) };
  }
  switch (errcode) {
    case 40029: // invalid code
    case 40163: // code already used
      throw new ApiError("wechat_code_invalid", "The WeChat login code is invalid or was already used; call wx.login again");
    case 40226:
      throw new ApiError("forbidden", "WeChat has restricted this account");
    case 40013:
    case 40125:
      console.error(JSON.stringify({ msg: "wechat credentials rejected", errcode }));
      throw new ApiError("not_configured", "WeChat login is misconfigured on this server");
    default:
      console.error(JSON.stringify({ msg: "wechat code2session error", errcode, errmsg: body.errmsg }));
      throw new ApiError("wechat_unavailable", `WeChat refused the login (errcode ${errcode}); try again`);
  }
}

// ---------------------------------------------------------------------------------------------
// Server-to-WeChat calls that need the app's access token (subscribe messages, content security).
// The token comes from /cgi-bin/stable_token through one WechatObject per AppID
// (worker/wechat/object.ts), the only place that fetches or force-refreshes it, so parallel
// requests never race to refresh it; each isolate keeps the token it was given until five
// minutes before it expires. A call answered 40001/42001/40014 (token invalid, expired, or
// superseded) asks the object for a replacement of that token once and tries again.

const TOKEN_MARGIN_MS = 5 * 60_000;
const TOKEN_ERRCODES = new Set([40001, 40014, 42001]);
let cachedToken: { base: string; appid: string; token: string; expiresAt: number } | null = null;

/** True when this server has WeChat credentials (calls that need them are skipped otherwise). */
export const wechatConfigured = (env: Env) => Boolean(env.WECHAT_APPID && env.WECHAT_SECRET);

/** The object that holds this app's token and WeChat back-off. */
export const wechatObject = (env: Env) => env.WECHAT.get(env.WECHAT.idFromName(`wechat:${env.WECHAT_APPID ?? ""}`));

async function postJson(url: URL, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetchWithTimeout(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }, TIMEOUT_MS);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const parsed: unknown = await res.json();
  if (!parsed || typeof parsed !== "object") throw new Error("not a JSON object");
  return parsed as Record<string, unknown>;
}

/**
 * The app's access token (cached per isolate); `refresh` replaces the token this isolate holds
 * (the WechatObject forces WeChat to issue a new one only if nobody has replaced it already).
 */
export async function accessToken(env: Env, refresh = false): Promise<string> {
  if (!wechatConfigured(env)) throw new ApiError("not_configured", "WeChat is not configured on this server");
  const now = Date.now();
  const c = cachedToken;
  const mine = c && c.base === env.WECHAT_API_BASE && c.appid === env.WECHAT_APPID ? c : null;
  if (!refresh && mine && mine.expiresAt > now) return mine.token;
  const creds = { base: env.WECHAT_API_BASE, appid: env.WECHAT_APPID ?? "", secret: env.WECHAT_SECRET ?? "" };
  const stub = wechatObject(env);
  const t = unwrap(refresh && mine ? await stub.refresh(creds, mine.token) : refresh ? await stub.refresh(creds, "") : await stub.token(creds));
  cachedToken = { base: creds.base, appid: creds.appid, token: t.token, expiresAt: t.expiresAt - TOKEN_MARGIN_MS };
  return t.token;
}

/**
 * POSTs `body` to a WeChat server API that takes `?access_token=` and returns its JSON answer
 * (errcode included: what an errcode means is the caller's business). Throws ApiError
 * wechat_unavailable when WeChat cannot be reached, not_configured without credentials.
 */
export async function callWechat(env: Env, path: string, body: unknown): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const token = await accessToken(env, attempt > 0);
    const url = new URL(path, env.WECHAT_API_BASE);
    url.searchParams.set("access_token", token);
    let answer: Record<string, unknown>;
    try {
      answer = await postJson(url, body);
    } catch (e) {
      console.error(JSON.stringify({ msg: "wechat call failed", path, error: String(e) }));
      throw new ApiError("wechat_unavailable", "WeChat could not be reached; try again");
    }
    if (attempt === 0 && typeof answer.errcode === "number" && TOKEN_ERRCODES.has(answer.errcode)) continue;
    return answer;
  }
}
