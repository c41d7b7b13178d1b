// Sockets end with their sessions: every way a session is revoked (sign-out, password change,
// refresh-token reuse, the per-user cap, account deletion through endSessions) sends a
// `session_ended` frame saying why and closes that session's sockets; an access token's expiry
// closes its socket too. And a socket cannot flood: a frame budget, and typing coalesced.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AuthTokens } from "../../schema/api";
import { FRAME_LIMITS, LIMITS } from "../../schema/limits";
import { CLOSE, type ServerFrame } from "../../schema/protocol";
import { db } from "../../worker/db";
import { gatewayFor } from "../../worker/lib/shards";
import { findOrCreateByOpenid } from "../../worker/services/accounts";
import { endSessions } from "../../worker/services/sessions";
import { signAccessToken, startSession } from "../../worker/services/tokens";
import { openDirect, SocketClient, type TestUser } from "./chat-helpers";
import { api, count, expectError, rows, signUp } from "./helpers";

const ended = (reason: string) => (f: ServerFrame) => f.type === "session_ended" && f.reason === reason;

let n = 0;
/** A user with a full token pair (access and refresh), made the way sign-in makes them. */
async function userWithTokens(): Promise<{ id: string; tokens: AuthTokens }> {
  const { user } = await findOrCreateByOpenid(db(env), `test:sessions:${++n}:${crypto.randomUUID()}`, null, `sess${n}`);
  return { id: user.id, tokens: await startSession(env, db(env), user.id, "test") };
}

async function connected(token: string): Promise<SocketClient> {
  const s = await SocketClient.connect(token);
  await s.next((f) => f.type === "ready");
  return s;
}

/** The frame types the socket got after `ready`, in order. */
const typesAfterReady = (s: SocketClient) => s.frames.filter((f) => f.type !== "ready").map((f) => f.type);

describe("sockets end with their sessions", () => {
  it("refresh-token reuse revokes the session and its open socket hears session_ended revoked, then closes with 4403", async () => {
    const u = await userWithTokens();
    const s = await connected(u.tokens.accessToken);
    const first = await api("POST", "/auth/refresh", { body: { refreshToken: u.tokens.refreshToken } });
    expect(first.status).toBe(200);
    const other = await connected(first.body.accessToken); // same session, replaces s
    expect((await s.waitClosed()).code).toBe(CLOSE.replaced);
    // The successor is used, so the old token presented again is a reuse, not a lost answer's retry.
    expect((await api("POST", "/auth/refresh", { body: { refreshToken: first.body.refreshToken } })).status).toBe(200);
    expectError(await api("POST", "/auth/refresh", { body: { refreshToken: u.tokens.refreshToken } }), 401, "token_revoked");
    await other.next(ended("revoked"));
    expect((await other.waitClosed()).code).toBe(CLOSE.revoked);
    // The frame came first, and nothing else after it.
    expect(typesAfterReady(other)).toEqual(["session_ended"]);
  });

  it("sign-out sends session_ended signed_out before closing the session's socket with 4403", async () => {
    const u = await userWithTokens();
    const s = await connected(u.tokens.accessToken);
    expect((await api("POST", "/auth/logout", { token: u.tokens.accessToken })).status).toBe(204);
    await s.next(ended("signed_out"));
    expect((await s.waitClosed()).code).toBe(CLOSE.revoked);
  });

  it("a password change sends session_ended password_changed to the other sessions' sockets and closes them; its own socket stays", async () => {
    const alice = await signUp("pwchange");
    const other = await api("POST", "/auth/login", { body: { username: alice.username, password: alice.password } });
    const mine = await connected(alice.accessToken);
    const theirs = await connected(other.body.accessToken);
    expect((await api("POST", "/auth/password", { token: alice.accessToken, body: { currentPassword: alice.password, newPassword: "new-passw0rd-ok" } })).status).toBe(204);
    await theirs.next(ended("password_changed"));
    expect((await theirs.waitClosed()).code).toBe(CLOSE.revoked);
    expect(mine.closed).toBeNull();
    expect(mine.frames.some((f) => f.type === "session_ended")).toBe(false);
    mine.close();
  });

  it("a newer connection of the same session sends session_ended replaced to the older socket, then closes it with 4409", async () => {
    const u = await userWithTokens();
    const first = await connected(u.tokens.accessToken);
    const second = await connected(u.tokens.accessToken);
    await first.next(ended("replaced"));
    expect((await first.waitClosed()).code).toBe(CLOSE.replaced);
    expect(second.closed).toBeNull();
    second.close();
  });

  it("endSessions(userId, 'all', 'account_deleted') revokes every live session in D1 and closes every socket of the user", async () => {
    const u = await userWithTokens();
    const second = await startSession(env, db(env), u.id, "tablet");
    const phone = await connected(u.tokens.accessToken);
    const tablet = await connected(second.accessToken);
    const bystander = await userWithTokens();
    const theirs = await connected(bystander.tokens.accessToken);
    const revoked = await endSessions(env, u.id, "all", "account_deleted");
    expect(revoked).toHaveLength(2);
    for (const s of [phone, tablet]) {
      await s.next(ended("account_deleted"));
      expect((await s.waitClosed()).code).toBe(CLOSE.revoked);
    }
    expect(await count("sessions", "user_id = ? and revoked_at is null", u.id)).toBe(0);
    expect(await rows("select revoked_reason as reason from sessions where user_id = ?", u.id)).toEqual([{ reason: "account_deleted" }, { reason: "account_deleted" }]);
    expectError(await api("GET", "/conversations", { token: second.accessToken }), 401, "token_revoked");
    expect(theirs.closed).toBeNull();
    theirs.close();
  });

  it("endSessions with a list ends only those sessions", async () => {
    const u = await userWithTokens();
    const second = await startSession(env, db(env), u.id, "tablet");
    const phone = await connected(u.tokens.accessToken);
    const tablet = await connected(second.accessToken);
    const sid = (await rows<{ id: string }>("select id from sessions where user_id = ? and device = 'tablet'", u.id))[0]!.id;
    expect(await endSessions(env, u.id, [sid], "revoked")).toEqual([sid]);
    await tablet.next(ended("revoked"));
    expect((await tablet.waitClosed()).code).toBe(CLOSE.revoked);
    expect(phone.closed).toBeNull();
    expect((await api("GET", "/conversations", { token: u.tokens.accessToken })).status).toBe(200);
    phone.close();
  });
});

