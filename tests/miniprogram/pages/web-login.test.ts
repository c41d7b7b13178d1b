// Web sign-in on the phone (pages/web-login), the devices list (pages/devices), the Chats list's
// "Web Qun signed in" bar and the Scan routing, against a small in-memory server speaking the
// shapes of schema/web-login.ts.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Devices from "../../../miniprogram/services/devices";
import type { SessionInfo } from "../../../schema/web-login";
import { clientModule, lifecycle, loadComponent, settled, tap, text, waitFor, type Rendered } from "../harness";
import { chats, signIn, stopSocketAfterAll, unloadPagesAfterEach } from "./fixtures";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const i18n = () => clientModule<typeof I18n>("i18n/index");
const devices = () => clientModule<typeof Devices>("services/devices");
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const TICKET = "wt_0123456789abcdefghijklmnopqrstuv";
const WEB_URL = `https://qun.example.com/w/${TICKET}`;
const INVITE_URL = "https://qun.example.com/j/AbCdEfGhIjKlMnOpQrStUv";
const PHONE: SessionInfo = { id: "s_phonephonephonephone", kind: "miniprogram", device: "iPhone", createdAt: 1, lastSeenAt: Date.now(), current: true };
const WEB: SessionInfo = { id: "s_webwebwebwebwebwebw", kind: "web", device: "Chrome on macOS", createdAt: 2, lastSeenAt: Date.now() - 3_600_000, current: false };

const pages = { webLogin: "", devices: "", chats: "", join: "", me: "" };
let adapter: WxAdapter;
let calls: Array<{ method: string; path: string }>;
let sessions: SessionInfo[];
/** What the scan answers: the browser's label, or an error code. */
let ticketState: "waiting" | "expired" | "gone";

const error = (status: number, code: string, message: string) => Response.json({ error: { code, message } }, { status });

async function server(req: Request): Promise<Response> {
  const { pathname: p } = new URL(req.url);
  calls.push({ method: req.method, path: p });
  const ticket = p.match(/^\/auth\/web\/qr\/([^/]+)\/(scan|confirm|cancel)$/);
  if (ticket && req.method === "POST") {
    if (ticket[1] !== TICKET || ticketState === "gone") return error(404, "not_found", "No such sign-in QR code");
    if (ticketState === "expired") return error(410, "expired", "This sign-in QR code has expired or was already used; refresh it in the browser");
    if (ticket[2] === "scan") return Response.json({ device: "Chrome on macOS", expiresAt: Date.now() + 120_000 });
    if (ticket[2] === "confirm") sessions = [...sessions, WEB];
    return new Response(null, { status: 204 });
  }
  if (p === "/me/sessions" && req.method === "GET") return Response.json({ sessions });
  const one = p.match(/^\/me\/sessions\/(s_[0-9a-z]+)$/);
  if (one && req.method === "DELETE") {
    sessions = sessions.filter((s) => s.id !== one[1]);
    return new Response(null, { status: 204 });
  }
  return error(404, "not_found", `no ${p}`);
}

const opened = unloadPagesAfterEach();
stopSocketAfterAll();

beforeAll(async () => {
  installWx(createWxAdapter());
  pages.webLogin = await loadComponent("pages/web-login/index");
  pages.devices = await loadComponent("pages/devices/index");
  pages.chats = await loadComponent("pages/chats/index");
  pages.join = await loadComponent("pages/join/index");
  pages.me = await loadComponent("pages/me/index");
});

beforeEach(() => {
  calls = [];
  sessions = [PHONE];
  ticketState = "waiting";
  adapter = createWxAdapter({ fetch: server, scanResult: () => WEB_URL });
  installWx(adapter);
  chats().signOut();
  signIn({ id: ME });
  devices().webSessionChanged();
  i18n().setLocale("en");
});

async function openWebLogin(query: Record<string, string>): Promise<Rendered> {
  const comp = opened.render(pages.webLogin);
  await lifecycle(comp, "onLoad", query);
  await waitFor(() => comp.instance.data.state !== "loading", "scan answered");
  return comp;
}

describe("reading web sign-in codes", () => {
  it("finds the ticket in a scanned URL and in WeChat's encoded q parameter, and nothing in an invite", () => {
    const { webLoginTicketFrom, pageForScanned } = devices();
    expect(webLoginTicketFrom(WEB_URL)).toBe(TICKET);
    expect(webLoginTicketFrom(encodeURIComponent(WEB_URL))).toBe(TICKET);
    expect(webLoginTicketFrom(INVITE_URL)).toBeNull();
    expect(webLoginTicketFrom(`${WEB_URL}x`)).toBeNull();
    expect(pageForScanned(WEB_URL)).toBe(`/pages/web-login/index?ticket=${TICKET}`);
    expect(pageForScanned(INVITE_URL)).toBe(`/pages/join/index?q=${encodeURIComponent(INVITE_URL)}`);
  });

  it("the Chats tab's Scan opens the web sign-in page for a web code and the Join page for an invite", async () => {
    const comp = opened.render(pages.chats);
    await lifecycle(comp, "onLoad");
    adapter.actionSheetChoice = 1;
    await tap(comp, "#plus");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: `/pages/web-login/index?ticket=${TICKET}` });

    adapter = createWxAdapter({ fetch: server, scanResult: () => INVITE_URL });
    installWx(adapter);
    adapter.actionSheetChoice = 1;
    await tap(comp, "#plus");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: `/pages/join/index?q=${encodeURIComponent(INVITE_URL)}` });
  });

  it("the Join page hands a scanned web sign-in code on to its page without treating it as an invite", async () => {
    const comp = opened.render(pages.join);
    await lifecycle(comp, "onLoad", { scan: "1" });
    await waitFor(() => adapter.navigations.length > 0, "redirect");
    expect(adapter.navigations).toEqual([{ api: "redirectTo", url: `/pages/web-login/index?ticket=${TICKET}` }]);
    expect(calls.filter((c) => c.path.startsWith("/invites"))).toEqual([]);
  });
});

