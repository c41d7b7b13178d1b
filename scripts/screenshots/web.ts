// `npm run screenshots`, step 3: the web client (docs/web.md) in headless Chromium at a desktop
// size, against a real `wrangler dev` with sample people and chats, in Chinese and in English:
// the QR sign-in (web-qr.png), then the chats with a group open (web-chat.png), under
// docs/screenshots/<locale>/.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { buildWeb } from "../build-web.ts";
import { befriend } from "../../tests/support/friends.ts";
import { startWorker } from "../../tests/support/wrangler-dev.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const OUT = join(ROOT, "docs", "screenshots");
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const SAMPLE = {
  zh_CN: {
    me: "张伟",
    friends: ["李娜", "王芳", "刘洋"],
    group: "周末爬山",
    lines: [
      [1, "周六早上八点在地铁站集合？[微笑]"],
      [2, "好的，我带水和零食"],
      [0, "没问题，我订了回程的车票 [强]"],
      [1, "天气预报说周六晴，适合爬山"],
    ],
    direct: "明天的会议改到下午三点",
  },
  en: {
    me: "Wei",
    friends: ["Nina", "Fang", "Yang"],
    group: "Weekend hike",
    lines: [
      [1, "Meet at the subway station at 8 on Saturday? [微笑]"],
      [2, "Sure, I'll bring water and snacks"],
      [0, "Great, I booked the train back [强]"],
      [1, "The forecast says sunny on Saturday"],
    ],
    direct: "Tomorrow's meeting moved to 3 pm",
  },
} as const;

// Always from the current sources: nothing else serves web/dist while this runs.
await buildWeb({ quiet: true });
const worker = await startWorker({ ENVIRONMENT: "development", JWT_SECRET: `shots-${crypto.randomUUID()}` });
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-background-networking"] });

async function call(path: string, token: string | null, body?: unknown, method = "POST") {
  const res = await fetch(`${worker.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

try {
  for (const locale of ["zh_CN", "en"] as const) {
    const s = SAMPLE[locale];
    const tag = Math.random().toString(36).slice(2, 6);
    const me = await call("/auth/dev", null, { name: `${locale}me${tag}` });
    await call("/me", me.accessToken, { nickname: s.me }, "PATCH");
    const friends = [];
    for (const [i, nickname] of s.friends.entries()) {
      const f = await call("/auth/dev", null, { name: `${locale}f${i}${tag}` });
      await call("/me", f.accessToken, { nickname }, "PATCH");
      await befriend(worker.url, { id: f.user.id, token: f.accessToken }, { id: me.user.id, token: me.accessToken });
      friends.push(f);
    }
    const direct = await call("/conversations/direct", friends[2].accessToken, { userId: me.user.id });
    await call(`/conversations/${direct.id}/messages`, friends[2].accessToken, { clientId: `d-${tag}`, type: "text", body: { text: s.direct } });
    const group = await call("/conversations", me.accessToken, { name: s.group, memberIds: friends.slice(0, 2).map((f) => f.user.id) });
    for (const [i, [who, text]] of s.lines.entries()) {
      const sender = who === 0 ? me : friends[who - 1];
      await call(`/conversations/${group.id}/messages`, sender.accessToken, { clientId: `g-${i}-${tag}`, type: "text", body: { text } });
    }

    const context = await browser.newContext({ locale: locale === "zh_CN" ? "zh-CN" : "en-US", viewport: { width: 1100, height: 720 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.goto(worker.url);
    const qr = page.locator(".qr-image[data-qr]");
    await qr.locator("svg").waitFor();
    mkdirSync(join(OUT, locale), { recursive: true });
    await page.screenshot({ path: join(OUT, locale, "web-qr.png") });
    console.log(`wrote docs/screenshots/${locale}/web-qr.png`);

    const ticket = new URL((await qr.getAttribute("data-qr"))!).pathname.split("/").pop();
    await call(`/auth/web/qr/${ticket}/scan`, me.accessToken, {});
    await call(`/auth/web/qr/${ticket}/confirm`, me.accessToken, {});
    await page.locator(`.chat-item[data-id="${group.id}"]`).click();
    await page.locator(".message.theirs").last().waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(OUT, locale, "web-chat.png") });
    console.log(`wrote docs/screenshots/${locale}/web-chat.png`);
    await context.close();
  }
} finally {
  await browser.close();
  await worker.stop();
}
