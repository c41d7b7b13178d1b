// The web client's language: Simplified Chinese for any Chinese browser, English otherwise
// (navigator.language). Strings come from the mini-program's catalogues (same keys, same
// {placeholders}) plus the web's own (web.* keys) in this folder.
import { listTime as timeInList, separatorTime as timeOfSeparator } from "../../../../miniprogram/core/times";
import { en } from "../../../../miniprogram/i18n/en";
import { zh_CN } from "../../../../miniprogram/i18n/zh_CN";
import { webEn } from "./en";
import { webZh_CN } from "./zh_CN";

export type Locale = "zh_CN" | "en";
export type MessageKey = keyof typeof zh_CN | keyof typeof webZh_CN;

const catalogues: Record<Locale, Record<MessageKey, string>> = { zh_CN: { ...zh_CN, ...webZh_CN }, en: { ...en, ...webEn } };

export function localeFromLanguage(language: string | undefined | null): Locale {
  return /^zh/i.test(language ?? "") ? "zh_CN" : "en";
}

let current: Locale = localeFromLanguage(typeof navigator === "undefined" ? "zh-CN" : navigator.language);

export function locale(): Locale {
  return current;
}

export function setLocale(next: Locale): void {
  current = next;
  if (typeof document !== "undefined") document.documentElement.lang = next === "zh_CN" ? "zh-CN" : "en";
}
setLocale(current);

/** The string for `key` in the current language, with {placeholders} filled from `params`. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = catalogues[current][key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A server error code said in the user's language (every code has error.<code> in the catalogues). */
export function errorText(code: string): string {
  const key = `error.${code}` as MessageKey;
  return key in catalogues[current] ? t(key) : t("error.internal" as MessageKey);
}

// ---- times, the way WeChat writes them (miniprogram/core/times.ts, shared with the mini-program) ----

/** The chat list's time: "09:30" today, 昨天 / Yesterday, the weekday within a week, else a date. */
export const listTime = (at: number | null | undefined, now = Date.now()): string => timeInList(t, at, now);
/** A separator between messages: "09:30", 昨天 21:04, 星期六 21:04, 2026年11月3日 21:04. */
export const separatorTime = (at: number, now = Date.now()): string => timeOfSeparator(t, at, now);
