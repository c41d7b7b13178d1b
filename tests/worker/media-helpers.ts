// Media for the specs: uploads and URL requests through the worker, and direct looks at R2.
import { env, SELF } from "cloudflare:test";
import type { MediaInfo, MediaUrlsResponse } from "../../schema/media";
import { multipartBody, MULTIPART_TYPE, type UploadOptions } from "../support/media-files";
import { api, type ApiResult } from "./helpers";
import type { TestUser } from "./chat-helpers";

export * from "../support/media-files";

export function uploadMultipart(user: TestUser, bytes: Uint8Array, opts: UploadOptions = {}): Promise<ApiResult<MediaInfo>> {
  return uploadBody(user, multipartBody(bytes, opts), MULTIPART_TYPE);
}

export function uploadBody(user: TestUser, body: Uint8Array | ReadableStream, contentType: string, query = ""): Promise<ApiResult<MediaInfo>> {
  return api<MediaInfo>("POST", `/media${query}`, { token: user.token, raw: body, headers: { "content-type": contentType } });
}

export function uploadRaw(user: TestUser, bytes: Uint8Array, query: Record<string, string | number> = {}, contentType = "application/octet-stream"): Promise<ApiResult<MediaInfo>> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return uploadBody(user, bytes, contentType, qs ? `?${qs}` : "");
}

/** Uploads and returns the media, failing the test if the upload is refused. */
export async function uploaded(user: TestUser, bytes: Uint8Array, fields: Record<string, string | number> = {}): Promise<MediaInfo> {
  const res = await uploadMultipart(user, bytes, { fields });
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function urls(user: TestUser, mediaIds: string[], conversationId?: string): Promise<ApiResult<MediaUrlsResponse>> {
  return api<MediaUrlsResponse>("POST", "/media/urls", { token: user.token, body: { mediaIds, ...(conversationId ? { conversationId } : {}) } });
}

export async function urlFor(user: TestUser, mediaId: string, conversationId?: string): Promise<string> {
  const res = await urls(user, [mediaId], conversationId);
  const hit = res.body.urls?.find((u) => u.mediaId === mediaId);
  if (res.status !== 200 || !hit) throw new Error(`no URL for ${mediaId}: ${res.status} ${JSON.stringify(res.body)}`);
  return hit.url;
}

/** Fetches a download URL without any Authorization header, as <image> does. */
export function fetchUrl(url: string, headers: Record<string, string> = {}, method = "GET"): Promise<Response> {
  return SELF.fetch(url, { method, headers });
}

export async function sha256(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every key in the bucket (tests start from empty storage). */
export async function r2Keys(): Promise<string[]> {
  return (await env.MEDIA.list()).objects.map((o) => o.key);
}
