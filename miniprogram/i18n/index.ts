// The mini-program's languages: Simplified Chinese first, English second. The language follows
// WeChat's (wx.getAppBaseInfo().language) until the user picks one on Me; the choice is kept in
// storage. Every user-facing string comes from one catalogue per language (zh_CN.ts, en.ts).
import { listTime as timeInList, separatorTime as timeOfSeparator } from "../core/times";
import type { ErrorCode } from "../../schema/errors";
import type { ClientErrorCode } from "../services/errors";
import { en } from "./en";
import { zh_CN } from "./zh_CN";

export type Locale = "zh_CN" | "en";
export type MessageKey = keyof typeof zh_CN;
export const LOCALES: readonly Locale[] = ["zh_CN", "en"];

const catalogues: Record<Locale, Record<MessageKey, string>> = { zh_CN, en };

/**
 * What this file uses of `wx`, typed here rather than through the mini-program's typings: the web
 * client shares these catalogues, and in a browser every use below finds no `wx` and falls back
 * (Chinese, the choice kept in memory only).
 */
declare const wx: {
  getAppBaseInfo?: () => { language: string };
  getSystemInfoSync(): { language: string };
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: unknown): void;
};
const STORAGE_KEY = "qun.locale";

let current: Locale = "zh_CN";
const listeners = new Set<(locale: Locale) => void>();

/** The language to use for WeChat's language code: any Chinese is zh_CN, anything else English. */
export function localeFromSystem(language: string | undefined | null): Locale {
  return /^zh/i.test(language ?? "zh_CN") ? "zh_CN" : "en";
}

function systemLanguage(): string | undefined {
  try {
    if (typeof wx.getAppBaseInfo === "function") return wx.getAppBaseInfo().language;
    return wx.getSystemInfoSync().language;
  } catch {
    return undefined;
  }
}

/** Picks the language at launch: the user's stored choice, else WeChat's language. */
export function initLocale(): Locale {
  let stored: unknown;
  try {
    stored = wx.getStorageSync(STORAGE_KEY);
  } catch {
    stored = undefined;
  }
  current = LOCALES.includes(stored as Locale) ? (stored as Locale) : localeFromSystem(systemLanguage());
  return current;
}

export function locale(): Locale {
  return current;
}

/** Switches language (kept across launches) and tells every listener, so shown pages re-render. */
export function setLocale(next: Locale): void {
  if (!LOCALES.includes(next)) return;
  current = next;
  try {
    wx.setStorageSync(STORAGE_KEY, next);
  } catch {
    // storage full or unavailable: the choice lasts until the mini-program closes
  }
  for (const l of [...listeners]) l(next);
}

/** Calls `fn` after every language switch; returns the unsubscribe. */
export function onLocaleChange(fn: (locale: Locale) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The string for `key` in the current language, with {placeholders} filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template: string = catalogues[current][key] ?? zh_CN[key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The string for `key` in a given language, whatever the current one (the privacy guide shows both). */
export function textIn(l: Locale, key: MessageKey): string {
  return catalogues[l][key];
}

// Every error code, the server's and the client's, has a message in the catalogues: adding a code
// to schema/errors.ts without one fails the type check here.
type ErrorKey = `error.${ErrorCode | ClientErrorCode}`;
const everyErrorHasAMessage: ErrorKey extends MessageKey ? true : never = true;
void everyErrorHasAMessage;

/** A server (or network) error code said in the user's language. */
export function errorText(code: ErrorCode | ClientErrorCode): string {
  return t(`error.${code}` as ErrorKey);
}

// ---- times and dates, the way WeChat writes them in each language (core/times.ts) ----

/** The chat list's time: "09:30" today, 昨天 / Yesterday, the weekday within a week, else 2026/11/3. */
export const listTime = (at: number | null | undefined, now = Date.now()): string => timeInList(t, at, now);
/** A time separator between messages: "09:30", 昨天 21:04, 星期六 21:04, 2026年11月3日 21:04. */
export const separatorTime = (at: number, now = Date.now()): string => timeOfSeparator(t, at, now);
