// The Me page: the own profile, editing it, the server setting, and logging out.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Chats from "../../../miniprogram/services/chats";
import type * as Session from "../../../miniprogram/services/session";
import type { OwnProfile } from "../../../schema/api";
import { createFakeApi, type FakeApi } from "../fake-api";
import { clientModule, input, lifecycle, loadComponent, renderPage, settled, tap, text, waitFor, type Rendered } from "../harness";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

let pageId: string;
let chatsPageId: string;
let server: FakeApi;
let adapter: WxAdapter;
const session = () => clientModule<typeof Session>("services/session");
const i18n = () => clientModule<typeof I18n>("i18n/index");
const chats = () => clientModule<typeof Chats>("services/chats").chats;

function signIn(profile: Partial<OwnProfile> = {}) {
  const user = server.user("u-alice", { nickname: "Alice", username: "alice_l", status: "At work", signature: "Hello from Qun", ...profile });
  const tokens = server.tokensFor(user.id);
  session().startSession({ ...tokens, user, created: false });
  return tokens;
}

async function openPage(): Promise<Rendered> {
  const comp = renderPage(pageId);
  await lifecycle(comp, "onLoad");
  await lifecycle(comp, "onShow");
  await waitFor(() => server.calls.some((c) => c.path === "/me") || adapter.navigations.length > 0, "profile load");
  await settled();
  return comp;
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pageId = await loadComponent("pages/me/index");
  chatsPageId = await loadComponent("pages/chats/index");
});

beforeEach(() => {
  server = createFakeApi();
  adapter = createWxAdapter({ fetch: server.fetch });
  installWx(adapter);
  session().endSession("user");
});

