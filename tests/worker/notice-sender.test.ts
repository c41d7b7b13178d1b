// Notices through WeChat subscribe messages: who is told, when, and with what (the per-minute
// cron, services/notice-sender.ts), against the fake WeChat API. docs/notices.md.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { sendNotices } from "../../worker/services/notice-sender";
import { wechatObject } from "../../worker/services/wechat";
import { api } from "./helpers";
import { createGroup, openDirect, SocketClient, sendText, type TestUser } from "./chat-helpers";
import { banked, noticesTo, subscriber, summaryAt, workerEnv } from "./notice-helpers";

const MINUTE = 60_000;

/** `from` sends `texts` in `conversationId`; resolves once D1's summary shows the last one. */
async function say(from: TestUser, conversationId: string, ...texts: string[]) {
  let seq = 0;
  for (const text of texts) seq = (await sendText(from, conversationId, text)).body.seq;
  await summaryAt(conversationId, seq);
}

describe("notices through WeChat subscribe messages", () => {
  it("runs on the per-minute cron, declared in wrangler.toml", async () => {
    const { crons } = JSON.parse(env.TEST_WRANGLER_CONFIG) as { crons: string[] };
    expect(crons).toContain("* * * * *");
    const alice = await subscriber("alice");
    const bob = await subscriber("bob");
    await say(alice, await openDirect(alice, bob), "hi");
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await noticesTo(bob.openid)).toHaveLength(1);
  });

  it("tells someone with no device online once for a burst of messages, opening the chat", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob", 5);
    const chat = await openDirect(alice, bob);
    await say(alice, chat, "明天几点？", "在哪里见", "好的");

    const run = await sendNotices(workerEnv);
    expect(run.sent).toBe(1);
    const sent = await noticesTo(bob.openid);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ touser: bob.openid, template_id: "tmpl-new-message", page: `pages/chat/index?id=${chat}`, lang: "zh_CN", miniprogram_state: "formal" });
    // Previews are off by default: how many, not what.
    expect(sent[0]!.body.data.thing2!.value).toBe("你有3条新消息");
    expect(sent[0]!.body.data.thing1!.value).toBe("新消息");
    expect(sent[0]!.body.data.time3!.value).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(await banked(bob.id)).toBe(4);
    // The sender is not told of their own messages.
    expect(await noticesTo(alice.openid)).toEqual([]);
  });

  it("sends nothing again for what was told, and at most one notice a user within the interval", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob");
    const chat = await openDirect(alice, bob);
    await say(alice, chat, "one");
    const t0 = Date.now();
    await sendNotices(workerEnv, t0);
    await sendNotices(workerEnv, t0 + MINUTE);
    expect(await noticesTo(bob.openid)).toHaveLength(1);

    await say(alice, chat, "two", "three");
    await sendNotices(workerEnv, Date.now() + MINUTE); // within five minutes of the last notice
    expect(await noticesTo(bob.openid)).toHaveLength(1);
    await sendNotices(workerEnv, t0 + 5 * MINUTE + 1000);
    const sent = await noticesTo(bob.openid);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.body.data.thing2!.value).toBe("你有3条新消息"); // everything still unread
  });

  it("tells nobody who has a device online, and does not tell them later of what the socket delivered", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob");
    const chat = await openDirect(alice, bob);
    const socket = await SocketClient.connect(bob.token);
    await socket.next((f) => f.type === "ready");
    await say(alice, chat, "you there?");
    const run = await sendNotices(workerEnv);
    expect(run).toMatchObject({ online: 1, sent: 0 });
    expect(await noticesTo(bob.openid)).toEqual([]);

    socket.ws.close(1000, "bye");
    await socket.waitClosed();
    await sendNotices(workerEnv, Date.now() + MINUTE);
    expect(await noticesTo(bob.openid)).toEqual([]);
    expect(await banked(bob.id)).toBe(5);
  });

  it("leaves out conversations the user muted", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob");
    const chat = await openDirect(alice, bob);
    expect((await api("PATCH", `/conversations/${chat}/settings`, { token: bob.token, body: { doNotDisturb: true } })).status).toBe(200);
    await say(alice, chat, "muted chatter");
    await sendNotices(workerEnv);
    expect(await noticesTo(bob.openid)).toEqual([]);
  });

  it("waits out do-not-disturb hours in the user's time zone, then tells what came meanwhile", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob");
    const chat = await openDirect(alice, bob);
    // Do not disturb 23:00–08:00 in Bob's time zone, which the spec picks so that it is about
    // 22:00 there now, whatever time the suite runs: the quiet night then falls within the day
    // that notices look back over (a fixed zone failed the spec when run before 15:30 UTC).
    const day = 24 * 60 * MINUTE;
    const nowMinutes = Math.floor((Date.now() % day) / MINUTE);
    let utcOffset = (((22 * 60 - nowMinutes) % 1440) + 1440) % 1440;
    if (utcOffset > 840) utcOffset -= 1440;
    expect((await api("PATCH", "/notices/settings", { token: bob.token, body: { dnd: { start: 23 * 60, end: 8 * 60 }, utcOffset } })).status).toBe(200);
    await say(alice, chat, "late night");
    const midnight = Math.floor((Date.now() + utcOffset * MINUTE) / day) * day - utcOffset * MINUTE; // Bob's midnight today, in UTC
    const local = (h: number, m = 0) => midnight + (h * 60 + m) * MINUTE + (h < 12 ? day : 0); // tonight, or tomorrow morning
    let run = await sendNotices(workerEnv, local(23, 30));
    expect(run.quiet).toBe(1);
    run = await sendNotices(workerEnv, local(7, 59));
    expect(run.quiet).toBe(1);
    expect(await noticesTo(bob.openid)).toEqual([]);
    run = await sendNotices(workerEnv, local(8, 0));
    expect(run.sent).toBe(1);
    expect(await noticesTo(bob.openid)).toHaveLength(1);
  });

  it("sends nothing once the bank is spent, and stops when notices are turned off", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob", 0);
    const carol = await subscriber("carol", 3);
    await say(alice, await openDirect(alice, bob), "to bob");
    expect((await api("PATCH", "/notices/settings", { token: carol.token, body: { enabled: false } })).status).toBe(200);
    await say(alice, await openDirect(alice, carol), "to carol");
    const run = await sendNotices(workerEnv);
    expect(run.sent).toBe(0);
    expect(await noticesTo(bob.openid)).toEqual([]);
    expect(await noticesTo(carol.openid)).toEqual([]);
    expect(await banked(carol.id)).toBe(3);
  });

  it("spends a nearly empty bank on @mentions and direct messages only, not on group chatter", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob", 1);
    const group = await createGroup(alice, [bob], "周末爬山");
    await say(alice, group, "chatter", "more chatter");
    let run = await sendNotices(workerEnv);
    expect(run).toMatchObject({ saved: 1, sent: 0 });
    expect(await banked(bob.id)).toBe(1);

    const seq = (await sendText(alice, group, "@bob 你来吗", { mentions: [bob.id] })).body.seq;
    await summaryAt(group, seq);
    run = await sendNotices(workerEnv);
    expect(run.sent).toBe(1);
    const [notice] = await noticesTo(bob.openid);
    expect(notice!.body.page).toBe(`pages/chat/index?id=${group}`);
    expect(await banked(bob.id)).toBe(0);
  });

  it("with a full bank, one notice covers every conversation and opens the direct chat first", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob", 5);
    const group = await createGroup(alice, [bob], "Team");
    const chat = await openDirect(alice, bob);
    await say(alice, chat, "direct");
    await say(alice, group, "group one", "group two");
    await sendNotices(workerEnv);
    const sent = await noticesTo(bob.openid);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body.page).toBe(`pages/chat/index?id=${chat}`);
    const listed = (await api("GET", "/conversations", { token: bob.token })).body.conversations as { unread: number }[];
    const unread = listed.reduce((n, c) => n + c.unread, 0);
    expect(sent[0]!.body.data.thing2!.value).toBe(`你有${unread}条新消息`);
  });

  it("shows who said what when the user allows previews, cut to WeChat's 20 characters with the count kept", async () => {
    const alice = await subscriber("张三");
    const bob = await subscriber("bob");
    expect((await api("PATCH", "/notices/settings", { token: bob.token, body: { preview: true } })).status).toBe(200);
    const group = await createGroup(alice, [bob], "周末爬山");
    await say(alice, group, "早", "明天几点出发？我们在地铁站门口见面吧，别迟到");
    await sendNotices(workerEnv);
    const [notice] = await noticesTo(bob.openid);
    const text = notice!.body.data.thing2!.value;
    expect(notice!.body.data.thing1!.value).toBe("周末爬山");
    expect(text).toMatch(new RegExp(`^${alice.nickname}: 明天几点.*…等\\d+条新消息$`));
    expect([...text].length).toBeLessThanOrEqual(20);
  });

  it("tells of friend requests too, opening Contacts", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob");
    expect((await api("POST", "/contacts/requests", { token: alice.token, body: { userId: bob.id, greeting: "hi" } })).status).toBe(201);
    await sendNotices(workerEnv);
    const [notice] = await noticesTo(bob.openid);
    expect(notice!.body.page).toBe("pages/contacts/index");
    expect(notice!.body.data.thing2!.value).toBe("你有1个新的朋友申请");
  });

  it("drops the bank of a user WeChat says refused (43101)", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob", 4, "refuses");
    await say(alice, await openDirect(alice, bob), "hello?");
    const run = await sendNotices(workerEnv);
    expect(run.refused).toBe(1);
    expect(await banked(bob.id)).toBe(0);
  });

  it("backs off app-wide on WeChat's quota error (45009), giving the notice back", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob", 4, "quota");
    const carol = await subscriber("carol", 4);
    await say(alice, await openDirect(alice, bob), "quota");
    const t0 = Date.now();
    const run = await sendNotices(workerEnv, t0);
    expect(run.stopped).toBe("quota");
    expect(await banked(bob.id)).toBe(4);
    expect(await wechatObject(workerEnv).backedOffUntil()).toBeGreaterThan(t0 + 30 * MINUTE);

    await say(alice, await openDirect(alice, carol), "waits");
    expect((await sendNotices(workerEnv, t0 + MINUTE)).stopped).toBe("backoff");
    expect(await noticesTo(carol.openid)).toEqual([]);
  });

  it("gets a new access token once when WeChat says the token expired (42001/40001) and still sends", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob");
    const chat = await openDirect(alice, bob);
    await say(alice, chat, "token");
    await sendNotices(workerEnv); // warms the token
    await say(alice, chat, "again");
    // Expired after the send (whose content check also calls WeChat), so the notice meets it first.
    await fetch(new URL("/__fake/expire-token", workerEnv.WECHAT_API_BASE), { method: "POST" });
    expect((await sendNotices(workerEnv, Date.now() + 6 * MINUTE)).sent).toBe(1);
    const sent = await noticesTo(bob.openid);
    expect(sent).toHaveLength(3); // the first notice, the refused attempt, and its retry
    expect(sent[1]!.query.access_token).toBe(sent[0]!.query.access_token);
    expect(sent[2]!.query.access_token).not.toBe(sent[1]!.query.access_token);
  });

  it("reaches no one without a WeChat openid (password-only accounts)", async () => {
    const alice = await subscriber("alice");
    const bob = await subscriber("bob");
    await env.DB.prepare("UPDATE users SET openid = NULL WHERE id = ?").bind(bob.id).run();
    await say(alice, await openDirect(alice, bob), "no openid");
    const run = await sendNotices(workerEnv);
    expect(run.candidates).toBe(0); // not bob (no openid), nor alice (a bank, but nothing unread: idle banks take no slot)
    expect(await noticesTo(bob.openid)).toEqual([]);
    expect((await api("GET", "/notices", { token: bob.token })).body.reachable).toBe(false);
  });
});
