// WeChat's /cgi-bin/stable_token: the same token for every caller while it is valid, a new one
// (and the old one dead) with force_refresh. Called by the WechatObject only.
import { ApiError } from "../lib/errors";
import { fetchWithTimeout } from "../lib/fetch-timeout";

export interface WechatCredentials {
  base: string;
  appid: string;
  secret: string;
}

export interface StableToken {
  token: string;
  /** When WeChat says it expires (ms). */
  expiresAt: number;
}

const TIMEOUT_MS = 5000;

export async function fetchStableToken(creds: WechatCredentials, force: boolean): Promise<StableToken> {
  let body: Record<string, unknown>;
  try {
    const res = await fetchWithTimeout(
      new URL("/cgi-bin/stable_token", creds.base),
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ grant_type: "client_credential", appid: creds.appid, secret: creds.secret, ...(force ? { force_refresh: true } : {}) }),
      },
      TIMEOUT_MS,
    );
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as Record<string, unknown>;
  } catch (e) {
    console.error(JSON.stringify({ msg: "wechat stable_token failed", error: String(e) }));
    throw new ApiError("wechat_unavailable", "WeChat could not be reached; try again");
  }
  if (typeof body.access_token !== "string" || !body.access_token) {
    console.error(JSON.stringify({ msg: "wechat stable_token refused", errcode: body.errcode, errmsg: body.errmsg }));
    throw new ApiError(body.errcode === 40125 || body.errcode === 40013 ? "not_configured" : "wechat_unavailable", "WeChat refused the server's credentials");
  }
  const expiresIn = typeof body.expires_in === "number" ? body.expires_in : 7200;
  return { token: body.access_token, expiresAt: Date.now() + expiresIn * 1000 };
}