describe("the web sign-in page", () => {
  it("tells the server it was scanned, then asks: a computer, the question, the browser, Sign In and Cancel", async () => {
    const comp = await openWebLogin({ ticket: TICKET });
    expect(calls).toEqual([{ method: "POST", path: `/auth/web/qr/${TICKET}/scan` }]);
    expect(comp.querySelector("#web-login-icon")?.dom?.className).toContain("web-login__computer");
    expect(text(comp, "#web-login-title")).toBe("Sign in to Qun on the web?");
    expect(text(comp, "#web-login-device")).toBe("Chrome on macOS");
    expect(text(comp, "#web-login-confirm")).toBe("Sign In");
    expect(text(comp, "#web-login-cancel")).toBe("Cancel");
  });

  it("reads 登录网页版Qun？ with 登录 and 取消登录 in Chinese", async () => {
    i18n().setLocale("zh_CN");
    const comp = await openWebLogin({ ticket: TICKET });
    expect(text(comp, "#web-login-title")).toBe("登录网页版Qun？");
    expect(text(comp, "#web-login-confirm")).toBe("登录");
    expect(text(comp, "#web-login-cancel")).toBe("取消登录");
  });

  it("signs the browser in on Sign In, then goes back with a toast", async () => {
    const comp = await openWebLogin({ ticket: TICKET });
    await tap(comp, "#web-login-confirm");
    await waitFor(() => adapter.navigations.length > 0, "back");
    expect(calls.at(-1)).toEqual({ method: "POST", path: `/auth/web/qr/${TICKET}/confirm` });
    expect(adapter.toasts).toEqual([{ title: "Signed in", icon: "success" }]);
    expect(adapter.navigations).toEqual([{ api: "navigateBack", url: "delta:1" }]);
  });

  it("turns the sign-in down on Cancel and goes back", async () => {
    const comp = await openWebLogin({ ticket: TICKET });
    await tap(comp, "#web-login-cancel");
    await waitFor(() => calls.length === 2, "cancel sent");
    await lifecycle(comp, "onUnload"); // leaving after Cancel sends nothing more
    opened.forget(comp);
    await settled();
    expect(calls).toHaveLength(2);
    expect(calls.at(-1)).toEqual({ method: "POST", path: `/auth/web/qr/${TICKET}/cancel` });
    expect(adapter.navigations).toEqual([{ api: "navigateBack", url: "delta:1" }]);
    expect(adapter.toasts).toEqual([]);
  });

  it("turns the sign-in down once when the page is left unanswered (the back button), and not after Sign In", async () => {
    const left = await openWebLogin({ ticket: TICKET });
    await lifecycle(left, "onUnload");
    opened.forget(left);
    await waitFor(() => calls.length === 2, "cancel sent");
    expect(calls.at(-1)).toEqual({ method: "POST", path: `/auth/web/qr/${TICKET}/cancel` });
    calls = [];
    const answered = await openWebLogin({ ticket: TICKET });
    await tap(answered, "#web-login-confirm");
    await waitFor(() => adapter.navigations.length > 0, "back");
    await lifecycle(answered, "onUnload");
    opened.forget(answered);
    await settled();
    expect(calls.map((c) => c.path)).toEqual([`/auth/web/qr/${TICKET}/scan`, `/auth/web/qr/${TICKET}/confirm`]);
  });

  it("says plainly that an expired or used code must be refreshed on the computer, with no Sign In button", async () => {
    ticketState = "expired";
    const comp = await openWebLogin({ ticket: TICKET });
    expect(text(comp, "#web-login-expired")).toBe("QR code expired");
    expect(text(comp, "#web-login-why")).toBe("Refresh the QR code on the computer and scan it again");
    expect(comp.querySelector("#web-login-confirm")).toBeUndefined();
    await tap(comp, "#web-login-back");
    expect(adapter.navigations).toEqual([{ api: "navigateBack", url: "delta:1" }]);
  });

  it("opens from WeChat's own scanner (the q parameter) too, and refuses a code that is not a web sign-in", async () => {
    const fromQ = await openWebLogin({ q: encodeURIComponent(WEB_URL) });
    expect(text(fromQ, "#web-login-device")).toBe("Chrome on macOS");
    calls = [];
    const other = await openWebLogin({ q: encodeURIComponent(INVITE_URL) });
    expect(text(other, "#web-login-why")).toBe("This is not a Qun web sign-in QR code");
    expect(calls).toEqual([]);
  });
});

