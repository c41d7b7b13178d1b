// The one wrapper around wx.request: base URL, access token, status checks, the
// `{ error: { code, message } }` shape as ApiError, and one token refresh (shared by every
// request that is waiting for it) when the server says token_expired.
import type { AuthTokens } from "../../schema/api";
import { apiBase } from "./config";
import { ApiError, errorFromResponse } from "./errors";
import { currentTokens, endSession, replaceTokens } from "./session";
import { createApi, queryString, type RequestOptions, SESSION_OVER } from "../core/api-client";

export type { Method, Query, RequestOptions } from "../core/api-client";

interface RawResponse {
  statusCode: number;
  data: unknown;
  header: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 15_000;
function send(path: string, opts: RequestOptions, token: string | null): Promise<RawResponse> {
  const header: Record<string, string> = { "content-type": "application/json" };
  if (token) header.authorization = `Bearer ${token}`;
  let method = opts.method ?? "GET";
  // wx.request has no PATCH; the worker turns this header back into the real method.
  if (method === "PATCH") {
    header["x-http-method-override"] = "PATCH";
    method = "POST";
  }
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${apiBase()}${path}${queryString(opts.query)}`,
      method: method as "GET" | "POST" | "PUT" | "DELETE",
      header,
      data: opts.body === undefined ? undefined : (opts.body as WechatMiniprogram.IAnyObject),
      dataType: "json",
      timeout: opts.timeout ?? DEFAULT_TIMEOUT_MS,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data, header: (res.header ?? {}) as Record<string, string> }),
      fail: (err) => reject(new ApiError("network", err.errMsg || "request:fail")),
    });
  });
}

function errorCode(res: RawResponse): string | undefined {
  const data = res.data as { error?: { code?: unknown } } | null;
  return data && typeof data === "object" && typeof data.error?.code === "string" ? data.error.code : undefined;
}

let refreshing: Promise<void> | null = null;

/**
 * Trades the refresh token for new tokens. Concurrent callers share one call; a caller whose
 * token was already replaced (someone refreshed meanwhile) returns at once.
 */
export function refreshTokens(staleAccessToken?: string): Promise<void> {
  const tokens = currentTokens();
  if (!tokens) return Promise.reject(new ApiError("unauthorized", "Sign in first", 401));
  if (staleAccessToken && tokens.accessToken !== staleAccessToken) return Promise.resolve();
  if (!refreshing) {
    const done = () => {
      refreshing = null;
    };
    refreshing = send("/auth/refresh", { method: "POST", body: { refreshToken: tokens.refreshToken } }, null).then(
      (res) => {
        done();
        if (res.statusCode === 200) {
          replaceTokens(res.data as AuthTokens);
          return;
        }
        const err = errorFromResponse(res.statusCode, res.data, res.header);
        if (res.statusCode === 401) endSession("server");
        throw err;
      },
      (err: unknown) => {
        done();
        throw err;
      },
    );
  }
  return refreshing;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const useAuth = opts.auth !== false;
  const token = useAuth ? (currentTokens()?.accessToken ?? null) : null;
  if (useAuth && !token) throw new ApiError("unauthorized", "Sign in first", 401);
  let res = await send(path, opts, token);
  if (useAuth && res.statusCode === 401 && errorCode(res) === "token_expired") {
    await refreshTokens(token ?? undefined);
    res = await send(path, opts, currentTokens()?.accessToken ?? null);
  }
  if (res.statusCode >= 200 && res.statusCode < 300) {
    return (res.statusCode === 204 || res.data === "" ? undefined : res.data) as T;
  }
  const err = errorFromResponse(res.statusCode, res.data, res.header);
  if (useAuth && res.statusCode === 401 && (SESSION_OVER.has(err.code) || err.code === "token_expired")) endSession("server");
  throw err;
}

/** One call per REST route, typed by schema/routes.ts (core/api-client.ts). */
export const api = createApi(request);
