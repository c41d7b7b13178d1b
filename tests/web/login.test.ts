// Signing in to the web client as Web WeChat does (docs/web.md#signing-in): the page shows a QR
// code; the phone (a mini-program session) scans it, the page says so, the phone confirms, and
// the page is in. A reload stays signed in (the HttpOnly web session cookie); signing out brings
// the QR code back. The QR code is read from the page's screenshot, as a phone's camera would.
import jsQR from "jsqr";
import type { Browser } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base, connectBrowser, newWindow, phone, shownQrText, signIn, ticketOf, uniqueName } from "./helpers";

let browser: Browser;
beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

function decodeQr(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height)?.data ?? null;
}

describe("the web sign-in", () => {
  it("shows a QR code that a phone scans and confirms, saying so in Chinese, and a reload stays signed in", async () => {
    const who = await phone(uniqueName("webqr"));
    const { context, page } = await newWindow(browser, "zh-CN");
    try {
      await page.goto(base);
      await expect.poll(() => page.locator(".login-status").textContent()).toContain("用微信扫一扫");
      await page.locator(".qr-image svg").waitFor();
      const fromCamera = decodeQr(await page.locator(".login-qr").screenshot());
      expect(fromCamera).toBe(await shownQrText(page));
      const ticket = ticketOf(fromCamera!);

      const scanned = await who.call("POST", `/auth/web/qr/${ticket}/scan`, {});
      expect(scanned.status).toBe(200);
      await expect.poll(() => page.locator(".login-status").textContent(), { timeout: 10_000 }).toBe("扫描成功，请在手机上确认登录");
      await expect.poll(() => page.locator(".login-name").textContent()).toBe(who.auth.user.nickname);

      expect((await who.call("POST", `/auth/web/qr/${ticket}/confirm`, {})).status).toBe(204);
      await page.getByTestId("chat-list").waitFor({ timeout: 10_000 });
      // The phone lists the new web session beside its own.
      const sessions = await who.call<{ sessions: { kind: string }[] }>("GET", "/me/sessions");
      expect(sessions.body.sessions.map((s) => s.kind).sort()).toEqual(["miniprogram", "web"]);

      await page.reload();
      await page.getByTestId("chat-list").waitFor({ timeout: 10_000 });
      expect(await page.locator(".qr-image").count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("speaks English in an English browser, and signing out brings the QR code back for good", async () => {
    const who = await phone(uniqueName("webqren"));
    const { context, page } = await newWindow(browser, "en-US");
    try {
      await page.goto(base);
      await expect.poll(() => page.locator(".login-status").textContent()).toBe("Scan with Qun on your phone to sign in to Qun for the web");
      const ticket = ticketOf(await shownQrText(page));
      await who.call("POST", `/auth/web/qr/${ticket}/scan`, {});
      await expect.poll(() => page.locator(".login-status").textContent(), { timeout: 10_000 }).toBe("Scanned, confirm on your phone");
      await who.call("POST", `/auth/web/qr/${ticket}/confirm`, {});
      await page.getByTestId("chat-list").waitFor({ timeout: 10_000 });

      page.once("dialog", (d) => void d.accept());
      await page.getByTestId("sign-out").click();
      await page.locator(".qr-image svg").waitFor({ timeout: 10_000 });
      await page.reload();
      await page.locator(".qr-image svg").waitFor({ timeout: 10_000 });
      const sessions = await who.call<{ sessions: { kind: string }[] }>("GET", "/me/sessions");
      expect(sessions.body.sessions.map((s) => s.kind)).toEqual(["miniprogram"]);
    } finally {
      await context.close();
    }
  });

  it("goes back to the QR code when the phone signs the web session out from its devices list", async () => {
    const who = await phone(uniqueName("webqrd"));
    const { context, page } = await newWindow(browser);
    try {
      await signIn(page, who);
      const sessions = await who.call<{ sessions: { id: string; kind: string }[] }>("GET", "/me/sessions");
      const web = sessions.body.sessions.find((s) => s.kind === "web")!;
      expect((await who.call("DELETE", `/me/sessions/${web.id}`)).status).toBe(204);
      await page.locator(".qr-image svg").waitFor({ timeout: 15_000 });
      // And a reload does not bring the ended session back.
      await page.reload();
      await page.locator(".qr-image svg").waitFor({ timeout: 10_000 });
    } finally {
      await context.close();
    }
  });

  it("says so when the phone cancels, then shows a fresh QR code the phone can scan", async () => {
    const who = await phone(uniqueName("webqrc"));
    const { context, page } = await newWindow(browser, "zh-CN");
    try {
      await page.goto(base);
      const first = await shownQrText(page);
      expect((await who.call("POST", `/auth/web/qr/${ticketOf(first)}/scan`, {})).status).toBe(200);
      await expect.poll(() => page.locator(".login-status").textContent(), { timeout: 10_000 }).toBe("扫描成功，请在手机上确认登录");
      expect((await who.call("POST", `/auth/web/qr/${ticketOf(first)}/cancel`, {})).status).toBe(204);
      await expect.poll(() => page.locator(".login-status").textContent(), { timeout: 10_000 }).toBe("你已取消此次登录");
      await expect.poll(async () => (await page.locator(".qr-image[data-qr]").getAttribute("data-qr")) ?? first, { timeout: 15_000 }).not.toBe(first);
      const second = await shownQrText(page);
      expect((await who.call("POST", `/auth/web/qr/${ticketOf(second)}/scan`, {})).status).toBe(200);
      // The cancelled code is spent.
      expect((await who.call("POST", `/auth/web/qr/${ticketOf(first)}/confirm`, {})).status).not.toBe(204);
    } finally {
      await context.close();
    }
  });

  it("takes a fresh QR code when the shown one expires", async () => {
    const { context, page } = await newWindow(browser);
    try {
      // The page's clock runs fast-forwarded past the ticket's 120 s; the server's stays real.
      await page.clock.install();
      await page.goto(base);
      const first = await shownQrText(page);
      await page.clock.fastForward(125_000);
      await expect.poll(async () => (await page.locator(".qr-image[data-qr]").getAttribute("data-qr")) ?? first, { timeout: 15_000 }).not.toBe(first);
      await page.locator(".qr-image svg").waitFor();
      const second = await shownQrText(page);
      // The new code works: a phone can scan it.
      const who = await phone(uniqueName("webqrx"));
      expect((await who.call("POST", `/auth/web/qr/${ticketOf(second)}/scan`, {})).status).toBe(200);
    } finally {
      await context.close();
    }
  });
});
