// Draws the tab bar icons (miniprogram/assets/tab/*.png) from WeUI's own icon set, so the tabs
// look like WeChat's: outlined and near-black when idle, filled and WeChat green when selected.
// The PNGs are committed; run this only to change them. Needs Debian's `chromium` package.
//
//   node scripts/make-tab-icons.ts
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MINIPROGRAM_ROOT, weuiDistDir } from "./build-miniprogram.ts";

const SIZE = 81; // WeChat's recommended tab icon size in px
const TABS = { chats: "comment", contacts: "contacts", discover: "discover", me: "me" } as const;
const IDLE = "#181818";
const SELECTED = "#07C160";

function weuiSvg(name: string, variant: "outline" | "filled"): string {
  const source = readFileSync(join(weuiDistDir(), "icon", "icon.js"), "utf8");
  const match = source.match(new RegExp(`[,{]${name}:\\{outline:'([^']*)',filled:'([^']*)'\\}`));
  if (!match) throw new Error(`WeUI has no icon "${name}"`);
  return variant === "outline" ? match[1]! : match[2]!;
}

function render(svg: string, color: string, out: string, work: string) {
  const url = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
  const html = join(work, "icon.html");
  writeFileSync(
    html,
    `<!doctype html><html><body style="margin:0;background:transparent">
<div style="width:${SIZE}px;height:${SIZE}px;background:${color};-webkit-mask:url(${url}) center/contain no-repeat;mask:url(${url}) center/contain no-repeat"></div>
</body></html>`,
  );
  execFileSync(
    "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--hide-scrollbars",
      "--force-device-scale-factor=1",
      `--window-size=${SIZE},${SIZE}`,
      "--default-background-color=00000000",
      `--screenshot=${out}`,
      `file://${html}`,
    ],
    { stdio: "pipe" },
  );
}

const dir = join(MINIPROGRAM_ROOT, "assets", "tab");
mkdirSync(dir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "qun-icons-"));
try {
  for (const [tab, icon] of Object.entries(TABS)) {
    render(weuiSvg(icon, "outline"), IDLE, join(dir, `${tab}.png`), work);
    render(weuiSvg(icon, "filled"), SELECTED, join(dir, `${tab}-active.png`), work);
    console.log(`drew ${tab} (${icon})`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
