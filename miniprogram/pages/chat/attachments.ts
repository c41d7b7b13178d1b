// The chat page's media: signed URLs for what is on screen, sending a photo, video, file,
// location or recording (uploaded with progress, then sent, with a thumbnail or poster when there
// is one) and opening what a bubble holds (pictures, videos, files, places) through its signed
// URL. Each function works on the page it is given.
import { LOCATION_LIMITS } from "../../generated/limits";
import { t } from "../../i18n/index";
import { chats, type Draft, type LocalMessage, type UploadJob } from "../../services/chats";
import { mediaUrl, mediaUrls, THUMBNAIL_FROM_BYTES, type MediaKind } from "../../services/media";
import type { Bubble } from "./bubbles";
import type { Recorded } from "./voice";

/** What sending and opening media need of the chat page. */
export interface AttachmentHost {
  readonly data: { id: string; bubbles: Bubble[] };
  setData(patch: Record<string, unknown>): void;
  showError(err: unknown): void;
}

/** The kinds of file wx.openDocument opens. */
const DOCUMENT_TYPES = ["doc", "docx", "xls", "xlsx", "ppt", "pptx", "pdf"] as const;

export function messageAt(conversationId: string, seq: number): LocalMessage | undefined {
  return (chats.store.get().messages[conversationId] ?? []).find((x) => x.seq === seq);
}

/**
 * Asks signed URLs for the pictures and video posters on screen that have none yet, then redraws.
 * `asked` (the page's own) holds the ids on their way, so a redraw does not ask again meanwhile.
 */
export function fetchUrls(host: AttachmentHost, messages: LocalMessage[], asked: Set<string>, redraw: () => void): void {
  const wanted: string[] = [];
  for (const m of messages) {
    const b = m.body as { mediaId?: string; thumbMediaId?: string; posterMediaId?: string; avatarMediaId?: string | null } | null;
    if (!b || m.recalledAt) continue;
    // A card's picture is the person's as it was when shared: granted to this chat's members (docs/media.md).
    const id = m.type === "image" ? (b.thumbMediaId ?? b.mediaId) : m.type === "video" ? b.posterMediaId : m.type === "card" ? (b.avatarMediaId ?? undefined) : undefined;
    if (id && !mediaUrl(id) && !asked.has(id)) wanted.push(id);
  }
  if (!wanted.length) return;
  for (const id of wanted) asked.add(id);
  mediaUrls(wanted, host.data.id).then(
    (got) => {
      if (Object.keys(got).length) redraw();
    },
    () => {
      for (const id of wanted) asked.delete(id); // try again on the next render
    },
  );
}

/** The signed URL of one media of this chat, or null after telling the user why not. */
export async function urlOf(host: AttachmentHost, mediaId: string): Promise<string | null> {
  try {
    const url = (await mediaUrls([mediaId], host.data.id))[mediaId];
    if (url) return url;
    host.showError(t("chat.fileGone"));
  } catch (err) {
    host.showError(err);
  }
  return null;
}

/** Queues a media message: it shows at once with its own progress and uploads in the outbox, which keeps it on failure for a retry. */
function sendUpload(host: AttachmentHost, kind: MediaKind, path: string, body: Record<string, unknown>, fields: Record<string, string | number>, preview: UploadJob["preview"] = null): void {
  chats.sendMedia(host.data.id, { type: kind, body } as Draft, { kind, path, fields, preview });
}

export function sendVoice(host: AttachmentHost, r: Recorded): void {
  const durationMs = r.durationMs;
  sendUpload(host, "voice", r.tempFilePath, { durationMs }, { durationMs, size: r.size });
}

/** WeChat's picker allows nine at once, as a WeChat chat does. */
export const PICK_AT_ONCE = 9;

/** Where the "+" panel's Album, Camera and Video tiles pick from, and what. */
export const PICKS = {
  album: { count: PICK_AT_ONCE, mediaType: ["image", "video"], sourceType: ["album"] },
  camera: { count: 1, mediaType: ["image", "video"], sourceType: ["camera"] },
  video: { count: 1, mediaType: ["video"], sourceType: ["album", "camera"] },
} as const;

