// The pure halves of content safety: the local word list (Aho–Corasick over normalised text) and
// WeChat's message-push signature and safe-mode AES, checked against a known answer.
import { createHash, createDecipheriv } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptPush, encryptPush, pushSignature, sameSignature } from "../../worker/lib/wechat-push";
import { normalise, parseWords, WordList, wordList } from "../../worker/lib/wordlist";

describe("the local word list", () => {
  const list = new WordList(parseWords("spam,违禁词\n Bad Word "), parseWords("maybe"));

  it("refuses before it reviews, and passes the rest", () => {
    expect(list.check("buy SPAM now")).toEqual({ suggest: "risky", word: "spam" });
    expect(list.check("maybe spam")).toEqual({ suggest: "risky", word: "spam" });
    expect(list.check("maybe later")).toEqual({ suggest: "review", word: "maybe" });
    expect(list.check("hello")).toEqual({ suggest: "pass", word: "" });
  });

  it("matches across width, case, spaces and separators, in Chinese too", () => {
    expect(list.check("Ｓ ｐ-a.m")).toMatchObject({ suggest: "risky" });
    expect(list.check("这是违 禁词")).toMatchObject({ suggest: "risky", word: "违禁词" });
    expect(list.check("a bad_word here")).toMatchObject({ suggest: "risky", word: "badword" });
    expect(normalise("Ａ\u3000B")).toBe("ab");
  });

  it("passes everything with empty lists, and rebuilds only when the configuration changes", () => {
    expect(new WordList([], []).check("spam")).toEqual({ suggest: "pass", word: "" });
    const a = wordList("x", "");
    expect(wordList("x", "")).toBe(a);
    expect(wordList("y", "")).not.toBe(a);
  });
});

describe("WeChat's message push", () => {
  it("signs as WeChat does: SHA-1 of the sorted parts joined", async () => {
    const expected = createHash("sha1").update(["token", "1700000000", "nonce"].sort().join("")).digest("hex");
    expect(await pushSignature(["token", "1700000000", "nonce"])).toBe(expected);
    expect(sameSignature(expected, expected)).toBe(true);
    expect(sameSignature(expected, expected.replace(/.$/, "0"))).toBe(expected.endsWith("0"));
  });

  it("encrypts in WeChat's layout (random 16, length, message, AppID, PKCS#7 to 32) and decrypts it back", async () => {
    const key = "cXVuLXRlc3QtZW5jb2RpbmctYWVzLWtleS0zMmJ5dGU";
    const message = JSON.stringify({ Event: "wxa_media_check", trace_id: "t1", result: { suggest: "risky" } });
    const encrypted = await encryptPush(key, message, "wx-app");
    // Decrypted independently with Node's AES without auto-padding.
    const raw = Buffer.from(`${key}=`, "base64");
    const d = createDecipheriv("aes-256-cbc", raw, raw.subarray(0, 16));
    d.setAutoPadding(false);
    const plain = Buffer.concat([d.update(Buffer.from(encrypted, "base64")), d.final()]);
    const pad = plain[plain.length - 1]!;
    expect(plain.length % 32).toBe(0);
    expect(pad).toBeGreaterThanOrEqual(1);
    expect(pad).toBeLessThanOrEqual(32);
    const len = plain.readUInt32BE(16);
    expect(plain.subarray(20, 20 + len).toString()).toBe(message);
    expect(plain.subarray(20 + len, plain.length - pad).toString()).toBe("wx-app");
    expect(await decryptPush(key, encrypted)).toEqual({ message, appid: "wx-app" });
    await expect(decryptPush(key, Buffer.from("not whole blocks").toString("base64").slice(0, 10))).rejects.toThrow();
  });
});
