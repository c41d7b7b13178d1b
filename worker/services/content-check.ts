// WeChat's content security, the remote half of data/safety.ts (installed by index.ts):
// msgSecCheck v2 for text, mediaCheckAsync for uploaded pictures and voice (the verdict arrives
// later through the message push, http/wechat-push.ts → moderation.mediaVerdict), and what
// repeated refusals do to an account.
import { and, count, eq, gte } from "drizzle-orm";
import { contentFlags, mediaChecks, users } from "../../schema/d1";
import { SAFETY_LIMITS, type SafetySuggest } from "../../schema/safety";
import { type RemoteChecks, type RemoteVerdict, flagContent, forgetAccount } from "../data/safety";
import { db } from "../db";
import type { Env } from "../env";
import { signMediaUrl } from "../lib/media-url";
import { callWechat, wechatConfigured } from "./wechat";
import { suspendAccount } from "./moderation";

const SUGGESTS = new Set<SafetySuggest>(["pass", "review", "risky"]);

function timeoutMs(env: Env): number {
  const n = Number(env.CONTENT_CHECK_TIMEOUT_MS);
  return Number.isFinite(n) && n > 0 ? n : SAFETY_LIMITS.checkTimeoutMs;
}

async function msgSecCheck(env: Env, openid: string, content: string, scene: number): Promise<RemoteVerdict | "unavailable" | "skipped"> {
  if (!wechatConfigured(env)) return "skipped";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), timeoutMs(env));
  });
  try {
    const answer = await Promise.race([callWechat(env, "/wxa/msg_sec_check", { content, version: 2, scene, openid }), late]);
    if (answer === "late") {
      console.error(JSON.stringify({ msg: "msg_sec_check timed out", ms: timeoutMs(env) }));
      return "unavailable";
    }
    const result = answer.result as { suggest?: unknown; label?: unknown } | undefined;
    if (answer.errcode !== 0 || !result || !SUGGESTS.has(result.suggest as SafetySuggest)) {
      console.error(JSON.stringify({ msg: "msg_sec_check refused", errcode: answer.errcode, errmsg: answer.errmsg }));
      return "unavailable";
    }
    return { suggest: result.suggest as SafetySuggest, label: String(result.label ?? ""), traceId: String(answer.trace_id ?? "") };
  } catch (e) {
    console.error(JSON.stringify({ msg: "msg_sec_check failed", error: String(e) }));
    return "unavailable";
  } finally {
    clearTimeout(timer);
  }
}

/** Counts the account's refusals: slow it after SAFETY_LIMITS.slowAfter, suspend after suspendAfter. */
async function refused(env: Env, userId: string, now = Date.now()): Promise<void> {
  const d = db(env);
  const since = (seconds: number) =>
    d
      .select({ n: count() })
      .from(contentFlags)
      .where(and(eq(contentFlags.userId, userId), eq(contentFlags.status, "refused"), gte(contentFlags.createdAt, now - seconds * 1000)))
      .get();
  const [recent, day] = await Promise.all([since(SAFETY_LIMITS.slowWindowSeconds), since(SAFETY_LIMITS.suspendWindowSeconds)]);
  if ((day?.n ?? 0) >= SAFETY_LIMITS.suspendAfter) {
    await suspendAccount(env, "system", userId, "suspended", `${day?.n} refusals within a day`);
    await flagContent(env, { userId, kind: "account", text: "", suggest: "risky", source: "local", label: "suspended automatically", status: "open" });
  } else if ((recent?.n ?? 0) >= SAFETY_LIMITS.slowAfter) {
    await d
      .update(users)
      .set({ slowedUntil: now + SAFETY_LIMITS.slowSeconds * 1000 })
      .where(eq(users.id, userId));
  }
  forgetAccount(userId);
}

/**
 * Asks WeChat to check an uploaded picture (media_type 2) or voice note (1) through a signed URL
 * valid for an hour; a video is judged by its poster, an image upload of its own. The verdict
 * comes later by push (/wechat/push). Never fails the upload: an error is logged and the media
 * goes unchecked by WeChat (the operators can still remove it). Accounts without an openid
 * (password sign-ups) cannot be checked: msgSecCheck/mediaCheckAsync v2 need one.
 */
export async function requestMediaCheck(env: Env, userId: string, media: { id: string; kind: string }, origin: string): Promise<void> {
  const mediaType = media.kind === "image" ? 2 : media.kind === "voice" ? 1 : null;
  if (mediaType === null || !wechatConfigured(env)) return;
  const d = db(env);
  const owner = await d.select({ openid: users.openid }).from(users).where(eq(users.id, userId)).get();
  if (!owner?.openid) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), timeoutMs(env));
  });
  try {
    const expires = Math.floor(Date.now() / 1000) + 60 * 60;
    const body = { media_url: await signMediaUrl(env, origin, media.id, expires), media_type: mediaType, version: 2, scene: 4, openid: owner.openid };
    const answer = await Promise.race([callWechat(env, "/wxa/media_check_async", body), late]);
    if (answer === "late" || answer.errcode !== 0 || typeof answer.trace_id !== "string") {
      console.error(JSON.stringify({ msg: "media_check_async refused", answer: answer === "late" ? "timeout" : answer.errcode }));
      return;
    }
    await d.insert(mediaChecks).values({ traceId: answer.trace_id, mediaId: media.id, userId }).onConflictDoNothing();
  } catch (e) {
    console.error(JSON.stringify({ msg: "media_check_async failed", error: String(e) }));
  } finally {
    clearTimeout(timer);
  }
}

export const wechatContentChecks: RemoteChecks = { text: msgSecCheck, refused };
