// Qun for the web runs in one tab at a time (web/src/ui/one-tab.ts; docs/web.md, "One tab at a time"): a
// second tab of the same browser says Qun is open in another window and offers "Use here"; taking
// over moves Qun there, the first tab says so, and messages reach the tab that now runs it (before,
// the second tab's socket replaced the first's, which then missed every message, and the two tabs
// wrote one outbox over each other).
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base, connectBrowser, friendsWithChat, newWindow, phone, signIn, uniqueName } from "./helpers";

let browser: Browser;
beforeAll(async () => {
  browser = await connectBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("one tab at a time", () => {
  it("tells a second tab Qun is open elsewhere, and Use here moves Qun and its messages to it", async () => {
    const [me, friend] = [await phone(uniqueName("webtab")), await phone(uniqueName("webtf"))];
    const chatId = await friendsWithChat(me, friend);
    const { context, page: first } = await newWindow(browser, "zh-CN");
    try {
      await signIn(first, me);
      const second = await context.newPage();
      await second.goto(base);
      await second.getByTestId("other-tab").waitFor({ timeout: 15_000 });
      expect(await second.getByTestId("other-tab").textContent()).toContain("Qun 已在另一个窗口中打开");
      expect(await second.getByTestId("chat-list").count()).toBe(0);

      // The first tab still runs Qun: a message reaches it.
      const say = (text: string, clientId: string) => friend.call("POST", `/conversations/${chatId}/messages`, { clientId, type: "text", body: { text } });
      expect((await say("to the first tab", `c-${uniqueName("a")}`)).status).toBe(201);
      await expect.poll(() => first.locator(`.chat-item[data-id="${chatId}"]`).textContent(), { timeout: 15_000 }).toContain("to the first tab");

      await second.getByTestId("use-here").click();
      await second.getByTestId("chat-list").waitFor({ timeout: 15_000 });
      await first.getByTestId("other-tab").waitFor({ timeout: 15_000 });
      expect(await first.getByTestId("chat-list").count()).toBe(0);

      // Messages now reach the second tab, live (its socket is not replaced by the first's).
      expect((await say("to the second tab", `c-${uniqueName("b")}`)).status).toBe(201);
      await expect.poll(() => second.locator(`.chat-item[data-id="${chatId}"]`).textContent(), { timeout: 15_000 }).toContain("to the second tab");
      // And the first, reloaded into the notice, stays there.
      await first.waitForTimeout(500);
      expect(await first.getByTestId("other-tab").count()).toBe(1);
    } finally {
      await context.close();
    }
  });
});
