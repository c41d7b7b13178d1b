// Every WXML and WXSS file compiles with WeChat's own compilers (wcc, wcsc), and every
// usingComponents entry of every page and component points at something that exists.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles, MINIPROGRAM_ROOT, runtimePackages, weuiDistDir } from "../../../scripts/build-miniprogram.ts";
import { builtMiniprogram, pagesOfApp, readJson, WEUI_PREFIX } from "../harness";

const BIN = join(dirname(createRequire(import.meta.url).resolve("miniprogram-compiler/package.json")), "bin", "linux");
// The package ships wcsc without the executable bit (wcc has it); a fresh `npm install` keeps
// it that way, so set it before running either.
for (const bin of ["wcc", "wcsc"]) chmodSync(join(BIN, bin), 0o755);
const files = await listFiles(MINIPROGRAM_ROOT);
const wxml = files.filter((f) => f.endsWith(".wxml"));
const wxss = files.filter((f) => f.endsWith(".wxss"));
const jsons = files.filter((f) => f.endsWith(".json") && existsSync(join(MINIPROGRAM_ROOT, f.replace(/\.json$/, ".wxml"))));

/** Runs a compiler; `errors` is what it printed on stderr (where both report problems). */
function run(bin: string, args: string[]): { ok: boolean; errors: string } {
  const r = spawnSync(join(BIN, bin), args, { cwd: MINIPROGRAM_ROOT, encoding: "utf8" });
  return { ok: r.status === 0, errors: r.stderr };
}

/**
 * A stylesheet and every one it imports (`@import "x.wxss";`, relative to the importer): wcsc,
 * like DevTools, compiles them together, and finds no import given alone.
 */
function withImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const imported = [...readFileSync(join(MINIPROGRAM_ROOT, file), "utf8").matchAll(/@import\s+"([^"]+)";/g)].map((m) => join(dirname(file), m[1]!));
  return [file, ...imported.flatMap((f) => withImports(f, seen))];
}

/** WeChat's built-in components whose names have a hyphen (everything else with one is custom). */
const BUILT_IN = new Set([
  "scroll-view",
  "swiper-item",
  "movable-area",
  "movable-view",
  "cover-view",
  "cover-image",
  "rich-text",
  "picker-view",
  "picker-view-column",
  "open-data",
  "web-view",
  "page-meta",
  "navigation-bar",
  "page-container",
  "share-element",
  "match-media",
  "root-portal",
  "checkbox-group",
  "radio-group",
  "functional-page-navigator",
  "official-account",
  "live-player",
  "live-pusher",
  "voip-room",
  "channel-live",
  "channel-video",
  "store-product",
]);

