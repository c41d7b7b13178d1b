// What a notice says, and when it may be sent: pure rules of the notice sender
// (services/notice-sender.ts), kept here so they can be tested in plain Node. Notice texts are
// Chinese: they are WeChat template fields, read in WeChat's service-message list.

/** What one user's notice is about. */
export interface NoticeActivity {
  /** Unread messages in unmuted conversations since the last notice. */
  messages: number;
  /** Pending friend requests since the last notice. */
  requests: number;
  /** The conversation the notice opens and names; null when only friend requests arrived. */
  top: { kind: "direct" | "group"; name: string; sender: string; text: string; mentioned: boolean } | null;
  /** The first friend request's sender, when the notice is about requests only. */
  requester: string | null;
  at: number;
}

export interface NoticeText {
  title: string;
  text: string;
  time: string;
}

/** Field value limits of subscribe-message data types (WeChat: thing 20, name 10, phrase 5 characters). */
const TYPE_LIMITS: Record<string, number> = { thing: 20, name: 10, phrase: 5, character_string: 32 };

/** At most `max` characters (code points, as WeChat counts them), the last one an ellipsis when cut. */
export function truncate(value: string, max: number): string {
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join("")}…`;
}

/** Minutes after local midnight at `now` for a user `utcOffset` minutes ahead of UTC. */
export function localMinute(now: number, utcOffset: number): number {
  return (((Math.floor(now / 60_000) + utcOffset) % 1440) + 1440) % 1440;
}

/** Whether `now` falls in do-not-disturb hours [start, end), which may wrap past midnight (23:00–08:00). */
export function inQuietHours(now: number, utcOffset: number, dnd: { start: number; end: number } | null): boolean {
  if (!dnd || dnd.start === dnd.end) return false;
  const m = localMinute(now, utcOffset);
  return dnd.start < dnd.end ? m >= dnd.start && m < dnd.end : m >= dnd.start || m < dnd.end;
}

/** "2026-11-30 18:05" in the user's time: a `time` field WeChat accepts. */
export function localTime(at: number, utcOffset: number): string {
  const d = new Date(at + utcOffset * 60_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

/**
 * The notice's words. With previews: who said what ("张三: 明天几点？等4条新消息", the count
 * being the others, kept whole however the preview is cut); without: only how many
 * ("你有5条新消息"), and a generic title.
 */
export function noticeText(a: NoticeActivity, preview: boolean, utcOffset: number, max = TYPE_LIMITS.thing!): NoticeText {
  const time = localTime(a.at, utcOffset);
  const total = a.messages + a.requests;
  if (!preview) {
    const text = a.messages > 0 ? `你有${total}条新消息` : `你有${a.requests}个新的朋友申请`;
    return { title: a.messages > 0 ? "新消息" : "新的朋友", text, time };
  }
  if (!a.top) {
    const who = a.requester ?? "有人";
    return { title: "新的朋友", text: truncate(a.requests > 1 ? `${who}等${a.requests}人请求添加你为朋友` : `${who}请求添加你为朋友`, max), time };
  }
  const more = total > 1 ? `等${total - 1}条新消息` : "";
  const said = a.top.kind === "group" ? `${a.top.mentioned ? "[有人@我]" : ""}${a.top.sender}: ${a.top.text}` : a.top.text;
  return { title: truncate(a.top.name, max), text: truncate(said, max - more.length) + more, time };
}

/**
 * The template's data from NOTICE_TEMPLATE_FIELDS ("thing1:title,thing2:text,time3:time"): each
 * field gets the part it names, cut to its type's limit.
 */
export function templateData(fields: string, t: NoticeText): Record<string, { value: string }> {
  const out: Record<string, { value: string }> = {};
  for (const entry of fields.split(",")) {
    const [key, part] = entry.split(":").map((x) => x.trim());
    if (!key || (part !== "title" && part !== "text" && part !== "time")) continue;
    const type = key.replace(/\d+$/, "");
    const limit = TYPE_LIMITS[type];
    out[key] = { value: limit ? truncate(t[part], limit) : t[part] };
  }
  return out;
}
