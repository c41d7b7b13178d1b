// The one client the pages use: the shared chat store and the browser platform
// (web/src/platform, createWebClient), plus what the pages need on top of it: signed media URLs
// and the web sign-in's start and end. Pages import this module, never the platform directly,
// so a change in the platform's surface is met here once.
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

/** A picture's size in pixels, for the bubble's shape before it loads (null when the browser cannot read it). */
async function pictureSize(file: File): Promise<{ width: number; height: number } | null> {
  try {
    const bitmap = await createImageBitmap(file);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size.width > 0 && size.height > 0 ? size : null;
  } catch {
    return null;
  }
}

/** Sends a picked, pasted or dropped file: pictures as pictures, videos as videos, anything else as a file. */
export async function sendFile(conversationId: string, file: File): Promise<void> {
  const path = await client.uploads.stage(file);
  const name = file.name || "file";
  if (file.type.startsWith("image/")) {
    const size = await pictureSize(file);
    const dims: Record<string, number> = size ? { width: Math.min(size.width, 20000), height: Math.min(size.height, 20000) } : {};
    chats.sendMedia(conversationId, { type: "image", body: { ...dims } } as never, { kind: "image", path, fields: { name, size: file.size, ...dims }, preview: null });
  } else if (file.type.startsWith("video/")) {
    chats.sendMedia(conversationId, { type: "video", body: {} } as never, { kind: "video", path, fields: { name, size: file.size }, preview: null });
  } else {
    chats.sendMedia(conversationId, { type: "file", body: { name, size: file.size } } as never, { kind: "file", path, fields: { name, size: file.size }, preview: null });
  }
}
