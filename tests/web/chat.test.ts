// The web client as a chat client, against the real worker (docs/web.md#tests): a message typed
// in the browser reaches a friend's socket and theirs shows in the browser; reading on the web
// clears the unread count the phone sees; a message queued offline survives a reload and is
// delivered once.
import type { Browser } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MEDIA_LIMITS } from "../../schema/limits";
import type { ConversationSummary, Message, ServerFrame } from "../../schema/protocol";
import { base, connectBrowser, friendsWithChat, inOpenChat, newWindow, phone, signIn, uniqueName } from "./helpers";

let browser: Browser;
beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A 2×2 PNG, as a picture the server accepts (it sniffs the bytes). */
function pngPixel(): Buffer {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(200);
  return PNG.sync.write(png);
}

/** A PNG of noise, which does not compress: `width`×`height` pixels of several hundred KB. */
function noisyPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  let x = 12345;
  for (let i = 0; i < png.data.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    png.data[i] = i % 4 === 3 ? 255 : x >> 16;
  }
  return PNG.sync.write(png);
}

/** A JPEG's size in pixels, from its start-of-frame segment. */
function jpegSize(bytes: Buffer): { width: number; height: number } | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return null;
}

const isMessage = (text: string) => (f: ServerFrame) => f.type === "message" && (f as { message: Message }).message.body?.text === text;

