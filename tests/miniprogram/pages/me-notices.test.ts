// Me → Notifications and the client's asks for WeChat subscribe messages (services/notices.ts):
// the bank shown, the switches saved on the server, the dialog asked at sensible moments only,
// and WeChat's answers (reject, ban) respected. docs/notices.md.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Auth from "../../../miniprogram/services/auth";
import type * as Chats from "../../../miniprogram/services/chats";
import type * as Notices from "../../../miniprogram/services/notices";
import type * as Session from "../../../miniprogram/services/session";
import type { NoticesResponse } from "../../../schema/notices";
import { createFakeApi, type FakeApi } from "../fake-api";
import { clientModule, lifecycle, loadComponent, renderPage, settled, text, waitFor, type Rendered } from "../harness";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const TEMPLATE = "tmpl-new-message";
let pageId: string;
let server: FakeApi;
let adapter: WxAdapter;
let state: NoticesResponse;
/** What wx.requestSubscribeMessage's user answers, and the template lists it was asked for. */
let answer: "accept" | "reject" | "ban";
let asked: string[][];
const notices = () => clientModule<typeof Notices>("services/notices");
const session = () => clientModule<typeof Session>("services/session");

/** The worker's /notices routes, in memory, in front of the fake account API. */
async function noticesRoute(req: Request): Promise<Response | null> {
  const url = new URL(req.url);
  if (!url.pathname.startsWith("/notices")) return null;
  const method = req.headers.get("x-http-method-override") ?? req.method;
  const body = req.method === "GET" ? null : await req.clone().json();
  server.calls.push({ method, path: url.pathname, body, authorization: req.headers.get("authorization") });
  if (method === "PATCH") state = { ...state, settings: { ...state.settings, ...body } };
  if (method === "POST") for (const r of body.results) if (r.status === "accept") state.banked[r.templateId] = (state.banked[r.templateId] ?? 0) + 1;
  return Response.json(state);
}

function install() {
  adapter = createWxAdapter({ fetch: async (req) => (await noticesRoute(req)) ?? server.fetch(req) });
  (adapter.wx as Record<string, unknown>).requestSubscribeMessage = (opts: { tmplIds: string[]; success?: (r: unknown) => void; complete?: () => void }) => {
    asked.push(opts.tmplIds);
    setTimeout(() => {
      opts.success?.({ errMsg: "requestSubscribeMessage:ok", [opts.tmplIds[0]!]: answer });
      opts.complete?.();
    });
  };
  installWx(adapter);
}

function signIn() {
  const user = server.user("u-bob", { nickname: "Bob" });
  session().startSession({ ...server.tokensFor(user.id), user, created: false });
}

async function openPage(): Promise<Rendered> {
  const comp = renderPage(pageId);
  await lifecycle(comp, "onLoad");
  await lifecycle(comp, "onShow");
  await waitFor(() => comp.instance.data.notices !== null, "notice settings");
  await settled();
  return comp;
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pageId = await loadComponent("pages/me/index");
});

beforeEach(() => {
  server = createFakeApi();
  state = { settings: { enabled: true, preview: false, dnd: null, utcOffset: 480 }, banked: { [TEMPLATE]: 2 }, templateIds: [TEMPLATE], reachable: true };
  answer = "accept";
  asked = [];
  install();
  session().endSession("user");
  adapter.storage.delete("qun.notices");
});

describe("Me → Notifications", () => {
  it("shows how many notices are banked, with notices on and previews off", async () => {
    signIn();
    const comp = await openPage();
    expect(text(comp, "#notices-banked")).toBe("Notices left 2");
    expect(comp.instance.data.notices).toMatchObject({ enabled: true, preview: false, dndOn: false });
    expect(text(comp, "#notices")).toContain("Qun asks again after you send a message");
  });

  it("asks WeChat when notices are switched on, and reports what the user accepted", async () => {
    signIn();
    state.settings.enabled = false;
    const comp = await openPage();
    comp.querySelector("#notices-switch")!.dispatchEvent("change", { detail: { value: true } });
    await waitFor(() => server.calls.some((c) => c.path === "/notices/subscriptions"), "the report");
    expect(asked).toEqual([[TEMPLATE]]);
    expect(server.calls.find((c) => c.path === "/notices/subscriptions")!.body).toEqual({ results: [{ templateId: TEMPLATE, status: "accept" }] });
    expect(server.calls.find((c) => c.method === "PATCH")!.body).toEqual({ enabled: true });
    await waitFor(() => text(comp, "#notices-banked") === "Notices left 3", "the new bank");
  });

  it("saves previews and do-not-disturb hours (23:00–08:00 by default, in the phone's time zone) on the server", async () => {
    signIn();
    const comp = await openPage();
    comp.querySelector("#notices-preview-switch")!.dispatchEvent("change", { detail: { value: true } });
    await waitFor(() => comp.instance.data.notices.preview === true, "preview on");
    comp.querySelector("#notices-dnd-switch")!.dispatchEvent("change", { detail: { value: true } });
    await waitFor(() => comp.instance.data.notices.dndOn === true, "dnd on");
    const patch = server.calls.filter((c) => c.method === "PATCH").map((c) => c.body);
    expect(patch).toEqual([{ preview: true }, { dnd: { start: 1380, end: 480 }, utcOffset: 0 - new Date().getTimezoneOffset() }]);
    expect(text(comp, "#notices-dnd-start")).toBe("From 23:00");
    expect(text(comp, "#notices-dnd-end")).toBe("To 08:00");
  });

  it("shows settings another device changed as soon as their frame arrives", async () => {
    signIn();
    const comp = await openPage();
    // The socket's listeners, as the socket calls them for each frame it receives.
    const socket = clientModule<typeof Chats>("services/chats").chats.socket as unknown as { listeners: Set<(f: unknown) => void> };
    for (const listener of socket.listeners) listener({ type: "notice_settings", settings: { enabled: true, preview: true, dnd: { start: 1320, end: 420 }, utcOffset: 480 } });
    await settled();
    expect(comp.instance.data.notices).toMatchObject({ preview: true, dndOn: true, dndStart: "22:00", dndEnd: "07:00", banked: 2 });
    expect(text(comp, "#notices-dnd-start")).toBe("From 22:00");
  });

  it("tells password-only accounts that notices need WeChat sign-in", async () => {
    signIn();
    state.reachable = false;
    const comp = await openPage();
    expect(text(comp, "#notices")).toContain("Notices need WeChat sign-in");
    expect(comp.querySelector("#notices-banked")).toBeFalsy();
  });
});

