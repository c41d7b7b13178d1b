// `npm run build:web`: builds the browser client (web/ → web/dist, git-ignored) with Vite from
// npm packages only, then prints what the first screen downloads: the JS and CSS index.html
// names, raw and gzipped (docs/web.md#sizes). Fails when that passes the budget.
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const ROOT = resolve(import.meta.dirname, "..");
const WEB = join(ROOT, "web");
const DIST = join(WEB, "dist");
/** What the first screen may cost over the wire (gzip), JS and CSS together. */
const BUDGET_GZIP_BYTES = 150 * 1024;

export async function buildWeb(options: { quiet?: boolean } = {}): Promise<{ raw: number; gzip: number; files: string[] }> {
  await build({ configFile: join(WEB, "vite.config.ts"), logLevel: options.quiet ? "warn" : "info" });
  const html = readFileSync(join(DIST, "index.html"), "utf8");
  // The entry script, the CSS and the modules it preloads: everything before the first paint.
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(join(DIST, file));
    raw += statSync(join(DIST, file)).size;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip, files };
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) {
  const { raw, gzip, files } = await buildWeb();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`web: first screen ${files.join(", ")}: ${kb(raw)} raw, ${kb(gzip)} gzip (budget ${kb(BUDGET_GZIP_BYTES)})`);
  if (gzip > BUDGET_GZIP_BYTES) {
    console.error(`web: the first screen is over its budget of ${kb(BUDGET_GZIP_BYTES)} gzip`);
    process.exit(1);
  }
}
