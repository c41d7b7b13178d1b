// The notice sender, run by the per-minute Cron Trigger (worker/index.ts): it finds people with
// banked subscriptions who have unread activity since their last notice, leaves out whoever has
// a device online (the socket told them), is in do-not-disturb hours or was sent a notice within
// NOTICE_MIN_INTERVAL_SECONDS, and sends each of the rest one notice covering everything since
// (one per burst, not one per message) through WeChat's subscribeMessage.send. Nothing here
// runs on the send path: a send's ack never waits for WeChat. docs/notices.md has the flow.
import type { MessagePreview } from "../../schema/protocol";
import { readKey, readSummaries, usersWithUnreadSince } from "../data/summaries";
import type { Env } from "../env";
import { gateway, groupByShard, conversationObject } from "../lib/shards";
import { inQuietHours, noticeText, templateData, type NoticeActivity } from "../lib/notice-text";
import { ApiError } from "../lib/errors";
import { callWechat, wechatConfigured, wechatObject } from "./wechat";

/** The per-minute cron (wrangler.toml) that runs sendNotices; worker/index.ts dispatches on it. */
export const NOTICE_CRON = "* * * * *";
/** A bank at or below this spends itself only on direct messages, @mentions and friend requests. */
export const LOW_BANK = 2;
/** People considered per run; the rest wait a minute. */
const CANDIDATES_PER_RUN = 500;
const SENDS_AT_ONCE = 8;
/**
 * Unread conversations count toward a notice while their last message is at most this old: long
 * enough that quiet hours, the least interval between notices and a full run all pass before a
 * message is too old to be told.
 */
const UNREAD_LOOKBACK_MS = 24 * 60 * 60_000;
/** Mentions are looked for in groups active within this long (the cron runs every minute). */
const MENTION_LOOKBACK_MS = 3 * 60_000;
/** After WeChat's quota error (45009), no notices for this long. */
export const QUOTA_BACKOFF_MS = 60 * 60_000;
const DEFAULT_FIELDS = "thing1:title,thing2:text,time3:time";
const SEND_PATH = "/cgi-bin/message/subscribe/send";

interface Candidate {
  user_id: string;
  openid: string;
  preview: number;
  dnd_start: number | null;
  dnd_end: number | null;
  utc_offset: number;
  seen_until: number;
  last_sent_at: number | null;
  count: number;
}

interface UnreadRow {
  id: string;
  kind: "direct" | "group";
  name: string;
  last_seq: number;
  last_message_at: number;
  last_preview: string | null;
  read_seq: number;
}

/** One notice to send: the user, the conversation it opens and what it counts. */
interface Due {
  c: Candidate;
  top: UnreadRow | null;
  preview: MessagePreview | null;
  mentioned: boolean;
  requestFrom: string | null;
  messages: number;
  requests: number;
  at: number;
}

interface RequestRow {
  from_user_id: string;
  created_at: number;
}

export interface NoticeRun {
  candidates: number;
  sent: number;
  online: number;
  quiet: number;
  saved: number;
  refused: number;
  failed: number;
  stopped?: "quota" | "unavailable" | "backoff";
}

export const minInterval = (env: Env) => (Number(env.NOTICE_MIN_INTERVAL_SECONDS) >= 0 && env.NOTICE_MIN_INTERVAL_SECONDS ? Number(env.NOTICE_MIN_INTERVAL_SECONDS) : 300) * 1000;

