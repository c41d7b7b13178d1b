// The first sign-in: a WeChat account made just now is asked for a photo and a name (WeChat's
// avatar chooser and nickname input), in Chinese on a Chinese phone; both can be skipped.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Session from "../../../miniprogram/services/session";
import { createFakeApi, type FakeApi } from "../fake-api";
import { clientModule, input, lifecycle, loadComponent, renderPage, tap, text, waitFor } from "../harness";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

let loginId: string;
let welcomeId: string;
let server: FakeApi;
let adapter: WxAdapter;
let uploads: number;
let refuseProfile = false;
const session = () => clientModule<typeof Session>("services/session");
const i18n = () => clientModule<typeof I18n>("i18n/index");

function setup(loginCode = "ok-newbie") {
  server = createFakeApi();
  uploads = 0;
  adapter = createWxAdapter({
    loginCode: () => loginCode,
    fetch: async (req) => {
      const method = req.headers.get("x-http-method-override") ?? req.method;
      if (refuseProfile && method === "PATCH") return Response.json({ error: { code: "invalid_request", message: "nickname: Nickname is too long" } }, { status: 400 });
      if (new URL(req.url).pathname === "/media") {
        uploads++;
        return Response.json({ id: "md_avataravataravatara", kind: "image" }, { status: 201 });
      }
      return server.fetch(req);
    },
  });
  adapter.files.set("wxfile://tmp/avatar.jpg", new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
  installWx(adapter);
}

async function open(id: string, query: Record<string, string> = {}) {
  const comp = renderPage(id);
  await lifecycle(comp, "onLoad", query);
  return comp;
}

beforeAll(async () => {
  setup();
  loginId = await loadComponent("pages/login/index");
  welcomeId = await loadComponent("pages/welcome/index");
});

beforeEach(() => {
  refuseProfile = false;
  setup();
  session().endSession("user");
});

describe("the first sign-in", () => {
  it("takes a new WeChat account to the welcome page, and a returning one straight to Chats", async () => {
    const login = await open(loginId);
    await tap(login, "#wechat-login");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.navigations.at(-1)).toMatchObject({ url: `/pages/welcome/index?next=${encodeURIComponent("/pages/chats/index")}` });

    session().endSession("user");
    const again = await open(loginId);
    await tap(again, "#wechat-login");
    await waitFor(() => adapter.navigations.length > 1, "second navigation");
    expect(adapter.navigations.at(-1)).toMatchObject({ url: "/pages/chats/index" });
  });

  it("asks in Chinese on a Chinese phone, and saves the chosen photo and name", async () => {
    i18n().setLocale("zh_CN");
    const login = await open(loginId);
    await tap(login, "#wechat-login");
    await waitFor(() => adapter.navigations.length > 0, "signed in");
    const page = await open(welcomeId);
    expect(text(page, "#welcome-title")).toBe("设置头像和昵称");
    expect(adapter.titles.at(-1)).toBe("设置头像和昵称");
    expect(text(page, "#welcome-save")).toBe("完成");
    expect(text(page, "#welcome-skip")).toBe("跳过");

    page.querySelector("#welcome-avatar")!.dispatchEvent("chooseavatar", { detail: { avatarUrl: "wxfile://tmp/avatar.jpg" } });
    await input(page, "#welcome-nickname", "  小明 ");
    await tap(page, "#welcome-save");
    await waitFor(() => adapter.navigations.length > 1, "done");
    expect(uploads).toBe(1);
    expect(server.calls.find((c) => c.method === "PATCH" && c.path === "/me")).toMatchObject({ body: { nickname: "小明", avatarMediaId: "md_avataravataravatara" } });
    expect(adapter.navigations.at(-1)).toMatchObject({ url: "/pages/chats/index" });
  });

  it("can be skipped, changing nothing, and goes on to where sign-in was headed", async () => {
    const login = await open(loginId);
    await tap(login, "#wechat-login");
    await waitFor(() => adapter.navigations.length > 0, "signed in");
    const page = await open(welcomeId, { next: encodeURIComponent("/pages/join/index?token=abc") });
    // (a target outside this app's pages is ignored: afterSignIn)
    expect(text(page, "#welcome-title")).toBe("Your photo and name");
    await tap(page, "#welcome-skip");
    expect(server.calls.some((c) => c.method === "PATCH")).toBe(false);
    expect(uploads).toBe(0);
    expect(adapter.navigations.at(-1)).toMatchObject({ url: "/pages/join/index?token=abc" });
  });

  it("keeps the page and says why when the name is refused", async () => {
    const login = await open(loginId);
    await tap(login, "#wechat-login");
    await waitFor(() => adapter.navigations.length > 0, "signed in");
    const page = await open(welcomeId);
    refuseProfile = true;
    await input(page, "#welcome-nickname", "小明");
    const before = adapter.navigations.length;
    await tap(page, "#welcome-save");
    await waitFor(() => page.instance.data.error !== "", "error shown");
    expect(adapter.navigations.length).toBe(before);
    expect(page.instance.data.error).toBe("nickname: Nickname is too long");
  });
});
