// End-to-end pieces: the real worker under `wrangler dev` (started once by global-setup.ts)
// and an HTTP client for it. Runs in Node.
import { inject } from "vitest";
import type { AuthResponse } from "../../schema/api";
import * as friends from "../support/friends";
export { freePort, startWorker, type RunningWorker } from "../support/wrangler-dev";

declare module "vitest" {
  export interface ProvidedContext {
    e2eBaseUrl: string;
    e2eWechatUrl: string;
  }
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A JSON client for the running worker; `token` adds the bearer header. */
export class HttpClient {
  constructor(readonly baseUrl: string = inject("e2eBaseUrl")) {}

  async request<T = any>(method: string, path: string, opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers["content-type"] ??= "application/json";
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  }

  get = <T = any>(path: string, token?: string) => this.request<T>("GET", path, { token });
  post = <T = any>(path: string, body?: unknown, token?: string) => this.request<T>("POST", path, { body, token });
  patch = <T = any>(path: string, body: unknown, token?: string) => this.request<T>("PATCH", path, { body, token });

  /** Signs in through the development login (the e2e worker runs with ENVIRONMENT=development). */
  async devLogin(name: string): Promise<AuthResponse> {
    const res = await this.post<AuthResponse>("/auth/dev", { name });
    if (res.status !== 200 && res.status !== 201) throw new Error(`dev login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** `a` asks `b` to be friends and `b` accepts: only friends can be put in a group. */
  befriend(a: AuthResponse, b: AuthResponse): Promise<void> {
    return friends.befriend(this.baseUrl, { id: a.user.id, token: a.accessToken }, { id: b.user.id, token: b.accessToken });
  }
}

/** A name no other test (or earlier run against the same state) has used. */
export const uniqueName = (prefix = "e2e") => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.slice(0, 20);
