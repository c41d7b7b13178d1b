// Times as WeChat writes them, for both clients: each passes its own `t` (the mini-program's
// catalogue, or the web's, which holds the same keys), so 昨天 21:04 is decided in one place.
import type { Translate } from "./event-text";

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
const DAY_MS = 86_400_000;
const MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function startOfToday(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

const clock = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
const weekday = (t: Translate, d: Date) => t("time.weekdays").split(",")[d.getDay()] ?? "";

/** The chat list's time: "09:30" today, 昨天 / Yesterday, the weekday within a week, else 2026/11/3. */
export function listTime(t: Translate, at: number | null | undefined, now = Date.now()): string {
  if (!at) return "";
  const d = new Date(at);
  const today = startOfToday(now);
  if (at >= today) return clock(d);
  if (at >= today - DAY_MS) return t("time.yesterday");
  if (at >= today - 6 * DAY_MS) return weekday(t, d);
  return t("time.date", { y: d.getFullYear(), m: d.getMonth() + 1, d: d.getDate() });
}

/** A time separator between messages: "09:30", 昨天 21:04, 星期六 21:04, 2026年11月3日 21:04. */
export function separatorTime(t: Translate, at: number, now = Date.now()): string {
  const d = new Date(at);
  const today = startOfToday(now);
  const time = clock(d);
  if (at >= today) return time;
  if (at >= today - DAY_MS) return t("time.yesterdayAt", { time });
  if (at >= today - 6 * DAY_MS) return t("time.weekdayAt", { weekday: weekday(t, d), time });
  return t("time.fullDateAt", { y: d.getFullYear(), m: d.getMonth() + 1, month: MONTHS_EN[d.getMonth()]!, d: d.getDate(), time });
}
