// The app's WeChat access token under concurrency: forced refreshes go through one WechatObject,
// so callers who find the token refused at the same moment share one refresh (WeChat invalidates
// tokens refreshed too often, and each forced refresh kills the token everyone else holds).
import { describe, expect, it } from "vitest";
import { accessToken, callWechat, wechatObject } from "../../worker/services/wechat";
import { workerEnv } from "./notice-helpers";

const creds = { base: workerEnv.WECHAT_API_BASE, appid: workerEnv.WECHAT_APPID!, secret: workerEnv.WECHAT_SECRET! };
const expire = () => fetch(new URL("/__fake/expire-token", workerEnv.WECHAT_API_BASE), { method: "POST" });

describe("the access token under concurrency", () => {
  it("refreshes once when many callers report the same stale token at once", async () => {
    const wechat = wechatObject(workerEnv);
    const first = await wechat.token(creds);
    if (!first.ok) throw new Error(first.message);
    await expire();
    const before = await wechat.stats();
    const answers = await Promise.all(Array.from({ length: 12 }, () => wechat.refresh(creds, first.value.token)));
    const tokens = new Set(answers.map((a) => (a.ok ? a.value.token : a.code)));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(first.value.token);
    const after = await wechat.stats();
    expect(after.forced - before.forced).toBe(1);
    expect(after.fetches - before.fetches).toBe(1); // the others shared it: not even a plain call each

    // A caller whose stale token was already replaced gets the new one without another refresh.
    const late = await wechat.refresh(creds, first.value.token);
    expect(late.ok && late.value.token).toBe([...tokens][0]);
    expect(await wechat.stats()).toEqual(after);
  });

  it("does not force a second refresh within 30 seconds (WeChat would ignore it): it asks plainly instead", async () => {
    const wechat = wechatObject(workerEnv);
    const first = await wechat.token(creds);
    if (!first.ok) throw new Error(first.message);
    await expire();
    const forced = await wechat.refresh(creds, first.value.token);
    if (!forced.ok) throw new Error(forced.message);
    const before = await wechat.stats();
    await expire(); // the new token dies too (say, leaked and replaced in the console)
    const again = await wechat.refresh(creds, forced.value.token);
    expect(again.ok && again.value.token).not.toBe(forced.value.token);
    const after = await wechat.stats();
    expect(after.forced).toBe(before.forced);
    expect(after.fetches).toBe(before.fetches + 1);
  });

  it("parallel calls that all meet an expired token all go through, with one forced refresh", async () => {
    await callWechat(workerEnv, "/__fake/echo", { warm: true });
    await expire();
    const before = await wechatObject(workerEnv).stats();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => callWechat(workerEnv, "/__fake/echo", { i })));
    expect(answers.map((a) => a.errcode)).toEqual(Array(10).fill(0));
    expect((await wechatObject(workerEnv).stats()).forced - before.forced).toBe(1);
    expect(await accessToken(workerEnv)).toMatch(/^fake-access-token-/);
  });

  it("hands out the held token while it is valid: stable_token is asked once", async () => {
    const wechat = wechatObject(workerEnv);
    const before = await wechat.stats();
    const answers = await Promise.all(Array.from({ length: 8 }, () => wechat.token(creds)));
    expect(new Set(answers.map((a) => a.ok && a.value.token)).size).toBe(1);
    expect((await wechat.stats()).fetches - before.fetches).toBeLessThanOrEqual(1);
  });
});
