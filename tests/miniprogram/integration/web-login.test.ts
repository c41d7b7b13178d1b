// Web sign-in end to end against the real worker under `wrangler dev`: a "browser" (fetch with
// its own cookie jar) asks for a QR code over HTTP, the mini-program scans it from the Chats
// tab's Scan, confirms on its web sign-in page, and the browser collects an ordinary access
// token and its session cookie; the phone's Chats list then shows "Web Qun signed in", and
// signing the browser out from the devices page makes its cookie refresh answer 401.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type * as Auth from "../../../miniprogram/services/auth";
import type * as Chats from "../../../miniprogram/services/chats";
import type * as I18n from "../../../miniprogram/i18n/index";
import { builtMiniprogram, clientModule, lifecycle, loadComponent, renderPage, settled, tap, text, waitFor, type Rendered } from "../harness";
import { closeSockets, createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const baseUrl = inject("e2eBaseUrl");
const UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const name = `webqr-${Date.now().toString(36).slice(-6)}`;
let adapter: WxAdapter;
let chats: Chats.ChatClient;
let scanned = "";
const loaded = new Map<string, string>();

/** A browser: fetch that keeps the cookies the worker set, as a browser would on this origin. */
const jar = new Map<string, string>();
async function browser(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { "user-agent": UA, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const [k, v] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
    if (!v || /max-age=0/i.test(line)) jar.delete(k);
    else jar.set(k, v);
  }
  return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as any), cookies: res.headers.getSetCookie() };
}

async function page(path: string, query: Record<string, string> = {}): Promise<Rendered> {
  if (!loaded.has(path)) loaded.set(path, await loadComponent(path));
  const comp = renderPage(loaded.get(path)!);
  await lifecycle(comp, "onLoad", query);
  return comp;
}

beforeAll(async () => {
  adapter = createWxAdapter({ scanResult: () => scanned });
  adapter.storage.set("qun.apiBase", JSON.stringify(baseUrl));
  installWx(adapter);
  clientModule<typeof I18n>("i18n/index", builtMiniprogram()).setLocale("en");
  chats = clientModule<typeof Chats>("services/chats", builtMiniprogram()).chats;
  await clientModule<typeof Auth>("services/auth", builtMiniprogram()).loginDev(name);
});

afterAll(() => {
  chats.socket.stop();
  closeSockets(adapter);
});

describe("signing in to Qun on the web with the phone", () => {
  let ticket = "";
  let chatsTab: Rendered;

  it("the browser gets a QR code and a ticket cookie (not Secure: development over http)", async () => {
    const res = await browser("POST", "/auth/web/qr", {}, {});
    expect(res.status).toBe(200);
    ticket = res.body.ticket;
    scanned = res.body.qr;
    expect(scanned).toMatch(new RegExp(`/w/${ticket}$`));
    expect(jar.has("qun_web_ticket")).toBe(true);
    expect(res.cookies[0]).not.toMatch(/Secure/);
    expect((await browser("GET", `/auth/web/qr/${ticket}`)).body).toEqual({ state: "waiting" });
  });

  it("the phone scans it from the Chats tab and sees the browser on its sign-in page; the browser sees the phone's user", async () => {
    chatsTab = await page("pages/chats/index");
    await lifecycle(chatsTab, "onShow");
    adapter.actionSheetChoice = 1;
    await tap(chatsTab, "#plus");
    await waitFor(() => adapter.navigations.some((n) => n.url.startsWith("/pages/web-login/")), "the web sign-in page");
    expect(adapter.navigations.at(-1)!.url).toBe(`/pages/web-login/index?ticket=${ticket}`);
    const confirmPage = await page("pages/web-login/index", { ticket });
    await waitFor(() => confirmPage.instance.data.state === "ready", "scan answered");
    expect(text(confirmPage, "#web-login-title")).toBe("Sign in to Qun on the web?");
    expect(text(confirmPage, "#web-login-device")).toBe("Chrome on Windows");
    expect((await browser("GET", `/auth/web/qr/${ticket}`)).body).toEqual({ state: "scanned", user: { nickname: name, avatarUrl: null } });

    await tap(confirmPage, "#web-login-confirm");
    await waitFor(() => adapter.toasts.some((t) => t.title === "Signed in"), "confirmed");
  });

  it("the browser collects an ordinary access token and its session cookie, once", async () => {
    const res = await browser("GET", `/auth/web/qr/${ticket}`);
    expect(res.body).toMatchObject({ state: "confirmed", user: { nickname: name } });
    expect(jar.has("qun_web_session")).toBe(true);
    const me = await fetch(`${baseUrl}/me`, { headers: { authorization: `Bearer ${res.body.accessToken}` } });
    expect(((await me.json()) as { nickname: string }).nickname).toBe(name);
    expect((await browser("GET", `/auth/web/qr/${ticket}`)).body).toEqual({ state: "expired" });
    const refreshed = await browser("POST", "/auth/web/refresh", { "x-qun-web": "1" });
    expect(refreshed.status).toBe(200);
  });

  it("the phone's Chats list shows Web Qun signed in, and the devices page signs the browser out", async () => {
    await lifecycle(chatsTab, "onShow");
    await waitFor(() => chatsTab.querySelector("#web-bar") !== undefined, "the web bar");
    expect(text(chatsTab, "#web-bar")).toBe("Web Qun signed in");

    const devices = await page("pages/devices/index");
    await lifecycle(devices, "onShow");
    await waitFor(() => devices.instance.data.rows.length === 2, "two devices");
    const web = (devices.instance.data.rows as Array<{ id: string; web: boolean; name: string }>).find((r) => r.web)!;
    expect(web.name).toBe("Web · Chrome on Windows");
    await tap(devices, `#sign-out-${web.id}`);
    await waitFor(() => devices.instance.data.rows.length === 1, "one device left");
    await settled();
    const refused = await browser("POST", "/auth/web/refresh", { "x-qun-web": "1" });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("token_revoked");
    expect(jar.has("qun_web_session")).toBe(false);
  });
});
