// Signed download URLs: <image>, <video> and wx.downloadFile cannot send an Authorization
// header, so the permission travels in the query string as an expiry and an HMAC over it.
// The HMAC key is derived from JWT_SECRET with HKDF (its own salt and info), so it never
// equals the JWT key, and rotating JWT_SECRET also retires every outstanding media URL.
import { MEDIA_LIMITS } from "../../schema/limits";
import type { Env } from "../env";
import { fromBase64Url, toBase64Url } from "./crypto";
import { ApiError } from "./errors";

const enc = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function urlKey(env: Env): Promise<CryptoKey> {
  const secret = env.JWT_SECRET;
  if (!secret || secret.length < 32) throw new ApiError("not_configured", "The server's JWT_SECRET is missing or shorter than 32 characters");
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", enc.encode(secret), "HKDF", false, ["deriveKey"])
      .then((ikm) =>
        crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: enc.encode("qun media url"), info: enc.encode("v1") }, ikm, { name: "HMAC", hash: "SHA-256", length: 256 }, false, [
          "sign",
          "verify",
        ]),
      );
    keys.set(secret, key);
  }
  return key;
}

const signed = (mediaId: string, expires: number) => enc.encode(`v1:${mediaId}:${expires}`);

/** Expiry in unix seconds: at least the TTL away, rounded up to a step so repeated requests share a URL. */
export function urlExpiry(nowMs = Date.now()): number {
  const step = MEDIA_LIMITS.urlStepSeconds;
  return Math.ceil((Math.floor(nowMs / 1000) + MEDIA_LIMITS.urlTtlSeconds) / step) * step;
}

export async function signMediaUrl(env: Env, origin: string, mediaId: string, expires: number): Promise<string> {
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", await urlKey(env), signed(mediaId, expires)));
  return `${origin}/media/${mediaId}?e=${expires}&s=${toBase64Url(sig)}`;
}

/** Throws token_invalid for a missing or forged signature and token_expired past its expiry. */
export async function verifyMediaUrl(env: Env, mediaId: string, e: string | undefined, s: string | undefined, nowMs = Date.now()): Promise<number> {
  if (!e || !s || !/^\d{1,12}$/.test(e) || !/^[A-Za-z0-9_-]{43}$/.test(s)) {
    throw new ApiError("token_invalid", "This media link is missing its signature; ask for a new one");
  }
  const expires = Number(e);
  const ok = await crypto.subtle.verify("HMAC", await urlKey(env), fromBase64Url(s), signed(mediaId, expires));
  if (!ok) throw new ApiError("token_invalid", "This media link is not valid");
  if (expires * 1000 <= nowMs) throw new ApiError("token_expired", "This media link has expired; ask for a new one");
  return expires;
}
