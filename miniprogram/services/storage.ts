// wx storage with typed keys. wx.getStorageSync answers "" for a missing key.
import { CORE_STORAGE_KEYS } from "../core/cache";

export const STORAGE_KEYS = {
  apiBase: "qun.apiBase",
  session: "qun.session",
  /** The offline cache's index (core/cache.ts); each conversation's messages are under `qun.cache.c.<id>`. */
  cache: CORE_STORAGE_KEYS.cache,
  /** Messages written but not yet acknowledged by the server (core/outbox.ts). */
  outbox: CORE_STORAGE_KEYS.outbox,
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
