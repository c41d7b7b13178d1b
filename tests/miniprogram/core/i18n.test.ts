// The catalogues and the language choice: every key in both languages with the same placeholders,
// every error code said in both, the language following WeChat's until the user picks one, and
// times written the way WeChat writes them in each language.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../../schema/errors";
import { en } from "../../../miniprogram/i18n/en";
import { errorText, initLocale, listTime, locale, localeFromSystem, onLocaleChange, separatorTime, setLocale, t } from "../../../miniprogram/i18n/index";
import { zh_CN } from "../../../miniprogram/i18n/zh_CN";
import { ApiError, errorMessage } from "../../../miniprogram/services/errors";
import { previewOf, summaryPreview, systemText } from "../../../miniprogram/services/format";
import { createWxAdapter, installWx } from "../wx-adapter";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

afterEach(() => setLocale("en"));

describe("the catalogues", () => {
  it("have the same keys, none empty, and the same placeholders in both languages", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh_CN).sort());
    for (const [key, zh] of Object.entries(zh_CN)) {
      const english = en[key as keyof typeof zh_CN];
      expect(zh.trim(), key).not.toBe("");
      expect(english.trim(), key).not.toBe("");
      // The English full date names the month in words; every other key uses the same fields.
      if (key !== "time.fullDateAt") expect(placeholders(english), key).toEqual(placeholders(zh));
    }
  });

  it("say every error code the server can send, in both languages", () => {
    for (const l of ["zh_CN", "en"] as const) {
      setLocale(l);
      for (const code of [...Object.keys(ERROR_STATUS), "network", "unexpected_response"]) {
        const text = errorText(code as keyof typeof ERROR_STATUS);
        expect(text, `${l} ${code}`).not.toMatch(/^error\./);
        expect(text.length).toBeGreaterThan(1);
      }
    }
    setLocale("zh_CN");
    expect(errorText("rate_limited")).toBe("操作太频繁，请稍后再试");
  });

  it("fill placeholders and leave unknown ones visible rather than blank", () => {
    setLocale("zh_CN");
    expect(t("event.left", { who: "张三" })).toBe("张三退出了群聊");
    expect(t("event.left")).toBe("{who}退出了群聊");
  });
});

describe("choosing the language", () => {
  it("maps WeChat's language codes: any Chinese is zh_CN, anything else English", () => {
    expect(["zh_CN", "zh_TW", "zh_HK", "zh"].map(localeFromSystem)).toEqual(["zh_CN", "zh_CN", "zh_CN", "zh_CN"]);
    expect(["en", "en_US", "ja", "fr"].map(localeFromSystem)).toEqual(["en", "en", "en", "en"]);
  });

  it("follows WeChat's language at launch until the user picks one, then keeps the pick across launches", () => {
    const zhPhone = createWxAdapter({ language: "zh_CN" });
    installWx(zhPhone);
    expect(initLocale()).toBe("zh_CN");
    const seen: string[] = [];
    const off = onLocaleChange((l) => seen.push(l));
    setLocale("en");
    off();
    expect(seen).toEqual(["en"]);
    expect(initLocale()).toBe("en"); // launched again on the same phone: the pick holds

    installWx(createWxAdapter({ language: "en_US" }));
    expect(initLocale()).toBe("en");
    installWx(createWxAdapter({ language: "zh_TW" }));
    expect(initLocale()).toBe("zh_CN");
    expect(locale()).toBe("zh_CN");
  });
});

describe("times and dates", () => {
  const now = new Date(2026, 10, 30, 15, 0).getTime(); // Monday 30 November 2026, 15:00 local
  const at = (day: number, h: number, m: number) => new Date(2026, 10, day, h, m).getTime();

  it("in the chat list: the time today, 昨天, the weekday within a week, else the date", () => {
    setLocale("zh_CN");
    expect([at(30, 9, 30), at(29, 21, 4), at(28, 8, 0), at(3, 8, 0)].map((x) => listTime(x, now))).toEqual(["09:30", "昨天", "星期六", "2026/11/3"]);
    setLocale("en");
    expect([at(30, 9, 30), at(29, 21, 4), at(28, 8, 0), at(3, 8, 0)].map((x) => listTime(x, now))).toEqual(["09:30", "Yesterday", "Saturday", "2026/11/3"]);
  });

  it("between messages: with the hour, 今天 09:30 → 09:30, 昨天 21:04, 星期六 21:04, 2026年11月3日 21:04", () => {
    setLocale("zh_CN");
    expect([at(30, 9, 30), at(29, 21, 4), at(28, 21, 4), at(3, 21, 4)].map((x) => separatorTime(x, now))).toEqual(["09:30", "昨天 21:04", "星期六 21:04", "2026年11月3日 21:04"]);
    setLocale("en");
    expect([at(29, 21, 4), at(3, 21, 4)].map((x) => separatorTime(x, now))).toEqual(["Yesterday 21:04", "3 Nov 2026 21:04"]);
  });
});

