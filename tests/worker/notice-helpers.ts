// Seeding for the notice specs: people with a WeChat openid the fake API answers for, banked
// subscriptions, and what the fake WeChat API received.
import { env } from "cloudflare:test";
import { summaryShardOf } from "../../worker/data/summaries";
import type { Env } from "../../worker/env";
import { api, rows } from "./helpers";
import { makeUser, type TestUser } from "./chat-helpers";

export const TEMPLATE = "tmpl-new-message";
export const SEND_PATH = "/cgi-bin/message/subscribe/send";
export const workerEnv = env as unknown as Env;

export interface NoticeUser extends TestUser {
  openid: string;
}

/** A user with openid `openid-<kind>-<uuid>` (the fake's answer depends on `kind`) and `banked` notices. */
export async function subscriber(name: string, banked = 5, kind = "ok"): Promise<NoticeUser> {
  const u = await makeUser(name);
  const openid = `openid-${kind}-${crypto.randomUUID()}`;
  await env.DB.prepare("UPDATE users SET openid = ? WHERE id = ?").bind(openid, u.id).run();
  if (banked > 0) {
    const res = await api("POST", "/notices/subscriptions", { token: u.token, body: { results: [{ templateId: TEMPLATE, status: "accept", count: Math.min(banked, 3) }] } });
    if (res.status !== 200) throw new Error(`subscribe: ${res.status} ${JSON.stringify(res.body)}`);
    if (banked > 3) await env.DB.prepare("UPDATE notice_banks SET count = ? WHERE user_id = ?").bind(banked, u.id).run();
  }
  // Activity from now on is new to them (seenUntil is set when they first subscribe).
  await new Promise((r) => setTimeout(r, 2));
  return { ...u, openid };
}

export interface SentNotice {
  query: Record<string, string>;
  body: { touser: string; template_id: string; page: string; data: Record<string, { value: string }>; miniprogram_state: string; lang: string };
}

/** What the fake WeChat API received for `openid`, oldest first. */
export async function noticesTo(openid: string): Promise<SentNotice[]> {
  const url = new URL("/__fake/calls", workerEnv.WECHAT_API_BASE);
  url.search = new URLSearchParams({ path: SEND_PATH, match: openid }).toString();
  return ((await (await fetch(url)).json()) as { calls: SentNotice[] }).calls;
}

export async function banked(userId: string): Promise<number> {
  return (await rows<{ count: number }>("SELECT count FROM notice_banks WHERE user_id = ? AND template_id = ?", userId, TEMPLATE))[0]?.count ?? 0;
}

/** Waits until the conversation's summary in its summary shard shows `seq` (the flush after a send is in the background). */
export async function summaryAt(conversationId: string, seq: number) {
  const shard = workerEnv[`SUMMARIES_${summaryShardOf(workerEnv, conversationId)}`]!;
  for (let i = 0; i < 200; i++) {
    const c = await shard.prepare("SELECT last_seq FROM conversation_summaries WHERE conversation_id = ?").bind(conversationId).first<{ last_seq: number }>();
    if ((c?.last_seq ?? 0) >= seq) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`conversation ${conversationId} never reached seq ${seq} in D1`);
}
