// What the web-core specs share: browsers as the specs see them (one IndexedDB per browser, a
// fetch that can go offline), signed in through the development login (the QR sign-in is the
// weblogin work; its grant has the same shape), and waiting for a condition.
import { IDBFactory } from "fake-indexeddb";
import { inject } from "vitest";
import type { AuthResponse } from "../../schema/api";
import { befriend } from "../support/friends";
import { createWebClient, indexedDbStorage, type WebClient } from "../../web/src/platform/index";

declare module "vitest" {
  export interface ProvidedContext {
    /** Provided by tests/e2e/global-setup.ts: the running `wrangler dev`. */
    e2eBaseUrl: string;
  }
}

export const baseUrl = () => inject("e2eBaseUrl");

/** A browser profile: its own IndexedDB, and a network that a spec can cut. */
export class Browser {
  readonly indexedDB = new IDBFactory();
  offline = false;
  /** While set, frames the server pushes are lost on the way (a flaky network), the socket stays up. */
  losingFrames = false;
  /** Every request this browser made, as "METHOD /path?query". */
  readonly requests: string[] = [];
  readonly clients: WebClient[] = [];

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    this.requests.push(`${init?.method ?? "GET"} ${url.pathname}${url.search}`);
    if (this.offline) throw new TypeError("fetch failed (offline)");
    return fetch(input, init);
  };

  /** A WebSocket that cannot connect while the browser is offline, and loses frames while `losingFrames`. */
  readonly WebSocket = ((browser: Browser) =>
    class extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(browser.offline ? "ws://127.0.0.1:9/offline" : url, protocols);
      }

      override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void {
        if (type !== "message" || typeof listener !== "function") super.addEventListener(type, listener, options);
        else super.addEventListener(type, (e) => (browser.losingFrames ? undefined : listener(e)), options);
      }
    })(this);

  /** Opens the web client (a page load) on this browser's IndexedDB, signed in as `account`. */
  open(account: AuthResponse): WebClient {
    const client = createWebClient({ baseUrl: baseUrl(), storage: indexedDbStorage("qun", this.indexedDB), fetch: this.fetch, WebSocket: this.WebSocket });
    client.session.signIn({ accessToken: account.accessToken, accessExpiresAt: account.accessTokenExpiresAt, user: account.user });
    this.clients.push(client);
    return client;
  }

  /** Closes every page of this browser: sockets stop, nothing is signed out on the server. */
  close(): void {
    for (const c of this.clients.splice(0)) c.chats.socket.stop();
  }
}

async function post<T>(path: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${baseUrl()}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export const uniqueName = (prefix: string) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.slice(0, 20);

/** A new user through the development login. */
export async function devUser(prefix: string): Promise<AuthResponse> {
  const res = await post<AuthResponse>("/auth/dev", { name: uniqueName(prefix) });
  if (res.status !== 200 && res.status !== 201) throw new Error(`dev login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Another session of the same user (a second computer). */
export async function secondSession(of: AuthResponse): Promise<AuthResponse> {
  const res = await post<AuthResponse>("/auth/dev", { name: of.user.nickname });
  if (res.status !== 200) throw new Error(`dev login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Friends with a direct chat: answers its id. */
export async function directChat(a: AuthResponse, b: AuthResponse): Promise<string> {
  await befriend(baseUrl(), { id: a.user.id, token: a.accessToken }, { id: b.user.id, token: b.accessToken });
  const res = await post<{ id: string }>("/conversations/direct", { userId: b.user.id }, a.accessToken);
  if (res.status !== 200 && res.status !== 201) throw new Error(`direct chat: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Polls `check` until it holds (or throws its last failure after `timeoutMs`). */
export async function waitFor(check: () => void | boolean | Promise<void | boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await check()) !== false) return;
      if (Date.now() > until) throw new Error("condition never held");
    } catch (e) {
      if (Date.now() > until) throw e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