describe("asking for notices at moments that make sense", () => {
  async function ready(banked = 0) {
    signIn();
    state.banked = { [TEMPLATE]: banked };
    await notices().loadNotices();
  }

  it("asks after a send when few notices are banked, then not again for ten minutes", async () => {
    await ready(0);
    expect(await notices().askForNotices("sent")).not.toBeNull();
    expect(await notices().askForNotices("sent")).toBeNull();
    expect(asked).toHaveLength(1);
    expect(notices().mayAsk("sent", Date.now() + notices().ASK_EVERY_MS)).toBe(true);
  });

  it("does not ask on its own while enough notices are banked, or before the templates are known", async () => {
    expect(notices().mayAsk("sent")).toBe(false); // nothing loaded yet: never on launch
    await ready(notices().ENOUGH_BANKED);
    expect(await notices().askForNotices("left")).toBeNull();
    expect(asked).toEqual([]);
  });

  it("respects reject for a day and ban for good; the switch on Me still asks", async () => {
    await ready(0);
    answer = "reject";
    await notices().askForNotices("sent");
    expect(notices().mayAsk("sent", Date.now() + notices().ASK_EVERY_MS)).toBe(false);
    expect(notices().mayAsk("sent", Date.now() + notices().AFTER_REJECT_MS + 1)).toBe(true);
    answer = "ban";
    await notices().askForNotices("switch");
    expect(notices().mayAsk("left", Date.now() + 7 * notices().AFTER_REJECT_MS)).toBe(false);
    expect(notices().mayAsk("switch")).toBe(true);
    expect(server.calls.filter((c) => c.path === "/notices/subscriptions").map((c) => (c.body as { results: unknown }).results)).toEqual([
      [{ templateId: TEMPLATE, status: "reject" }],
      [{ templateId: TEMPLATE, status: "ban" }],
    ]);
  });
});

describe("a notice opens its chat, through sign-in when signed out", () => {
  it("sends a signed-out user to sign-in with the chat to come back to", () => {
    const auth = clientModule<typeof Auth>("services/auth");
    expect(auth.ensureSignedIn({ path: "pages/chat/index", query: { id: "c_abc" } })).toBe(false);
    expect(adapter.navigations.at(-1)).toEqual({ api: "reLaunch", url: "/pages/login/index?next=%2Fpages%2Fchat%2Findex%3Fid%3Dc_abc" });
    expect(auth.afterLoginUrl("%2Fpages%2Fchat%2Findex%3Fid%3Dc_abc")).toBe("/pages/chat/index?id=c_abc");
    expect(auth.afterLoginUrl("https%3A%2F%2Fevil.example")).toBe("/pages/chats/index");
    expect(auth.afterLoginUrl(undefined)).toBe("/pages/chats/index");
  });
});

describe("Me → Notifications in Chinese", () => {
  it("says the section and its switches in Chinese", async () => {
    clientModule<typeof I18n>("i18n/index").setLocale("zh_CN");
    signIn();
    state.settings.dnd = { start: 23 * 60, end: 8 * 60 };
    const comp = await openPage();
    expect(text(comp, "#notices-enabled")).toBe("接收新消息通知");
    expect(text(comp, "#notices-banked")).toBe("剩余通知次数 2");
    expect(text(comp, "#notices-dnd-start")).toBe("开始时间 23:00");
    expect(text(comp, "#notices")).toContain("你发送消息后会再次询问");
  });
});
