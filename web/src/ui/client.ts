// The one client the pages use: the shared chat store and the browser platform
// (web/src/platform, createWebClient), plus what the pages need on top of it: signed media URLs
// and the web sign-in's start and end. Pages import this module, never the platform directly,
// so a change in the platform's surface is met here once.
import { MEDIA_FORMATS, MEDIA_LIMITS } from "../../../schema/limits";
import { createWebClient } from "../platform/index";
import { previewOf } from "./format";
import { t } from "./i18n/index";
import type { WebSignedIn } from "./sign-in";

export const client = createWebClient({
  baseUrl: location.origin,
  // The store's own words (list previews, upload errors) in the web's language.
  text: { preview: previewOf, uploadFailed: () => t("chat.uploadFailed"), uploadFailedShort: () => t("chat.uploadFailedShort") },
});
export const { chats, api, session } = client;

/** After a confirmed QR code or a refresh: the store starts syncing as this user. */
export function signedIn(grant: WebSignedIn): void {
  session.signIn(grant);
  void chats.start();
}

/** Ends the web session here and on the server (its cookie too); the page goes back to the QR code. */
export function signOut(): Promise<void> {
  return client.signOut();
}

// ---- signed media URLs, cached until shortly before they expire ----
const urls = new Map<string, { url: string; expiresAt: number }>();
const asking = new Set<string>();
const MARGIN_MS = 60_000;
const listeners = new Set<() => void>();

export function mediaUrl(mediaId: string | null | undefined): string {
  if (!mediaId) return "";
  const hit = urls.get(mediaId);
  return hit && hit.expiresAt - MARGIN_MS > Date.now() ? hit.url : "";
}

/** Asks URLs for the ids without one; pages redraw through onMediaUrls when they arrive. */
export function wantMedia(ids: Array<string | null | undefined>, conversationId?: string): void {
  const missing = [...new Set(ids.filter((id): id is string => Boolean(id) && !mediaUrl(id) && !asking.has(id!)))].slice(0, 50);
  if (missing.length === 0 || !session.accessToken()) return;
  for (const id of missing) asking.add(id);
  api
    .post<"/media/urls">("/media/urls", conversationId ? { mediaIds: missing, conversationId } : { mediaIds: missing })
    .then((res) => {
      for (const u of res.urls) urls.set(u.mediaId, { url: u.url, expiresAt: u.expiresAt });
      for (const l of [...listeners]) l();
    })
    .catch(() => undefined)
    .finally(() => {
      for (const id of missing) asking.delete(id);
    });
}

export function onMediaUrls(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// ---- sending files: staged in the platform's storage first, so the outbox survives a reload ----

/**
 * What the browser reads of a picture: its size in pixels, for the bubble's shape before it
 * loads, and for a picture over MEDIA_LIMITS.thumbnailFromBytes a thumbnail for chats to draw (as
 * the phone's wx.compressImage makes): a JPEG at most thumbnailWidth pixels wide on white (a PNG's
 * transparency would turn black). A GIF keeps its animation and goes without. Nulls where the
 * browser cannot decode the picture, or when the copy is no smaller than the original or over
 * the server's preview limit: the original then stands in, as it does for a small picture.
 */
async function readPicture(file: File): Promise<{ size: { width: number; height: number } | null; thumbnail: Blob | null }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return { size: null, thumbnail: null };
  }
  try {
    const size = bitmap.width > 0 && bitmap.height > 0 ? { width: bitmap.width, height: bitmap.height } : null;
    if (!size || file.size <= MEDIA_LIMITS.thumbnailFromBytes || file.type === "image/gif") return { size, thumbnail: null };
    const scale = Math.min(1, MEDIA_LIMITS.thumbnailWidth / size.width);
    const canvas = new OffscreenCanvas(Math.max(1, Math.round(size.width * scale)), Math.max(1, Math.round(size.height * scale)));
    const ctx = canvas.getContext("2d");
    if (!ctx) return { size, thumbnail: null };
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const thumbnail = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.6 }).catch(() => null);
    return { size, thumbnail: thumbnail && thumbnail.size < file.size && thumbnail.size <= MEDIA_LIMITS.previewBytes ? thumbnail : null };
  } finally {
    bitmap.close();
  }
}

/** Whether the server stores `file` as `kind` (its format, its size): else it goes as a file. */
const sendsAs = (file: File, kind: keyof typeof MEDIA_FORMATS): boolean =>
  (MEDIA_FORMATS[kind] as readonly string[]).includes(file.type) && file.size <= (kind === "image" ? MEDIA_LIMITS.imageBytes : MEDIA_LIMITS.videoBytes);

/**
 * Sends a picked, pasted or dropped file: pictures as pictures and videos as videos where the
 * server stores their format (MEDIA_FORMATS) and size, anything else as a file, as WeChat for
 * Windows sends a BMP or a WebM: a file the server would refuse as a picture must not fail.
 */
export async function sendFile(conversationId: string, file: File): Promise<void> {
  const path = await client.uploads.stage(file);
  const name = file.name || "file";
  if (sendsAs(file, "image")) {
    const { size, thumbnail } = await readPicture(file);
    const dims: Record<string, number> = size ? { width: Math.min(size.width, 20000), height: Math.min(size.height, 20000) } : {};
    // The thumbnail is staged beside the picture and uploaded after it (previewOf), as a video's cover would be.
    const preview = thumbnail ? await client.uploads.stage(thumbnail) : null;
    chats.sendMedia(conversationId, { type: "image", body: { ...dims } } as never, { kind: "image", path, fields: { name, size: file.size, ...dims }, preview });
  } else if (sendsAs(file, "video")) {
    chats.sendMedia(conversationId, { type: "video", body: {} } as never, { kind: "video", path, fields: { name, size: file.size }, preview: null });
  } else {
    chats.sendMedia(conversationId, { type: "file", body: { name, size: file.size } } as never, { kind: "file", path, fields: { name, size: file.size }, preview: null });
  }
}
