// What a notice says and when it may be sent (worker/lib/notice-text.ts): WeChat's 20-character
// `thing` fields, previews only when allowed, and do-not-disturb hours that wrap past midnight.
import { describe, expect, it } from "vitest";
import { inQuietHours, localMinute, localTime, noticeText, templateData, truncate, type NoticeActivity } from "../../worker/lib/notice-text";

const at = Date.UTC(2026, 10, 30, 10, 5); // 18:05 in Beijing
const chat = (over: Partial<NoticeActivity> = {}): NoticeActivity => ({
  messages: 5,
  requests: 0,
  top: { kind: "group", name: "周末爬山", sender: "张三", text: "明天几点？", mentioned: false },
  requester: null,
  at,
  ...over,
});

describe("notice text", () => {
  it("says only how many when previews are off (the default)", () => {
    expect(noticeText(chat(), false, 480)).toEqual({ title: "新消息", text: "你有5条新消息", time: "2026-11-30 18:05" });
    expect(noticeText(chat({ messages: 0, requests: 2, top: null }), false, 480).text).toBe("你有2个新的朋友申请");
  });

  it("says who said what with previews, the others counted after it", () => {
    expect(noticeText(chat(), true, 480)).toMatchObject({ title: "周末爬山", text: "张三: 明天几点？等4条新消息" });
    expect(noticeText(chat({ messages: 1, top: { kind: "direct", name: "张三", sender: "张三", text: "在吗", mentioned: false } }), true, 480)).toMatchObject({ title: "张三", text: "在吗" });
    expect(noticeText(chat({ top: { kind: "group", name: "Team", sender: "李四", text: "看这里", mentioned: true } }), true, 480).text).toBe("[有人@我]李四: 看这里等4条新消息");
    expect(noticeText(chat({ messages: 0, requests: 1, top: null, requester: "王五" }), true, 480).text).toBe("王五请求添加你为朋友");
  });

  it("cuts the preview, never the count, to fit 20 characters", () => {
    const long = noticeText(
      chat({ top: { kind: "group", name: "一个名字特别特别特别特别长的群聊天室啊啊啊", sender: "张三", text: "明天几点出发？我们在地铁站门口见面吧，别迟到", mentioned: false } }),
      true,
      480,
    );
    expect([...long.text]).toHaveLength(20);
    expect(long.text.endsWith("…等4条新消息")).toBe(true);
    expect([...long.title]).toHaveLength(20);
    expect(truncate("短", 20)).toBe("短");
    expect(truncate("😀".repeat(21), 20)).toBe(`${"😀".repeat(19)}…`);
  });

  it("fills the template's fields from NOTICE_TEMPLATE_FIELDS, each cut to its type's limit", () => {
    const t = noticeText(chat(), true, 480);
    expect(templateData("thing1:title,thing2:text,time3:time", t)).toEqual({ thing1: { value: "周末爬山" }, thing2: { value: "张三: 明天几点？等4条新消息" }, time3: { value: "2026-11-30 18:05" } });
    expect(templateData("name1:title, phrase2:text, bogus, thing3:nothing", { title: "一二三四五六七八九十十一", text: "你有5条新消息", time: "" })).toEqual({
      name1: { value: "一二三四五六七八九…" },
      phrase2: { value: "你有5条…" },
    });
  });
});

describe("do-not-disturb hours", () => {
  const beijing = (h: number, m = 0) => Date.UTC(2026, 10, 30, h - 8, m);
  const night = { start: 23 * 60, end: 8 * 60 };

  it("wraps past midnight in the user's time zone", () => {
    expect(inQuietHours(beijing(22, 59), 480, night)).toBe(false);
    expect(inQuietHours(beijing(23, 0), 480, night)).toBe(true);
    expect(inQuietHours(beijing(3), 480, night)).toBe(true);
    expect(inQuietHours(beijing(7, 59), 480, night)).toBe(true);
    expect(inQuietHours(beijing(8, 0), 480, night)).toBe(false);
  });

  it("also works within one day, and not at all when unset", () => {
    const lunch = { start: 12 * 60, end: 13 * 60 };
    expect(inQuietHours(beijing(12, 30), 480, lunch)).toBe(true);
    expect(inQuietHours(beijing(13), 480, lunch)).toBe(false);
    expect(inQuietHours(beijing(3), 480, null)).toBe(false);
  });

  it("counts local minutes for offsets either side of UTC", () => {
    expect(localMinute(Date.UTC(2026, 0, 1, 2, 0), -300)).toBe(21 * 60); // New York, the evening before
    expect(localMinute(Date.UTC(2026, 0, 1, 20, 0), 480)).toBe(4 * 60);
    expect(localTime(Date.UTC(2026, 0, 1, 2, 7), -300)).toBe("2025-12-31 21:07");
  });
});