describe("the devices page", () => {
  it("opens from Me's Devices (登录设备管理) entry", async () => {
    const me = opened.render(pages.me);
    await lifecycle(me, "onLoad");
    expect(text(me, "#open-devices")).toBe("Devices");
    await tap(me, "#open-devices");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: "/pages/devices/index" });
  });

  async function openDevices(): Promise<Rendered> {
    const comp = opened.render(pages.devices);
    await lifecycle(comp, "onLoad");
    await lifecycle(comp, "onShow");
    await waitFor(() => comp.instance.data.loaded, "list");
    return comp;
  }

  it("lists the signed-in devices, this phone marked, the others with when they were last used and a Sign Out button", async () => {
    sessions = [PHONE, WEB];
    const comp = await openDevices();
    expect(text(comp, `#device-${PHONE.id} .device__name`)).toBe("Mini Program · iPhone");
    expect(text(comp, `#device-${PHONE.id} .device__detail`)).toBe("This device");
    expect(comp.querySelector(`#sign-out-${PHONE.id}`)).toBeUndefined();
    expect(text(comp, `#device-${WEB.id} .device__name`)).toBe("Web · Chrome on macOS");
    expect(text(comp, `#device-${WEB.id} .device__detail`)).toMatch(/^Last active /);
    expect(comp.querySelector(`#device-${WEB.id} .device__icon--web`)).toBeDefined();
    expect(comp.querySelector(`#device-${PHONE.id} .device__icon--web`)).toBeUndefined();
    expect(text(comp, `#sign-out-${WEB.id}`)).toBe("Sign Out");
  });

  it("signs a device out after the confirmation, and lists what is left", async () => {
    sessions = [PHONE, WEB];
    const comp = await openDevices();
    await tap(comp, `#sign-out-${WEB.id}`);
    await waitFor(() => comp.instance.data.rows.length === 1, "list without it");
    expect(adapter.modals).toEqual([{ title: "", content: "Sign out of Qun on the web (Web · Chrome on macOS)?" }]);
    expect(calls.filter((c) => c.method === "DELETE")).toEqual([{ method: "DELETE", path: `/me/sessions/${WEB.id}` }]);
    expect(comp.querySelector(`#device-${WEB.id}`)).toBeUndefined();
  });

  it("signs nothing out when the confirmation is cancelled", async () => {
    adapter = createWxAdapter({ fetch: server, confirmModals: false });
    installWx(adapter);
    sessions = [PHONE, WEB];
    const comp = await openDevices();
    await tap(comp, `#sign-out-${WEB.id}`);
    await settled();
    expect(adapter.modals).toHaveLength(1);
    expect(calls.filter((c) => c.method === "DELETE")).toEqual([]);
    expect(comp.instance.data.rows).toHaveLength(2);
  });

  it("is titled 登录设备管理 in Chinese and marks this phone 本机", async () => {
    i18n().setLocale("zh_CN");
    const comp = await openDevices();
    expect(adapter.titles.at(-1)).toBe("登录设备管理");
    expect(text(comp, `#device-${PHONE.id} .device__detail`)).toBe("本机");
  });
});

describe("the Chats list's web bar", () => {
  async function showChats(): Promise<Rendered> {
    const comp = opened.render(pages.chats);
    await lifecycle(comp, "onLoad");
    await lifecycle(comp, "onShow");
    await waitFor(() => calls.some((c) => c.path === "/me/sessions"), "sessions asked");
    await settled();
    return comp;
  }

  it("shows 网页版Qun已登录 while a web session is live, opening the devices page", async () => {
    i18n().setLocale("zh_CN");
    sessions = [PHONE, WEB];
    const comp = await showChats();
    expect(text(comp, "#web-bar")).toBe("网页版Qun已登录");
    await tap(comp, "#web-bar");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: "/pages/devices/index" });
  });

  it("shows no bar without a web session, and asks the server at most once a minute", async () => {
    const comp = await showChats();
    expect(comp.querySelector("#web-bar")).toBeUndefined();
    await lifecycle(comp, "onShow");
    await settled();
    expect(calls.filter((c) => c.path === "/me/sessions")).toHaveLength(1);
  });

  it("asks again after this phone confirmed a web sign-in, and the bar appears (Web Qun signed in)", async () => {
    const comp = await showChats();
    expect(comp.querySelector("#web-bar")).toBeUndefined();
    const page = await openWebLogin({ ticket: TICKET });
    await tap(page, "#web-login-confirm");
    await waitFor(() => adapter.navigations.length > 0, "back");
    await lifecycle(comp, "onShow");
    await waitFor(() => comp.querySelector("#web-bar") !== undefined, "bar");
    expect(text(comp, "#web-bar")).toBe("Web Qun signed in");
  });
});