export async function sendNotices(env: Env, now = Date.now()): Promise<NoticeRun> {
  const run: NoticeRun = { candidates: 0, sent: 0, online: 0, quiet: 0, saved: 0, refused: 0, failed: 0 };
  const templateId = env.NOTICE_TEMPLATE_ID;
  if (!templateId || !wechatConfigured(env)) return run;
  if ((await wechatObject(env).backedOffUntil()) > now) return { ...run, stopped: "backoff" };

  // Who has something unread lately: the summary shards know (data/summaries.ts); D1 then keeps
  // those with a bank and notices on, and whoever has a friend request waiting.
  const unreadUsers = await usersWithUnreadSince(env, now - UNREAD_LOOKBACK_MS);
  const candidates = (
    await env.DB.prepare(
      `SELECT s.user_id, u.openid, s.preview, s.dnd_start, s.dnd_end, s.utc_offset, s.seen_until, s.last_sent_at, b.count
       FROM notice_banks b JOIN notice_settings s ON s.user_id = b.user_id JOIN users u ON u.id = b.user_id
       WHERE b.template_id = ? AND b.count > 0 AND s.enabled = 1 AND u.openid IS NOT NULL AND u.deleted_at IS NULL
         AND (s.last_sent_at IS NULL OR s.last_sent_at <= ?)
         AND (s.user_id IN (SELECT value FROM json_each(?))
              OR EXISTS (SELECT 1 FROM friend_requests r WHERE r.to_user_id = s.user_id AND r.status = 'pending' AND r.created_at > s.seen_until))
       ORDER BY s.seen_until LIMIT ?`,
    )
      .bind(templateId, now - minInterval(env), JSON.stringify([...unreadUsers]), CANDIDATES_PER_RUN)
      .all<Candidate>()
  ).results;
  run.candidates = candidates.length;
  if (candidates.length === 0) return run;

  // What each has unread since their last notice: unmuted conversations and friend requests
  // (the candidates query already kept only people with some, so idle banks take no slots).
  // Their unmuted conversations from D1, the summaries and read positions from the shards.
  const chatStmt = env.DB.prepare(
    `SELECT c.id, c.kind, c.name, c.last_seq, c.last_message_at, c.last_preview, m.read_seq
     FROM memberships m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.user_id = ? AND m.do_not_disturb = 0 AND c.dissolved_at IS NULL`,
  );
  const requestStmt = env.DB.prepare("SELECT from_user_id, created_at FROM friend_requests WHERE to_user_id = ? AND status = 'pending' AND created_at > ? ORDER BY created_at DESC LIMIT 20");
  const answers = await env.DB.batch(candidates.flatMap((c) => [chatStmt.bind(c.user_id), requestStmt.bind(c.user_id, c.seen_until)]));
  const chats = candidates.map((c, i) => ({ c, chats: answers[2 * i]!.results as UnreadRow[] }));
  const { summaries, reads } = await readSummaries(
    env,
    chats.flatMap(({ c, chats }) => chats.map((u) => ({ conversationId: u.id, userId: c.user_id }))),
  );
  const unreadOf = (c: Candidate, rows: UnreadRow[]): UnreadRow[] =>
    rows
      .map((u) => {
        // D1's own columns for a row its shard does not have yet (data/summaries.ts).
        const sum = summaries.get(u.id);
        const read = reads.get(readKey(u.id, c.user_id));
        return { ...u, ...(sum ? { last_seq: sum.lastSeq, last_message_at: sum.lastMessageAt ?? 0, last_preview: sum.lastPreview } : {}), ...(read ? { read_seq: read.readSeq } : {}) };
      })
      .filter((u) => u.last_seq > u.read_seq && u.last_message_at > c.seen_until)
      .sort((a, b) => b.last_message_at - a.last_message_at)
      .slice(0, 20);
  const active = chats
    .map(({ c, chats: rows }, i) => ({ c, unread: unreadOf(c, rows), requests: answers[2 * i + 1]!.results as RequestRow[] }))
    .filter((a) => a.unread.length > 0 || a.requests.length > 0);
  if (active.length === 0) return run;

  // Anyone with a device online heard it on their socket: nothing to tell, and nothing owed later.
  const online = await onlineUsers(
    env,
    active.map((a) => a.c.user_id),
  );
  const told = active.filter((a) => online.has(a.c.user_id)).map((a) => a.c.user_id);
  run.online = told.length;
  if (told.length > 0) {
    const seen = env.DB.prepare("UPDATE notice_settings SET seen_until = ? WHERE user_id = ?");
    await env.DB.batch(told.map((u) => seen.bind(now, u)));
  }

  const due: Due[] = [];
  for (const a of active) {
    if (online.has(a.c.user_id)) continue;
    const dnd = a.c.dnd_start === null || a.c.dnd_end === null ? null : { start: a.c.dnd_start, end: a.c.dnd_end };
    if (inQuietHours(now, a.c.utc_offset, dnd)) {
      run.quiet++; // told once the quiet hours end: seenUntil stays
      continue;
    }
    // A nearly empty bank waits for something addressed to the user: a direct message, an
    // @mention or a friend request. Mentions are asked of the group objects only then.
    const direct = a.unread.find((u) => u.kind === "direct");
    const mentioned = a.c.count <= LOW_BANK && !direct && a.requests.length === 0 ? await mentionedIn(env, a.c.user_id, a.unread, now) : null;
    if (a.c.count <= LOW_BANK && !direct && a.requests.length === 0 && !mentioned) {
      run.saved++;
      continue;
    }
    const top = a.unread.find((u) => u.id === mentioned) ?? direct ?? a.unread[0] ?? null;
    due.push({
      c: a.c,
      top,
      preview: top?.last_preview ? (JSON.parse(top.last_preview) as MessagePreview) : null,
      mentioned: Boolean(mentioned),
      requestFrom: a.requests[0]?.from_user_id ?? null,
      messages: a.unread.reduce((n, u) => n + (u.last_seq - u.read_seq), 0),
      requests: a.requests.length,
      at: Math.max(a.unread[0]?.last_message_at ?? 0, a.requests[0]?.created_at ?? 0),
    });
  }
  if (due.length === 0) return run;

  // Names for the previews: senders and requesters, one query.
  const names = await nicknames(
    env,
    due.flatMap((d) => [d.preview?.senderId, d.requestFrom ?? undefined].filter((v): v is string => Boolean(v))),
  );
  const activityOf = (d: Due): NoticeActivity => {
    const sender = d.preview ? (names.get(d.preview.senderId) ?? "") : "";
    return {
      messages: d.messages,
      requests: d.requests,
      top: d.top ? { kind: d.top.kind, name: d.top.kind === "direct" ? sender : d.top.name || "群聊", sender, text: d.preview?.text ?? "", mentioned: d.mentioned } : null,
      requester: d.requestFrom ? (names.get(d.requestFrom) ?? null) : null,
      at: d.at,
    };
  };

  for (let i = 0; i < due.length; i += SENDS_AT_ONCE) {
    const outcomes = await Promise.all(
      due.slice(i, i + SENDS_AT_ONCE).map((d) => sendOne(env, templateId, d.c, activityOf(d), d.top ? `pages/chat/index?id=${d.top.id}` : "pages/contacts/index", now)),
    );
    for (const o of outcomes) {
      if (o === "sent") run.sent++;
      else if (o === "refused") run.refused++;
      else if (o === "failed") run.failed++;
    }
    if (outcomes.includes("quota")) {
      await wechatObject(env).backOff(now + QUOTA_BACKOFF_MS);
      return { ...run, stopped: "quota" };
    }
    if (outcomes.includes("unavailable")) return { ...run, stopped: "unavailable" };
  }
  return run;
}