describe("Me page", () => {
  it("shows the profile: avatar initial, name, Qun ID, status and What's Up", async () => {
    signIn();
    const comp = await openPage();
    expect(text(comp, "#profile-avatar")).toBe("A");
    expect(text(comp, "#profile-nickname")).toBe("Alice");
    expect(text(comp, "#profile-qun-id")).toBe("Qun ID: alice_l");
    expect(text(comp, "#profile-status")).toBe("At work");
    expect(text(comp, "#edit-nickname")).toBe("Name Alice");
    expect(text(comp, "#edit-signature")).toBe("What's Up Hello from Qun");
    expect(text(comp, "#open-server")).toBe("Server http://127.0.0.1:8787");
  });

  it("refreshes the profile from the server when shown", async () => {
    signIn();
    server.users.set("u-alice", { ...server.users.get("u-alice")!, nickname: "Alice (from another phone)" });
    const comp = await openPage();
    await waitFor(() => text(comp, "#profile-nickname") === "Alice (from another phone)", "refreshed name");
    expect(server.calls.filter((c) => c.path === "/me")).toHaveLength(1);
  });

  it("edits the name: the dialog starts from the current name and saves it with PATCH /me", async () => {
    signIn();
    const comp = await openPage();
    await tap(comp, "#edit-nickname");
    expect(comp.instance.data.editing).toMatchObject({ field: "nickname", title: "Set Name", maxlength: 32 });
    expect(comp.instance.data.draft).toBe("Alice");
    await input(comp, "#edit-input", "  Alice Liu ");
    await tap(comp, "#edit-save");
    await waitFor(() => comp.instance.data.editing === null, "dialog to close");
    expect(server.calls.at(-1)).toMatchObject({ method: "PATCH", path: "/me", body: { nickname: "Alice Liu" } });
    expect(text(comp, "#profile-nickname")).toBe("Alice Liu");
    expect(text(comp, "#profile-avatar")).toBe("A");
    expect(adapter.toasts).toEqual([{ title: "Saved", icon: "success" }]);
    expect(JSON.parse(adapter.storage.get("qun.session")!).user.nickname).toBe("Alice Liu");
  });

  it("edits status and What's Up the same way", async () => {
    signIn();
    const comp = await openPage();
    await tap(comp, "#edit-status");
    await input(comp, "#edit-input", "On holiday");
    await tap(comp, "#edit-save");
    await waitFor(() => comp.instance.data.editing === null, "dialog to close");
    await tap(comp, "#edit-signature");
    expect(comp.instance.data.editing).toMatchObject({ field: "signature", maxlength: 60 });
    await input(comp, "#edit-input", "Back on Monday");
    await tap(comp, "#edit-save");
    await waitFor(() => comp.instance.data.editing === null, "dialog to close");
    expect(server.calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([{ status: "On holiday" }, { signature: "Back on Monday" }]);
    expect(text(comp, "#profile-status")).toBe("On holiday");
    expect(text(comp, "#edit-signature")).toBe("What's Up Back on Monday");
  });

  it("keeps the dialog open and shows the server's message when a change is refused", async () => {
    signIn();
    const comp = await openPage();
    await tap(comp, "#edit-nickname");
    await input(comp, "#edit-input", "   ");
    await tap(comp, "#edit-save");
    await waitFor(() => comp.instance.data.error !== "", "error");
    expect(text(comp, "#error-tips")).toBe("nickname: Nickname cannot be empty");
    expect(comp.instance.data.editing).not.toBeNull();
    expect(text(comp, "#profile-nickname")).toBe("Alice");
  });

  it("sends nothing when the value did not change", async () => {
    signIn();
    const comp = await openPage();
    await tap(comp, "#edit-status");
    await tap(comp, "#edit-save");
    expect(comp.instance.data.editing).toBeNull();
    expect(server.calls.filter((c) => c.method === "PATCH")).toEqual([]);
  });

  it("lets a user without a Qun ID set one, once", async () => {
    signIn({ username: null });
    const comp = await openPage();
    expect(text(comp, "#profile-qun-id")).toBe("Qun ID: not set");
    await tap(comp, "#edit-username");
    await input(comp, "#edit-input", "alice_2");
    await tap(comp, "#edit-save");
    await waitFor(() => comp.instance.data.editing === null, "dialog to close");
    expect(text(comp, "#profile-qun-id")).toBe("Qun ID: alice_2");
    await tap(comp, "#edit-username");
    expect(comp.instance.data.editing).toBeNull();
  });

  it("logs out after confirmation: the server ends the session and the login page opens", async () => {
    const tokens = signIn();
    const comp = await openPage();
    await tap(comp, "#logout");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.modals).toEqual([{ title: "Log Out", content: "Log out of Qun on this device?" }]);
    expect(server.calls.at(-1)).toMatchObject({ method: "POST", path: "/auth/logout", authorization: `Bearer ${tokens.accessToken}` });
    expect(adapter.storage.has("qun.session")).toBe(false);
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/login/index" }]);
  });

  it("stays signed in when the logout is cancelled", async () => {
    signIn();
    adapter = createWxAdapter({ fetch: server.fetch, confirmModals: false });
    installWx(adapter);
    const comp = await openPage();
    await tap(comp, "#logout");
    expect(adapter.modals).toHaveLength(1);
    expect(server.calls.some((c) => c.path === "/auth/logout")).toBe(false);
    expect(session().isSignedIn()).toBe(true);
  });

  it("deletes a password account after the warning and the password: DELETE /me, the session forgotten, the login page opened", async () => {
    const tokens = signIn({ hasPassword: true });
    adapter = createWxAdapter({ fetch: server.fetch, modalContent: () => "passw0rd-ok" });
    installWx(adapter);
    const comp = await openPage();
    await tap(comp, "#delete-account");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.modals.map((m) => m.title)).toEqual(["Delete Account", "Enter Password"]);
    expect(adapter.modals[0]!.content).toMatch(/cannot be undone/);
    expect(adapter.modals[0]!.content).toMatch(/deleted account/);
    expect(server.calls.at(-1)).toMatchObject({ method: "DELETE", path: "/me", body: { password: "passw0rd-ok" }, authorization: `Bearer ${tokens.accessToken}` });
    expect(adapter.storage.has("qun.session")).toBe(false);
    expect(session().isSignedIn()).toBe(false);
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/login/index" }]);
  });

  it("deletes a WeChat account, which has no password, with the confirmation alone", async () => {
    signIn({ hasPassword: false, wechatLinked: true });
    const comp = await openPage();
    await tap(comp, "#delete-account");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.modals.map((m) => m.title)).toEqual(["Delete Account"]);
    expect(server.calls.at(-1)).toMatchObject({ method: "DELETE", path: "/me", body: { confirm: "DELETE" } });
    expect(session().isSignedIn()).toBe(false);
  });

  it("does nothing when the warning is cancelled", async () => {
    signIn({ hasPassword: true });
    adapter = createWxAdapter({ fetch: server.fetch, confirmModals: false });
    installWx(adapter);
    const comp = await openPage();
    await tap(comp, "#delete-account");
    await settled();
    expect(adapter.modals.map((m) => m.title)).toEqual(["Delete Account"]);
    expect(server.calls.some((c) => c.method === "DELETE")).toBe(false);
    expect(session().isSignedIn()).toBe(true);
    expect(adapter.navigations).toEqual([]);
  });

  it("keeps the account and the session, and shows the server's message, when the password is wrong", async () => {
    signIn({ hasPassword: true });
    adapter = createWxAdapter({ fetch: server.fetch, modalContent: () => "guess-1234" });
    installWx(adapter);
    const comp = await openPage();
    await tap(comp, "#delete-account");
    await waitFor(() => comp.instance.data.error !== "", "error");
    expect(text(comp, "#error-tips")).toBe("The password is incorrect; the account was not deleted");
    expect(server.calls.at(-1)).toMatchObject({ method: "DELETE", path: "/me", body: { password: "guess-1234" } });
    expect(session().isSignedIn()).toBe(true);
    expect(adapter.navigations).toEqual([]);
  });

  it("sends a signed-out visitor to the login page", async () => {
    await openPage();
    expect(adapter.navigations).toEqual([{ api: "reLaunch", url: "/pages/login/index" }]);
    expect(server.calls).toEqual([]);
  });

  it("follows the session while shown and stops when unloaded", async () => {
    signIn();
    const comp = await openPage();
    const before = session().session.listenerCount;
    session().replaceUser({ ...server.users.get("u-alice")!, nickname: "Zoe" });
    await settled();
    expect(text(comp, "#profile-avatar")).toBe("Z");
    await lifecycle(comp, "onUnload");
    expect(session().session.listenerCount).toBe(before - 1);
    session().replaceUser({ ...server.users.get("u-alice")!, nickname: "Yan" });
    await settled();
    expect(text(comp, "#profile-avatar")).toBe("Z");
  });

  it("lets strangers message me when the switch is turned on", async () => {
    signIn();
    const comp = await openPage();
    expect(comp.instance.data.user.allowStrangers).toBe(false);
    comp.querySelector("#allow-strangers-switch")!.dispatchEvent("change", { detail: { value: true } });
    await waitFor(() => server.calls.some((c) => c.method === "PATCH"), "PATCH /me");
    expect(server.calls.at(-1)).toMatchObject({ method: "PATCH", path: "/me", body: { allowStrangers: true } });
    await waitFor(() => comp.instance.data.user.allowStrangers === true, "saved");
  });

  it("uploads the avatar WeChat's picker hands over, saves it on the profile and shows it by a signed URL", async () => {
    signIn();
    const uploads: string[] = [];
    adapter = createWxAdapter({
      fetch: async (req) => {
        const path = new URL(req.url).pathname;
        if (path === "/media") {
          uploads.push(req.headers.get("content-type") ?? "");
          return Response.json({ id: "md_avataravataravatara", kind: "image" }, { status: 201 });
        }
        if (path === "/media/urls")
          return Response.json({ urls: [{ mediaId: "md_avataravataravatara", url: "http://127.0.0.1:8787/media/md_avataravataravatara?e=9&s=x", expiresAt: Date.now() + 600_000 }], denied: [] });
        return server.fetch(req);
      },
    });
    adapter.files.set("wxfile://tmp/avatar.jpg", new Uint8Array([0xff, 0xd8, 0xff, 0xd9]));
    installWx(adapter);
    const comp = await openPage();
    comp.querySelector("#choose-avatar")!.dispatchEvent("chooseavatar", { detail: { avatarUrl: "wxfile://tmp/avatar.jpg" } });
    await waitFor(() => comp.instance.data.avatar !== "", "avatar shown");
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatch(/^multipart\/form-data; boundary=/);
    expect(server.calls.find((c) => c.method === "PATCH")).toMatchObject({ path: "/me", body: { avatarMediaId: "md_avataravataravatara" } });
    expect(comp.instance.data.avatar).toBe("http://127.0.0.1:8787/media/md_avataravataravatara?e=9&s=x");
    await settled();
    expect(comp.querySelector("#profile-avatar-image")).toBeDefined();
  });

  it("sets the server address for testing on a phone", async () => {
    signIn();
    const comp = await openPage();
    await tap(comp, "#open-server");
    await input(comp, "#server-setting >>> #api-base-input", "https://qun.example.com/");
    await tap(comp, "#server-setting >>> .server-setting__save");
    expect(text(comp, "#open-server")).toBe("Server https://qun.example.com");
    expect(comp.instance.data.showServer).toBe(false);
    await tap(comp, "#open-server");
    await tap(comp, "#server-setting >>> .server-setting__reset");
    expect(text(comp, "#open-server")).toBe("Server http://127.0.0.1:8787");
    expect(adapter.storage.has("qun.apiBase")).toBe(false);
  });
});

