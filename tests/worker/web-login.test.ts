// Web sign-in by QR code (docs/api.md#web-sign-in): a browser's ticket, the phone's scan and
// confirmation, the browser collecting its session once, and the web session's cookie refresh.
import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WEB_LOGIN_LIMITS } from "../../schema/web-login";
import worker from "../../worker/index";
import { CLOSE } from "../../schema/protocol";
import { SocketClient } from "./chat-helpers";
import { api, count, expectError, rows, signUp, startAtWindowBoundary, wechatSignIn } from "./helpers";
import { Browser, makePhone, setCookies, signedInBrowser } from "./web-login-helpers";

afterEach(() => {
  vi.useRealTimers();
});

const scan = (token: string, ticket: string) => api("POST", `/auth/web/qr/${ticket}/scan`, { token });
const confirm = (token: string, ticket: string) => api("POST", `/auth/web/qr/${ticket}/confirm`, { token });
const cancel = (token: string, ticket: string) => api("POST", `/auth/web/qr/${ticket}/cancel`, { token });
const webSessions = () => count("sessions", "kind = 'web'");

describe("a browser's sign-in QR code", () => {
  it("is a /w/ link on the public base URL that lives 120 s, with an HttpOnly, SameSite=Strict, Secure cookie for /auth/web only", async () => {
    const browser = new Browser();
    const before = Date.now();
    const res = await browser.call("POST", "/auth/web/qr", { body: {} });
    expect(res.status).toBe(200);
    expect(res.body.ticket).toMatch(/^wt_[0-9a-z]{32}$/);
    expect(res.body.qr).toBe(`${env.PUBLIC_BASE_URL.replace(/\/+$/, "")}/w/${res.body.ticket}`);
    expect(res.body.expiresAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(res.body.expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
    const cookie = setCookies(res.headers).get("qun_web_ticket")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/auth\/web(;|$)/);
    expect(cookie).toMatch(/Secure/);
    // Only the secret's hash is stored.
    const [row] = await rows<{ secret_hash: string }>("select secret_hash from web_login_tickets where id = ?", res.body.ticket);
    expect(row!.secret_hash).not.toContain(browser.cookies.get("qun_web_ticket"));
    expect((await browser.poll(res.body.ticket)).body).toEqual({ state: "waiting" });
  });

  it("leaves out Secure only in development over plain http, where a browser would drop a Secure cookie", async () => {
    const call = (url: string, environment: string) =>
      worker.fetch(
        new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }) as never,
        { ...env, ENVIRONMENT: environment } as never,
        {
          waitUntil() {},
          passThroughOnException() {},
        } as never,
      );
    expect((await call("http://localhost:8787/auth/web/qr", "development")).headers.getSetCookie()[0]).not.toMatch(/Secure/);
    expect((await call("http://localhost:8787/auth/web/qr", "production")).headers.getSetCookie()[0]).toMatch(/Secure/);
    expect((await call("https://qun.test/auth/web/qr", "development")).headers.getSetCookie()[0]).toMatch(/Secure/);
  });

  it("opens a plain page at /w/<ticket> that tells a camera scan to use the mini-program's Scan", async () => {
    const { ticket } = await new Browser().newTicket();
    const res = await fetchRaw(`/w/${ticket}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain("扫一扫");
    expect(html).not.toContain(ticket);
  });

  it("is rate limited per IP address: past 30 in 10 minutes the address gets 429 and nothing is stored", async () => {
    startAtWindowBoundary();
    const browser = new Browser(undefined, "198.51.100.9");
    for (let i = 0; i < WEB_LOGIN_LIMITS.ticketsPerIp; i++) await browser.newTicket();
    const refused = await browser.call("POST", "/auth/web/qr", { body: {} });
    expectError(refused, 429, "rate_limited");
    // Retry-After in whole seconds, at least one (the window of the per-IP limit).
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await count("web_login_tickets")).toBe(WEB_LOGIN_LIMITS.ticketsPerIp);
    // Another address is not affected.
    await new Browser(undefined, "198.51.100.10").newTicket();
  });

  it("refuses a body that is not an empty object", async () => {
    expectError(await new Browser().call("POST", "/auth/web/qr", { body: { ticket: "mine" } }), 400, "invalid_request");
    expect(await count("web_login_tickets")).toBe(0);
  });
});

const fetchRaw = (path: string) => SELF.fetch(`https://qun.test${path}`);

describe("scanning and confirming from the phone", () => {
  it("goes waiting → scanned (with the phone user's name) → confirmed, which hands the browser an access token, its profile and a session cookie, once", async () => {
    const phone = await makePhone("alice");
    const browser = new Browser();
    const { ticket, expiresAt } = await browser.newTicket();

    const scanned = await scan(phone.token, ticket);
    expect(scanned.status).toBe(200);
    expect(scanned.body).toEqual({ device: "Chrome on macOS", expiresAt });
    expect((await browser.poll(ticket)).body).toEqual({ state: "scanned", user: { nickname: phone.nickname, avatarUrl: null } });

    expect((await confirm(phone.token, ticket)).status).toBe(204);
    const collected = await browser.poll(ticket);
    expect(collected.status).toBe(200);
    expect(collected.body).toMatchObject({ state: "confirmed", user: { id: phone.id, nickname: phone.nickname } });
    expect(collected.body.accessExpiresAt).toBeGreaterThan(Date.now());
    const sessionCookie = setCookies(collected.headers).get("qun_web_session")!;
    expect(sessionCookie).toMatch(/HttpOnly/);
    expect(sessionCookie).toMatch(/SameSite=Strict/);
    expect(sessionCookie).toMatch(/Path=\/auth\/web(;|$)/);
    expect(sessionCookie).toMatch(/Secure/);
    expect(browser.cookies.has("qun_web_session")).toBe(true);

    // An ordinary access token: it opens /me and the socket (subprotocols ["qun", token]).
    const me = await api("GET", "/me", { token: collected.body.accessToken });
    expect(me.body).toEqual(collected.body.user);
    const s = await SocketClient.connect(collected.body.accessToken, "protocol");
    expect((await s.next((f) => f.type === "ready")).type).toBe("ready");
    s.close();

    // A web session with the browser's label; the ticket is spent.
    expect(await rows("select kind, device from sessions where user_id = ? and kind = 'web'", phone.id)).toEqual([{ kind: "web", device: "Chrome on macOS" }]);
    expect((await browser.poll(ticket)).body).toEqual({ state: "expired" });
    expectError(await scan(phone.token, ticket), 410, "expired");
    expect(await webSessions()).toBe(1);
  });

  it("shows the scanner's avatar as a signed media URL the browser can load without a token", async () => {
    const phone = await makePhone("withface");
    await env.DB.prepare("update users set avatar_media_id = ? where id = ?").bind("md_aaaaaaaaaaaaaaaaaaaa", phone.id).run();
    const browser = new Browser();
    const { ticket } = await browser.newTicket();
    await scan(phone.token, ticket);
    const res = await browser.poll(ticket);
    expect(res.body.user.avatarUrl).toMatch(/^https:\/\/qun\.test\/media\/md_aaaaaaaaaaaaaaaaaaaa\?/);
  });

  it("refuses a poll without the ticket's own cookie with 403, even after confirmation, and collects nothing for it", async () => {
    const phone = await makePhone();
    const browser = new Browser();
    const { ticket } = await browser.newTicket();
    const onlooker = new Browser();
    await onlooker.newTicket(); // has a ticket cookie, but for another ticket
    const bare = new Browser();
    for (const who of [bare, onlooker]) expectError(await who.poll(ticket), 403, "forbidden");
    await scan(phone.token, ticket);
    await confirm(phone.token, ticket);
    for (const who of [bare, onlooker]) {
      const res = await who.poll(ticket);
      expectError(res, 403, "forbidden");
      expect(setCookies(res.headers).has("qun_web_session")).toBe(false);
    }
    expect(await webSessions()).toBe(0);
    // An unknown or malformed ticket is told apart from nothing: 403 too.
    expectError(await browser.poll("wt_00000000000000000000000000000000"), 403, "forbidden");
    expectError(await browser.poll("nonsense"), 403, "forbidden");
    // The browser that made it still collects.
    expect((await browser.poll(ticket)).body.state).toBe("confirmed");
  });

  it("lets only the session that scanned confirm or cancel: another user and another session of the same user get 403", async () => {
    const phone = await makePhone();
    const stranger = await makePhone("stranger");
    const browser = new Browser();
    const { ticket } = await browser.newTicket();
    // Nobody can confirm a ticket that was not scanned.
    expectError(await confirm(phone.token, ticket), 403, "forbidden");
    await scan(phone.token, ticket);
    // The same user signed in on another device is another session.
    const otherSession = await wechatSignIn("webloginother");
    const twin = (await api("POST", "/auth/wechat", { body: { code: "ok-webloginother" } })).body.accessToken as string;
    for (const token of [stranger.token, otherSession.accessToken, twin]) {
      expectError(await confirm(token, ticket), 403, "forbidden");
      expectError(await cancel(token, ticket), 403, "forbidden");
    }
    // A second phone cannot take over a scanned ticket; the first may scan again.
    expectError(await scan(stranger.token, ticket), 409, "conflict");
    expect((await scan(phone.token, ticket)).status).toBe(200);
    expect((await browser.poll(ticket)).body).toMatchObject({ state: "scanned", user: { nickname: phone.nickname } });
    expect((await confirm(phone.token, ticket)).status).toBe(204);
    expect((await browser.poll(ticket)).body).toMatchObject({ state: "confirmed", user: { id: phone.id } });
  });

  it("answers 404 for an unknown or malformed ticket and 410 expired for a cancelled or used one", async () => {
    const phone = await makePhone();
    expectError(await scan(phone.token, "wt_00000000000000000000000000000000"), 404, "not_found");
    expectError(await scan(phone.token, "not-a-ticket"), 404, "not_found");
    expectError(await confirm(phone.token, "wt_00000000000000000000000000000000"), 404, "not_found");
    const browser = new Browser();
    const { ticket } = await browser.newTicket();
    await scan(phone.token, ticket);
    expect((await cancel(phone.token, ticket)).status).toBe(204);
    expect((await browser.poll(ticket)).body).toEqual({ state: "cancelled" });
    expectError(await confirm(phone.token, ticket), 410, "expired");
    expectError(await scan(phone.token, ticket), 410, "expired");
    expect((await browser.poll(ticket)).body).toEqual({ state: "cancelled" });
    expect(await webSessions()).toBe(0);
  });

  it("expires after 120 s: the browser sees expired, and the phone can neither scan nor confirm it", async () => {
    const phone = await makePhone();
    const browser = new Browser();
    const waiting = (await browser.newTicket()).ticket;
    const scanned = (await browser.newTicket()).ticket;
    await scan(phone.token, scanned);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + WEB_LOGIN_LIMITS.ticketTtlSeconds * 1000 + 1000);
    // The browser's one cookie holds the secret of its latest ticket, the scanned one.
    expect((await browser.poll(scanned)).body).toEqual({ state: "expired" });
    expectError(await scan(phone.token, waiting), 410, "expired");
    expectError(await confirm(phone.token, scanned), 410, "expired");
    expectError(await cancel(phone.token, scanned), 410, "expired");
    expect(await count("web_login_tickets", "state = 'confirmed'")).toBe(0);
  });

  it("a confirmation just before expiry can still be collected shortly after, but not once the grace has passed", async () => {
    const phone = await makePhone();
    const late = new Browser();
    const lateTicket = (await late.newTicket()).ticket;
    const later = new Browser();
    const laterTicket = (await later.newTicket()).ticket;
    for (const t of [lateTicket, laterTicket]) {
      await scan(phone.token, t);
      await confirm(phone.token, t);
    }
    vi.useFakeTimers({ toFake: ["Date"] });
    const t0 = Date.now();
    vi.setSystemTime(t0 + WEB_LOGIN_LIMITS.ticketTtlSeconds * 1000 + 1000);
    expect((await late.poll(lateTicket)).body.state).toBe("confirmed");
    vi.setSystemTime(t0 + (WEB_LOGIN_LIMITS.ticketTtlSeconds + WEB_LOGIN_LIMITS.collectGraceSeconds) * 1000 + 1000);
    expect((await later.poll(laterTicket)).body).toEqual({ state: "expired" });
    expect(await webSessions()).toBe(1);
  });

  it("hands a confirmed ticket's session to exactly one of two polls racing for it", async () => {
    const phone = await makePhone();
    const browser = new Browser();
    const { ticket } = await browser.newTicket();
    await scan(phone.token, ticket);
    await confirm(phone.token, ticket);
    const polls = await Promise.all([browser.poll(ticket), browser.poll(ticket), browser.poll(ticket)]);
    expect(polls.map((p) => p.body.state).sort()).toEqual(["confirmed", "expired", "expired"]);
    expect(polls.filter((p) => setCookies(p.headers).has("qun_web_session"))).toHaveLength(1);
    expect(await webSessions()).toBe(1);
  });

  it("refuses the phone routes without a Bearer token", async () => {
    const { ticket } = await new Browser().newTicket();
    for (const action of ["scan", "confirm", "cancel"]) expectError(await api("POST", `/auth/web/qr/${ticket}/${action}`), 401, "unauthorized");
    expect(await count("web_login_tickets", "state = 'waiting'")).toBe(1);
  });
});

describe("the web session's cookie", () => {
  it("refreshes with X-Qun-Web: a new access token and profile, and a rotated cookie", async () => {
    const phone = await makePhone();
    const { browser } = await signedInBrowser(phone);
    const first = browser.cookies.get("qun_web_session");
    const res = await browser.refresh();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { id: phone.id } });
    expect((await api("GET", "/me", { token: res.body.accessToken })).body.id).toBe(phone.id);
    expect(browser.cookies.get("qun_web_session")).not.toBe(first);
    expect(setCookies(res.headers).get("qun_web_session")).toMatch(/HttpOnly/);
    expect(setCookies(res.headers).get("qun_web_session")).toMatch(/SameSite=Strict/);
    // Same-origin Origin is fine.
    expect((await browser.refresh({ "x-qun-web": "1", origin: "https://qun.test" })).status).toBe(200);
  });

  it("revokes the session when an old cookie is used again, closing its socket; the current cookie then answers 401 too", async () => {
    const phone = await makePhone();
    const { browser, accessToken } = await signedInBrowser(phone);
    const s = await SocketClient.connect(accessToken, "protocol");
    await s.next((f) => f.type === "ready");
    const stolen = new Browser();
    stolen.cookies.set("qun_web_session", browser.cookies.get("qun_web_session")!);
    expect((await browser.refresh()).status).toBe(200); // rotates
    expect((await browser.refresh()).status).toBe(200); // and the successor was used: the old one is no retry
    const reuse = await stolen.refresh();
    expectError(reuse, 401, "token_revoked");
    expect(stolen.cookies.has("qun_web_session")).toBe(false); // cleared
    await s.next((f) => f.type === "session_ended");
    expect((await s.waitClosed()).code).toBe(CLOSE.revoked);
    expectError(await browser.refresh(), 401, "token_revoked");
  });

  it("refuses a refresh without X-Qun-Web or from another origin (403), and one without a live web session (401)", async () => {
    const phone = await makePhone();
    const { browser } = await signedInBrowser(phone);
    expectError(await browser.refresh({}), 403, "forbidden");
    expectError(await browser.refresh({ "x-qun-web": "1", origin: "https://evil.example" }), 403, "forbidden");
    expect(browser.cookies.has("qun_web_session")).toBe(true); // not spent by the refused tries
    expect((await browser.refresh()).status).toBe(200);
    expectError(await new Browser().refresh(), 401, "unauthorized");
    // A mini-program's refresh token is no web session.
    const mini = await wechatSignIn("webloginmini");
    const impostor = new Browser();
    impostor.cookies.set("qun_web_session", mini.refreshToken);
    expectError(await impostor.refresh(), 401, "token_invalid");
    expect((await api("POST", "/auth/refresh", { body: { refreshToken: mini.refreshToken } })).status).toBe(200); // untouched
  });

  it("logout revokes the web session, clears the cookie, closes its socket, and refresh then answers 401", async () => {
    const phone = await makePhone();
    const { browser, accessToken } = await signedInBrowser(phone);
    const cookie = browser.cookies.get("qun_web_session")!;
    const s = await SocketClient.connect(accessToken, "protocol");
    await s.next((f) => f.type === "ready");
    const res = await browser.call("POST", "/auth/web/logout", { token: accessToken });
    expect(res.status).toBe(204);
    expect(setCookies(res.headers).get("qun_web_session")).toMatch(/Max-Age=0/);
    await s.next((f) => f.type === "session_ended");
    expect((await s.waitClosed()).code).toBe(CLOSE.revoked);
    const again = new Browser();
    again.cookies.set("qun_web_session", cookie);
    expectError(await again.refresh(), 401, "token_revoked");
    expectError(await api("GET", "/me", { token: accessToken }), 401, "token_revoked");
    // The phone is still signed in.
    expect((await api("GET", "/me", { token: phone.token })).status).toBe(200);
  });

  it("is an ordinary session: a password change on the phone ends it", async () => {
    const alice = await signUp("webpw");
    const phone = { id: alice.user.id, token: alice.accessToken, nickname: alice.user.nickname, sessionId: "" };
    const { browser } = await signedInBrowser(phone);
    expect((await api("POST", "/auth/password", { token: alice.accessToken, body: { currentPassword: alice.password, newPassword: "new-passw0rd-ok" } })).status).toBe(204);
    expectError(await browser.refresh(), 401, "token_revoked");
  });
});

describe("old tickets", () => {
  it("are deleted by the daily cron an hour after they expire; newer ones stay", async () => {
    const old = (await new Browser().newTicket()).ticket;
    const fresh = (await new Browser().newTicket()).ticket;
    await env.DB.prepare("update web_login_tickets set expires_at = ? where id = ?")
      .bind(Date.now() - 3_600_000 - 1000, old)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "17 3 * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await rows("select id from web_login_tickets")).toEqual([{ id: fresh }]);
  });
});
