// The authorisation matrix. Part 1 walks every route the Hono app registers (so a new route is
// covered the day it is added) and tries it with no token and with a forged, an expired and a
// revoked one: each must be refused with 401 and an error body, and leak nothing. Part 2 tries
// every conversation- and group-scoped route as a signed-in outsider: 403/404, no data.
// docs/security.md is the table this file checks.
import { env } from "cloudflare:test";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../schema/limits";
import { app } from "../../worker/app";
import { signAccessToken } from "../../worker/services/tokens";
import { befriend, createGroup, makeUser, makeUsers, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { api, count } from "./helpers";
import { Browser, makePhone } from "./web-login-helpers";

/** Routes anyone may call: sign-in itself, health, the OpenAPI document, invite QR images, the
 * /j/ landing page, and media downloads (authorised by the signed URL instead). Everything
 * else the app registers is in the matrix. */
const PUBLIC: [string, RegExp][] = [
  ["GET", /^\/health$/],
  ["GET", /^\/openapi\.json$/],
  ["POST", /^\/auth\/(register|login|wechat|dev|refresh)$/],
  ["GET", /^\/invites\/:code\/qr\.(svg|png)$/],
  ["GET", /^\/j\/:code$/],
  ["GET", /^\/media\/:id$/], // with ?e=&s= (tested in media-download.test.ts)
  ["GET", /^\/ops-console$/], // a static page; what it loads comes from /ops, operators only (moderation.test.ts)
  ["GET", /^\/wechat\/push$/], // WeChat's URL check, authorised by the push signature (moderation.test.ts)
  ["POST", /^\/wechat\/push$/], // WeChat's pushes, authorised by the push signature (moderation.test.ts)
  // Web sign-in, browser side: authorised by its cookies instead (rows below, web-login.test.ts).
  ["POST", /^\/auth\/web\/qr$/],
  ["GET", /^\/auth\/web\/qr\/:ticket$/],
  ["POST", /^\/auth\/web\/refresh$/],
  ["GET", /^\/w\/:ticket$/], // a static page telling a camera scan to use the mini-program
];

const SAMPLE: Record<string, string> = {
  ":id": "c_aaaaaaaaaaaaaaaaaaaa",
  ":userId": "u_aaaaaaaaaaaaaaaaaaaa",
  ":seq": "1",
  ":code": "AAAAAAAAAAAAAAAAAAAAAA",
  ":requestId": "jr_aaaaaaaaaaaaaaaaaaaa",
  ":roomId": "room",
  ":decision": "approve",
  ":name": "tag",
  ":action": "warn",
  ":commentId": "mc_aaaaaaaaaaaaaaaaaaaa",
  ":ticket": "wt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};
const concrete = (path: string) => path.replace(/:[A-Za-z]+(\{[^}]*\})?/g, (p) => SAMPLE[p.replace(/\{.*\}$/, "")] ?? "x");

function protectedRoutes() {
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of app.routes) {
    if (r.method === "ALL") continue; // middleware
    const key = `${r.method} ${r.path}`;
    if (seen.has(key) || PUBLIC.some(([m, p]) => m === r.method && p.test(r.path))) continue;
    seen.add(key);
    out.push({ method: r.method, path: r.path });
  }
  return out;
}

async function badTokens(): Promise<Record<string, string | null>> {
  const victim = await makeUser("victim");
  const { sid } = decodeJwt(victim.token) as { sid: string };
  const forged = await new SignJWT({ sid })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(victim.id)
    .setIssuer("qun")
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode("an-attacker-secret-that-is-long-enough-00"));
  const expired = (await signAccessToken(env, { userId: victim.id, sessionId: sid }, Date.now() - (LIMITS.accessTokenSeconds + 60) * 1000)).token;
  const revokedUser = await makeUser("revoked");
  expect((await api("POST", "/auth/logout", { token: revokedUser.token })).status).toBe(204);
  return { anonymous: null, forged, expired, revoked: revokedUser.token };
}