describe("WXML", () => {
  it.each(wxml)("%s compiles with wcc", (file) => {
    const r = run("wcc", ["-d", file]);
    expect(r.errors).toBe("");
    expect(r.ok).toBe(true);
  });

  it("wcc refuses a broken template, so the check above can fail", () => {
    const r = spawnSync(join(BIN, "wcc"), ["-s", "bad.wxml"], { input: "<view><text>open</view>", encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/expect end-tag `text`/);
  });
});

describe("WXSS", () => {
  it.each(wxss)("%s compiles with wcsc", (file) => {
    const r = run("wcsc", ["-lc", ...withImports(file)]);
    expect(r.errors).toBe("");
    expect(r.ok).toBe(true);
  });

  it("wcsc reports broken CSS, so the check above can fail", () => {
    const r = spawnSync(join(BIN, "wcsc"), ["-lc", "-sd", ".a { color: red "], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
  });
});

describe("usingComponents", () => {
  const entries = jsons.flatMap((f) => Object.entries(readJson(join(MINIPROGRAM_ROOT, f)).usingComponents ?? {}).map(([tag, target]) => ({ file: f, tag, target })));

  it("every page and component declares at least the components it uses", () => {
    for (const f of jsons) {
      const template = readFileSync(join(MINIPROGRAM_ROOT, f.replace(/\.json$/, ".wxml")), "utf8");
      const used = new Set([...template.matchAll(/<([a-z]+-[a-z-]+)[\s>/]/g)].map((m) => m[1]!));
      const declared = Object.keys(readJson(join(MINIPROGRAM_ROOT, f)).usingComponents ?? {});
      for (const tag of used) if (!BUILT_IN.has(tag)) expect(declared, `${f} uses <${tag}>`).toContain(tag);
    }
  });

  it.each(entries.map((e) => [`${e.file}: ${e.tag} → ${e.target}`, e] as const))("%s resolves", (_, { file, target }) => {
    const base = target.startsWith(WEUI_PREFIX)
      ? join(weuiDistDir(), target.slice(WEUI_PREFIX.length))
      : target.startsWith("/")
        ? join(MINIPROGRAM_ROOT, target)
        : resolve(dirname(join(MINIPROGRAM_ROOT, file)), target);
    for (const ext of [".js", ".json", ".wxml"]) {
      const path = base + (target.startsWith(WEUI_PREFIX) || ext !== ".js" ? ext : ".ts");
      expect(existsSync(path), path).toBe(true);
    }
    expect(readJson(`${base}.json`).component).toBe(true);
  });

  it("every page of app.json exists", () => {
    for (const page of pagesOfApp()) {
      for (const ext of [".ts", ".wxml", ".json"]) expect(existsSync(join(MINIPROGRAM_ROOT, page + ext)), page + ext).toBe(true);
    }
  });
});

describe("error toptips", () => {
  it("every template with an error toptips gets its error, showError and onErrorHide from the error-tips behavior", () => {
    const withTips = wxml.filter((f) => readFileSync(join(MINIPROGRAM_ROOT, f), "utf8").includes('bindhide="onErrorHide"'));
    expect(withTips.length).toBeGreaterThanOrEqual(8);
    for (const f of withTips) {
      const ts = readFileSync(join(MINIPROGRAM_ROOT, f.replace(/\.wxml$/, ".ts")), "utf8");
      expect(ts, f).toMatch(/behaviors: \[[^\]]*\berrorTips\b/);
      expect(ts, f).not.toMatch(/\bonErrorHide\(\)/);
    }
  });
});

describe("package size", () => {
  it("the main package stays under WeChat's 2 MB limit (sources and assets, the npm packages as built, WeUI from the extended library)", async () => {
    const sources = files.filter((f) => f !== "tsconfig.json").reduce((sum, f) => sum + statSync(join(MINIPROGRAM_ROOT, f)).size, 0);
    // miniprogram_npm/ ships in the main package too; weui-miniprogram is there only for the
    // tests (app.json takes WeUI from the extended library), the run-time packages (zod) are not.
    const npm = join(builtMiniprogram(), "miniprogram_npm");
    let packages = 0;
    for (const name of await runtimePackages()) {
      for (const f of await listFiles(join(npm, name))) packages += statSync(join(npm, name, f)).size;
    }
    expect(packages).toBeGreaterThan(0);
    expect(sources + packages).toBeLessThan(2 * 1024 * 1024);
  });

  it('the built client loads zod from its miniprogram_npm/ copy, as WeChat resolves require("zod")', () => {
    const built = readFileSync(join(builtMiniprogram(), "generated", "protocol.js"), "utf8");
    expect(built).toContain('require("../miniprogram_npm/zod/index.js")');
    expect(built).not.toContain('require("zod")');
  });

  it("miniprogram/package.json pins zod to the version the worker runs, so both parse frames alike", () => {
    const own = readJson<{ dependencies: Record<string, string> }>(join(MINIPROGRAM_ROOT, "package.json")).dependencies;
    const installed = readJson<{ version: string }>(createRequire(import.meta.url).resolve("zod/package.json")).version;
    expect(own).toEqual({ zod: installed });
  });
});