type Outcome = "sent" | "refused" | "failed" | "quota" | "unavailable" | "skipped";

/**
 * Claims the user's slot (so overlapping runs cannot both send), spends one banked subscription,
 * then calls WeChat. Nothing sent (quota, WeChat unreachable) gives both back.
 */
async function sendOne(env: Env, templateId: string, c: Candidate, activity: NoticeActivity, page: string, now: number): Promise<Outcome> {
  const [claim, spend] = await env.DB.batch([
    env.DB.prepare("UPDATE notice_settings SET last_sent_at = ?, seen_until = ? WHERE user_id = ? AND last_sent_at IS ? AND seen_until = ?").bind(now, now, c.user_id, c.last_sent_at, c.seen_until),
    env.DB.prepare(
      "UPDATE notice_banks SET count = count - 1, updated_at = ? WHERE user_id = ? AND template_id = ? AND count > 0 AND (SELECT last_sent_at FROM notice_settings WHERE user_id = ?) = ?",
    ).bind(now, c.user_id, templateId, c.user_id, now),
  ]);
  if (!claim!.meta.changes) return "skipped";
  if (!spend!.meta.changes) {
    await giveBack(env, c, templateId, false);
    return "skipped";
  }
  const text = noticeText(activity, Boolean(c.preview), c.utc_offset);
  const body = {
    touser: c.openid,
    template_id: templateId,
    page,
    data: templateData(env.NOTICE_TEMPLATE_FIELDS || DEFAULT_FIELDS, text),
    miniprogram_state: ["developer", "trial", "formal"].includes(env.NOTICE_MINIPROGRAM_STATE ?? "") ? env.NOTICE_MINIPROGRAM_STATE : "formal",
    lang: "zh_CN",
  };
  let answer: Record<string, unknown>;
  try {
    answer = await callWechat(env, SEND_PATH, body);
  } catch (e) {
    console.error(JSON.stringify({ msg: "notice not sent", userId: c.user_id, error: e instanceof ApiError ? e.code : String(e) }));
    await giveBack(env, c, templateId, true);
    return "unavailable";
  }
  const errcode = typeof answer.errcode === "number" ? answer.errcode : 0;
  if (errcode === 0) return "sent";
  const errmsg = String(answer.errmsg ?? "");
  const rid = /rid:\s*([\w-]+)/.exec(errmsg)?.[1];
  if (errcode === 43101) {
    // The user refused (or has no subscription left that WeChat knows of): their bank is gone.
    await env.DB.prepare("UPDATE notice_banks SET count = 0, updated_at = ? WHERE user_id = ? AND template_id = ?").bind(now, c.user_id, templateId).run();
    console.warn(JSON.stringify({ msg: "notice refused by user", userId: c.user_id, errcode, rid }));
    return "refused";
  }
  if (errcode === 45009) {
    console.error(JSON.stringify({ msg: "notice quota reached", userId: c.user_id, errcode, errmsg, rid }));
    await giveBack(env, c, templateId, true);
    return "quota";
  }
  console.error(JSON.stringify({ msg: "notice refused by WeChat", userId: c.user_id, errcode, errmsg, rid }));
  return "failed";
}

