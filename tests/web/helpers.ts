// What the web tests share: the browser (one Chromium for the run, connected to per file), the
// running worker's URL, a phone (a mini-program user signed in through /auth/dev, calling the
// API with its Bearer token), and signing a page in the way a person does: the phone scans the
// page's QR code and confirms.
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { inject } from "vitest";
import type { AuthResponse } from "../../schema/api";
import { Device } from "../e2e/socket";
import { befriend } from "../support/friends";

export const base = inject("webBaseUrl");

export function connectBrowser(): Promise<Browser> {
  return chromium.connect(inject("webBrowserEndpoint"));
}

/** A desktop browser window in the given language (navigator.language follows the context's locale). */
export async function newWindow(browser: Browser, locale: "zh-CN" | "en-US" = "en-US"): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  // A page error (a CSP violation among them) fails the test that caused it.
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  return { context, page };
}

export interface Phone {
  auth: AuthResponse;
  id: string;
  token: string;
  call<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** A user signed in on the mini-program (the development sign-in), holding its own session. */
export async function phone(name: string): Promise<Phone> {
  const res = await fetch(`${base}/auth/dev`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) });
  if (!res.ok) throw new Error(`dev sign-in: ${res.status} ${await res.text()}`);
  const auth = (await res.json()) as AuthResponse;
  const call = async <T>(method: string, path: string, body?: unknown) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth.accessToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
  };
  return { auth, id: auth.user.id, token: auth.accessToken, call };
}

export const uniqueName = (prefix: string) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`.slice(0, 20);

/** The ticket in a QR code's text (`<base>/w/<ticket>`). */
export function ticketOf(qrText: string): string {
  const ticket = new URL(qrText).pathname.split("/").pop();
  if (!ticket) throw new Error(`no ticket in ${qrText}`);
  return ticket;
}

/** The text of the QR code the page shows now (read from the drawn code's data, not decoded). */
export async function shownQrText(page: Page): Promise<string> {
  const qr = page.locator(".qr-image[data-qr]");
  await qr.locator("svg").waitFor({ timeout: 15_000 });
  return (await qr.getAttribute("data-qr"))!;
}

/** Opens the app and signs it in as `who`: their phone scans the QR code and confirms. */
export async function signIn(page: Page, who: Phone): Promise<void> {
  await page.goto(base);
  const ticket = ticketOf(await shownQrText(page));
  const scanned = await who.call("POST", `/auth/web/qr/${ticket}/scan`, {});
  if (scanned.status !== 200) throw new Error(`scan: ${scanned.status} ${JSON.stringify(scanned.body)}`);
  const confirmed = await who.call("POST", `/auth/web/qr/${ticket}/confirm`, {});
  if (confirmed.status !== 204) throw new Error(`confirm: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  await page.getByTestId("chat-list").waitFor({ timeout: 15_000 });
}

/** Two friends and their direct chat's id. */
export async function friendsWithChat(a: Phone, b: Phone): Promise<string> {
  await befriend(base, { id: a.id, token: a.token }, { id: b.id, token: b.token });
  const opened = await a.call<{ id: string }>("POST", "/conversations/direct", { userId: b.id });
  if (opened.status !== 200 && opened.status !== 201) throw new Error(`open direct: ${opened.status} ${JSON.stringify(opened.body)}`);
  return opened.body.id;
}

/**
 * Two new friends with a direct chat: the friend's socket, and `me` signed in on the web in a
 * window of its own with the chat open. The socket and the window are closed after `run`.
 */
export async function inOpenChat(
  browser: Browser,
  prefix: string,
  run: (chat: { me: Phone; friend: Phone; chatId: string; socket: Device; context: BrowserContext; page: Page }) => Promise<void>,
): Promise<void> {
  const [me, friend] = [await phone(uniqueName(`${prefix}me`)), await phone(uniqueName(`${prefix}fr`))];
  const chatId = await friendsWithChat(me, friend);
  const socket = await Device.connect(base, friend.token);
  const { context, page } = await newWindow(browser);
  try {
    await signIn(page, me);
    await page.locator(`.chat-item[data-id="${chatId}"]`).click();
    await run({ me, friend, chatId, socket, context, page });
  } finally {
    socket.close();
    await context.close();
  }
}
