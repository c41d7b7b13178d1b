// @vitest-environment node
// (node, not jsdom: the package-size spec minifies with esbuild, which refuses jsdom's TextEncoder.)
// Every WXML and WXSS file compiles with WeChat's own compilers (wcc, wcsc), and every
// usingComponents entry of every page and component points at something that exists.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { listFiles, MINIPROGRAM_ROOT, weuiDistDir } from "../../../scripts/build-miniprogram.ts";
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
  // WeUI comes from WeChat's extended library (app.json useExtendedLib) and is not uploaded; the
  // test build's miniprogram_npm/weui-miniprogram is for miniprogram-simulate only.
  it("the main package stays under 500 KB as uploaded (scripts minified, as DevTools does with setting.minified), and its sources under WeChat's 2 MB", async () => {
    const { transform } = await import("esbuild");
    let sources = 0;
    let uploaded = 0;
    for (const f of files.filter((x) => x !== "tsconfig.json")) {
      const bytes = readFileSync(join(MINIPROGRAM_ROOT, f));
      sources += bytes.length;
      uploaded += f.endsWith(".ts") ? (await transform(bytes.toString("utf8"), { loader: "ts", format: "cjs", target: "es2018", minify: true })).code.length : bytes.length;
    }
    expect(uploaded).toBeGreaterThan(100 * 1024);
    expect(uploaded).toBeLessThan(500 * 1024);
    expect(sources).toBeLessThan(2 * 1024 * 1024);
  });

  it("the built client requires no npm package: only its own files, by relative path", () => {
    const built = builtMiniprogram();
    for (const f of files.filter((x) => x.endsWith(".ts") && !x.endsWith(".d.ts"))) {
      const code = readFileSync(join(built, f.replace(/\.ts$/, ".js")), "utf8");
      const bare = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!).filter((name) => !name.startsWith("."));
      expect(bare, f).toEqual([]);
    }
  });

  it("the frame schemas hold zod/mini of the version the worker runs, so both parse frames alike", () => {
    const generated = readFileSync(join(MINIPROGRAM_ROOT, "generated", "protocol.ts"), "utf8");
    const installed = readJson<{ version: string }>(createRequire(import.meta.url).resolve("zod/package.json")).version;
    expect(generated).toContain(`zod/mini ${installed} (MIT licence`);
  });
});
