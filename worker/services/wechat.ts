// WeChat's code-to-session exchange (auth.code2Session). The base URL is a var so tests and
// local development can point it at a fake WeChat API.
import type { Env } from "../env";
import { ApiError } from "../lib/errors";

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
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
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
