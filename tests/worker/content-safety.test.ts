// Content safety on every kind of user text: messages, nicknames, signatures, statuses, group
// names (creating and renaming), announcements, group nicknames, remarks and friend-request
// greetings. Each is checked by the local word list first and then WeChat's msgSecCheck v2
// (the fake WeChat API judges by marker words: wx-risky, wx-review, wx-down, wx-slow).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, type ApiResult, count, expectError, rows, signUp } from "./helpers";
import { befriend, createGroup, history, makeUser, sendText, SocketClient, type TestUser } from "./chat-helpers";

const tag = () => Math.random().toString(36).slice(2, 8);

async function wechatCalls(match: string) {
  const url = new URL("/__fake/calls", env.WECHAT_API_BASE);
  url.searchParams.set("path", "/wxa/msg_sec_check");
  url.searchParams.set("match", match);
  return ((await (await fetch(url)).json()) as { calls: { body: Record<string, unknown> }[] }).calls;
}

interface Kind {
  kind: string;
  scene: number;
  /** Writes `text` as this kind of field; `me` is the author. */
  write: (me: TestUser, text: string) => Promise<ApiResult>;
  /** Whether `text` is now stored where others (or the author) would see it. */
  stored: (me: TestUser, text: string) => Promise<boolean>;
}

const groupOf = new Map<string, string>();
async function myGroup(me: TestUser): Promise<string> {
  let id = groupOf.get(me.id);
  if (!id) {
    id = await createGroup(me, [await makeUser("peer")]);
    groupOf.set(me.id, id);
  }
  return id;
}

const KINDS: Kind[] = [
  {
    kind: "message",
    scene: 4,
    write: async (me, text) => sendText(me, await myGroup(me), text),
    stored: async (me, text) => (await history(me, await myGroup(me))).some((m) => (m.body as { text?: string } | null)?.text === text),
  },
  {
    kind: "nickname",
    scene: 1,
    write: (me, text) => api("PATCH", "/me", { token: me.token, body: { nickname: text } }),
    stored: async (me, text) => (await count("users", "id = ? and nickname = ?", me.id, text)) === 1,
  },
  {
    kind: "signature",
    scene: 1,
    write: (me, text) => api("PATCH", "/me", { token: me.token, body: { signature: text } }),
    stored: async (me, text) => (await count("users", "id = ? and signature = ?", me.id, text)) === 1,
  },
  {
    kind: "status",
    scene: 1,
    write: (me, text) => api("PATCH", "/me", { token: me.token, body: { status: text } }),
    stored: async (me, text) => (await count("users", "id = ? and status = ?", me.id, text)) === 1,
  },
  {
    kind: "group_name",
    scene: 1,
    write: async (me, text) => {
      const peer = await makeUser("peer");
      await befriend(me, peer);
      return api("POST", "/conversations", { token: me.token, body: { name: text, memberIds: [peer.id] } });
    },
    stored: async (_me, text) => (await count("conversations", "name = ?", text)) === 1,
  },
  {
    kind: "group_name (rename)",
    scene: 1,
    write: async (me, text) => api("PATCH", `/groups/${await myGroup(me)}`, { token: me.token, body: { name: text } }),
    stored: async (me, text) => (await count("conversations", "id = ? and name = ?", await myGroup(me), text)) === 1,
  },
  {
    kind: "announcement",
    scene: 3,
    write: async (me, text) => api("PATCH", `/groups/${await myGroup(me)}`, { token: me.token, body: { announcement: text } }),
    stored: async (me, text) => (await api("GET", `/groups/${await myGroup(me)}`, { token: me.token })).body.announcement === text,
  },
  {
    kind: "group_nickname",
    scene: 1,
    write: async (me, text) => api("PATCH", `/groups/${await myGroup(me)}/members/me`, { token: me.token, body: { nickname: text } }),
    stored: async (me, text) => (await count("memberships", "conversation_id = ? and user_id = ? and nickname = ?", await myGroup(me), me.id, text)) === 1,
  },
  {
    kind: "remark",
    scene: 1,
    write: async (me, text) => {
      const friend = await makeUser("friend");
      await befriend(me, friend);
      return api("PATCH", `/contacts/${friend.id}`, { token: me.token, body: { remark: text } });
    },
    stored: async (me, text) => (await count("friendships", "user_id = ? and remark = ?", me.id, text)) === 1,
  },
  {
    kind: "greeting",
    scene: 1,
    write: async (me, text) => api("POST", "/contacts/requests", { token: me.token, body: { userId: (await makeUser("stranger")).id, greeting: text } }),
    stored: async (me, text) => (await count("friend_requests", "from_user_id = ? and greeting = ?", me.id, text)) === 1,
  },
];

