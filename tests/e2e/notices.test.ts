// Notices end to end: the real worker under `wrangler dev` and the fake WeChat API. Bob accepted
// notices in the mini-program and then left it (his socket closed); Alice sends three messages;
// the per-minute cron (run on demand through wrangler's /__scheduled) sends Bob exactly one
// subscribe message, addressed to his openid, that opens the chat.
import { describe, expect, inject, it } from "vitest";
import type { AuthResponse } from "../../schema/api";
import { HttpClient, uniqueName } from "./harness";
import { Device } from "./socket";

const http = new HttpClient();
const wechat = inject("e2eWechatUrl");
const SEND_PATH = "/cgi-bin/message/subscribe/send";

async function noticesTo(openid: string): Promise<{ body: Record<string, any> }[]> {
  const res = await fetch(`${wechat}/__fake/calls?${new URLSearchParams({ path: SEND_PATH, match: openid })}`);
  return ((await res.json()) as { calls: { body: Record<string, any> }[] }).calls;
}

async function runCron() {
  const res = await fetch(`${http.baseUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
  expect(res.status).toBe(200);
}

describe("a notice reaches someone who left the mini-program", () => {
  it("sends Bob exactly one notice for Alice's three messages once his socket has closed", async () => {
    const bobName = uniqueName("bob");
    const signedIn = await http.post<AuthResponse>("/auth/wechat", { code: `ok-${bobName}` });
    expect([200, 201]).toContain(signedIn.status);
    const bob = signedIn.body;
    const alice = await http.devLogin(uniqueName("alice"));
    await http.befriend(alice, bob);
    const chat = (await http.post("/conversations/direct", { userId: bob.user.id }, alice.accessToken)).body.id as string;

    // What wx.requestSubscribeMessage answered on Bob's phone.
    const reported = await http.post("/notices/subscriptions", { results: [{ templateId: "tmpl-new-message", status: "accept" }] }, bob.accessToken);
    expect(reported.status).toBe(200);
    expect(reported.body.banked).toEqual({ "tmpl-new-message": 1 });

    const phone = await Device.connect(http.baseUrl, bob.accessToken);
    await phone.close();

    let seq = 0;
    for (const text of ["明天几点？", "在哪里见", "好的"]) {
      const sent = await http.post(`/conversations/${chat}/messages`, { clientId: uniqueName("c"), type: "text", body: { text } }, alice.accessToken);
      expect(sent.status).toBe(201);
      seq = sent.body.seq;
    }
    // The summary reaches D1 after the ack (the flush runs in the background).
    for (let i = 0; i < 100; i++) {
      const list = await http.get(`/conversations`, bob.accessToken);
      if (list.body.conversations.find((c: { id: string; lastSeq: number }) => c.id === chat)?.lastSeq >= seq) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    await runCron();
    await runCron(); // a second minute with nothing new sends nothing more
    const sent = await noticesTo(`openid-${bobName}`);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({
      touser: `openid-${bobName}`,
      template_id: "tmpl-new-message",
      page: `pages/chat/index?id=${chat}`,
      miniprogram_state: "developer",
      lang: "zh_CN",
      data: { thing2: { value: "你有3条新消息" } },
    });
    expect((await http.get("/notices", bob.accessToken)).body.banked).toEqual({ "tmpl-new-message": 0 });
  });
});
