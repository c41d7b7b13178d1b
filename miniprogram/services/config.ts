// Where the API lives. A release build carries its address (generated/release.ts, written by
// `npm run build:miniprogram -- --api https://…`); otherwise it is the local `npm run dev` server.
// In develop and trial versions the Server field on Login and Me changes it (a phone uses the
// computer's LAN address); a released version never offers the field nor reads a stored address.
import { RELEASE_API_BASE } from "../generated/release";
import { t } from "../i18n/index";
import { readStorage, removeStorage, STORAGE_KEYS, writeStorage } from "./storage";

export const DEV_API_BASE = "http://127.0.0.1:8787";
export const DEFAULT_API_BASE = RELEASE_API_BASE || DEV_API_BASE;

/** Whether this copy may talk to another server: develop (DevTools, preview) and trial versions only. */
export function canChangeServer(): boolean {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion !== "release";
  } catch {
    return true; // no account info (tests without it): development
  }
}

const URL_PATTERN = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i;

export function apiBase(): string {
  return (canChangeServer() ? readStorage<string>(STORAGE_KEYS.apiBase) : undefined) ?? DEFAULT_API_BASE;
}

/** Returns the normalised URL, or throws when it is not an http(s) address. */
export function normaliseApiBase(input: string): string {
  const url = input.trim().replace(/\/+$/, "");
  if (!URL_PATTERN.test(url)) throw new Error(t("server.invalid"));
  return url;
}

export function setApiBase(input: string): string {
  const url = normaliseApiBase(input);
  if (url === DEFAULT_API_BASE) removeStorage(STORAGE_KEYS.apiBase);
  else writeStorage(STORAGE_KEYS.apiBase, url);
  return url;
}

export function resetApiBase(): string {
  removeStorage(STORAGE_KEYS.apiBase);
  return DEFAULT_API_BASE;
}
