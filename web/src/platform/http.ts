// REST requests from the browser (RequestFn, core/api-client.ts): fetch with the in-memory access
// token as `Authorization: Bearer`, the `{ error: { code, message } }` shape as ApiError, and one
// refresh (shared by every request waiting for it) when the server says token_expired.
import { queryString, type RequestFn, type RequestOptions, SESSION_OVER } from "../../../miniprogram/core/api-client";
import { ApiError, errorFromResponse } from "../../../miniprogram/core/errors";
import type { WebSession } from "./session";

const DEFAULT_TIMEOUT_MS = 15_000;

interface Answer {
  status: number;
  data: unknown;
  headers: Record<string, string>;
}

export function createRequest(baseUrl: string, session: WebSession, fetchFn: typeof fetch = (...args) => fetch(...args)): RequestFn {
  const send = async (path: string, opts: RequestOptions, token: string | null): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    if (token) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetchFn(`${baseUrl}${path}${queryString(opts.query)}`, {
        method: opts.method ?? "GET",
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(opts.timeout ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (e) {
      throw new ApiError("network", e instanceof Error ? e.message : "fetch failed");
    }
    const text = await res.text();
    let data: unknown = text;
    try {
      data = text ? JSON.parse(text) : "";
    } catch {
      // not JSON: an unexpected answer below
    }
    return { status: res.status, data, headers: Object.fromEntries(res.headers) };
  };

  const errorCode = (a: Answer) => (a.data as { error?: { code?: unknown } } | null)?.error?.code;

  return async <T>(path: string, opts: RequestOptions = {}): Promise<T> => {
    const useAuth = opts.auth !== false;
    const token = useAuth ? session.accessToken() : null;
    if (useAuth && !token) throw new ApiError("unauthorized", "Sign in first", 401);
    let res = await send(path, opts, token);
    if (useAuth && res.status === 401 && errorCode(res) === "token_expired") {
      await session.refresh(token ?? undefined);
      res = await send(path, opts, session.accessToken());
    }
    if (res.status >= 200 && res.status < 300) return (res.status === 204 || res.data === "" ? undefined : res.data) as T;
    const err = errorFromResponse(res.status, res.data, res.headers);
    if (useAuth && res.status === 401 && (SESSION_OVER.has(err.code) || err.code === "token_expired")) session.end("server");
    throw err;
  };
}