const flags = (userId: string) =>
  rows<{ kind: string; suggest: string; source: string; status: string; text: string }>("select kind, suggest, source, status, text from content_flags where user_id = ? order by created_at", userId);

describe.each(KINDS)("content safety: $kind", ({ kind, scene, write, stored }) => {
  const flagKind = kind.split(" ")[0];

  it("stores text that passes, after asking WeChat with the author's openid, version 2 and the right scene", async () => {
    const me = await makeUser();
    const text = `hello ${tag()}`;
    const res = await write(me, text);
    expect(res.status).toBeLessThan(300);
    expect(await stored(me, text)).toBe(true);
    const [call] = await wechatCalls(text);
    expect(call?.body).toMatchObject({ content: text, version: 2, scene });
    expect(String(call?.body.openid)).toMatch(/^test:/);
    expect(await flags(me.id)).toEqual([]);
  });

  it("stores text WeChat judges 'review' and flags it for the operators", async () => {
    const me = await makeUser();
    const text = `wx-review ${tag()}`;
    expect((await write(me, text)).status).toBeLessThan(300);
    expect(await stored(me, text)).toBe(true);
    await expect.poll(() => flags(me.id)).toEqual([{ kind: flagKind, suggest: "review", source: "wechat", status: "open", text }]);
  });

  it("refuses text WeChat judges 'risky' with 422 content_refused and stores nothing", async () => {
    const me = await makeUser();
    const text = `wx-risky ${tag()}`;
    const res = await write(me, text);
    expectError(res, 422, "content_refused");
    expect(res.body.error.message).toContain("违规");
    expect(await stored(me, text)).toBe(false);
    expect(await flags(me.id)).toEqual([{ kind: flagKind, suggest: "risky", source: "wechat", status: "refused", text }]);
  });

  it("lets the local word list decide when WeChat is down: refuses a listed word, admits the rest", async () => {
    const me = await makeUser();
    const ok = `wx-down ${tag()}`;
    expect((await write(me, ok)).status).toBeLessThan(300);
    expect(await stored(me, ok)).toBe(true);
    const bad = `wx-down forbiddenword ${tag()}`;
    expectError(await write(me, bad), 422, "content_refused");
    expect(await stored(me, bad)).toBe(false);
  });

  it("refuses a locally listed word without waiting for WeChat, and flags a locally listed review word", async () => {
    const me = await makeUser();
    const bad = `Forbidden-Word ${tag()}`; // matched after case folding and separators
    expectError(await write(me, bad), 422, "content_refused");
    expect(await wechatCalls(bad)).toEqual([]);
    const doubtful = `suspiciousword ${tag()}`;
    expect((await write(me, doubtful)).status).toBeLessThan(300);
    expect(await stored(me, doubtful)).toBe(true);
    await expect
      .poll(async () => (await flags(me.id)).map((f) => [f.suggest, f.source, f.status]))
      .toEqual([
        ["risky", "local", "refused"],
        ["review", "local", "open"],
      ]);
  });
});

