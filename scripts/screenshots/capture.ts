// `npm run screenshots`, step 2: opens each HTML page written by render.ts in headless Chromium
// (Debian's `chromium` package through playwright-core) at an iPhone's size and saves a PNG
// under docs/screenshots/<locale>/ (zh_CN, en).
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "..", "..");
const HTML_DIR = join(ROOT, ".build", "screens");
const OUT_DIR = join(ROOT, "docs", "screenshots");
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-background-networking"] });
try {
  // An iPhone 14's viewport.
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const files = ["zh_CN", "en"]
    .filter((locale) => existsSync(join(HTML_DIR, locale)))
    .flatMap((locale) =>
      readdirSync(join(HTML_DIR, locale))
        .filter((f) => f.endsWith(".html"))
        .sort()
        .map((f) => join(locale, f)),
    );
  for (const file of files) {
    await page.goto(`file://${join(HTML_DIR, file)}`);
    const out = join(OUT_DIR, file.replace(/\.html$/, ".png"));
    mkdirSync(join(out, ".."), { recursive: true });
    // An open half-screen dialog is fixed to the viewport: a full-page shot would leave it mid-page,
    // so such a page is shot as one tall phone screen (a Pro Max's height) instead.
    const dialogOpen = (await page.locator("[class*='weui-half-screen-dialog__hd']").count()) > 0;
    await page.setViewportSize({ width: 390, height: dialogOpen ? 932 : 844 });
    await page.screenshot({ path: out, fullPage: !dialogOpen });
    console.log(`wrote ${out.slice(ROOT.length + 1)}`);
  }
} finally {
  await browser.close();
}
