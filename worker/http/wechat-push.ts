// /wechat/push: WeChat's message push (the URL set in the admin console's 消息推送). GET is the
// console's check of the URL (echo `echostr` when the signature holds); POST carries events in
// JSON, in plain mode (signature over Token, timestamp, nonce) or safe mode (encrypt_type=aes:
// msg_signature also over the Encrypt field, which is AES-encrypted with the EncodingAESKey).
// A push older than 5 minutes, or whose nonce was seen, is refused as a replay. Today one event
// matters: wxa_media_check, the verdict of an asynchronous media check (services/moderation.ts).
import { Hono } from "hono";
import { z } from "zod";
import { SAFETY_LIMITS } from "../../schema/safety";
import { db } from "../db";
import type { AppEnv, Env } from "../env";
import { ApiError } from "../lib/errors";
import { decryptPush, pushSignature, sameSignature } from "../lib/wechat-push";
import { mediaVerdict } from "../services/moderation";
import { take } from "../services/ratelimit";
import { doc } from "./openapi";

const TEXT = { contentType: "text/plain", description: "success (or the echostr of a URL check)" };

function pushToken(env: Env): string {
  if (!env.WECHAT_PUSH_TOKEN) throw new ApiError("not_configured", "The WeChat message push is not configured on this server (WECHAT_PUSH_TOKEN)");
  return env.WECHAT_PUSH_TOKEN;
}

/** Checks the timestamp window and the plain signature; answers the nonce. */
async function verified(env: Env, q: Record<string, string>, extra: string[] = [], signature = q.signature): Promise<void> {
  const token = pushToken(env);
  const { timestamp = "", nonce = "" } = q;
  if (!signature || !/^\d{1,12}$/.test(timestamp) || !nonce) throw new ApiError("forbidden", "Missing push signature");
  const expected = await pushSignature([token, timestamp, nonce, ...extra]);
  if (!sameSignature(expected, signature)) throw new ApiError("forbidden", "Bad push signature");
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > SAFETY_LIMITS.pushMaxAgeSeconds) throw new ApiError("forbidden", "Push too old (replayed?)");
}

/** A nonce is accepted once within the replay window. */
async function once(env: Env, nonce: string) {
  try {
    await take(db(env), [{ key: `wechat-push:${nonce}`, max: 1, windowSeconds: SAFETY_LIMITS.pushMaxAgeSeconds * 2, message: "replayed" }]);
  } catch (e) {
    if (e instanceof ApiError && e.code === "rate_limited") throw new ApiError("forbidden", "Push already received (replayed)");
    throw e;
  }
}

const mediaCheckEvent = z
  .object({ Event: z.literal("wxa_media_check"), trace_id: z.string().min(1), result: z.object({ suggest: z.string(), label: z.union([z.string(), z.number()]).optional() }) })
  .loose();

export const wechatPush = new Hono<AppEnv>()
  .get(
    "/push",
    doc({ summary: "WeChat's check of the message push URL (signature, timestamp, nonce, echostr)", responses: { 200: TEXT }, errors: [403, 503], see: "docs/moderation.md#media" }),
    async (c) => {
      const q = c.req.query();
      await verified(c.env, q);
      return c.text(q.echostr ?? "");
    },
  )
  .post("/push", doc({ summary: "WeChat's message push (events such as wxa_media_check)", responses: { 200: TEXT }, errors: [403, 503], see: "docs/moderation.md#media" }), async (c) => {
    const q = c.req.query();
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new ApiError("invalid_request", "The push body must be JSON");
    }
    let event: unknown = raw;
    if (q.encrypt_type === "aes") {
      const encrypted = (raw as { Encrypt?: unknown })?.Encrypt;
      if (typeof encrypted !== "string") throw new ApiError("invalid_request", "Safe-mode push without Encrypt");
      await verified(c.env, q, [encrypted], q.msg_signature);
      if (!c.env.WECHAT_PUSH_AES_KEY) throw new ApiError("not_configured", "WECHAT_PUSH_AES_KEY is not set");
      let opened: { message: string; appid: string };
      try {
        opened = await decryptPush(c.env.WECHAT_PUSH_AES_KEY, encrypted);
        event = JSON.parse(opened.message);
      } catch {
        throw new ApiError("forbidden", "The push could not be decrypted");
      }
      if (opened.appid !== c.env.WECHAT_APPID) throw new ApiError("forbidden", "The push is for another AppID");
    } else {
      await verified(c.env, q);
    }
    await once(c.env, q.nonce!);
    const media = mediaCheckEvent.safeParse(event);
    if (media.success) await mediaVerdict(c.env, media.data.trace_id, media.data.result.suggest, String(media.data.result.label ?? ""));
    return c.text("success");
  });
