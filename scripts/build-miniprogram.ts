// Builds the mini-program the way the test tools need it. WeChat DevTools compiles the .ts
// itself (setting.useCompilerPlugins), but miniprogram-simulate requires CommonJS .js next to
// each .wxml, and resolves WeUI only from a miniprogram_npm/ folder. So: every .ts under
// miniprogram/ is transpiled file by file with esbuild (no bundling, exactly like DevTools:
// one .js per .ts, `import type` erased), every other file is copied as is, and
// weui-miniprogram's miniprogram_dist is copied to miniprogram_npm/weui-miniprogram (for the
// tests only: the app takes WeUI from WeChat's extended library). The mini-program loads no npm
// package at run time (generated/protocol.ts holds what it uses of zod), so a require() of
// anything but a relative path in the built code is a mistake, and so is a runtime import that
// leaves the mini-program root (e.g. a value from ../schema): it stays a require() of a missing
// file, and the tests catch it.
//
//   node scripts/build-miniprogram.ts [outDir] [--api https://…]     (default: .build/miniprogram)
//
// `--api https://…` (npm run build:miniprogram -- --api https://api.example.com) first writes the
// release's API address into miniprogram/generated/release.ts, which WeChat DevTools then uploads;
// `--api dev` puts back the local development server. WeChat accepts only HTTPS (and WSS) domains
// registered in the admin console for a release (docs/operations.md).
import { cp, mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const MINIPROGRAM_ROOT = join(REPO_ROOT, "miniprogram");
/** Folders under miniprogram/ that never ship and are not part of the build. */
const SKIP = new Set(["miniprogram_npm", "node_modules"]);

export async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(full, base)));
    else out.push(relative(base, full));
  }
  return out.sort();
}

export function weuiDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("weui-miniprogram/package.json")), "miniprogram_dist");
}

/**
 * Builds into outDir (emptied first) and returns its absolute path. `wxGlobal` renames the `wx`
 * the code calls (e.g. "globalThis.__wxB"), so a test can run two clients in one process,
 * each with its own wx.
 */
export async function buildMiniprogram(outDir: string, options: { wxGlobal?: string } = {}): Promise<string> {
  // Loaded here, not at the top: test helpers import this file's paths inside jsdom, where esbuild refuses to load.
  const { build } = await import("esbuild");
  const out = resolve(outDir);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const files = await listFiles(MINIPROGRAM_ROOT);
  const sources = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  const assets = files.filter((f) => !f.endsWith(".ts") && f !== "tsconfig.json");
  await build({
    entryPoints: sources.map((f) => join(MINIPROGRAM_ROOT, f)),
    outbase: MINIPROGRAM_ROOT,
    outdir: out,
    bundle: false,
    format: "cjs",
    platform: "neutral",
    target: "es2018",
    logLevel: "silent",
    ...(options.wxGlobal ? { define: { wx: options.wxGlobal } } : {}),
  });
  await Promise.all(
    assets.map(async (f) => {
      await mkdir(dirname(join(out, f)), { recursive: true });
      await cp(join(MINIPROGRAM_ROOT, f), join(out, f));
    }),
  );
  await cp(weuiDistDir(), join(out, "miniprogram_npm", "weui-miniprogram"), { recursive: true });
  return out;
}

/** Writes generated/release.ts: the API address of a release build ("" for the development server). */
export async function writeReleaseApiBase(api: string): Promise<void> {
  const url = api === "dev" ? "" : api.trim().replace(/\/+$/, "");
  if (url && !/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i.test(url)) throw new Error(`--api must be an https:// address (WeChat requires HTTPS for a release), not ${api}`);
  const text = `// Written by \`npm run build:miniprogram -- --api https://…\` (scripts/build-miniprogram.ts) for a
// release: the API address a released mini-program talks to. Empty: the local development server.
export const RELEASE_API_BASE = ${JSON.stringify(url)};
`;
  await writeFile(join(MINIPROGRAM_ROOT, "generated", "release.ts"), text);
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--api");
  if (at >= 0) {
    const api = args[at + 1];
    if (api === undefined) throw new Error("--api needs an address: --api https://api.example.com (or --api dev)");
    await writeReleaseApiBase(api);
    args.splice(at, 2);
    console.log(`API address of this build: ${api === "dev" ? "the development server" : api}`);
  }
  const out = await buildMiniprogram(args[0] ?? join(REPO_ROOT, ".build", "miniprogram"));
  console.log(`built ${relative(process.cwd(), out) || "."}`);
}
