// The screenshots' HTML (scripts/screenshots/render.ts): a rendered page's DOM with its styles as
// plain HTML under .build/screens/<locale>/: WXSS scoped the way simulate scopes classes ("main--x"
// for the page, "mp-cells--x" for a WeUI component), rpx turned into px for a 375 px wide phone,
// and display rules for wx-* tags.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MINIPROGRAM_ROOT, REPO_ROOT, weuiDistDir } from "../build-miniprogram.ts";
import { readJson, type Rendered } from "../../tests/miniprogram/harness";
import { LOCALE } from "./people.ts";

const OUT = join(REPO_ROOT, ".build", "screens", LOCALE);

// ---- WXSS → CSS ---------------------------------------------------------------------------

/** Scopes class selectors with simulate's prefix and turns rpx into px (750 rpx = 375 px). */
function scope(css: string, prefix: string): string {
  let out = "";
  let depth = 0;
  let buffer = "";
  const flushSelector = () => {
    const sel = buffer.startsWith("@") ? buffer : buffer.replace(/\.(?=[A-Za-z_])/g, `.${prefix}--`).replace(/(^|[\s,>+~])page(?=[\s,.{:[]|$)/g, "$1main");
    out += sel;
    buffer = "";
  };
  for (const ch of css.replace(/\/\*[\s\S]*?\*\//g, "")) {
    if (ch === "{") {
      if (depth === 0 || buffer.trim().length > 0) flushSelector();
      out += ch;
      depth++;
      continue;
    }
    if (ch === "}") {
      out += buffer.replace(/(-?[\d.]+)rpx/g, (_, n: string) => `${Number(n) / 2}px`) + ch;
      buffer = "";
      depth--;
      continue;
    }
    if (ch === ";" && depth > 0) {
      out += buffer.replace(/(-?[\d.]+)rpx/g, (_, n: string) => `${Number(n) / 2}px`) + ch;
      buffer = "";
      continue;
    }
    buffer += ch;
  }
  return out + buffer;
}

const BASE_CSS = `
html, body { margin: 0; }
main { display: block; min-height: 100vh; font-family: -apple-system, "PingFang SC", "Noto Sans", "Helvetica Neue", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Noto Color Emoji", sans-serif; }
wx-view, wx-scroll-view, wx-form, wx-progress, wx-map, wx-textarea, mp-cells, mp-cell, mp-half-screen-dialog, mp-toptips, mp-loading { display: block; }
wx-text, wx-label { display: inline; }
wx-page-meta { display: none; }
mp-icon { display: inline-block; }
wx-image { display: inline-block; background-size: cover; background-position: center; background-repeat: no-repeat; }
wx-map { background: repeating-linear-gradient(45deg, #e9efe4 0 10px, #dfe8d8 10px 20px); }
wx-input { display: block; line-height: 40px; }
wx-button { display: block; padding: 10px 24px; margin: 8px auto; border-radius: 8px; text-align: center; font-weight: 500; font-size: 17px; background: #f2f2f2; color: #06ae56; width: 184px; box-sizing: border-box; }
wx-button[type="primary"] { background: #07c160; color: #fff; }
wx-switch { display: inline-block; position: relative; width: 52px; height: 32px; border-radius: 16px; background: #e5e5e5; vertical-align: middle; }
wx-switch::after { content: ""; position: absolute; top: 2px; left: 2px; width: 28px; height: 28px; border-radius: 14px; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.3); }
wx-switch[checked] { background: #07c160; }
wx-switch[checked]::after { left: 22px; }
wx-button[disabled] { opacity: .5; }
wx-button[type="warn"] { color: #fa5151; }
wx-button[size="mini"] { display: inline-block; width: auto; padding: 4px 12px; font-size: 13px; margin: 0; }
wx-input, wx-textarea { white-space: pre-wrap; overflow: hidden; }
wx-scroll-view { overflow-y: auto; }
/* A still picture: no transition or animation caught halfway. */
*, *::before, *::after { animation: none !important; transition: none !important; }
`;

function weuiCss(tags: string[]): string {
  const base = readFileSync(join(weuiDistDir(), "weui-wxss/dist/style/weui.wxss"), "utf8");
  return tags
    .map((tag) => {
      const dir = tag.replace(/^mp-/, "");
      let own = "";
      try {
        own = readFileSync(join(weuiDistDir(), dir, `${dir}.wxss`), "utf8");
      } catch {
        own = "";
      }
      return scope(base + own, tag);
    })
    .join("\n");
}

/** A page's WXSS with the sheets it @imports put in their place (WeChat resolves them the same way). */
function wxssOf(file: string): string {
  return readFileSync(file, "utf8").replace(/@import\s+["']([^"']+)["'];?/g, (_, path: string) => wxssOf(join(file, "..", path)));
}

/** The tab bar as the pages left it: labels (wx.setTabBarItem) and badges (wx.setTabBarBadge), by index. */
let tabs: { tabLabels: string[]; tabBadges: Array<{ index: number; text: string | null }> } = { tabLabels: [], tabBadges: [] };
export function useTabs(adapter: typeof tabs): void {
  tabs = adapter;
}
const TAB_PAGES = ["chats", "contacts", "discover", "me"].map((tab) => `pages/${tab}/index`);

/** WeChat's tab bar under a tab page (app.json's icons, the label and badge the app set last). */
function tabBar(page: string): string {
  const on = TAB_PAGES.indexOf(page);
  if (on < 0) return "";
  const items = TAB_PAGES.map((route, index) => {
    const name = route.split("/")[1]!;
    const icon = readFileSync(join(MINIPROGRAM_ROOT, "assets", "tab", `${name}${index === on ? "-active" : ""}.png`)).toString("base64");
    const badge = tabs.tabBadges.filter((b) => b.index === index).at(-1)?.text;
    const label = tabs.tabLabels[index] ?? name;
    return `<div style="flex:1;position:relative;display:flex;flex-direction:column;align-items:center;padding-top:6px;color:${index === on ? "#07c160" : "#181818"}"><img src="data:image/png;base64,${icon}" style="width:24px;height:24px"><span style="font-size:10px;margin-top:2px">${label}</span>${badge ? `<span style="position:absolute;top:2px;left:calc(50% + 6px);min-width:16px;height:16px;padding:0 4px;box-sizing:border-box;border-radius:8px;background:#fa5151;color:#fff;font-size:11px;line-height:16px;text-align:center">${badge}</span>` : ""}</div>`;
  }).join("");
  return `<div style="display:flex;height:50px;background:#f7f7f7;border-top:0.5px solid rgba(0,0,0,.15);font-family:-apple-system,'Noto Sans','Noto Sans CJK SC',sans-serif">${items}</div>`;
}

/** Navigation bar titles the pages set (wx.setNavigationBarTitle; the last is drawn above each page). */
let titles: string[] = [];
export function useTitles(list: string[]): void {
  titles = list;
}

/** What j-component keeps of a node's template: its attributes as last rendered. */
type Wrapped = { __wxElement?: { _vt?: { attrs?: Array<{ name: string; value: unknown }> } } };

/**
 * simulate keeps no <image src> on the DOM (the built-in image declares no properties), but its
 * node remembers the attributes it was rendered with: each image is drawn as its own background,
 * so the sample pictures and avatars show.
 */
function drawImages(root: Element): void {
  for (const el of Array.from(root.querySelectorAll("wx-image"))) {
    const attrs = (el as unknown as Wrapped).__wxElement?._vt?.attrs ?? [];
    const src = attrs.find((a) => a.name === "src")?.value;
    if (typeof src !== "string" || !src) continue;
    const mode = attrs.find((a) => a.name === "mode")?.value;
    // widthFix: the picture's own height at the width given, as an <img> takes it.
    if (mode === "widthFix") (el as HTMLElement).innerHTML = `<img src="${src}" style="width:100%;height:auto;display:block">`;
    else (el as HTMLElement).style.backgroundImage = `url("${src}")`;
    if (mode === "aspectFit") (el as HTMLElement).style.backgroundSize = "contain";
  }
}

/** Attributes WeChat draws from that simulate keeps off the DOM: put back so the CSS below can use them. */
const REFLECTED = ["type", "checked", "disabled", "plain", "size", "value", "placeholder", "password"];

/**
 * Puts an input's value (or its grey placeholder) inside it as text, and the attributes a button or a
 * switch is drawn from back on the node.
 */
function drawControls(root: Element): void {
  for (const el of Array.from(root.querySelectorAll("wx-input, wx-textarea, wx-button, wx-switch, wx-checkbox, wx-radio"))) {
    const attrs = (el as unknown as Wrapped).__wxElement?._vt?.attrs ?? [];
    const attr = (name: string) => attrs.find((a) => a.name === name)?.value;
    for (const name of REFLECTED) {
      const value = attr(name);
      if (value === true || (typeof value === "string" && value !== "" && value !== "false")) el.setAttribute(name, value === true ? "" : value);
      else if (typeof value === "number") el.setAttribute(name, String(value));
    }
    if (el.tagName === "WX-INPUT" || el.tagName === "WX-TEXTAREA") {
      const value = attr("value");
      const text = value === undefined || value === null ? "" : String(value);
      const doc = el.ownerDocument;
      const span = doc.createElement("span");
      if (text) span.textContent = attr("password") ? "•".repeat(text.length) : text;
      else {
        span.textContent = String(attr("placeholder") ?? "");
        span.setAttribute("style", "color:#b2b2b2");
      }
      el.textContent = "";
      el.appendChild(span);
    }
  }
}

export function writePage(name: string, page: string, comp: Rendered, extraCss = "") {
  const json = readJson(join(MINIPROGRAM_ROOT, `${page}.json`));
  const weuiTags = Object.entries(json.usingComponents ?? {})
    .filter(([, t]) => t.startsWith("weui-miniprogram/"))
    .map(([tag]) => tag);
  // The project's own components (the chat's emoji and + panels): their styles scoped by their tag.
  const ownComponents = Object.entries(json.usingComponents ?? {}).filter(([, t]) => t.startsWith("/components/"));
  const css = [
    BASE_CSS,
    weuiCss(weuiTags),
    // WeUI's classes (weui-btn, weui-cells…) on the page itself: the extended library styles them app-wide.
    scope(readFileSync(join(weuiDistDir(), "weui-wxss/dist/style/weui.wxss"), "utf8"), "main"),
    scope(readFileSync(join(MINIPROGRAM_ROOT, "app.wxss"), "utf8"), "main"),
    scope(wxssOf(join(MINIPROGRAM_ROOT, `${page}.wxss`)), "main"),
    ...ownComponents.map(([tag, target]) => `${tag} { display: block; }\n${scope(wxssOf(join(MINIPROGRAM_ROOT, `${target}.wxss`)), tag)}`),
    // A tab page leaves room for the tab bar under it.
    TAB_PAGES.includes(page) ? "main { min-height: calc(100vh - 94px); }" : "",
    extraCss,
  ].join("\n");
  const title = titles.at(-1) ?? (json.navigationBarTitleText as string) ?? "Qun";
  // A page with "navigationStyle": "custom" draws its own bar (the chat page); others get WeChat's.
  const bar =
    json.navigationStyle === "custom"
      ? ""
      : `<div style="height:44px;display:flex;align-items:center;justify-content:center;background:#ededed;font:500 17px -apple-system,'Noto Sans',sans-serif;border-bottom:0.5px solid rgba(0,0,0,.1)">${title}</div>`;
  drawImages(comp.dom!);
  drawControls(comp.dom!);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `${name}.html`), `<!doctype html><html><head><meta charset="utf-8"><style>${css}</style></head><body>${bar}${comp.dom!.outerHTML}${tabBar(page)}</body></html>`);
}