export function choosePhoto(host: AttachmentHost, pick: keyof typeof PICKS = "album"): void {
  const { count, mediaType, sourceType } = PICKS[pick];
  wx.chooseMedia({
    count,
    mediaType: [...mediaType],
    sourceType: [...sourceType],
    success: (res) => {
      for (const f of res.tempFiles) {
        const size = { ...(f.width ? { width: f.width, height: f.height } : {}) };
        if ((f.fileType ?? res.type) === "video") {
          const durationMs = Math.round((f.duration ?? 0) * 1000);
          // The cover frame WeChat hands with a chosen video is its poster.
          sendUpload(host, "video", f.tempFilePath, { durationMs, ...size }, { durationMs, size: f.size, ...size }, f.thumbTempFilePath || null);
        } else {
          sendUpload(host, "image", f.tempFilePath, { ...size }, { size: f.size, ...size }, f.size > THUMBNAIL_FROM_BYTES ? "compress" : null);
        }
      }
    },
  });
}

export function chooseFile(host: AttachmentHost): void {
  wx.chooseMessageFile({
    count: 1,
    type: "file",
    success: (res) => {
      const f = res.tempFiles[0];
      if (f) sendUpload(host, "file", f.path, { name: f.name, size: f.size }, { name: f.name, size: f.size });
    },
  });
}

export function chooseLocation(host: AttachmentHost): void {
  wx.chooseLocation({
    success: (res) =>
      chats.send(host.data.id, {
        type: "location",
        body: { latitude: res.latitude, longitude: res.longitude, name: res.name.slice(0, LOCATION_LIMITS.nameChars), address: res.address.slice(0, LOCATION_LIMITS.addressChars) },
      }),
  });
}

/** Every picture of the chat in a viewer, from the one tapped. */
export async function previewImage(host: AttachmentHost, seq: number): Promise<void> {
  const images = (chats.store.get().messages[host.data.id] ?? []).filter((m) => m.type === "image" && m.body && !m.recalledAt);
  const ids = images.map((m) => String(m.body!.mediaId));
  try {
    const got = await mediaUrls(ids, host.data.id);
    const current = got[String(messageAt(host.data.id, seq)?.body?.mediaId ?? "")];
    if (current) wx.previewImage({ urls: ids.map((id) => got[id]).filter((u): u is string => Boolean(u)), current });
  } catch (err) {
    host.showError(err);
  }
}

export async function openVideo(host: AttachmentHost, seq: number): Promise<void> {
  const m = messageAt(host.data.id, seq);
  if (!m?.body) return;
  const url = await urlOf(host, String(m.body.mediaId));
  if (url) wx.previewMedia({ sources: [{ url, type: "video" }] });
}

export async function openFile(host: AttachmentHost, seq: number): Promise<void> {
  const m = messageAt(host.data.id, seq);
  if (!m?.body) return;
  const url = await urlOf(host, String(m.body.mediaId));
  if (!url) return;
  // wx.openDocument opens Word, Excel, PowerPoint and PDF files; the downloaded copy's path has no
  // extension to tell which, so the type comes from the file's name.
  const extension = /\.([a-z]+)$/i.exec(String(m.body.name ?? ""))?.[1]?.toLowerCase() ?? "";
  const fileType = DOCUMENT_TYPES.find((t) => t === extension);
  wx.downloadFile({
    url,
    success: (res) => {
      // downloadFile succeeds on any answer, an error page too.
      if (res.statusCode !== 200) {
        host.showError(t(res.statusCode === 404 ? "chat.fileGone" : "chat.downloadFailed"));
        return;
      }
      wx.openDocument({
        filePath: res.tempFilePath,
        showMenu: true,
        ...(fileType ? { fileType } : {}),
        fail: () => host.showError(t("chat.cannotOpen")),
      });
    },
    fail: () => host.showError(t("chat.downloadFailed")),
  });
}

export function openLocation(host: AttachmentHost, key: string): void {
  const loc = host.data.bubbles.find((b) => b.key === key)?.location;
  if (loc) wx.openLocation({ latitude: loc.latitude, longitude: loc.longitude, name: loc.name, address: loc.address });
}
