// Text that follows the user's font size, and icon-only controls a screen reader can name.
// WeChat reports its font size setting (我 → 设置 → 通用 → 字体大小) as fontSizeSetting; a page
// follows it with <page-meta root-font-size="system" page-font-size="system">, and text sized
// in rem scales with it (px and rpx do not: rpx follows the screen's width).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles, MINIPROGRAM_ROOT } from "../../../scripts/build-miniprogram.ts";
import { pagesOfApp } from "../harness";

const FOLLOW_FONT_SIZE = '<page-meta root-font-size="system" page-font-size="system"></page-meta>';
const read = (file: string) => readFileSync(join(MINIPROGRAM_ROOT, file), "utf8");
const fixedFontSizes = (css: string) => [...css.matchAll(/font-size:\s*([\d.]+(?:px|rpx))/g)].map((m) => m[1]!);

/** Controls that show only an icon or a sign, by page and id: each needs an aria-label binding. */
const ICON_ONLY: Record<string, string[]> = {
  "pages/chats/index.wxml": ["plus"],
  "pages/chat/index.wxml": ["open-info", "nav-back", "toggle-voice", "toggle-emoji", "toggle-plus"],
  // The panels' tiles and keys are made in a loop: one id pattern each.
  "components/plus-panel/index.wxml": ["plus-{{item.item}}"],
  "components/emoji-panel/index.wxml": ["emoji-delete", "face-{{index}}"],
  "pages/group-info/index.wxml": ["add-members"],
  "pages/me/index.wxml": ["choose-avatar"],
};

describe("text follows WeChat's font size", () => {
  it("every page starts with the page-meta that takes the user's font size", () => {
    for (const page of pagesOfApp()) expect(read(`${page}.wxml`).startsWith(FOLLOW_FONT_SIZE), page).toBe(true);
  });

  it("no stylesheet sizes text in px or rpx", async () => {
    const sheets = (await listFiles(MINIPROGRAM_ROOT)).filter((f) => f.endsWith(".wxss"));
    expect(sheets.length).toBeGreaterThan(10);
    for (const sheet of sheets) expect(fixedFontSizes(read(sheet)), sheet).toEqual([]);
    expect(fixedFontSizes(".a { font-size: 14px; } .b { font-size: 28rpx; } .c { font-size: 0.875rem; }")).toEqual(["14px", "28rpx"]);
  });
});

describe("icon-only controls", () => {
  it("carry an aria-label from the catalogue", () => {
    for (const [file, ids] of Object.entries(ICON_ONLY)) {
      const template = read(file);
      for (const id of ids) {
        const tag = new RegExp(`<[a-z-]+[^>]*\\bid="${id}"[^>]*>`).exec(template)?.[0] ?? "";
        expect(tag, `${file} #${id}`).toMatch(/aria-label="\{\{[^"]+\}\}"/);
      }
    }
  });
});
