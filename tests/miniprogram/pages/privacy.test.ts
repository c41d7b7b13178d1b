// The privacy guide and WeChat's privacy authorisation: the page lists what Qun collects and why
// in Chinese and English; when WeChat asks (onNeedPrivacyAuthorization) the app opens it with
// agree and decline buttons, and the user's answer resolves WeChat's pending request.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Privacy from "../../../miniprogram/services/privacy";
import { clientModule, lifecycle, loadComponent, renderPage, settled, tap, text, type Rendered } from "../harness";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

let pageId: string;
let adapter: WxAdapter;
type Answer = { event: string; buttonId?: string };
let listener: ((resolve: (a: Answer) => void) => void) | null = null;
const privacy = () => clientModule<typeof Privacy>("services/privacy");

beforeAll(async () => {
  installWx(createWxAdapter());
  pageId = await loadComponent("pages/privacy/index");
});

beforeEach(() => {
  adapter = createWxAdapter();
  installWx(adapter);
  (globalThis as unknown as { wx: Record<string, unknown> }).wx.onNeedPrivacyAuthorization = (l: typeof listener) => {
    listener = l;
  };
});

async function open(query: Record<string, string> = {}): Promise<Rendered> {
  const comp = renderPage(pageId);
  await lifecycle(comp, "onLoad", query);
  return comp;
}

/** WeChat asking, as it does when a privacy-scoped API is first called: answers what the app resolved. */
function weChatAsks(): Answer[] {
  const answers: Answer[] = [];
  listener!((a) => answers.push(a));
  return answers;
}

describe("privacy guide", () => {
  it("lists what Qun collects and why, in Chinese and English", async () => {
    const comp = await open();
    for (const id of ["openid", "profile", "messages", "media", "location", "reports"]) {
      const t = text(comp, `#privacy-${id}`) ?? "";
      expect(t, id).toMatch(/[\u4e00-\u9fff]/);
      expect(t, id).toMatch(/[A-Za-z]{4,}/);
    }
    expect(text(comp, "#privacy-openid")).toContain("OpenID");
    expect(text(comp, "#privacy-location")).toContain("位置");
    expect(comp.querySelector("#agree-privacy")).toBeFalsy();
  });

  it("opens when WeChat asks for authorisation, and agreeing resolves WeChat's request with the agree button's id", async () => {
    privacy().watchPrivacyAuthorization();
    const answers = weChatAsks();
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: "/pages/privacy/index?ask=1" });
    const comp = await open({ ask: "1" });
    comp.querySelector("#agree-privacy")!.dispatchEvent("agreeprivacyauthorization");
    await settled();
    expect(answers).toEqual([{ event: "agree", buttonId: "agree-privacy" }]);
    expect(adapter.navigations.at(-1)?.api).toBe("navigateBack");
  });

  it("declining, or leaving the page without an answer, tells WeChat the user disagreed", async () => {
    privacy().watchPrivacyAuthorization();
    const declined = weChatAsks();
    await tap(await open({ ask: "1" }), "#decline-privacy");
    expect(declined).toEqual([{ event: "disagree" }]);
    const left = weChatAsks();
    await lifecycle(await open({ ask: "1" }), "onUnload");
    expect(left).toEqual([{ event: "disagree" }]);
  });
});

describe("privacy guide in Chinese", () => {
  it("puts the user's language first, with a Chinese title and buttons", async () => {
    const english = await open();
    expect(text(english, "#privacy-intro")).toMatch(/^Qun is a chat mini-program/);
    expect(text(english, "#privacy-intro-second")).toMatch(/^群（Qun）/);

    clientModule<typeof I18n>("i18n/index").setLocale("zh_CN");
    privacy().watchPrivacyAuthorization();
    weChatAsks();
    const comp = await open({ ask: "1" });
    expect(adapter.titles.at(-1)).toBe("隐私保护指引");
    expect(text(comp, "#privacy-intro")).toMatch(/^群（Qun）/);
    expect(text(comp, "#privacy-intro-second")).toMatch(/^Qun is a chat mini-program/);
    expect(text(comp, "#privacy-location")).toMatch(/^位置信息/);
    expect(text(comp, "#agree-privacy")).toBe("同意");
    expect(text(comp, "#decline-privacy")).toBe("拒绝");
    expect(text(comp, "#privacy-full")).toBe("查看完整指引");
    await tap(comp, "#decline-privacy");
  });
});
