// The client core (miniprogram/core/) is shared by the mini-program and the web client, with the
// platform injected (core/platform.ts). So no file under it may name a platform's globals: wx
// (or its WechatMiniprogram types), getApp, Page, Component, window, document, indexedDB. Read
// from the source text with comments left out, so prose may still say "wx storage".
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles, ROOT } from "./imports";

const FORBIDDEN = ["wx", "WechatMiniprogram", "getApp", "Page", "Component", "window", "document", "indexedDB"];
const PATTERN = new RegExp(`(?<![\\w$.])(${FORBIDDEN.join("|")})(?![\\w$])`, "g");

/** The code without its comments (line and block), keeping line numbers; strings stay. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|(^|[^:"'`\\])\/\/.*$/gm, (match, lead: string | undefined) => (match.startsWith("/*") ? match.replace(/[^\n]/g, " ") : (lead ?? "")));
}

/** Every platform global a source names, as `line: name`. */
function platformGlobals(source: string): string[] {
  return withoutComments(source)
    .split("\n")
    .flatMap((line, i) => [...line.matchAll(PATTERN)].map((m) => `${i + 1}: ${m[1]}`));
}

describe("the client core", () => {
  const files = listFiles("miniprogram/core", [".ts"]);

  it("is read whole: the store, outbox, cache, socket and sync engine are all there", () => {
    for (const f of ["chat-store.ts", "chat-sync.ts", "outbox.ts", "cache.ts", "socket.ts", "sync.ts", "platform.ts"]) expect(files).toContain(`miniprogram/core/${f}`);
  });

  it("names no platform global (wx, getApp, Page, Component, window, document, indexedDB) in any file", () => {
    const found = files.flatMap((f) => platformGlobals(readFileSync(join(ROOT, f), "utf8")).map((hit) => `${f}:${hit}`));
    expect(found).toEqual([]);
  });

  it("catches a planted use of each global, and leaves comments, longer names and properties alone", () => {
    const planted = [
      "const task = wx.connectSocket({ url });",
      "let t: WechatMiniprogram.SocketTask;",
      "const app = getApp();",
      "Page({});",
      "Component({});",
      "window.addEventListener('online', f);",
      "document.title = x;",
      "indexedDB.open('qun');",
    ].join("\n");
    expect(platformGlobals(planted)).toEqual(["1: wx", "2: WechatMiniprogram", "3: getApp", "4: Page", "5: Component", "6: window", "7: document", "8: indexedDB"]);
    const innocent = ["// wx storage answers at once", "/* a browser window */", "type HistoryPage = {};", "x.window = 2;", "const wxStorage = 3;"].join("\n");
    expect(platformGlobals(innocent)).toEqual([]);
  });
});
