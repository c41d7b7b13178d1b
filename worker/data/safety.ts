// Content safety for text, on every path that stores or shows what a user wrote: messages (in the
// conversation object), and names, announcements, remarks and greetings (in the routes).
//
// Order: the account's state (suspended, slowed) → the local word list (refuse or flag at once,
// no network) → WeChat's msgSecCheck v2 with the sender's openid. Accounts without an openid
// (password sign-ups) are judged by the local list alone: msgSecCheck v2 requires the openid of
// a user who used the mini-program recently. When WeChat cannot answer in time the local list
// decides (CONTENT_CHECK_OUTAGE=local, the default) or the text is refused for now ("refuse").
//
// The WeChat half lives in services/content-check.ts and is installed here by the worker's entry
// (index.ts): the conversation object may not import services (the layer rule), so it sees only
// this port. Without it (a test that never loads the entry) the local list decides alone.
import { eq } from "drizzle-orm";
import { contentFlags, type FlagKind, users } from "../../schema/d1";
import { SAFETY_LIMITS, sceneOf, type SafetySuggest } from "../../schema/safety";
import { db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { wordList } from "../lib/wordlist";

export interface RemoteVerdict {
  suggest: SafetySuggest;
  label: string;
  traceId: string;
}

export interface RemoteChecks {
  /** msgSecCheck: the verdict, "unavailable" (down, slow, refused the call) or "skipped" (not configured). */
  text(env: Env, openid: string, text: string, scene: number): Promise<RemoteVerdict | "unavailable" | "skipped">;
  /** After a refusal was recorded: slows or suspends an account refused too often. */
  refused(env: Env, userId: string): Promise<void>;
}

let remote: RemoteChecks | null = null;
export const installRemoteChecks = (checks: RemoteChecks) => {
  remote = checks;
};
export const remoteChecks = () => remote;

export interface TextToCheck {
  userId: string;
  text: string;
  kind: FlagKind;
  conversationId?: string;
}

/** What a check let through: "review" is stored and flagged for an operator. */
export interface Verdict {
  suggest: "pass" | "review";
  source: "local" | "wechat";
  label: string;
  traceId?: string;
}

const PASS_LOCAL: Verdict = { suggest: "pass", source: "local", label: "" };

// ---- the account, cached briefly per isolate (a send must not wait for D1 every time) -------

interface AccountState {
  openid: string | null;
  slowedUntil: number | null;
  moderation: "suspended" | "banned" | null;
  at: number;
}
const accounts = new Map<string, AccountState>();

async function accountState(env: Env, userId: string, now: number): Promise<AccountState> {
  const hit = accounts.get(userId);
  if (hit && now - hit.at < SAFETY_LIMITS.accountCacheMs) return hit;
  const row = await db(env).select({ openid: users.openid, slowedUntil: users.slowedUntil, moderation: users.moderation }).from(users).where(eq(users.id, userId)).get();
  const state = { openid: row?.openid ?? null, slowedUntil: row?.slowedUntil ?? null, moderation: row?.moderation ?? null, at: now };
  if (accounts.size > 10_000) accounts.clear();
  accounts.set(userId, state);
  return state;
}

/** After this isolate changed an account's moderation state: read it again next time. */
export const forgetAccount = (userId: string) => accounts.delete(userId);

// ---- WeChat's verdicts on short texts, remembered a while (greetings repeat a lot) ----------

const passed = new Map<string, number>();
const passKey = (scene: number, text: string) => `${scene}\u0000${text}`;

function rememberPass(scene: number, text: string, now: number) {
  if (text.length > SAFETY_LIMITS.passCacheMaxChars) return;
  if (passed.size > SAFETY_LIMITS.passCacheEntries) passed.clear();
  passed.set(passKey(scene, text), now + SAFETY_LIMITS.passCacheMs);
}

// ---- the check -----------------------------------------------------------------------------

export const refusedMessage = "内容含有违规信息，未能发送。This content breaks the rules and was not sent.";

/** Records a refusal (kept as evidence), tells the remote half, and throws content_refused. */
async function refuse(env: Env, t: TextToCheck, source: "local" | "wechat", label: string, traceId?: string): Promise<never> {
  await flagContent(env, { ...t, suggest: "risky", source, label, status: "refused", ...(traceId ? { traceId } : {}) });
  await remote?.refused(env, t.userId);
  throw new ApiError("content_refused", refusedMessage, { kind: t.kind, source });
}

/**
 * Checks one text; throws content_refused (risky), rate_limited (an account refused too often
 * is slowed), account_suspended, or wechat_unavailable (WeChat down and CONTENT_CHECK_OUTAGE=refuse).
 */
export async function screenText(env: Env, t: TextToCheck, now = Date.now()): Promise<Verdict> {
  if (t.text.trim() === "") return PASS_LOCAL;
  const account = await accountState(env, t.userId, now);
  if (account.moderation) throw new ApiError("account_suspended", "This account is suspended pending review");
  if (account.slowedUntil !== null && account.slowedUntil > now) {
    const wait = Math.max(1, Math.ceil((account.slowedUntil - now) / 1000));
    throw new ApiError("rate_limited", "Too much of what you sent was refused; wait before sending again", undefined, { "Retry-After": String(wait) });
  }
  const local = wordList(env.CONTENT_WORDS_RISKY, env.CONTENT_WORDS_REVIEW).check(t.text);
  if (local.suggest === "risky") return refuse(env, t, "local", local.word);
  if (local.suggest === "review") return { suggest: "review", source: "local", label: local.word };

  const scene = sceneOf(t.kind);
  if (!remote || !account.openid) return PASS_LOCAL;
  const until = passed.get(passKey(scene, t.text));
  if (until !== undefined && until > now) return { suggest: "pass", source: "wechat", label: "" };
  const answer = await remote.text(env, account.openid, t.text, scene);
  if (answer === "skipped") return PASS_LOCAL;
  if (answer === "unavailable") {
    if (env.CONTENT_CHECK_OUTAGE === "refuse") throw new ApiError("wechat_unavailable", "The content check is unavailable; try again shortly");
    return PASS_LOCAL;
  }
  if (answer.suggest === "risky") return refuse(env, t, "wechat", answer.label, answer.traceId);
  if (answer.suggest === "pass") rememberPass(scene, t.text, now);
  return { suggest: answer.suggest, source: "wechat", label: answer.label, traceId: answer.traceId };
}

/** Screens several fields of one request; answers those to flag (after the write succeeded). */
export async function screenTexts(env: Env, userId: string, fields: { kind: FlagKind; text: string | undefined; conversationId?: string }[]): Promise<FlagInput[]> {
  const review: FlagInput[] = [];
  for (const f of fields) {
    if (f.text === undefined) continue;
    const t = { userId, text: f.text, kind: f.kind, ...(f.conversationId ? { conversationId: f.conversationId } : {}) };
    const v = await screenText(env, t);
    if (v.suggest === "review") review.push({ ...t, suggest: "review", source: v.source, label: v.label, status: "open", ...(v.traceId ? { traceId: v.traceId } : {}) });
  }
  return review;
}

export interface FlagInput extends TextToCheck {
  suggest: "review" | "risky";
  source: "local" | "wechat";
  label: string;
  status: "open" | "refused";
  seq?: number;
  mediaId?: string;
  traceId?: string;
}

export async function flagContent(env: Env, f: FlagInput): Promise<string> {
  const id = newId("flag");
  await db(env)
    .insert(contentFlags)
    .values({
      id,
      userId: f.userId,
      kind: f.kind,
      suggest: f.suggest,
      source: f.source,
      label: f.label,
      text: f.text.slice(0, 4000),
      conversationId: f.conversationId ?? null,
      seq: f.seq ?? null,
      mediaId: f.mediaId ?? null,
      traceId: f.traceId ?? null,
      status: f.status,
    });
  return id;
}

/** Flags what screenTexts judged "review", once the write it guarded has succeeded. */
export async function flagAll(env: Env, flags: FlagInput[]): Promise<void> {
  for (const f of flags) await flagContent(env, f);
}
