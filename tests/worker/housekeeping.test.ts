import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../schema/limits";
import { sha256Hex } from "../../worker/lib/crypto";
import worker from "../../worker/index";
import { api, count, login, rows, signUp } from "./helpers";

const DAY = 86_400_000;

async function runDailyCron() {
  const controller = createScheduledController({ scheduledTime: Date.now(), cron: "17 3 * * *" });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

const sessionOf = async (refreshToken: string) => (await rows<{ session_id: string }>("select session_id from refresh_tokens where token_hash = ?", await sha256Hex(refreshToken)))[0]!.session_id;

describe("the daily cron", () => {
  it("is declared in wrangler.toml", () => {
    const { crons } = JSON.parse(env.TEST_WRANGLER_CONFIG) as { crons: string[] };
    expect(crons).toEqual(["17 3 * * *", "* * * * *"]);
  });

  it("deletes expired refresh tokens and keeps live ones", async () => {
    const alice = await signUp("alice");
    const laptop = await login(alice.username, alice.password);
    await env.DB.prepare("update refresh_tokens set expires_at = ? where token_hash = ?")
      .bind(Date.now() - 1, await sha256Hex(alice.refreshToken))
      .run();

    await runDailyCron();

    const left = await rows<{ token_hash: string }>("select token_hash from refresh_tokens");
    expect(left).toEqual([{ token_hash: await sha256Hex(laptop.body.refreshToken) }]);
    expect((await api("POST", "/auth/refresh", { body: { refreshToken: laptop.body.refreshToken } })).status).toBe(200);
  });

  it("deletes rotated refresh tokens once they expire, but not before (reuse detection needs them)", async () => {
    const alice = await signUp("alice");
    const rotated = await api("POST", "/auth/refresh", { body: { refreshToken: alice.refreshToken } });
    await runDailyCron();
    expect(await count("refresh_tokens")).toBe(2);

    await env.DB.prepare("update refresh_tokens set expires_at = ? where rotated_at is not null")
      .bind(Date.now() - 1)
      .run();
    await runDailyCron();
    expect(await rows("select token_hash from refresh_tokens")).toEqual([{ token_hash: await sha256Hex(rotated.body.refreshToken) }]);
  });

  it("deletes sessions revoked more than 30 days ago, with their tokens, and keeps recent ones", async () => {
    const alice = await signUp("alice");
    const old = await login(alice.username, alice.password);
    const recent = await login(alice.username, alice.password);
    await api("POST", "/auth/logout", { token: old.body.accessToken });
    await api("POST", "/auth/logout", { token: recent.body.accessToken });
    const oldSession = await sessionOf(old.body.refreshToken);
    await env.DB.prepare("update sessions set revoked_at = ? where id = ?")
      .bind(Date.now() - 31 * DAY, oldSession)
      .run();

    await runDailyCron();

    expect(await count("sessions", "id = ?", oldSession)).toBe(0);
    expect(await count("refresh_tokens", "session_id = ?", oldSession)).toBe(0);
    expect(await count("sessions", "id = ?", await sessionOf(recent.body.refreshToken))).toBe(1);
    expect(await count("sessions", "id = ?", await sessionOf(alice.refreshToken))).toBe(1);
  });

  it("deletes sessions idle for longer than a refresh token lives", async () => {
    const alice = await signUp("alice");
    const idle = await login(alice.username, alice.password);
    const idleSession = await sessionOf(idle.body.refreshToken);
    const longAgo = Date.now() - (LIMITS.refreshTokenDays + 2) * DAY;
    await env.DB.prepare("update sessions set last_seen_at = ?, created_at = ? where id = ?").bind(longAgo, longAgo, idleSession).run();
    await env.DB.prepare("update refresh_tokens set expires_at = ? where session_id = ?")
      .bind(longAgo + LIMITS.refreshTokenDays * DAY, idleSession)
      .run();

    await runDailyCron();

    expect(await rows("select id from sessions")).toEqual([{ id: await sessionOf(alice.refreshToken) }]);
    expect((await api("GET", "/me", { token: alice.accessToken })).status).toBe(200);
  });

  it("deletes rate-limit windows that ended more than a day ago and keeps current ones", async () => {
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare("insert into rate_limits (key, window_start, count) values (?, ?, ?)").bind("login:acct:old", now - 2 * DAY, 5),
      env.DB.prepare("insert into rate_limits (key, window_start, count) values (?, ?, ?)").bind("login:acct:recent", now - 60_000, 3),
    ]);
    await login("someone-here", "wrong-passw0rd", "192.0.2.1");

    await runDailyCron();

    const left = await rows<{ key: string }>("select key from rate_limits order by key");
    expect(left.map((r) => r.key)).toEqual([
      "login:acct:recent",
      "login:acct:someone-here",
      "login:ip:192.0.2.1",
      "login:pair:3600:someone-here|192.0.2.1",
      "login:pair:86400:someone-here|192.0.2.1",
      "login:pair:900:someone-here|192.0.2.1",
    ]);
  });

  it("leaves users alone", async () => {
    const alice = await signUp("alice");
    await env.DB.prepare("update users set created_at = 0, updated_at = 0").run();
    await runDailyCron();
    expect(await rows("select id from users")).toEqual([{ id: alice.user.id }]);
  });
});
