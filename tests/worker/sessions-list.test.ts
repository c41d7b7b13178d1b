// Signed-in devices (GET /me/sessions, DELETE /me/sessions/:id): the list the phone's devices
// page shows, and ending a session from another one, which closes its sockets as sign-out does.
import { describe, expect, it } from "vitest";
import { CLOSE } from "../../schema/protocol";
import { shardOf } from "../../worker/lib/shards";
import { LIMITS } from "../../schema/limits";
import { SocketClient } from "./chat-helpers";
import { api, count, expectError, rows, wechatSignIn } from "./helpers";
import { Browser, makePhone, signedInBrowser } from "./web-login-helpers";

describe("the signed-in devices list", () => {
  it("lists the user's live sessions with kind and device, marks the caller's own, and leaves out ended ones and other users'", async () => {
    const phone = await makePhone();
    const other = await makePhone("other");
    const { sessionId: web } = await signedInBrowser(phone, new Browser("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 Edg/131.0"));
    await signedInBrowser(other); // someone else's web session
    const { sessionId: gone, accessToken: goneToken } = await signedInBrowser(phone);
    expect((await api("POST", "/auth/web/logout", { token: goneToken })).status).toBe(204);

    const res = await api("GET", "/me/sessions", { token: phone.token });
    expect(res.status).toBe(200);
    const byId = new Map((res.body.sessions as { id: string }[]).map((s) => [s.id, s]));
    expect([...byId.keys()].sort()).toEqual([phone.sessionId, web].sort());
    expect(byId.get(phone.sessionId)).toMatchObject({ kind: "miniprogram", device: "test", current: true });
    expect(byId.get(web)).toMatchObject({ kind: "web", device: "Edge on Windows", current: false });
    expect(byId.has(gone)).toBe(false);
    for (const s of res.body.sessions) {
      expect(typeof s.createdAt).toBe("number");
      expect(typeof s.lastSeenAt).toBe("number");
    }
  });

  it("is the same list from the web session, with the web session marked current", async () => {
    const phone = await makePhone();
    const { accessToken, sessionId } = await signedInBrowser(phone);
    const res = await api("GET", "/me/sessions", { token: accessToken });
    expect(res.body.sessions.find((s: { current: boolean }) => s.current)).toMatchObject({ id: sessionId, kind: "web" });
    expect(res.body.sessions).toHaveLength(2);
  });
});

describe("ending a session from another device", () => {
  it("ends the web session: its socket hears session_ended and closes with 4403, its token and refresh cookie stop working", async () => {
    const phone = await makePhone();
    const { browser, accessToken, sessionId } = await signedInBrowser(phone);
    const s = await SocketClient.connect(accessToken, "protocol");
    await s.next((f) => f.type === "ready");
    expect((await api("DELETE", `/me/sessions/${sessionId}`, { token: phone.token })).status).toBe(204);
    expect(await s.next((f) => f.type === "session_ended")).toMatchObject({ reason: "revoked" });
    expect((await s.waitClosed()).code).toBe(CLOSE.revoked);
    expectError(await browser.refresh(), 401, "token_revoked");
    expectError(await api("GET", "/me", { token: accessToken }), 401, "token_revoked");
    expect((await api("GET", "/me/sessions", { token: phone.token })).body.sessions.map((x: { id: string }) => x.id)).toEqual([phone.sessionId]);
    // Ending it again: it is no longer there.
    expectError(await api("DELETE", `/me/sessions/${sessionId}`, { token: phone.token }), 404, "not_found");
  });

  it("cannot end another user's session: 404, and that session and its socket live on, even on the caller's own gateway shard", async () => {
    const phone = await makePhone();
    // A victim whose sockets live on the caller's shard, where closing by session id alone would reach them.
    let victim = await makePhone("victim");
    while (shardOf(victim.id) !== shardOf(phone.id)) victim = await makePhone("victim");
    const s = await SocketClient.connect(victim.token);
    await s.next((f) => f.type === "ready");
    expectError(await api("DELETE", `/me/sessions/${victim.sessionId}`, { token: phone.token }), 404, "not_found");
    expect((await api("GET", "/me", { token: victim.token })).status).toBe(200);
    expect(s.closed).toBeNull();
    expect(s.frames.some((f) => f.type === "session_ended")).toBe(false);
    expect(await count("sessions", "id = ? and revoked_at is null", victim.sessionId)).toBe(1);
    s.close();
  });

  it("answers 404 to a malformed session id and 401 without a token", async () => {
    const phone = await makePhone();
    expectError(await api("DELETE", "/me/sessions/not-a-session", { token: phone.token }), 404, "not_found");
    expectError(await api("DELETE", `/me/sessions/${phone.sessionId}`), 401, "unauthorized");
    expectError(await api("GET", "/me/sessions"), 401, "unauthorized");
  });

  it("may end the caller's own session, which then works no more", async () => {
    const phone = await makePhone();
    expect((await api("DELETE", `/me/sessions/${phone.sessionId}`, { token: phone.token })).status).toBe(204);
    expectError(await api("GET", "/me/sessions", { token: phone.token }), 401, "token_revoked");
  });
});

describe("web sessions are ordinary sessions", () => {
  it("count toward the per-user limit: signing in past it signs out the least recently used one", async () => {
    const mini = await wechatSignIn("webcap");
    const phone = { id: mini.user.id, token: mini.accessToken, nickname: mini.user.nickname, sessionId: "" };
    for (let i = 0; i < LIMITS.sessionsPerUser - 1; i++) await signedInBrowser(phone);
    expect(await count("sessions", "user_id = ? and revoked_at is null", mini.user.id)).toBe(LIMITS.sessionsPerUser);
    // The phone refreshes, so it is the most recently used; one more browser signs in.
    expect((await api("POST", "/auth/refresh", { body: { refreshToken: mini.refreshToken } })).status).toBe(200);
    await signedInBrowser(phone);
    expect(await count("sessions", "user_id = ? and revoked_at is null", mini.user.id)).toBe(LIMITS.sessionsPerUser);
    expect(await rows("select kind from sessions where user_id = ? and revoked_reason = 'too_many_sessions'", mini.user.id)).toEqual([{ kind: "web" }]);
  });
});