describe("previews and group events follow the language", () => {
  it("say message kinds, recalls and group events in Chinese or English", () => {
    const names: Record<string, string> = { u_a: "张三", u_b: "李四", u_c: "王五" };
    const name = (id: string) => names[id] ?? id;
    setLocale("zh_CN");
    expect(previewOf({ type: "image", body: { mediaId: "m" }, recalledAt: null })).toBe("[图片]");
    expect(previewOf({ type: "card", body: { userId: "u_x", nickname: "张三", avatarMediaId: null, username: null }, recalledAt: null } as never)).toBe("[名片] 张三");
    expect(summaryPreview({ type: "card", text: "[名片] 张三" })).toBe("[名片] 张三");
    // A direct chat opened by an accepted friend request says so, as WeChat does; other events are group news.
    expect(summaryPreview({ type: "system", text: "[friends]" })).toBe("你们已经是好友了，现在可以开始聊天了");
    expect(summaryPreview({ type: "system", text: "[joined]" })).toBe("[群消息]");
    expect(previewOf({ type: "text", body: null, recalledAt: 1 })).toBe("撤回了一条消息");
    expect(systemText({ event: "joined", actorId: "u_a", memberIds: ["u_b", "u_c"] }, name)).toBe("张三邀请李四、王五加入了群聊");
    expect(systemText({ event: "mute_all", actorId: "u_a", on: true }, name)).toBe("张三开启了全员禁言");
    setLocale("en");
    expect(previewOf({ type: "image", body: { mediaId: "m" }, recalledAt: null })).toBe("[Photo]");
    expect(summaryPreview({ type: "system", text: "[friends]" })).toBe("You are now friends. Start chatting!");
    expect(systemText({ event: "joined", actorId: "u_a", memberIds: ["u_b", "u_c"] }, name)).toBe("张三 invited 李四, 王五 to the group");
  });
});

describe("errors shown to the user", () => {
  it("say the code's sentence in Chinese, the server's own words in English, and survive a code from a newer server", () => {
    const limited = new ApiError("rate_limited", "Too many friend requests today; try tomorrow", 429);
    const offline = new ApiError("network", "request:fail", 0);
    const future = new ApiError("some_new_code" as never, "A newer server's reason", 409);
    setLocale("zh_CN");
    expect([errorMessage(limited), errorMessage(offline), errorMessage(future)]).toEqual(["操作太频繁，请稍后再试", "网络不可用，请检查网络设置", "A newer server's reason"]);
    setLocale("en");
    expect(errorMessage(limited)).toBe("Too many friend requests today; try tomorrow");
  });
});

describe("the sources use the catalogues", () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "../../../miniprogram");
  const files = (ext: string) =>
    readdirSync(root, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(ext) && !f.startsWith("miniprogram_npm") && !f.startsWith("generated") && !f.startsWith("i18n"))
      .map((f) => f.split("\\").join("/"));
  const namespaces = new Set(Object.keys(zh_CN).map((k) => k.split(".")[0]));

  /** The catalogue keys a source names ("chats.newGroup"), by the catalogues' own namespaces. */
  const keysIn = (source: string) => [...source.matchAll(/["'`]([a-z][A-Za-z]*)\.([A-Za-z][\w]*)["'`]/g)].filter((m) => namespaces.has(m[1]!)).map((m) => `${m[1]}.${m[2]}`);
  /** Keys missing, or empty, in either catalogue. */
  const missing = (keys: Iterable<string>) => [...keys].filter((key) => !zh_CN[key as keyof typeof zh_CN]?.trim() || !en[key as keyof typeof en]?.trim());

  it("name only keys both catalogues hold, none empty", () => {
    const used = new Set(files(".ts").flatMap((file) => keysIn(readFileSync(join(root, file), "utf8"))));
    expect(used.size).toBeGreaterThan(100);
    expect(missing(used)).toEqual([]);
  });

  it("the check above finds a key a catalogue lacks", () => {
    expect(missing(keysIn('wx.showToast({ title: t("chats.noSuchKey") }); t(ok ? "common.save" : "me.logout");'))).toEqual(["chats.noSuchKey"]);
  });

  // Words that stay as they are in Chinese: the product's name.
  const ALLOWED = new Set(["Qun"]);
  const VISIBLE_ATTRIBUTES = /\s(title|subTitle|placeholder|aria-label|footer|desc|confirm-text|cancel-text|label|text)="([^"]*)"/g;

  it("leave no Latin word written into a page or component's WXML outside {{ }} bindings", () => {
    const offenders: string[] = [];
    for (const file of files(".wxml")) {
      const source = readFileSync(join(root, file), "utf8")
        .replace(/<!--[\s\S]*?-->/g, "")
        .replace(/\{\{[\s\S]*?\}\}/g, "");
      const texts = [...source.matchAll(/>([^<]+)</g)].map((m) => m[1]!);
      const attributes = [...source.matchAll(VISIBLE_ATTRIBUTES)].map((m) => m[2]!);
      for (const s of [...texts, ...attributes]) {
        for (const word of s.match(/[A-Za-z]{2,}/g) ?? []) if (!ALLOWED.has(word)) offenders.push(`${file}: ${word}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("give each page a Chinese title in its JSON, shown until the page sets its own", () => {
    for (const file of files(".json").filter((f) => f.startsWith("pages/"))) {
      const title = (JSON.parse(readFileSync(join(root, file), "utf8")) as { navigationBarTitleText?: string }).navigationBarTitleText ?? "";
      expect(title.match(/[A-Za-z]{2,}/g) ?? [], file).toEqual([]);
    }
  });

  it("the check above finds a hard-coded word", () => {
    const sample = '<view class="x" title="Hello">{{s.title}} Search</view>'.replace(/\{\{[\s\S]*?\}\}/g, "");
    expect([...sample.matchAll(/>([^<]+)</g)].map((m) => m[1]!.trim())).toEqual(["Search"]);
    expect([...sample.matchAll(VISIBLE_ATTRIBUTES)].map((m) => m[2])).toEqual(["Hello"]);
  });
});