describe("every route refuses callers who are not signed in", () => {
  it("answers 401 with an error body to anonymous, forged, expired and revoked tokens on every protected route", async () => {
    const routes = protectedRoutes();
    expect(routes.length).toBeGreaterThan(40); // the walk found the app's routes
    const tokens = await badTokens();
    const usersBefore = await count("users");
    const failures: string[] = [];
    for (const { method, path } of routes) {
      for (const [who, token] of Object.entries(tokens)) {
        const res = await api(method, concrete(path), { ...(token ? { token } : {}), body: method === "GET" || method === "HEAD" ? undefined : {} });
        const ok = res.status === 401 && typeof res.body?.error?.code === "string" && typeof res.body?.error?.message === "string";
        if (!ok) failures.push(`${method} ${path} as ${who}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await count("users")).toBe(usersBefore); // nothing was created along the way
  });
});

describe("conversation and group routes refuse outsiders", () => {
  it("answers 403 or 404, with no data, to a signed-in user who is not a member", async () => {
    const [owner, member] = (await makeUsers(2)) as [TestUser, TestUser];
    const outsider = await makeUser("outsider");
    const group = await createGroup(owner, [member], "Private");
    await sendText(owner, group, "secret plans");
    const body = (b: unknown) => b;
    const attempts: [string, string, unknown?][] = [
      ["GET", `/conversations/${group}`],
      ["PATCH", `/conversations/${group}/settings`, body({ pinned: true })],
      ["POST", `/conversations/${group}/members`, body({ userIds: [outsider.id] })],
      ["POST", `/conversations/${group}/leave`],
      ["GET", `/conversations/${group}/messages`],
      ["POST", `/conversations/${group}/messages`, body({ clientId: "x1", type: "text", body: { text: "hi" } })],
      ["GET", `/conversations/${group}/messages/2`],
      ["POST", `/conversations/${group}/messages/2/recall`],
      ["POST", `/conversations/${group}/messages/2/forward`, body({ to: [group], clientId: "x2" })],
      ["POST", `/conversations/${group}/read`, body({ seq: 2 })],
      ["GET", `/conversations/${group}/receipts`],
      ["PUT", `/conversations/${group}/unread`],
      ["DELETE", `/conversations/${group}/unread`],
      ["POST", `/conversations/${group}/clear`, body({ seq: 2 })],
      ["GET", `/conversations/${group}/search?q=secret`],
      ["GET", `/conversations/${group}/messages?around=2`],
      ["GET", `/groups/${group}`],
      ["GET", `/groups/${group}/members`],
      ["PATCH", `/groups/${group}`, body({ name: "Mine now" })],
      ["PATCH", `/groups/${group}/members/me`, body({ nickname: "spy" })],
      ["POST", `/groups/${group}/invites`, body({})],
      ["GET", `/groups/${group}/invites`],
      ["GET", `/groups/${group}/join-requests`],
      ["DELETE", `/groups/${group}/members/${member.id}`],
      ["PUT", `/groups/${group}/members/${member.id}/mute`, body({ durationSeconds: 60 })],
      ["PUT", `/groups/${group}/admins/${member.id}`],
      ["POST", `/groups/${group}/transfer`, body({ userId: outsider.id })],
      ["POST", `/groups/${group}/dissolve`],
      ["POST", "/media/urls", body({ mediaIds: ["md_aaaaaaaaaaaaaaaaaaaa"], conversationId: group })],
    ];
    const failures: string[] = [];
    for (const [method, path, b] of attempts) {
      const res = await api(method, path, { token: outsider.token, ...(b === undefined ? {} : { body: b }) });
      const text = JSON.stringify(res.body);
      if (![403, 404].includes(res.status) || !res.body?.error || text.includes("secret plans") || text.includes("Private")) {
        failures.push(`${method} ${path}: ${res.status} ${text.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
    // Nothing changed: same members, same name, same messages.
    expect(await count("memberships", "conversation_id = ?", group)).toBe(2);
    expect((await api("GET", `/conversations/${group}`, { token: owner.token })).body).toMatchObject({ name: "Private", lastSeq: 2 });
  });
});

describe("socket frames refuse outsiders and members without the role", () => {
  it("refuses every frame an outsider sends about a conversation, with an error frame that carries none of its data", async () => {
    const [owner, member] = (await makeUsers(2)) as [TestUser, TestUser];
    const outsider = await makeUser("outsider");
    const group = await createGroup(owner, [member], "Private");
    await sendText(owner, group, "secret plans");
    const watcher = await SocketClient.connect(member.token);
    await watcher.next((f) => f.type === "ready");
    const s = await SocketClient.connect(outsider.token);
    await s.next((f) => f.type === "ready");

    const rows: [string, unknown][] = [
      ["send", { type: "send", ref: "f1", conversationId: group, message: { clientId: "o1", type: "text", body: { text: "let me in" } } }],
      ["read", { type: "read", ref: "f2", conversationId: group, seq: 2 }],
      ["recall", { type: "recall", ref: "f3", conversationId: group, seq: 2 }],
    ];
    for (const [, frame] of rows) s.send(frame);
    s.send({ type: "typing", conversationId: group }); // answered with nothing, delivered to no one
    for (const [name, frame] of rows) {
      const ref = (frame as { ref: string }).ref;
      const e = await s.next((f) => f.type === "error" && f.ref === ref);
      expect([["forbidden", "not_found"].includes((e as { code: string }).code), name]).toEqual([true, name]);
      expect(JSON.stringify(e)).not.toMatch(/secret plans|Private/);
    }
    s.send({ type: "nothing", ref: "probe" }); // a last round trip, so the typing frame has been handled too
    await s.next((f) => f.type === "error" && f.ref === "probe");
    expect(s.frames.some((f) => f.type === "ack" || f.type === "message" || f.type === "read")).toBe(false);
    expect(watcher.frames.some((f) => f.type === "message" || f.type === "typing" || f.type === "read")).toBe(false);
    expect(await count("memberships", "conversation_id = ?", group)).toBe(2);
    expect((await api("GET", `/conversations/${group}`, { token: owner.token })).body).toMatchObject({ lastSeq: 2 });
    s.close();
    watcher.close();
  });

  it("refuses a member's frames that need a higher role: recalling the owner's message, mentioning everyone", async () => {
    const [owner, member] = (await makeUsers(2)) as [TestUser, TestUser];
    const group = await createGroup(owner, [member], "Roles");
    const seq = (await sendText(owner, group, "from the owner")).body.seq as number;
    const s = await SocketClient.connect(member.token);
    await s.next((f) => f.type === "ready");
    s.send({ type: "recall", ref: "r1", conversationId: group, seq });
    s.send({ type: "send", ref: "r2", conversationId: group, message: { clientId: "all1", type: "text", body: { text: "everyone!" }, mentionAll: true } });
    for (const ref of ["r1", "r2"]) expect(await s.next((f) => f.type === "error" && f.ref === ref)).toMatchObject({ code: "forbidden" });
    const res = await api("GET", `/conversations/${group}/messages/${seq}`, { token: owner.token });
    expect(res.body).toMatchObject({ seq, recalledAt: null, body: { text: "from the owner" } });
    expect((await api("GET", `/conversations/${group}`, { token: owner.token })).body).toMatchObject({ lastSeq: seq });
    s.close();
  });

  it("closes sockets opened with no, a forged, an expired or a revoked token, after an error frame", async () => {
    const tokens = await badTokens();
    const expected: Record<string, number> = { anonymous: 4401, forged: 4401, expired: 4401, revoked: 4403 };
    for (const [who, token] of Object.entries(tokens)) {
      const s = await SocketClient.connect(token);
      const closed = await s.waitClosed();
      expect([who, closed.code]).toEqual([who, expected[who]]);
      expect(s.frames.map((f) => f.type)).toEqual(["error"]);
    }
  });
});

describe("Moments routes refuse people outside a post's audience", () => {
  it("answers 403 or 404, with no data, to a friend left out of a post and to a stranger, on every post route", async () => {
    const [alice, bob, carol] = (await makeUsers(3)) as [TestUser, TestUser, TestUser];
    const stranger = await makeUser("stranger");
    await befriend(alice, bob, carol);
    const created = await api("POST", "/moments", { token: alice.token, body: { text: "secret plans", visibility: "include", userIds: [bob.id] } });
    const id = created.body.id as string;
    const c = await api("POST", `/moments/${id}/comments`, { token: bob.token, body: { text: "secret reply" } });
    const commentId = c.body.comments[0].id as string;
    for (const outsider of [carol, stranger]) {
      const attempts: [string, string, unknown?][] = [
        ["GET", `/moments/${id}`],
        ["DELETE", `/moments/${id}`],
        ["PUT", `/moments/${id}/like`],
        ["DELETE", `/moments/${id}/like`],
        ["POST", `/moments/${id}/comments`, { text: "let me in" }],
        ["POST", `/moments/${id}/comments`, { text: "let me in", replyTo: commentId }],
        ["DELETE", `/moments/${id}/comments/${commentId}`],
      ];
      const failures: string[] = [];
      for (const [method, path, b] of attempts) {
        const res = await api(method, path, { token: outsider.token, ...(b === undefined ? {} : { body: b }) });
        const text = JSON.stringify(res.body);
        if (![403, 404].includes(res.status) || !res.body?.error || text.includes("secret")) failures.push(`${outsider.nickname} ${method} ${path}: ${res.status} ${text.slice(0, 160)}`);
      }
      expect(failures).toEqual([]);
      for (const path of ["/moments/timeline", `/moments/users/${alice.id}`, "/moments/notifications"]) {
        expect(JSON.stringify((await api("GET", path, { token: outsider.token })).body)).not.toContain("secret");
      }
    }
    // Nothing changed: the post, its one comment, no likes.
    expect(await count("moments", "id = ?", id)).toBe(1);
    expect(await count("moment_comments", "moment_id = ?", id)).toBe(1);
    expect(await count("moment_likes", "moment_id = ?", id)).toBe(0);
  });
});

describe("web sign-in and device routes refuse everyone but the browser and the phone they belong to", () => {
  it("answers the onlooker, the stranger and the other session with 401/403/404/409, and nothing moves", async () => {
    const phone = await makePhone("owner");
    const stranger = await makePhone("stranger");
    const browser = new Browser();
    const { ticket } = await browser.newTicket();
    expect((await api("POST", `/auth/web/qr/${ticket}/scan`, { token: phone.token })).status).toBe(200);
    const onlooker = new Browser(); // saw the QR code, has no cookie
    const attempts: [string, () => Promise<{ status: number; body: any }>, number][] = [
      ["poll without the ticket cookie", () => onlooker.poll(ticket), 403],
      ["refresh without a session cookie", () => onlooker.refresh(), 401],
      ["refresh without X-Qun-Web", () => onlooker.refresh({}), 403],
      ["scan a ticket another phone scanned", () => api("POST", `/auth/web/qr/${ticket}/scan`, { token: stranger.token }), 409],
      ["confirm as a stranger", () => api("POST", `/auth/web/qr/${ticket}/confirm`, { token: stranger.token }), 403],
      ["cancel as a stranger", () => api("POST", `/auth/web/qr/${ticket}/cancel`, { token: stranger.token }), 403],
      ["end someone else's session", () => api("DELETE", `/me/sessions/${phone.sessionId}`, { token: stranger.token }), 404],
    ];
    const failures: string[] = [];
    for (const [what, attempt, status] of attempts) {
      const res = await attempt();
      if (res.status !== status || typeof res.body?.error?.code !== "string") failures.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
    expect(await count("web_login_tickets", "id = ? and state = 'scanned'", ticket)).toBe(1);
    expect(await count("sessions", "kind = 'web'")).toBe(0);
    expect((await api("GET", "/me", { token: phone.token })).status).toBe(200);
    // The stranger's list shows only the stranger's own session.
    expect((await api("GET", "/me/sessions", { token: stranger.token })).body.sessions.map((s: { id: string }) => s.id)).toEqual([stranger.sessionId]);
  });
});