describe("chatting on the web", () => {
  it("sends a message typed in the browser to a friend's socket, and shows the friend typing and their reply", async () => {
    await inOpenChat(browser, "webtx", async ({ me, friend, chatId, socket, page }) => {
      await page.getByTestId("composer").fill("hello from the web [微笑]");
      await page.getByTestId("composer").press("Enter");
      const frame = await socket.next(isMessage("hello from the web [微笑]"), 10_000);
      expect((frame as { message: Message }).message.senderId).toBe(me.id);
      // The face code is drawn as its emoji in the browser's bubble.
      await expect.poll(() => page.locator(`.message.mine[data-status="sent"] .bubble.text`).last().textContent(), { timeout: 10_000 }).toBe("hello from the web 🙂");

      // The friend types, then answers.
      socket.send({ type: "typing", conversationId: chatId });
      await expect.poll(() => page.getByTestId("typing").textContent(), { timeout: 10_000 }).toBe(`${friend.auth.user.nickname} is typing…`);
      const replied = await friend.call("POST", `/conversations/${chatId}/messages`, { clientId: `r-${Date.now()}`, type: "text", body: { text: "hi back" } });
      expect(replied.status).toBe(201);
      await expect.poll(() => page.locator(".message.theirs .bubble.text").last().textContent(), { timeout: 10_000 }).toBe("hi back");
    });
  });

  it("sends a picture chosen with the file button, which the friend receives as an image they can download", async () => {
    await inOpenChat(browser, "webpic", async ({ friend, chatId, socket, page }) => {
      await page.getByTestId("file-input").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: pngPixel() });
      const frame = (await socket.next((f) => f.type === "message" && (f as { message: Message }).message.type === "image", 15_000)) as { message: Message };
      expect(frame.message.body).toMatchObject({ width: 2, height: 2 });
      // A picture this small is its own thumbnail.
      expect((frame.message.body as { thumbMediaId?: string }).thumbMediaId).toBeUndefined();
      const mediaId = String((frame.message.body as { mediaId: string }).mediaId);
      const urls = await friend.call<{ urls: { url: string }[] }>("POST", "/media/urls", { mediaIds: [mediaId], conversationId: chatId });
      const bytes = Buffer.from(await (await fetch(urls.body.urls[0]!.url)).arrayBuffer());
      expect(bytes.equals(pngPixel())).toBe(true);
      // The sender's bubble shows the picture from its signed URL.
      await page.locator(`.message.mine[data-status="sent"] .bubble.picture img`).waitFor({ timeout: 10_000 });
    });
  });

  it("sends a big picture with a thumbnail drawn in the browser: the friend's message names both, and the chat shows the thumbnail", async () => {
    const original = noisyPng(960, 720);
    expect(original.length).toBeGreaterThan(MEDIA_LIMITS.thumbnailFromBytes);
    await inOpenChat(browser, "webbig", async ({ friend, chatId, socket, page }) => {
      await page.getByTestId("file-input").setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: original });
      const frame = (await socket.next((f) => f.type === "message" && (f as { message: Message }).message.type === "image", 20_000)) as { message: Message };
      const body = frame.message.body as { mediaId: string; thumbMediaId?: string; width: number; height: number };
      expect(body).toMatchObject({ width: 960, height: 720 });
      expect(body.thumbMediaId).toMatch(/\S/);
      const urls = await friend.call<{ urls: { mediaId: string; url: string }[] }>("POST", "/media/urls", { mediaIds: [body.mediaId, body.thumbMediaId], conversationId: chatId });
      const bytesOf = async (id: string) => Buffer.from(await (await fetch(urls.body.urls.find((u) => u.mediaId === id)!.url)).arrayBuffer());
      // The original byte for byte; the thumbnail a JPEG the phone's width, a fraction of the size.
      expect((await bytesOf(body.mediaId)).equals(original)).toBe(true);
      const thumb = await bytesOf(body.thumbMediaId!);
      expect(jpegSize(thumb)).toEqual({ width: MEDIA_LIMITS.thumbnailWidth, height: 360 });
      expect(thumb.length).toBeLessThan(original.length / 4);
      // The sender's bubble draws the thumbnail and links the original.
      const img = page.locator(`.message.mine[data-status="sent"] .bubble.picture img`);
      await img.waitFor({ timeout: 10_000 });
      await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth), { timeout: 10_000 }).toBe(MEDIA_LIMITS.thumbnailWidth);
    });
  });

  it("sends a BMP picture and a WebM video, formats the server does not store as such, as files the friend can download", async () => {
    // A 1×1 BMP, and the start of a WebM (its EBML header): browsers name them image/bmp and video/webm.
    const bmp = Buffer.from("424d3a0000000000000036000000280000000100000001000000010018000000000004000000130b0000130b00000000000000000000ff00ff00", "hex");
    const webm = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.alloc(60, 1)]);
    await inOpenChat(browser, "webfmt", async ({ me, friend, chatId, socket, page }) => {
      const received: Message[] = [];
      for (const [name, mimeType, buffer] of [
        ["dot.bmp", "image/bmp", bmp],
        ["clip.webm", "video/webm", webm],
      ] as const) {
        await page.getByTestId("file-input").setInputFiles({ name, mimeType, buffer });
        received.push(((await socket.next((f) => f.type === "message" && (f as { message: Message }).message.senderId === me.id, 15_000)) as { message: Message }).message);
      }
      expect(received.map((m) => [m.type, (m.body as { name?: string }).name, (m.body as { size?: number }).size])).toEqual([
        ["file", "dot.bmp", bmp.length],
        ["file", "clip.webm", webm.length],
      ]);
      const ids = received.map((m) => String((m.body as { mediaId: string }).mediaId));
      const urls = await friend.call<{ urls: { mediaId: string; url: string }[] }>("POST", "/media/urls", { mediaIds: ids, conversationId: chatId });
      const served = await Promise.all(ids.map(async (id) => Buffer.from(await (await fetch(urls.body.urls.find((u) => u.mediaId === id)!.url)).arrayBuffer())));
      expect(served[0]!.equals(bmp) && served[1]!.equals(webm)).toBe(true);
      // Neither is left failed in the sender's window.
      await expect.poll(() => page.locator(`.message.mine[data-status="sent"]`).count(), { timeout: 10_000 }).toBe(2);
    });
  });

  it("shows a desktop notification for a friend's message while the tab is hidden, and counts it in the title", async () => {
    const [me, friend] = [await phone(uniqueName("webnt")), await phone(uniqueName("webnf"))];
    const chatId = await friendsWithChat(me, friend);
    const { context, page } = await newWindow(browser);
    try {
      await context.grantPermissions(["notifications"], { origin: base });
      // What the page hands the Notification API, and a tab the user has switched away from.
      await page.addInitScript(() => {
        // Runs in the page (the tests' own types have no DOM).
        const win = globalThis as unknown as { shownNotifications: { title: string; body: string }[]; document: object };
        const shown: { title: string; body: string }[] = [];
        win.shownNotifications = shown;
        class Recorded {
          static permission = "granted";
          static requestPermission = async () => "granted";
          onclick: (() => void) | null = null;
          constructor(title: string, options?: { body?: string }) {
            shown.push({ title, body: options?.body ?? "" });
          }
          close() {}
        }
        Object.defineProperty(win, "Notification", { value: Recorded });
        Object.defineProperty(win.document, "visibilityState", { get: () => "hidden" });
      });
      await signIn(page, me);
      await page.locator(`.chat-item[data-id="${chatId}"]`).waitFor();
      const before = Number((await page.title()).match(/\((\d+)\)/)?.[1] ?? 0);
      await friend.call("POST", `/conversations/${chatId}/messages`, { clientId: `n-${Date.now()}`, type: "text", body: { text: "are you there? [微笑]" } });
      const shown = () => page.evaluate(() => (globalThis as unknown as { shownNotifications: { title: string; body: string }[] }).shownNotifications);
      await expect.poll(shown, { timeout: 10_000 }).toEqual([{ title: friend.auth.user.nickname, body: "are you there? 🙂" }]);
      expect(await page.title()).toBe(`(${before + 1}) Qun`);
    } finally {
      await context.close();
    }
  });

  it("shows how many members read a group message, and recalls one's own message", async () => {
    const [me, a, b] = [await phone(uniqueName("webgr")), await phone(uniqueName("webga")), await phone(uniqueName("webgb"))];
    await friendsWithChat(me, a);
    await friendsWithChat(me, b);
    const group = await me.call<{ id: string }>("POST", "/conversations", { name: "Readers", memberIds: [a.id, b.id] });
    const { context, page } = await newWindow(browser);
    try {
      await signIn(page, me);
      await page.locator(`.chat-item[data-id="${group.body.id}"]`).click();
      await page.getByTestId("composer").fill("who reads this");
      await page.getByTestId("composer").press("Enter");
      const mine = page.locator(`.message.mine[data-status="sent"]`).last();
      await mine.waitFor({ timeout: 10_000 });
      const seq = Number(await mine.getAttribute("data-seq"));
      expect((await a.call("POST", `/conversations/${group.body.id}/read`, { seq })).status).toBe(200);
      await expect.poll(() => mine.getByTestId("read-count").textContent(), { timeout: 10_000 }).toBe("1 read");
      await b.call("POST", `/conversations/${group.body.id}/read`, { seq });
      await expect.poll(() => mine.getByTestId("read-count").textContent(), { timeout: 10_000 }).toBe("2 read");

      await mine.hover();
      await mine.getByTestId("recall").click();
      await expect.poll(() => page.locator(".system-line").last().textContent(), { timeout: 10_000 }).toBe("You recalled a message");
      const history = await a.call<{ messages: Message[] }>("GET", `/conversations/${group.body.id}/messages`);
      expect(history.body.messages.find((m) => m.seq === seq)?.recalledAt).toEqual(expect.any(Number));
    } finally {
      await context.close();
    }
  });

  it("marks a message the server refuses as not sent, with a retry that sends it again", async () => {
    const [me, friend] = [await phone(uniqueName("webfl")), await phone(uniqueName("webfm"))];
    const chatId = await friendsWithChat(me, friend);
    const { context, page } = await newWindow(browser);
    // Every send of that text, by socket frame or by HTTP.
    let sends = 0;
    const counts = (payload: string | Buffer | null | undefined) => String(payload ?? "").includes("forbiddenword") && sends++;
    page.on("websocket", (ws) => ws.on("framesent", (f) => counts(f.payload)));
    page.on("request", (r) => r.method() === "POST" && r.url().endsWith("/messages") && counts(r.postData()));
    try {
      await signIn(page, me);
      await page.locator(`.chat-item[data-id="${chatId}"]`).click();
      await page.getByTestId("composer").fill("this has forbiddenword in it");
      await page.getByTestId("composer").press("Enter");
      const failed = page.locator(`.message.mine[data-status="failed"]`);
      await failed.waitFor({ timeout: 10_000 });
      const clientId = await failed.getAttribute("data-client-id");
      const before = sends;
      expect(before).toBeGreaterThan(0);
      await failed.getByTestId("retry").click();
      await expect.poll(() => sends, { timeout: 10_000 }).toBeGreaterThan(before);
      // Sent again with the same client id, refused again: still one failed bubble, nothing stored.
      await page.locator(`.message.mine[data-client-id="${clientId}"][data-status="failed"]`).waitFor({ timeout: 10_000 });
      expect(await page.locator(".message.mine").count()).toBe(1);
      const history = await friend.call<{ messages: Message[] }>("GET", `/conversations/${chatId}/messages`);
      expect(history.body.messages.filter((m) => m.type === "text")).toHaveLength(0);
    } finally {
      await context.close();
    }
  });

  it("reads on the web clear the unread count the phone's session sees", async () => {
    const [me, friend] = [await phone(uniqueName("webrd")), await phone(uniqueName("webrf"))];
    const chatId = await friendsWithChat(me, friend);
    for (const text of ["one", "two", "three"]) await friend.call("POST", `/conversations/${chatId}/messages`, { clientId: `u-${text}-${Date.now()}`, type: "text", body: { text } });
    const unreadOnPhone = async () => (await me.call<{ conversations: ConversationSummary[] }>("GET", "/conversations")).body.conversations.find((c) => c.id === chatId)?.unread;
    // Three texts, and the chat's opening line when the friendship was accepted.
    const unread = (await unreadOnPhone())!;
    expect(unread).toBeGreaterThanOrEqual(3);
    const { context, page } = await newWindow(browser);
    try {
      await signIn(page, me);
      await expect.poll(() => page.locator(`.chat-item[data-id="${chatId}"] [data-testid="unread"]`).textContent(), { timeout: 10_000 }).toBe(String(unread));
      await expect.poll(() => page.title()).toBe(`(${unread}) Qun`);
      await page.locator(`.chat-item[data-id="${chatId}"]`).click();
      await expect.poll(unreadOnPhone, { timeout: 10_000 }).toBe(0);
      await expect.poll(() => page.title()).toBe("Qun");
    } finally {
      await context.close();
    }
  });

  it("keeps a message sent offline through a reload and delivers it once when back online", async () => {
    await inOpenChat(browser, "webof", async ({ friend, chatId, socket, context, page }) => {
      await context.setOffline(true);
      await page.getByTestId("composer").fill("queued while offline");
      await page.getByTestId("composer").press("Enter");
      await page.locator(".message.mine:not([data-status='sent'])").waitFor();
      // The outbox is in IndexedDB: give its write a moment, then leave the page (a reload while
      // offline would show the browser's error page, so the same browser opens it anew).
      await page.waitForTimeout(500);
      await page.close();
      await context.setOffline(false);
      const again = await context.newPage();
      await again.goto(base);
      await again.getByTestId("chat-list").waitFor({ timeout: 15_000 });
      const delivered = () => socket.frames.filter(isMessage("queued while offline")).length;
      await expect.poll(delivered, { timeout: 15_000 }).toBeGreaterThan(0);
      // Once: no second copy comes later, and the friend's history holds one.
      await again.waitForTimeout(1500);
      expect(delivered()).toBe(1);
      const history = await friend.call<{ messages: Message[] }>("GET", `/conversations/${chatId}/messages`);
      expect(history.body.messages.filter((m) => m.body?.text === "queued while offline")).toHaveLength(1);
    });
  });
});
