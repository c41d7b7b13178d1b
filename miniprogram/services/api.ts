// The one wrapper around wx.request: base URL, access token, status checks, the
// `{ error: { code, message } }` shape as ApiError, and one token refresh (shared by every
// request that is waiting for it) when the server says token_expired.
import type { AuthTokens } from "../../schema/api";
import { apiBase } from "./config";
import { ApiError, errorFromResponse } from "./errors";
import { currentTokens, endSession, replaceTokens } from "./session";
import type { PathOf, ResponseOf, RoutesOf } from "../../schema/routes";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  method?: Method;
  body?: unknown;
  query?: Query;
  /** Send the access token (default). Sign-in calls set this to false. */
  auth?: boolean;
  timeout?: number;
}

interface RawResponse {
  statusCode: number;
  data: unknown;
  header: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 15_000;
/** Codes after which the session cannot be saved: the user must sign in again. */
const SESSION_OVER = new Set(["token_invalid", "token_revoked", "unauthorized"]);

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const parts = Object.keys(query)
    .filter((k) => query[k] !== undefined)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(query[k]))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

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

/**
 * One call per REST route. The type argument is the route's pattern (`api.get<"/groups/:id">`):
 * the answer's type comes from schema/routes.ts (derived from the schemas the worker documents),
 * and the path must fit the pattern.
 */
export const api = {
  get: <P extends RoutesOf<"GET">>(path: PathOf<P>, query?: Query, opts?: Omit<RequestOptions, "method" | "query">) => request<ResponseOf<"GET", P>>(path, { ...opts, method: "GET", query }),
  post: <P extends RoutesOf<"POST">>(path: PathOf<P>, body?: unknown, opts?: Omit<RequestOptions, "method" | "body">) => request<ResponseOf<"POST", P>>(path, { ...opts, method: "POST", body }),
  put: <P extends RoutesOf<"PUT">>(path: PathOf<P>, body?: unknown, opts?: Omit<RequestOptions, "method" | "body">) => request<ResponseOf<"PUT", P>>(path, { ...opts, method: "PUT", body }),
  patch: <P extends RoutesOf<"PATCH">>(path: PathOf<P>, body?: unknown, opts?: Omit<RequestOptions, "method" | "body">) => request<ResponseOf<"PATCH", P>>(path, { ...opts, method: "PATCH", body }),
  del: <P extends RoutesOf<"DELETE">>(path: PathOf<P>, opts?: Omit<RequestOptions, "method">) => request<ResponseOf<"DELETE", P>>(path, { ...opts, method: "DELETE" }),
};
