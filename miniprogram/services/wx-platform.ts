// The mini-program's platform for the client core (core/platform.ts): wx storage (synchronous,
// so the cached chats are there as soon as the store starts), wx.request through services/api,
// wx.connectSocket with the token in a header, wx.uploadFile with progress, and the session and
// catalogue of this app.
import type { ClientPlatform, KeyValueStorage } from "../core/platform";
import type { UploadJob } from "../core/chat-types";
import { t } from "../i18n/index";
import { refreshTokens, request } from "./api";
import { apiBase } from "./config";
import { previewOf } from "./format";
import { compressedCopy, forgetMediaUrls, uploadMedia, uploadPreview } from "./media";
import { forgetPlayed } from "./played";
import { currentTokens, endSession, session } from "./session";
import { openWxSocket } from "./wx-socket";

/** wx storage; wx.getStorageSync answers "" for a missing key. A refused write throws, as wx does. */
export const wxStorage: KeyValueStorage = {
  get<T>(key: string): T | undefined {
    try {
      const value: unknown = wx.getStorageSync(key);
      return value === "" || value === undefined || value === null ? undefined : (value as T);
    } catch {
      return undefined;
    }
  },
  set(key: string, value: unknown): void {
    wx.setStorageSync(key, value);
  },
  remove(key: string): void {
    try {
      wx.removeStorageSync(key);
    } catch {
      // Nothing stored is as good as removed.
    }
  },
};

/** The message's media, then its preview: a picture's compressed copy or the given cover frame. */
async function uploadJob(job: UploadJob, onProgress: (percent: number) => void): Promise<{ mediaId: string; previewId: string | null }> {
  const mediaId = await uploadMedia(job.path, job.kind, onProgress, job.fields);
  const source = job.preview === "compress" ? compressedCopy(job.path) : Promise.resolve(job.preview);
  const previewId = job.preview ? await uploadPreview(source, mediaId) : null;
  return { mediaId, previewId };
}

export function wxPlatform(): ClientPlatform {
  return {
    storage: wxStorage,
    request,
    session: {
      userId: () => (currentTokens() ? (session.get().user?.id ?? null) : null),
      accessToken: () => currentTokens()?.accessToken ?? null,
      refresh: (stale) => refreshTokens(stale),
      endedByServer: () => endSession("server"),
      subscribe: (listener) => session.subscribe(() => listener()),
    },
    socketUrl: () => `${apiBase().replace(/^http/i, "ws")}/ws?batch=1`,
    openSocket: openWxSocket,
    uploadMedia: uploadJob,
    text: { preview: previewOf, uploadFailed: () => t("chat.uploadFailed"), uploadFailedShort: () => t("chat.uploadFailedShort") },
    forgetLocal: () => {
      forgetMediaUrls();
      forgetPlayed(true);
    },
  };
}
