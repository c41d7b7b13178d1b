// Renders mini-program pages with miniprogram-simulate from a build of miniprogram/ (see
// scripts/build-miniprogram.ts). The miniprogram project's global setup builds once per run;
// elsewhere (another project's test in jsdom, where esbuild cannot run) a child process builds.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import simulate from "miniprogram-simulate";
import { inject } from "vitest";
import { listFiles, MINIPROGRAM_ROOT, REPO_ROOT } from "../../scripts/build-miniprogram.ts";

export { simulate };

export const WEUI_PREFIX = "weui-miniprogram/";

let built: string | undefined;

/** The folder holding the built mini-program. */
export function builtMiniprogram(): string {
  if (built) return built;
  const provided = inject("miniprogramBuild" as never) as string | undefined;
  if (provided) return (built = provided);
  const dir = mkdtempSync(join(tmpdir(), "qun-miniprogram-"));
  execFileSync(process.execPath, [join(REPO_ROOT, "scripts/build-miniprogram.ts"), dir], { stdio: "pipe" });
  return (built = dir);
}

export interface ComponentJson {
  component?: boolean;
  usingComponents?: Record<string, string>;
  [key: string]: unknown;
}

export function readJson<T = ComponentJson>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** Every page and component of the source tree, as paths without extension ("pages/me/index"). */
export async function sourceComponents(): Promise<string[]> {
  const files = await listFiles(MINIPROGRAM_ROOT);
  return files.filter((f) => f.endsWith(".wxml")).map((f) => f.slice(0, -".wxml".length));
}

export function pagesOfApp(): string[] {
  return readJson<{ pages: string[] }>(join(MINIPROGRAM_ROOT, "app.json")).pages;
}

/**
 * simulate resolves usingComponents only from rootPath ("/…") or relatively, so npm-style WeUI
 * entries are mapped onto the built miniprogram_npm/ copy, as DevTools' "Build npm" would.
 */
export async function weuiUsingComponents(): Promise<Record<string, string>> {
  const map: Record<string, string> = {};
  for (const comp of await sourceComponents()) {
    const json = join(MINIPROGRAM_ROOT, `${comp}.json`);
    if (!existsSync(json)) continue;
    for (const [tag, target] of Object.entries(readJson(json).usingComponents ?? {})) {
      if (target.startsWith(WEUI_PREFIX)) map[tag] = `/miniprogram_npm/${target}`;
    }
  }
  return map;
}

/**
 * Loads a page or component ("pages/login/index") from the build; render it as often as needed.
 * WeUI's components share a webpack chunk that registers each module once per process, so a
 * second load would find them registered and render them empty: drop them from Node's module
 * cache first, so every load runs their Component() calls again.
 */
export async function loadComponent(path: string, root = builtMiniprogram()): Promise<string> {
  const npm = join(root, "miniprogram_npm");
  const cache = createRequire(import.meta.url).cache;
  for (const key of Object.keys(cache)) if (key.startsWith(npm)) delete cache[key];
  return simulate.load(join(root, path), { rootPath: root, usingComponents: await weuiUsingComponents() });
}

/**
 * A module of the built client, the same instance the rendered pages use (Node's require
 * cache is shared), e.g. clientModule<typeof import("../../miniprogram/services/session")>("services/session").
 */
export function clientModule<T>(path: string, root = builtMiniprogram()): T {
  return createRequire(join(root, "app.js"))(`./${path}`) as T;
}

export type Rendered = ReturnType<typeof simulate.render>;

/** Renders a loaded page into the document and attaches it, so lifetimes and observers run. */
export function renderPage(id: string): Rendered {
  const comp = simulate.render(id);
  const parent = document.createElement("div");
  document.body.appendChild(parent);
  comp.attach(parent);
  return comp;
}

/** Calls a page lifecycle method (simulate has no Page runtime, so tests play it). */
export async function lifecycle(comp: Rendered, name: "onLoad" | "onShow" | "onHide" | "onUnload", arg?: unknown): Promise<void> {
  const fn = (comp.instance as unknown as Record<string, ((a?: unknown) => unknown) | undefined>)[name];
  if (typeof fn !== "function") throw new Error(`page has no ${name}`);
  await fn.call(comp.instance, arg);
  await settled();
}

/** Lets pending promises, timers of 0 ms and setData renders run. */
export async function settled(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await simulate.sleep(0);
}

/** Waits until `check` passes (for pages waiting on a real server). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await simulate.sleep(10);
  }
}

/** Visible text under a DOM node: its text nodes, trimmed and joined by single spaces. */
export function visibleText(node: Node | undefined | null): string {
  if (!node) return "";
  const parts: string[] = [];
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const t = (n.textContent ?? "").replace(/\s+/g, " ").trim();
    if (t) parts.push(t);
  }
  return parts.join(" ");
}

/** Text of the first element matching selector (">>>" reaches into components), or null. */
export function text(comp: Rendered, selector: string): string | null {
  const el = comp.querySelector(selector);
  return el ? visibleText(el.dom) : null;
}

/** Text of the whole rendered page. */
export function pageText(comp: Rendered): string {
  return visibleText(comp.dom);
}

export async function tap(comp: Rendered, selector: string): Promise<void> {
  const el = comp.querySelector(selector);
  if (!el) throw new Error(`nothing matches ${selector}`);
  el.dispatchEvent("tap");
  await settled();
}

export async function input(comp: Rendered, selector: string, value: string): Promise<void> {
  const el = comp.querySelector(selector);
  if (!el) throw new Error(`nothing matches ${selector}`);
  el.dispatchEvent("input", { detail: { value } });
  await settled();
}

/** Opens the chat's "+" panel and taps one of its tiles (album, camera, video, location, file, card). */
export async function tapPlus(comp: Rendered, item: string): Promise<void> {
  if (!comp.querySelector("#plus")) await tap(comp, "#toggle-plus");
  await tap(comp, `#plus >>> #plus-${item}`);
}
