// A browser and a phone for the web sign-in specs: the browser keeps its cookies as a browser
// would (only what Set-Cookie gave it), the phone is an ordinary signed-in session.
import { decodeJwt } from "jose";
import { expect } from "vitest";
import { makeUser, type TestUser } from "./chat-helpers";
import { api, type ApiResult } from "./helpers";

export const CHROME_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

export interface Phone extends TestUser {
  sessionId: string;
}

export async function makePhone(name = "phone"): Promise<Phone> {
  const u = await makeUser(name);
  return { ...u, sessionId: (decodeJwt(u.token) as { sid: string }).sid };
}

/** The Set-Cookie lines of an answer, by cookie name. */
export function setCookies(headers: Headers): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of headers.getSetCookie()) out.set(line.slice(0, line.indexOf("=")), line);
  return out;
}

const cookieValue = (line: string) => line.slice(line.indexOf("=") + 1).split(";")[0]!;

export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(
    readonly userAgent = CHROME_MAC,
    readonly ip = "203.0.113.7",
  ) {}

  private remember(res: ApiResult) {
    for (const [name, line] of setCookies(res.headers)) {
      const value = cookieValue(line);
      if (value === "" || /max-age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async call(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; token?: string } = {}): Promise<ApiResult> {
    const headers: Record<string, string> = { "user-agent": this.userAgent, ...opts.headers };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader;
    const res = await api(method, path, { ...opts, headers, ip: this.ip });
    this.remember(res);
    return res;
  }

  /** POST /auth/web/qr, expecting a ticket. */
  async newTicket(): Promise<{ ticket: string; qr: string; expiresAt: number }> {
    const res = await this.call("POST", "/auth/web/qr", { body: {} });
    expect(res.status).toBe(200);
    return res.body;
  }

  poll(ticket: string) {
    return this.call("GET", `/auth/web/qr/${ticket}`);
  }

  refresh(headers: Record<string, string> = { "x-qun-web": "1" }) {
    return this.call("POST", "/auth/web/refresh", { headers });
  }
}

/** A browser signed in by QR code through the phone: its access token and web session id. */
export async function signedInBrowser(phone: Phone, browser = new Browser()): Promise<{ browser: Browser; accessToken: string; sessionId: string }> {
  const { ticket } = await browser.newTicket();
  expect((await api("POST", `/auth/web/qr/${ticket}/scan`, { token: phone.token })).status).toBe(200);
  expect((await api("POST", `/auth/web/qr/${ticket}/confirm`, { token: phone.token })).status).toBe(204);
  const res = await browser.poll(ticket);
  expect(res.body.state).toBe("confirmed");
  return { browser, accessToken: res.body.accessToken, sessionId: (decodeJwt(res.body.accessToken) as { sid: string }).sid };
}