describe("Me page in Chinese, and the language switch", () => {
  it("says everything in Chinese: title, tab labels, profile, settings and the logout modal", async () => {
    i18n().setLocale("zh_CN");
    signIn({ username: null });
    adapter.pageStack.push("pages/me/index");
    const comp = await openPage();
    expect(adapter.titles.at(-1)).toBe("我");
    expect(adapter.tabLabels).toEqual(["消息", "通讯录", "发现", "我"]);
    expect(text(comp, "#profile-qun-id")).toBe("Qun号：未设置");
    expect(text(comp, "#edit-nickname")).toBe("名字 Alice");
    expect(text(comp, "#edit-signature")).toBe("个性签名 Hello from Qun");
    expect(text(comp, "#open-language")).toBe("语言 中文");
    expect(text(comp, "#open-privacy")).toBe("隐私保护指引");
    expect(text(comp, "#logout")).toBe("退出登录");
    expect(text(comp, "#delete-account")).toBe("注销账号");
    expect(comp.instance.data.s.chooseAvatar).toBe("更换头像"); // the avatar button's aria-label
    adapter.actionSheetChoice = null;
    await tap(comp, "#logout");
    await waitFor(() => adapter.modals.length > 0, "the modal");
    expect(adapter.modals).toEqual([{ title: "退出登录", content: "确定在此设备上退出登录吗？" }]);
  });

  it("switches to English on Me: the open pages redraw, the tab bar is re-labelled, and the choice is kept", async () => {
    i18n().setLocale("zh_CN");
    signIn();
    chats().store.set({ conversations: [], synced: true, connection: "online" });
    // Chats was shown first, then the user went to the Me tab.
    adapter.pageStack.push("pages/chats/index");
    const chatsTab = renderPage(chatsPageId);
    await lifecycle(chatsTab, "onLoad");
    await lifecycle(chatsTab, "onShow");
    chats().socket.stop(); // no chat server here
    chats().store.set({ conversations: [], synced: true });
    await settled();
    expect(text(chatsTab, "#chats-empty")).toContain("暂无聊天");
    adapter.pageStack.splice(0, adapter.pageStack.length, "pages/me/index");
    const me = await openPage();
    expect(text(me, "#logout")).toBe("退出登录");

    adapter.actionSheetChoice = 1;
    await tap(me, "#open-language");
    await settled();
    expect(adapter.actionSheets.at(-1)).toEqual(["中文", "English"]);
    expect(i18n().locale()).toBe("en");
    expect(adapter.storage.get("qun.locale")).toBe(JSON.stringify("en"));
    expect(text(me, "#open-language")).toBe("Language English");
    expect(text(me, "#logout")).toBe("Log Out");
    expect(text(me, "#profile-qun-id")).toBe("Qun ID: alice_l");
    expect(adapter.titles.at(-1)).toBe("Me");
    expect(adapter.tabLabels).toEqual(["Chats", "Contacts", "Discover", "Me"]);
    // The Chats tab, open underneath, already reads English; its title follows when it shows.
    expect(text(chatsTab, "#chats-empty")).toContain("No chats yet");
    expect(text(chatsTab, "#open-search")).toBe("Search");
    adapter.pageStack.splice(0, adapter.pageStack.length, "pages/chats/index");
    await lifecycle(chatsTab, "onShow");
    chats().socket.stop();
    expect(adapter.titles.at(-1)).toBe("Chats");

    // And back to 中文.
    adapter.pageStack.splice(0, adapter.pageStack.length, "pages/me/index");
    adapter.actionSheetChoice = 0;
    await tap(me, "#open-language");
    await settled();
    expect(text(me, "#open-language")).toBe("语言 中文");
    expect(adapter.tabLabels).toEqual(["消息", "通讯录", "发现", "我"]);
    expect(text(chatsTab, "#open-search")).toBe("搜索");
    chats().socket.stop();
  });
});
