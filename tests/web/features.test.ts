// More of what the web client does against the real worker (docs/web.md#what-it-does): @mentions
// in a group, quoting, forwarding, searching the server from the Chats search box, opening a friend from Contacts, renaming a group and setting
// its announcement from the group drawer; and no Content-Security-Policy violation on the way.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message, ServerFrame } from "../../schema/protocol";
import { Device } from "../e2e/socket";
import { m4a, mp4, MULTIPART_TYPE, multipartBody, pdf, png } from "../support/media-files";
import { base, connectBrowser, friendsWithChat, inOpenChat, newWindow, type Phone, phone, signIn, uniqueName } from "./helpers";

/** Uploads media as the mini-program does (multipart POST /media) and answers its id. */
async function upload(who: Phone, bytes: Uint8Array, fields: Record<string, string | number>, filename: string): Promise<string> {
  const res = await fetch(`${base}/media`, { method: "POST", headers: { authorization: `Bearer ${who.token}`, "content-type": MULTIPART_TYPE }, body: multipartBody(bytes, { fields, filename }) });
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

let browser: Browser;
beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Records the page's CSP violations (the securitypolicyviolation event) from its first script on. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const win = globalThis as unknown as { cspViolations: string[]; document: { addEventListener(type: string, fn: (e: { violatedDirective: string; blockedURI: string }) => void): void } };
    win.cspViolations = [];
    win.document.addEventListener("securitypolicyviolation", (e) => win.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return () => page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations);
}

const messageFrame = (match: (m: Message) => boolean) => (f: ServerFrame) => f.type === "message" && match((f as { message: Message }).message);

