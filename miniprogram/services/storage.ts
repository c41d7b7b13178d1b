// wx storage with typed keys. wx.getStorageSync answers "" for a missing key.

export const STORAGE_KEYS = {
  apiBase: "qun.apiBase",
  session: "qun.session",
  /** The offline cache's index (services/cache.ts); each conversation's messages are under `qun.cache.c.<id>`. */
  cache: "qun.cache",
  /** Messages written but not yet acknowledged by the server. */
  outbox: "qun.outbox",
  /** Notice templates, the bank and what WeChat's subscription dialog last answered (services/notices.ts). */
  notices: "qun.notices",
  /** Voice messages this device has played, per conversation (services/played.ts): their red dot is gone. */
  played: "qun.played",
  /** Moments: the newest post time this device showed, for the Discover tab's dot (services/moments.ts). */
  momentsSeen: "qun.moments.seen",
} as const;

type Key = (typeof STORAGE_KEYS)[keyof typeof STORAGE_KEYS] | `qun.cache.c.${string}`;

export function readStorage<T>(key: Key): T | undefined {
  try {
    const value: unknown = wx.getStorageSync(key);
    return value === "" || value === undefined || value === null ? undefined : (value as T);
  } catch {
    return undefined;
  }
}

export function writeStorage(key: Key, value: unknown): void {
  wx.setStorageSync(key, value);
}

export function removeStorage(key: Key): void {
  try {
    wx.removeStorageSync(key);
  } catch {
    // Nothing stored is as good as removed.
  }
}
