// Media on R2 (docs/media.md): uploads go through wx.uploadFile (multipart, the only way a
// mini-program sends a file) with progress; <image>, <audio> and downloads cannot send headers,
// so they use signed URLs from POST /media/urls, cached here until shortly before they expire.
import { api, refreshTokens } from "./api";
import { apiBase } from "./config";
import { ApiError, errorFromResponse } from "./errors";
import { MEDIA_LIMITS } from "../generated/limits";
import { currentTokens } from "./session";
import type { MediaKind } from "../core/chat-types";

export type { MediaKind };

const urls = new Map<string, { url: string; expiresAt: number }>();
/** A URL this close to expiring is asked for again. */
const EXPIRY_MARGIN_MS = 60_000;

/** The cached signed URL of a media, or "" when none is cached (ask mediaUrls()). */
export function mediaUrl(mediaId: string | null | undefined): string {
  if (!mediaId) return "";
  const hit = urls.get(mediaId);
  // expiresAt is unix ms, as the worker sends it.
  return hit && hit.expiresAt - EXPIRY_MARGIN_MS > Date.now() ? hit.url : "";
}

/**
 * Signed URLs for the ids this user may read (in `conversationId`, when given); ids refused
 * (deleted, recalled, not theirs) are left out. Only ids without a fresh URL are asked for.
 */
export async function mediaUrls(mediaIds: string[], conversationId?: string): Promise<Record<string, string>> {
  const missing = [...new Set(mediaIds.filter((id) => id && !mediaUrl(id)))];
  for (let i = 0; i < missing.length; i += MEDIA_LIMITS.urlsPerRequest) {
    const res = await api.post<"/media/urls">("/media/urls", {
      mediaIds: missing.slice(i, i + MEDIA_LIMITS.urlsPerRequest),
      ...(conversationId ? { conversationId } : {}),
    });
    for (const u of res.urls) urls.set(u.mediaId, { url: u.url, expiresAt: u.expiresAt });
  }
  const out: Record<string, string> = {};
  for (const id of mediaIds) if (mediaUrl(id)) out[id] = mediaUrl(id);
  return out;
}

type Fields = Record<string, string | number>;

function uploadOnce(filePath: string, kind: MediaKind, onProgress: (percent: number) => void, fields: Fields): Promise<{ status: number; data: unknown }> {
  const token = currentTokens()?.accessToken;
  if (!token) return Promise.reject(new ApiError("unauthorized", "Sign in first", 401));
  return new Promise((resolve, reject) => {
    const task = wx.uploadFile({
      url: `${apiBase()}/media`,
      filePath,
      name: "file",
      header: { authorization: `Bearer ${token}` },
      formData: { kind, ...fields },
      success: (res) => {
        let data: unknown = res.data;
        try {
          data = JSON.parse(res.data);
        } catch {
          // not JSON: reported below as an unexpected answer
        }
        resolve({ status: res.statusCode, data });
      },
      fail: (err) => reject(new ApiError("network", err.errMsg || "uploadFile:fail")),
    });
    task?.onProgressUpdate?.((p) => onProgress(p.progress));
  });
}

/**
 * Uploads a local file; answers the new media id. `fields` are the form fields of docs/media.md
 * (name, width, height, durationMs, size, previewOf). Refreshes the token once if it expired.
 */
export async function uploadMedia(filePath: string, kind: MediaKind, onProgress: (percent: number) => void = () => undefined, fields: Fields = {}): Promise<string> {
  const stale = currentTokens()?.accessToken;
  let res = await uploadOnce(filePath, kind, onProgress, fields);
  if (res.status === 401 && (res.data as { error?: { code?: string } } | null)?.error?.code === "token_expired") {
    await refreshTokens(stale);
    res = await uploadOnce(filePath, kind, onProgress, fields);
  }
  if (res.status >= 200 && res.status < 300) {
    const id = (res.data as { id?: unknown } | null)?.id;
    if (typeof id === "string") return id;
  }
  throw errorFromResponse(res.status, res.data);
}

/** Ids the server refused (deleted, not visible): not asked for again in this session. */
const refused = new Set<string>();
/** Ids asked for and not answered yet: a redraw meanwhile does not ask again. */
const asking = new Set<string>();

/** URLs are grants to the signed-in user: signing out drops them. */
export function forgetMediaUrls(): void {
  urls.clear();
  refused.clear();
  asking.clear();
}

/**
 * Asks signed URLs for the avatars among `ids` that have none cached, and calls `redraw` when
 * some arrived. Anyone signed in may read current avatars; until a URL comes, pages show initials.
 */
export function loadAvatars(ids: Array<string | null | undefined>, redraw: () => void): void {
  const missing = [...new Set(ids.filter((id): id is string => Boolean(id) && !mediaUrl(id) && !refused.has(id!) && !asking.has(id!)))];
  if (!missing.length) return;
  for (const id of missing) asking.add(id);
  const done = () => {
    for (const id of missing) asking.delete(id);
  };
  mediaUrls(missing).then(
    (got) => {
      done();
      for (const id of missing) if (!got[id]) refused.add(id);
      if (Object.keys(got).length) redraw();
    },
    done, // offline: the initials stay, and the next redraw asks again
  );
}

/** Pictures at most this big are their own thumbnail; bigger ones get a compressed copy. */
export const THUMBNAIL_FROM_BYTES = MEDIA_LIMITS.thumbnailFromBytes;

/** A smaller copy of a local picture for the chat list (WeChat's own compression), or null. */
export function compressedCopy(src: string): Promise<string | null> {
  return new Promise((resolve) => {
    wx.compressImage({
      src,
      quality: 60,
      compressedWidth: MEDIA_LIMITS.thumbnailWidth,
      success: (res) => resolve(res.tempFilePath),
      fail: () => resolve(null),
    });
  });
}

/**
 * Uploads a thumbnail or poster of `ofMediaId` (docs/media.md, Thumbnails and posters). Best
 * effort: null when none can be made or the server refuses it, and the message goes without.
 */
export async function uploadPreview(path: Promise<string | null>, ofMediaId: string): Promise<string | null> {
  try {
    const file = await path;
    return file ? await uploadMedia(file, "image", undefined, { previewOf: ofMediaId }) : null;
  } catch {
    return null;
  }
}
