// Where the API lives. The default is the local `npm run dev` server; on a phone, set the
// computer's LAN address on the Me page (or the login page) instead.
import { readStorage, removeStorage, STORAGE_KEYS, writeStorage } from "./storage";

export const DEFAULT_API_BASE = "http://127.0.0.1:8787";

const URL_PATTERN = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i;

export function apiBase(): string {
  return readStorage<string>(STORAGE_KEYS.apiBase) ?? DEFAULT_API_BASE;
}

/** Returns the normalised URL, or throws when it is not an http(s) address. */
export function normaliseApiBase(input: string): string {
  const url = input.trim().replace(/\/+$/, "");
  if (!URL_PATTERN.test(url)) throw new Error("Enter an http:// or https:// address, such as http://192.168.1.20:8787");
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