describe("content safety: accounts and timing", () => {
  it("judges a password account (no openid) by the local list alone", async () => {
    const u = await signUp("pwuser");
    const me: TestUser = { id: u.user.id, token: u.accessToken, nickname: u.user.nickname };
    const text = `wx-risky ${tag()}`; // WeChat would refuse it, but WeChat cannot be asked without an openid
    expect((await api("PATCH", "/me", { token: me.token, body: { signature: text } })).status).toBe(200);
    expect(await wechatCalls(text)).toEqual([]);
    expectError(await api("PATCH", "/me", { token: me.token, body: { signature: "违禁词" } }), 422, "content_refused");
  });

  it("stops waiting for WeChat after the timeout and lets the local list decide", async () => {
    const me = await makeUser();
    const group = await myGroup(me);
    const text = `wx-slow ${tag()}`;
    const started = Date.now();
    expect((await sendText(me, group, text)).status).toBe(201);
    expect(Date.now() - started).toBeLessThan(2900);
  });

  it("refuses while WeChat is down when CONTENT_CHECK_OUTAGE=refuse", async () => {
    const me = await makeUser();
    const res = await api("PATCH", "/me", { token: me.token, body: { signature: `wx-down ${tag()}` }, env: { CONTENT_CHECK_OUTAGE: "refuse" } });
    expectError(res, 502, "wechat_unavailable");
  });

  it("refuses a risky message sent over the socket with an error frame, and stores nothing", async () => {
    const me = await makeUser();
    const group = await myGroup(me);
    const socket = await SocketClient.connect(me.token);
    const text = `wx-risky ${tag()}`;
    socket.send({ type: "send", ref: "r1", conversationId: group, message: { clientId: `s-${tag()}`, type: "text", body: { text } } });
    const frame = await socket.next((f) => f.type === "error" && (f as { ref?: string }).ref === "r1");
    expect(frame).toMatchObject({ type: "error", code: "content_refused" });
    expect((await history(me, group)).some((m) => (m.body as { text?: string } | null)?.text === text)).toBe(false);
  });

  it("keeps one sender's messages in the order sent when an earlier check is slower", async () => {
    const me = await makeUser();
    const group = await myGroup(me);
    const slow = `wx-slow ${tag()}`;
    const fast = `fast ${tag()}`;
    const [a, b] = await Promise.all([sendText(me, group, slow), new Promise((r) => setTimeout(r, 50)).then(() => sendText(me, group, fast))]);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.seq).toBeLessThan(b.body.seq);
  });

  it("slows an account after three refusals within ten minutes: its sends are refused with 429 and Retry-After", async () => {
    const me = await makeUser();
    const group = await myGroup(me);
    for (let i = 0; i < 3; i++) expectError(await api("PATCH", "/me", { token: me.token, body: { signature: `forbiddenword ${i}` } }), 422, "content_refused");
    const slowed = await api("PATCH", "/me", { token: me.token, body: { signature: "harmless" } });
    expectError(slowed, 429, "rate_limited");
    expect(Number(slowed.headers.get("retry-after"))).toBeGreaterThan(200);
    expectError(await sendText(me, group, "harmless too"), 429, "rate_limited");
  });

  it("suspends an account at its tenth refusal within a day: signed out, cannot sign in, queued for review", async () => {
    const me = await makeUser();
    // Nine refusals earlier today (outside the ten-minute window that slows).
    for (let i = 0; i < 9; i++)
      await env.DB.prepare("insert into content_flags (id, user_id, kind, suggest, source, status, created_at) values (?, ?, 'message', 'risky', 'local', 'refused', ?)")
        .bind(`flag_seed${i}${tag()}`, me.id, Date.now() - 3_600_000)
        .run();
    expectError(await api("PATCH", "/me", { token: me.token, body: { signature: "forbiddenword again" } }), 422, "content_refused");
    expect(await rows("select moderation from users where id = ?", me.id)).toEqual([{ moderation: "suspended" }]);
    expectError(await api("GET", "/me", { token: me.token }), 401, "token_revoked");
    expect(await count("content_flags", "user_id = ? and kind = 'account' and status = 'open'", me.id)).toBe(1);
    expect(await rows("select operator_id, action from moderation_log where target_user_id = ?", me.id)).toEqual([{ operator_id: "system", action: "suspend" }]);
  });
});
