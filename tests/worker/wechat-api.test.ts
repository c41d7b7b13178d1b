// The server's own calls to WeChat (access token, retries) against the local fake WeChat API.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accessToken, callWechat } from "../../worker/services/wechat";
import type { Env } from "../../worker/env";

const workerEnv = env as unknown as Env;

async function calls(path: string, match: string): Promise<{ query: Record<string, string>; body: unknown }[]> {
  const url = new URL("/__fake/calls", workerEnv.WECHAT_API_BASE);
  url.search = new URLSearchParams({ path, match }).toString();
  return ((await (await fetch(url)).json()) as { calls: { query: Record<string, string>; body: unknown }[] }).calls;
}

describe("calling WeChat's server APIs", () => {
  it("sends the app's access token and returns WeChat's answer", async () => {
    const tag = `echo-${crypto.randomUUID()}`;
    const answer = await callWechat(workerEnv, "/__fake/echo", { tag });
    expect(answer).toEqual({ errcode: 0, echo: { tag } });
    const [call] = await calls("/__fake/echo", tag);
    expect(call!.query.access_token).toBe(await accessToken(workerEnv));
  });

  it("asks WeChat for a new token once when the cached one is refused, and the call goes through", async () => {
    await callWechat(workerEnv, "/__fake/echo", { warm: true });
    const before = await accessToken(workerEnv);
    await fetch(new URL("/__fake/expire-token", workerEnv.WECHAT_API_BASE), { method: "POST" });
    const tag = `echo-${crypto.randomUUID()}`;
    expect(await callWechat(workerEnv, "/__fake/echo", { tag })).toEqual({ errcode: 0, echo: { tag } });
    const attempts = await calls("/__fake/echo", tag);
    expect(attempts.map((a) => a.query.access_token === before)).toEqual([true, false]);
    expect(await accessToken(workerEnv)).toBe(attempts[1]!.query.access_token);
  });

  it("answers not_configured without credentials and wechat_unavailable when WeChat cannot be reached", async () => {
    await expect(callWechat({ ...workerEnv, WECHAT_SECRET: undefined }, "/__fake/echo", {})).rejects.toMatchObject({ code: "not_configured" });
    await expect(callWechat({ ...workerEnv, WECHAT_API_BASE: "http://127.0.0.1:9" }, "/__fake/echo", {})).rejects.toMatchObject({ code: "wechat_unavailable" });
  });
});
