import { SELF } from "cloudflare:test";
import type { AuthResponse } from "../../schema/api";

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = any>(
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: BodyInit } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(opts.body);
  }
  const res = await SELF.fetch(`https://qun.test${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

let counter = 0;
/** Registers a fresh user with a password account. */
export async function signUp(prefix = "user", password = "passw0rd-ok"): Promise<AuthResponse & { username: string; password: string }> {
  const username = `${prefix}${++counter}${Math.random().toString(36).slice(2, 8)}`.slice(0, 20);
  const res = await api<AuthResponse>("POST", "/auth/register", { body: { username, password } });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, username, password };
}

export function expectError(res: ApiResult, status: number, code: string) {
  if (res.status !== status || res.body?.error?.code !== code || typeof res.body?.error?.message !== "string") {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}