/** Undoes a claim (and the spend, when made): the activity is told by a later run. */
async function giveBack(env: Env, c: Candidate, templateId: string, spent: boolean) {
  const stmts = [env.DB.prepare("UPDATE notice_settings SET last_sent_at = ?, seen_until = ? WHERE user_id = ?").bind(c.last_sent_at, c.seen_until, c.user_id)];
  if (spent) stmts.push(env.DB.prepare("UPDATE notice_banks SET count = count + 1 WHERE user_id = ? AND template_id = ?").bind(c.user_id, templateId));
  await env.DB.batch(stmts);
}

/** The users of `userIds` with a device online: one call per gateway shard that holds any. */
async function onlineUsers(env: Env, userIds: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const byShard = groupByShard(userIds);
  const answers = await Promise.all([...byShard].map(([shard, ids]) => gateway(env, shard).online(ids)));
  for (const ids of answers) for (const u of ids) out.add(u);
  return out;
}

/**
 * The first group among `unread` whose unread messages mention the user, or null. Only groups
 * with a message since about the last run are asked: an earlier mention was found (and told)
 * then, so a low bank waiting on group chatter costs no object calls minute after minute.
 */
async function mentionedIn(env: Env, userId: string, unread: UnreadRow[], now: number): Promise<string | null> {
  for (const u of unread) {
    if (u.kind !== "group" || u.last_message_at <= now - MENTION_LOOKBACK_MS) continue;
    try {
      if (await conversationObject(env, u.id).mentionedSince(userId, u.read_seq)) return u.id;
    } catch (e) {
      console.error(JSON.stringify({ msg: "mention check failed", conversation: u.id, error: String(e) }));
    }
  }
  return null;
}

async function nicknames(env: Env, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)].slice(0, 90);
  if (unique.length === 0) return new Map();
  const rows = await env.DB.prepare(`SELECT id, nickname FROM users WHERE id IN (${unique.map(() => "?").join(",")})`)
    .bind(...unique)
    .all<{ id: string; nickname: string }>();
  return new Map(rows.results.map((r) => [r.id, r.nickname]));
}
