// The login page: WeChat sign-in, password sign-in, and the development sign-in by name.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Auth from "../../../miniprogram/services/auth";
import type * as Session from "../../../miniprogram/services/session";
import { createFakeApi, type FakeApi } from "../fake-api";
import { clientModule, input, lifecycle, loadComponent, pageText, renderPage, tap, text, waitFor } from "../harness";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

let pageId: string;
let server: FakeApi;
let adapter: WxAdapter;

function setup(options: Parameters<typeof createFakeApi>[0] = {}, adapterOptions: Parameters<typeof createWxAdapter>[0] = {}) {
  server = createFakeApi(options);
  adapter = createWxAdapter({ fetch: server.fetch, ...adapterOptions });
  installWx(adapter);
}

async function openPage(query: Record<string, string> = {}) {
  const comp = renderPage(pageId);
  await lifecycle(comp, "onLoad", query);
  return comp;
}

/** A printed group code scanned with WeChat's camera: the Join page's `q`, the URL encoded. */
const SCANNED = encodeURIComponent("https://qun.example/j/ABCDEFGHJKMN");

beforeAll(async () => {
  setup();
  pageId = await loadComponent("pages/login/index");
});

beforeEach(() => {
  setup();
  clientModule<typeof Session>("services/session").endSession("user");
});

describe("login page", () => {
  it("opens the page a signed-out user came for after sign-in: a scanned group code survives", async () => {
    const { loginUrl } = clientModule<typeof Auth>("services/auth");
    // What App.onLaunch and the Join page do for a signed-out user who scanned a code.
    const url = loginUrl({ path: "pages/join/index", query: { q: SCANNED } });
    const next = /[?&]next=([^&]*)/.exec(url)?.[1];
    expect(url.startsWith("/pages/login/index?next=")).toBe(true);
    const comp = await openPage({ next: next! }); // the query as it stands in the URL
    await input(comp, "#dev-name-input", "alice");
    await tap(comp, "#dev-login");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: `/pages/join/index?q=${SCANNED}` }]);
  });

  it("offers the Server field only in develop and trial versions; a released version ignores a stored address", async () => {
    setup({}, { envVersion: "trial" });
    expect((await openPage()).querySelector("#open-server")).toBeDefined();
    setup({}, { envVersion: "release" });
    adapter.storage.set("qun.apiBase", JSON.stringify("http://192.168.1.20:8787"));
    const released = await openPage();
    expect(released.querySelector("#open-server")).toBeUndefined();
    expect(server.calls.map((c) => c.path)).toEqual(["/health"]); // asked of the built-in address, not the stored one
    expect(adapter.requests.at(-1)!.url.startsWith("http://127.0.0.1:8787/")).toBe(true);
  });

  it("goes to Chats after sign-in when next is not a page of this app", async () => {
    const comp = await openPage({ next: encodeURIComponent("https://evil.example/pages/join/index") });
    await input(comp, "#dev-name-input", "alice");
    await tap(comp, "#dev-login");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/chats/index" }]);
  });

  it("offers WeChat sign-in and names the server it talks to", async () => {
    const comp = await openPage();
    expect(text(comp, "#wechat-login")).toBe("Sign in with WeChat");
    expect(text(comp, "#open-server")).toBe("Server: http://127.0.0.1:8787");
    expect(server.calls.map((c) => c.path)).toEqual(["/health"]);
  });

  it("forgets the error once WeUI's tip hides itself, so the same error shows again next time", async () => {
    const comp = await openPage();
    await tap(comp, "#dev-login");
    expect(comp.instance.data.error).toBe("Enter a name to sign in as");
    // The toptips' own "hide" event after its delay, as WeUI sends it.
    comp.querySelector("#error-tips")!.dispatchEvent("hide");
    await waitFor(() => comp.instance.data.error === "", "the error cleared");
    await tap(comp, "#dev-login");
    expect(text(comp, "#error-tips")).toBe("Enter a name to sign in as");
  });

  it("shows the development sign-in only when the server is in development", async () => {
    const dev = await openPage();
    expect(text(dev, "#dev-form")).toContain("Development sign-in");

    setup({ environment: "production" });
    const prod = await openPage();
    expect(prod.querySelector("#dev-form")).toBeUndefined();
    expect(pageText(prod)).not.toContain("Development sign-in");
  });

  it("says so when the server cannot be reached", async () => {
    setup(
      {},
      {
        fetch: async () => {
          throw new TypeError("fetch failed");
        },
      },
    );
    const comp = await openPage();
    expect(text(comp, "#server-error")).toMatch(/^Cannot reach the server at http:\/\/127\.0\.0\.1:8787\. Network unavailable/);
  });

  it("signs in by name on a development server and opens the chats", async () => {
    const comp = await openPage();
    await input(comp, "#dev-name-input", "alice");
    expect(text(comp, "#dev-login")).toBe("Sign in as alice");
    await tap(comp, "#dev-login");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(server.calls.at(-1)).toMatchObject({ method: "POST", path: "/auth/dev", body: { name: "alice", device: "devtools simulate (Node)" } });
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/chats/index" }]);
    const saved = JSON.parse(adapter.storage.get("qun.session")!);
    expect(saved.user).toMatchObject({ id: "u-dev-alice", nickname: "alice" });
    expect(saved.tokens.accessToken).toMatch(/^access-/);
  });

  it("asks for a name before a development sign-in", async () => {
    const comp = await openPage();
    await tap(comp, "#dev-login");
    expect(comp.instance.data.error).toBe("Enter a name to sign in as");
    expect(text(comp, "#error-tips")).toBe("Enter a name to sign in as");
    expect(server.calls.map((c) => c.path)).toEqual(["/health"]);
  });

  it("signs in with WeChat: the wx.login code goes to /auth/wechat", async () => {
    setup({}, { loginCode: () => "ok-bob" });
    const comp = await openPage();
    await tap(comp, "#wechat-login");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(server.calls.at(-1)).toMatchObject({ path: "/auth/wechat", body: { code: "ok-bob" } });
    expect(JSON.parse(adapter.storage.get("qun.session")!).user.id).toBe("u-wx-bob");
  });

  it("shows the server's message when WeChat sign-in is refused, and stays signed out", async () => {
    setup({}, { loginCode: () => "expired-code" });
    const comp = await openPage();
    await tap(comp, "#wechat-login");
    await waitFor(() => comp.instance.data.error !== "", "error");
    expect(text(comp, "#error-tips")).toBe("WeChat rejected the login code; call wx.login again");
    expect(adapter.navigations).toEqual([]);
    expect(adapter.storage.has("qun.session")).toBe(false);
    expect(comp.instance.data.busy).toBe("");
  });

  it("signs in with Qun ID and password from the password form", async () => {
    server.user("u-carol", { username: "carol_w" });
    const comp = await openPage();
    expect(comp.querySelector("#password-form")).toBeUndefined();
    await tap(comp, "#toggle-password");
    await input(comp, "#username-input", "Carol_W");
    await input(comp, "#password-input", "passw0rd-ok");
    await tap(comp, "#password-login");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(server.calls.at(-1)).toMatchObject({ path: "/auth/login", body: { username: "Carol_W", password: "passw0rd-ok" } });
    expect(JSON.parse(adapter.storage.get("qun.session")!).user.id).toBe("u-carol");
  });

  it("reports a wrong password", async () => {
    server.user("u-carol", { username: "carol_w" });
    const comp = await openPage();
    await tap(comp, "#toggle-password");
    await input(comp, "#username-input", "carol_w");
    await input(comp, "#password-input", "not-it-1");
    await tap(comp, "#password-login");
    await waitFor(() => comp.instance.data.error !== "", "error");
    expect(text(comp, "#error-tips")).toBe("Wrong username or password");
  });

  it("goes straight to the chats when already signed in", async () => {
    clientModule<typeof Session>("services/session").startSession({ ...server.tokensFor("u1"), user: server.user("u1"), created: false });
    await openPage();
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/chats/index" }]);
    expect(server.calls).toEqual([]);
  });

  it("changes the server address from the server setting and checks the new server", async () => {
    const comp = await openPage();
    await tap(comp, "#open-server");
    expect(comp.instance.data.showServer).toBe(true);
    await input(comp, "#server-setting >>> #api-base-input", "http://192.168.1.20:8787/");
    await tap(comp, "#server-setting >>> .server-setting__save");
    expect(adapter.storage.get("qun.apiBase")).toBe(JSON.stringify("http://192.168.1.20:8787"));
    await waitFor(() => adapter.requests.length === 2, "second health check");
    expect(adapter.requests[1]!.url).toBe("http://192.168.1.20:8787/health");
    expect(text(comp, "#open-server")).toBe("Server: http://192.168.1.20:8787");
  });

  it("refuses a server address that is not http(s)", async () => {
    const comp = await openPage();
    await tap(comp, "#open-server");
    await input(comp, "#server-setting >>> #api-base-input", "192.168.1.20");
    await tap(comp, "#server-setting >>> .server-setting__save");
    expect(text(comp, "#server-setting >>> .server-setting__error")).toBe("Enter an http:// or https:// address, such as http://192.168.1.20:8787");
    expect(adapter.storage.has("qun.apiBase")).toBe(false);
  });
});

