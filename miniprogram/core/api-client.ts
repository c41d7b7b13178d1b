// The shape of a request to the worker's REST API, shared by every client: a platform sends it
// (wx.request in the mini-program, fetch in the browser) and answers the typed body or throws an
// ApiError (core/errors.ts). `createApi` puts the route-typed helpers on top of any such sender.
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

/** Sends one request; resolves with the answer's body (undefined for 204), rejects with an ApiError. */
export type RequestFn = <T>(path: string, opts?: RequestOptions) => Promise<T>;

/** Codes after which the session cannot be saved: the user must sign in again. */
export const SESSION_OVER = new Set(["token_invalid", "token_revoked", "unauthorized"]);

export function queryString(query: Query | undefined): string {
  if (!query) return "";
  const parts = Object.keys(query)
    .filter((k) => query[k] !== undefined)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(query[k]))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

/**
 * One call per REST route. The type argument is the route's pattern (`api.get<"/groups/:id">`):
 * the answer's type comes from schema/routes.ts (derived from the schemas the worker documents),
 * and the path must fit the pattern.
 */
export function createApi(request: RequestFn) {
  return {
    get: <P extends RoutesOf<"GET">>(path: PathOf<P>, query?: Query, opts?: Omit<RequestOptions, "method" | "query">) => request<ResponseOf<"GET", P>>(path, { ...opts, method: "GET", query }),
    post: <P extends RoutesOf<"POST">>(path: PathOf<P>, body?: unknown, opts?: Omit<RequestOptions, "method" | "body">) => request<ResponseOf<"POST", P>>(path, { ...opts, method: "POST", body }),
    put: <P extends RoutesOf<"PUT">>(path: PathOf<P>, body?: unknown, opts?: Omit<RequestOptions, "method" | "body">) => request<ResponseOf<"PUT", P>>(path, { ...opts, method: "PUT", body }),
    patch: <P extends RoutesOf<"PATCH">>(path: PathOf<P>, body?: unknown, opts?: Omit<RequestOptions, "method" | "body">) => request<ResponseOf<"PATCH", P>>(path, { ...opts, method: "PATCH", body }),
    del: <P extends RoutesOf<"DELETE">>(path: PathOf<P>, opts?: Omit<RequestOptions, "method">) => request<ResponseOf<"DELETE", P>>(path, { ...opts, method: "DELETE" }),
  };
}

export type Api = ReturnType<typeof createApi>;
