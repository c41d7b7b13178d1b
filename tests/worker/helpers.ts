import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import type { AuthResponse } from "../../schema/api";
import worker from "../../worker/index";
import { app } from "../../worker/app";
import { conformanceProblem } from "./conformance";
import { vi } from "vitest";

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiOptions {
  body?: unknown;
  token?: string;
  ip?: string;
  headers?: Record<string, string>;
  raw?: BodyInit;
  /** Call the worker with these bindings changed (e.g. ENVIRONMENT, WECHAT_APPID) instead of the configured ones. */
  env?: Partial<Record<keyof Cloudflare.Env, unknown>>;
}

export async function api<T = any>(method: string, path: string, opts: ApiOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.ip) headers["cf-connecting-ip"] = opts.ip;
  let body: BodyInit | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(opts.body);
  }
  const request = new Request(`https://qun.test${path}`, { method, headers, body });
  let res: Response;
  if (opts.env) {
    const ctx = createExecutionContext();
    res = await worker.fetch(request as Parameters<typeof worker.fetch>[0], { ...env, ...opts.env } as Cloudflare.Env, ctx);
    await waitOnExecutionContext(ctx);
  } else {
    res = await SELF.fetch(request);
  }
  const text = await res.text();
  const contentType = res.headers.get("content-type") ?? "";
  const parsed = text ? JSON.parse(text) : null;
  // Every answer the suites see is checked against what the route's doc says it answers.
  const problem = conformanceProblem(
    app,
    request.headers.get("x-http-method-override")?.toUpperCase() === "PATCH" && method.toUpperCase() === "POST" ? "PATCH" : method.toUpperCase(),
    new URL(request.url).pathname,
    res.status,
    contentType,
    parsed,
  );
  if (problem) throw new Error(`${method} ${path}: ${problem}`);
  return { status: res.status, body: parsed, headers: res.headers };
}

export const DEFAULT_PASSWORD = "passw0rd-ok";

let counter = 0;
/** A fresh valid username (6-20 characters, starts with a letter). */
export function uniqueName(prefix = "user"): string {
  return `${prefix}${++counter}x${Math.random().toString(36).slice(2, 8)}`.slice(0, 20);
}

export type SignedUp = AuthResponse & { username: string; password: string };

/** Registers a fresh user with a password account. */
export async function signUp(prefix = "user", password = DEFAULT_PASSWORD): Promise<SignedUp> {
  const username = uniqueName(prefix);
  const res = await api<AuthResponse>("POST", "/auth/register", { body: { username, password } });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, username, password };
}

export function login(username: string, password: string, ip?: string) {
  return api<AuthResponse>("POST", "/auth/login", { body: { username, password }, ip });
}

/** Signs in through the fake WeChat API ("ok-<name>" codes give openid "openid-<name>"). */
export async function wechatSignIn(name: string): Promise<AuthResponse> {
  const res = await api<AuthResponse>("POST", "/auth/wechat", { body: { code: `ok-${name}` } });
  if (res.status !== 200 && res.status !== 201) throw new Error(`wechat sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export function expectError(res: ApiResult, status: number, code: string) {
  if (res.status !== status || res.body?.error?.code !== code || typeof res.body?.error?.message !== "string") {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** Reads D1 directly, to check what a request did (or did not) write. */
export async function rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

export async function count(table: string, where = "1 = 1", ...params: unknown[]): Promise<number> {
  const row = await env.DB.prepare(`select count(*) as n from ${table} where ${where}`)
    .bind(...params)
    .first<{ n: number }>();
  return row!.n;
}

/**
 * Qun's rate limits count in fixed windows (a minute up to a day, worker/services/ratelimit.ts). A
 * spec that counts up to a limit starts at the beginning of a UTC day, a boundary of every window,
 * with the clock moving on from there, so its count cannot be reset halfway by a window that ends
 * mid-spec. Undo with vi.useRealTimers() after the spec.
 */
export function startAtWindowBoundary() {
  const day = 86_400_000;
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
  vi.setSystemTime(Math.ceil(Date.now() / day) * day + 1000);
}