describe("sockets end when their access token expires", () => {
  /** An access token of a live session that expires `ms` from now. */
  async function expiringToken(ms: number) {
    const u = await userWithTokens();
    const sid = (await rows<{ id: string }>("select id from sessions where user_id = ?", u.id))[0]!.id;
    const { token, expiresAt } = await signAccessToken(env, { userId: u.id, sessionId: sid }, Date.now() + ms - LIMITS.accessTokenSeconds * 1000);
    return { userId: u.id, token, expiresAt };
  }

  it("the gateway's alarm closes a socket whose token expired, after session_ended expired, with 4401", async () => {
    const t = await expiringToken(1500);
    const s = await connected(t.token);
    const stub = gatewayFor(env, t.userId);
    const alarm = await runInDurableObject(stub, (_obj, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeGreaterThanOrEqual(t.expiresAt);
    expect(alarm!).toBeLessThanOrEqual(t.expiresAt + 5_000);
    await new Promise((r) => setTimeout(r, Math.max(0, t.expiresAt - Date.now() + 50)));
    await runDurableObjectAlarm(stub);
    await s.next(ended("expired"));
    expect((await s.waitClosed()).code).toBe(CLOSE.unauthorized);
  });

  it("a frame that arrives after the token expired is not handled: session_ended expired, then 4401", async () => {
    const t = await expiringToken(1000);
    const other = await userWithTokens();
    const dm = await openDirect({ id: t.userId, token: t.token, nickname: "x" } as TestUser, { id: other.id, token: other.tokens.accessToken, nickname: "y" });
    const s = await connected(t.token);
    // Only the per-frame check may end it here: the alarm (due up to 5 s after expiry) is taken away.
    await runInDurableObject(gatewayFor(env, t.userId), (_obj, state) => state.storage.deleteAlarm());
    await new Promise((r) => setTimeout(r, Math.max(0, t.expiresAt - Date.now() + 50)));
    s.send({ type: "send", ref: "late", conversationId: dm, message: { clientId: "late-1", type: "text", body: { text: "too late" } } });
    await s.next(ended("expired"));
    expect((await s.waitClosed()).code).toBe(CLOSE.unauthorized);
    expect(s.frames.some((f) => f.type === "ack")).toBe(false);
    expect((await api("GET", `/conversations/${dm}/messages`, { token: other.tokens.accessToken })).body.messages).toEqual([]);
  });
});

describe("a socket cannot flood", () => {
  it(`answers frames past the budget (${FRAME_LIMITS.burst} at once, ${FRAME_LIMITS.perSecond}/s) with rate_limited echoing the ref, and closes a socket that keeps going with 4429`, async () => {
    const u = await userWithTokens();
    const s = await connected(u.tokens.accessToken);
    const total = 1000;
    let sent = 0;
    // The gateway may close the socket before the loop ends (a send after close throws).
    try {
      for (; sent < total; sent++) s.send({ type: "nothing", ref: `f${sent}` });
    } catch {}
    expect(sent).toBeGreaterThan(FRAME_LIMITS.burst + FRAME_LIMITS.refusedBeforeClose);
    expect((await s.waitClosed(10_000)).code).toBe(CLOSE.rateLimited);
    const errors = s.frames.filter((f): f is Extract<ServerFrame, { type: "error" }> => f.type === "error");
    const answered = errors.filter((e) => e.code === "invalid_request").length;
    const refused = errors.filter((e) => e.code === "rate_limited" && e.ref?.startsWith("f"));
    // The burst, plus what refills while the gateway works through it: on a busy machine that can
    // take most of a second, so the bound is one second's refill, far below the 1,000 sent.
    expect(answered).toBeGreaterThanOrEqual(FRAME_LIMITS.burst);
    expect(answered).toBeLessThan(FRAME_LIMITS.burst + FRAME_LIMITS.perSecond);
    // The first refusal comes right after the burst (refills meanwhile let a few more through).
    expect(Number(refused[0]!.ref!.slice(1))).toBeGreaterThanOrEqual(FRAME_LIMITS.burst);
    expect(Number(refused[0]!.ref!.slice(1))).toBeLessThan(FRAME_LIMITS.burst + FRAME_LIMITS.perSecond);
    expect(refused.length).toBeGreaterThanOrEqual(FRAME_LIMITS.refusedBeforeClose);
    expect(answered + refused.length).toBeLessThan(total / 4); // the rest were never looked at
    expect(s.frames.at(-1)).toMatchObject({ type: "error", code: "rate_limited" });
  }, 20_000);

  it("lets a burst up to the budget through untouched", async () => {
    const u = await userWithTokens();
    const s = await connected(u.tokens.accessToken);
    for (let i = 0; i < FRAME_LIMITS.burst; i++) s.send({ type: "nothing", ref: `b${i}` });
    await s.next((f) => f.type === "error" && f.ref === `b${FRAME_LIMITS.burst - 1}`);
    expect(s.frames.filter((f) => f.type === "error").every((f) => f.type === "error" && f.code === "invalid_request")).toBe(true);
    expect(s.closed).toBeNull();
    s.close();
  });

  it("coalesces typing: many typing frames from one sender reach the peer as one push per window", async () => {
    const a = await userWithTokens();
    const b = await userWithTokens();
    const ua = { id: a.id, token: a.tokens.accessToken, nickname: "a" };
    const ub = { id: b.id, token: b.tokens.accessToken, nickname: "b" };
    const dm = await openDirect(ua, ub);
    const sa = await connected(ua.token);
    const sb = await connected(ub.token);
    for (let i = 0; i < 10; i++) sa.send({ type: "typing", conversationId: dm });
    sa.send({ type: "nothing", ref: "probe" }); // a round trip: the typing frames have been handled
    await sa.next((f) => f.type === "error" && f.ref === "probe");
    await sb.next((f) => f.type === "typing");
    await new Promise((r) => setTimeout(r, 200));
    expect(sb.frames.filter((f) => f.type === "typing")).toHaveLength(1);
    sa.close();
    sb.close();
  });
});

describe("live sessions per user are capped", () => {
  it(`a sign-in past ${LIMITS.sessionsPerUser} live sessions signs out the least recently used one: revoked, its socket told too_many_sessions and closed`, async () => {
    const u = await userWithTokens(); // session 1, the oldest
    const oldest = await connected(u.tokens.accessToken);
    const later: AuthTokens[] = [];
    for (let i = 1; i < LIMITS.sessionsPerUser; i++) later.push(await startSession(env, db(env), u.id, `d${i}`, Date.now() + i));
    expect(await count("sessions", "user_id = ? and revoked_at is null", u.id)).toBe(LIMITS.sessionsPerUser);
    expect(oldest.closed).toBeNull();
    const newest = await startSession(env, db(env), u.id, "new phone", Date.now() + 100);
    await oldest.next(ended("too_many_sessions"));
    expect((await oldest.waitClosed()).code).toBe(CLOSE.revoked);
    expect(await count("sessions", "user_id = ? and revoked_at is null", u.id)).toBe(LIMITS.sessionsPerUser);
    expect(await rows("select device, revoked_reason as reason from sessions where user_id = ? and revoked_at is not null", u.id)).toEqual([{ device: "test", reason: "too_many_sessions" }]);
    expectError(await api("GET", "/conversations", { token: u.tokens.accessToken }), 401, "token_revoked");
    for (const t of [...later, newest]) expect((await api("GET", "/conversations", { token: t.accessToken })).status).toBe(200);
  });

  it("counts use, not age: a session refreshed lately outlives ones signed in after it but idle since", async () => {
    const { user } = await findOrCreateByOpenid(db(env), `test:sessions:lru:${crypto.randomUUID()}`, null, "lru");
    const t0 = Date.now() - 60_000;
    const first = await startSession(env, db(env), user.id, "first", t0);
    for (let i = 1; i < LIMITS.sessionsPerUser; i++) await startSession(env, db(env), user.id, `d${i}`, t0 + i * 1000);
    // The first session refreshes its token: it is now the most recently used.
    expect((await api("POST", "/auth/refresh", { body: { refreshToken: first.refreshToken } })).status).toBe(200);
    await startSession(env, db(env), user.id, "new phone");
    expect(await rows("select device from sessions where user_id = ? and revoked_at is not null", user.id)).toEqual([{ device: "d1" }]);
  });
});
