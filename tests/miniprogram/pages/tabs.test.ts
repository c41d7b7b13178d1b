// The Contacts tab: its empty state, and that it needs a session. (Chats: chats.test.ts.)
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as Session from "../../../miniprogram/services/session";
import { clientModule, lifecycle, loadComponent, renderPage, text } from "../harness";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const session = () => clientModule<typeof Session>("services/session");
const pages = { contacts: "" };
let adapter: WxAdapter;

function signIn() {
  session().startSession({
    accessToken: "access-1",
    accessTokenExpiresAt: Date.now() + 60_000,
    refreshToken: "refresh-1-0123456789abcdef",
    refreshTokenExpiresAt: Date.now() + 86_400_000,
    user: { id: "u1", username: null, nickname: "Ann", avatarMediaId: null, signature: "", status: "", allowStrangers: false, hasPassword: false, wechatLinked: false, createdAt: 0 },
    created: false,
  });
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pages.contacts = await loadComponent("pages/contacts/index");
});

beforeEach(() => {
  adapter = createWxAdapter({ fetch: async () => { throw new Error("these pages make no requests yet"); } });
  installWx(adapter);
  session().endSession("user");
});

describe.each([
  { page: "contacts" as const, empty: "#contacts-empty", title: "No contacts yet", desc: "Friends you add and groups you join will be listed here." },
])("$page tab", ({ page, empty, title, desc }) => {
  it("shows its empty state with WeUI's icon", async () => {
    signIn();
    const comp = renderPage(pages[page]);
    await lifecycle(comp, "onShow");
    expect(text(comp, empty)).toBe(`${title} ${desc}`);
    // WeUI's icon draws its SVG as a CSS mask on a view.
    const icon = comp.dom!.querySelector("mp-icon > wx-view");
    expect(icon?.getAttribute("style") ?? "").toMatch(/width:64px;height:64px;mask-image:url\(data:image\/svg\+xml;base64,/);
    expect(adapter.navigations).toEqual([]);
  });

  it("sends a signed-out visitor to the login page", async () => {
    const comp = renderPage(pages[page]);
    await lifecycle(comp, "onShow");
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/login/index" }]);
  });
});
