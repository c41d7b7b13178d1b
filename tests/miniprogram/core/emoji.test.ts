// The emoji panel's rules: the face code table, codes drawn as emoji (only known ones), and the
// delete key removing a code or a whole emoji sequence as one unit.
import { describe, expect, it } from "vitest";
import { deleteBackward, FACE_CODES, UNICODE_EMOJI, withEmoji } from "../../../miniprogram/services/emoji";

describe("the face code table", () => {
  it("holds WeChat's everyday codes, each once, each a bracketed word of at most six characters", () => {
    const codes = FACE_CODES.map((f) => f.code);
    expect(codes).toEqual(expect.arrayContaining(["[微笑]", "[偷笑]", "[捂脸]", "[强]", "[OK]"]));
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^\[[^[\]\s]{1,6}\]$/);
    expect(FACE_CODES.length).toBeGreaterThanOrEqual(36);
    expect(UNICODE_EMOJI.length).toBeGreaterThanOrEqual(36);
  });
});

describe("withEmoji", () => {
  it("draws every known code as its emoji, side by side and among words", () => {
    expect(withEmoji("[微笑]")).toBe("🙂");
    expect(withEmoji("ok[强][强] see you[偷笑]")).toBe("ok👍👍 see you🤭");
    for (const f of FACE_CODES) expect(withEmoji(`a${f.code}b`)).toBe(`a${f.emoji}b`);
  });

  it("leaves unknown codes, half codes and plain brackets as typed", () => {
    for (const text of ["[nope]", "[微笑", "微笑]", "[]", "[ 微笑 ]", "[微笑笑笑笑笑笑]", "a [b] c", "no brackets"]) expect(withEmoji(text)).toBe(text);
    expect(withEmoji("[[微笑]")).toBe("[🙂");
  });
});

describe("deleteBackward", () => {
  it("removes a known code at the end as one unit", () => {
    expect(deleteBackward("hi[微笑]")).toBe("hi");
    expect(deleteBackward("[微笑][捂脸]")).toBe("[微笑]");
    expect(deleteBackward("[OK]")).toBe("");
  });

  it("removes one character of an unknown bracketed word", () => {
    expect(deleteBackward("[nope]")).toBe("[nope");
    expect(deleteBackward("abc")).toBe("ab");
    expect(deleteBackward("你好")).toBe("你");
    expect(deleteBackward("")).toBe("");
  });

  it("removes an emoji with its skin tone, variation selector, keycap or joined parts whole", () => {
    expect(deleteBackward("a😀")).toBe("a");
    expect(deleteBackward("a👍🏽")).toBe("a");
    expect(deleteBackward("a❤️")).toBe("a");
    expect(deleteBackward("a1️⃣")).toBe("a");
    expect(deleteBackward("a😮‍💨")).toBe("a");
    expect(deleteBackward("a👨‍👩‍👧")).toBe("a");
    expect(deleteBackward("a🧑🏽‍💻")).toBe("a");
  });

  it("undoes inserting any face or emoji of the panel", () => {
    for (const text of [...FACE_CODES.map((f) => f.code), ...UNICODE_EMOJI]) expect(deleteBackward(`x${text}`), text).toBe("x");
  });
});