describe("login page in Chinese", () => {
  it("says everything in Chinese: title, WeChat sign-in, password and development sign-in, the server", async () => {
    clientModule<typeof I18n>("i18n/index").setLocale("zh_CN");
    const comp = await openPage();
    await waitFor(() => comp.querySelector("#dev-login") !== undefined, "the development sign-in");
    expect(adapter.titles.at(-1)).toBe("登录");
    expect(text(comp, "#wechat-login")).toBe("微信登录");
    expect(text(comp, "#toggle-password")).toBe("用Qun号和密码登录");
    expect(text(comp, "#open-server")).toBe("服务器：http://127.0.0.1:8787");
    await input(comp, "#dev-name-input", "alice");
    expect(text(comp, "#dev-login")).toBe("以alice的身份登录");
    await tap(comp, "#toggle-password");
    expect(text(comp, "#toggle-password")).toBe("收起密码登录");
    expect(text(comp, "#password-login")).toBe("登录");
    await tap(comp, "#password-login");
    expect(comp.instance.data.error).toBe("请输入Qun号和密码");
    // The server setting (a component).
    await tap(comp, "#open-server");
    expect(text(comp, "#server-setting >>> .server-setting__label")).toBe("接口地址");
    expect(text(comp, "#server-setting >>> .server-setting__reset")).toBe("恢复默认");
    await input(comp, "#server-setting >>> #api-base-input", "192.168.1.20");
    await tap(comp, "#server-setting >>> .server-setting__save");
    expect(text(comp, "#server-setting >>> .server-setting__error")).toBe("请输入 http:// 或 https:// 开头的地址，例如 http://192.168.1.20:8787");
  });
});