describe("the web client's chat features", () => {
  it("mentions a group member picked after typing @, quotes a message, and forwards one to another chat", async () => {
    const [me, ann, bob] = [await phone(uniqueName("webmn")), await phone(uniqueName("webma")), await phone(uniqueName("webmb"))];
    const bobChat = await friendsWithChat(me, bob);
    await friendsWithChat(me, ann);
    const group = (await me.call<{ id: string }>("POST", "/conversations", { name: "Mentions", memberIds: [ann.id] })).body.id;
    const annSocket = await Device.connect(base, ann.token);
    const bobSocket = await Device.connect(base, bob.token);
    const { context, page } = await newWindow(browser);
    const violations = await watchCsp(page);
    try {
      await signIn(page, me);
      await page.locator(`.chat-item[data-id="${group}"]`).click();
      const composer = page.getByTestId("composer");
      await composer.pressSequentially("see you @");
      await page.locator(".mention-picker li", { hasText: ann.auth.user.nickname }).click();
      await composer.press("Enter");
      const mention = (await annSocket.next(
        messageFrame((m) => m.conversationId === group && m.type === "text"),
        10_000,
      )) as { message: Message };
      expect(mention.message.body).toEqual({ text: `see you @${ann.auth.user.nickname}` });
      expect(mention.message.mentions).toEqual([ann.id]);
      await expect.poll(() => page.locator(".message.mine .mention").last().textContent(), { timeout: 10_000 }).toBe(`@${ann.auth.user.nickname}`);

      // Quote it: the reply carries replyTo.
      const mine = page.locator(`.message.mine[data-seq="${mention.message.seq}"]`);
      await mine.hover();
      await mine.getByRole("button", { name: "Quote" }).click();
      await composer.fill("as I said");
      await composer.press("Enter");
      const reply = (await annSocket.next(
        messageFrame((m) => m.body?.text === "as I said"),
        10_000,
      )) as { message: Message };
      expect(reply.message.replyTo).toMatchObject({ seq: mention.message.seq });
      await expect.poll(() => page.locator(".message.mine .quote").last().textContent(), { timeout: 10_000 }).toContain("see you");

      // Forward the first to Bob's chat.
      await mine.hover();
      await mine.getByRole("button", { name: "Forward" }).click();
      await page.locator(".pick-list label", { hasText: bob.auth.user.nickname }).locator("input").check();
      await page.locator(".dialog button.primary").click();
      const forwarded = (await bobSocket.next(
        messageFrame((m) => m.conversationId === bobChat && m.type === "text"),
        10_000,
      )) as { message: Message };
      expect(forwarded.message.body).toEqual({ text: `see you @${ann.auth.user.nickname}` });
      expect(forwarded.message.forwarded).toMatchObject({ conversationId: group, seq: mention.message.seq });
      expect(await violations()).toEqual([]);
    } finally {
      annSocket.close();
      bobSocket.close();
      await context.close();
    }
  });

  it("plays a friend's voice note and video from signed media URLs, offers their file for download, and links their location to a map", async () => {
    const [me, friend] = [await phone(uniqueName("webmd")), await phone(uniqueName("webmf"))];
    const chatId = await friendsWithChat(me, friend);
    const send = (clientId: string, message: Record<string, unknown>) => friend.call("POST", `/conversations/${chatId}/messages`, { clientId, ...message });
    const voice = await upload(friend, m4a(3), { kind: "voice", durationMs: 4200 }, "voice.m4a");
    const video = await upload(friend, mp4(512, 4), { kind: "video", durationMs: 3000 }, "clip.mp4");
    const file = await upload(friend, pdf(5), { kind: "file", name: "plan.pdf" }, "plan.pdf");
    expect((await send("v1", { type: "voice", body: { mediaId: voice, durationMs: 4200 } })).status).toBe(201);
    expect((await send("v2", { type: "video", body: { mediaId: video, durationMs: 3000 } })).status).toBe(201);
    expect((await send("f1", { type: "file", body: { mediaId: file, name: "plan.pdf", size: pdf(5).length } })).status).toBe(201);
    expect((await send("l1", { type: "location", body: { latitude: 31.2304, longitude: 121.4737, name: "People's Square" } })).status).toBe(201);
    const { context, page } = await newWindow(browser);
    try {
      await signIn(page, me);
      await page.locator(`.chat-item[data-id="${chatId}"]`).click();
      const audio = page.locator(".bubble.voice audio");
      await audio.waitFor({ timeout: 10_000 });
      expect(await page.locator(".bubble.voice .voice-length").textContent()).toBe('4"');
      const videoEl = page.locator(".bubble.video video");
      await videoEl.waitFor({ timeout: 10_000 });
      // The players' sources are this chat's signed media URLs: the bytes come back.
      for (const [el, bytes] of [
        [audio, m4a(3)],
        [videoEl, mp4(512, 4)],
      ] as const) {
        const src = (await el.getAttribute("src"))!;
        expect(src).toMatch(new RegExp(`^${base}/media/md_[0-9a-z]+\\?e=`));
        expect(Buffer.from(await (await fetch(src)).arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
      }
      const download = page.locator(".bubble.file");
      await expect.poll(() => download.getAttribute("href"), { timeout: 10_000 }).toMatch(/\/media\/md_/);
      expect(await download.getAttribute("download")).toBe("plan.pdf");
      expect(await page.locator(".bubble.location").getAttribute("href")).toContain("mlat=31.2304&mlon=121.4737");
    } finally {
      await context.close();
    }
  });

  it("sends a file dropped on the input as a file message with its name and size, and a pasted picture as a picture", async () => {
    await inOpenChat(browser, "webdr", async ({ chatId, socket, page }) => {
      const dropped = await page.evaluateHandle(() => {
        // Runs in the page (the tests' own types have no DOM).
        const { DataTransfer } = globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): void } } };
        const transfer = new DataTransfer();
        transfer.items.add(new File(["%PDF-1.7\nminutes of the meeting\n%%EOF\n"], "minutes.pdf", { type: "application/pdf" }));
        return transfer;
      });
      await page.locator(".composer").dispatchEvent("drop", { dataTransfer: dropped });
      const frame = (await socket.next(
        messageFrame((m) => m.conversationId === chatId && m.type === "file"),
        15_000,
      )) as { message: Message };
      expect(frame.message.body).toMatchObject({ name: "minutes.pdf", size: 38 });
      await expect.poll(() => page.locator(`.message.mine[data-status="sent"] .file-name`).last().textContent(), { timeout: 10_000 }).toBe("minutes.pdf");

      // A picture pasted into the input goes as a picture.
      await page.getByTestId("composer").evaluate(
        (input, bytes) => {
          const win = globalThis as unknown as {
            DataTransfer: new () => { items: { add(file: File): void } };
            ClipboardEvent: new (type: string, init: { clipboardData: unknown; bubbles: boolean }) => Event;
          };
          const transfer = new win.DataTransfer();
          transfer.items.add(new File([new Uint8Array(bytes)], "pasted.png", { type: "image/png" }));
          (input as unknown as EventTarget).dispatchEvent(new win.ClipboardEvent("paste", { clipboardData: transfer, bubbles: true }));
        },
        Array.from(png(3, 2)),
      );
      const picture = (await socket.next(
        messageFrame((m) => m.conversationId === chatId && m.type === "image"),
        15_000,
      )) as { message: Message };
      expect(picture.message.body).toMatchObject({ width: 3, height: 2 });
    });
  });

  it("searches the server from the Chats search box: chat history, a contact and a group, each opening its chat", async () => {
    const [me, friend, carol] = [await phone(uniqueName("websm")), await phone(uniqueName("websf")), await phone(uniqueName("websc"))];
    const chatId = await friendsWithChat(me, friend);
    await friendsWithChat(me, carol);
    const group = (await me.call<{ id: string }>("POST", "/conversations", { name: "Kite club", memberIds: [friend.id] })).body.id;
    const sent = await friend.call("POST", `/conversations/${chatId}/messages`, { clientId: `s-${Date.now()}`, type: "text", body: { text: "meet at the zebracrossing" } });
    expect(sent.status).toBe(201);
    const { context, page } = await newWindow(browser);
    const violations = await watchCsp(page);
    try {
      await signIn(page, me);
      const box = page.locator(".list-search input");

      // A word from a message: the chat it is in, with the message itself (its only match).
      await box.fill("zebracrossing");
      const history = page.getByTestId("search-history");
      await expect.poll(() => history.allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining(friend.auth.user.nickname)]);
      expect(await history.textContent()).toContain("zebracrossing");
      await history.click();
      await expect.poll(() => page.getByTestId("chat-title").textContent(), { timeout: 10_000 }).toBe(friend.auth.user.nickname);
      expect(await box.inputValue()).toBe("");

      // A friend by name: their chat.
      await box.fill(carol.auth.user.nickname);
      await page.getByTestId("search-contact").filter({ hasText: carol.auth.user.nickname }).click();
      await expect.poll(() => page.getByTestId("chat-title").textContent(), { timeout: 10_000 }).toBe(carol.auth.user.nickname);

      // A group by name.
      await box.fill("Kite");
      await page.getByTestId("search-group").filter({ hasText: "Kite club" }).click();
      await expect.poll(() => page.getByTestId("chat-title").textContent(), { timeout: 10_000 }).toBe("Kite club (2)");
      expect(page.url()).toBe(`${base}/`);
      expect(await page.locator(`.chat-item.active[data-id="${group}"]`).count()).toBe(1);

      // Nothing found says so.
      await box.fill("qqqnothingqqq");
      await expect.poll(() => page.getByTestId("search-nothing").textContent(), { timeout: 10_000 }).toContain("qqqnothingqqq");
      expect(await violations()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("opens a friend's chat from Contacts, and renames a group and sets its announcement from its drawer", async () => {
    const [me, friend] = [await phone(uniqueName("webct")), await phone(uniqueName("webcf"))];
    await friendsWithChat(me, friend);
    const group = (await me.call<{ id: string }>("POST", "/conversations", { name: "Old name", memberIds: [friend.id] })).body.id;
    const { context, page } = await newWindow(browser, "zh-CN");
    const violations = await watchCsp(page);
    try {
      await signIn(page, me);
      await page.getByTestId("rail-contacts").click();
      await page.getByTestId("contacts").locator(".chat-item", { hasText: friend.auth.user.nickname }).click();
      await expect.poll(() => page.getByTestId("chat-title").textContent(), { timeout: 10_000 }).toBe(friend.auth.user.nickname);

      await page.getByTestId("rail-chats").click();
      await page.locator(`.chat-item[data-id="${group}"]`).click();
      await page.getByTestId("group-info-button").click();
      const drawer = page.getByTestId("group-info");
      await expect.poll(() => drawer.locator(".member-name").allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining([me.auth.user.nickname, friend.auth.user.nickname]));
      const fields = drawer.locator(".info-field");
      await fields.nth(0).getByRole("button", { name: "修改" }).click();
      await fields.nth(0).locator("textarea").fill("新名字");
      await fields.nth(0).getByRole("button", { name: "保存" }).click();
      await fields.nth(1).getByRole("button", { name: "修改" }).click();
      await fields.nth(1).locator("textarea").fill("周六八点集合");
      await fields.nth(1).getByRole("button", { name: "保存" }).click();
      await expect
        .poll(async () => (await friend.call<{ name: string; announcement: string }>("GET", `/groups/${group}`)).body, { timeout: 10_000 })
        .toMatchObject({ name: "新名字", announcement: "周六八点集合" });
      await expect.poll(() => page.getByTestId("chat-title").textContent(), { timeout: 10_000 }).toBe("新名字(2)");
      expect(await violations()).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("lets the owner mute everyone from the drawer, which a member's window shows in place of the input, and lets a member leave", async () => {
    const [owner, member] = [await phone(uniqueName("webow")), await phone(uniqueName("webmm"))];
    await friendsWithChat(owner, member);
    const group = (await owner.call<{ id: string }>("POST", "/conversations", { name: "Quiet", memberIds: [member.id] })).body.id;
    const ownerWindow = await newWindow(browser);
    const memberWindow = await newWindow(browser);
    try {
      await signIn(ownerWindow.page, owner);
      await signIn(memberWindow.page, member);
      await memberWindow.page.locator(`.chat-item[data-id="${group}"]`).click();
      await memberWindow.page.getByTestId("composer").waitFor();

      await ownerWindow.page.locator(`.chat-item[data-id="${group}"]`).click();
      await ownerWindow.page.getByTestId("group-info-button").click();
      await ownerWindow.page.getByTestId("mute-all").check();
      await expect.poll(async () => (await member.call<{ muteAll: boolean }>("GET", `/groups/${group}`)).body.muteAll, { timeout: 10_000 }).toBe(true);
      await memberWindow.page.getByTestId("muted-all").waitFor({ timeout: 10_000 });
      expect(await memberWindow.page.getByTestId("composer").count()).toBe(0);

      memberWindow.page.once("dialog", (d) => void d.accept());
      await memberWindow.page.getByTestId("group-info-button").click();
      await memberWindow.page.getByRole("button", { name: "Leave Group" }).click();
      await expect
        .poll(async () => (await owner.call<{ members: { userId: string }[] }>("GET", `/groups/${group}/members`)).body.members.map((m) => m.userId), { timeout: 10_000 })
        .toEqual([owner.id]);
    } finally {
      await ownerWindow.context.close();
      await memberWindow.context.close();
    }
  });
});
