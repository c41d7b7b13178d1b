// Small display helpers shared by pages.
import type { Message, MessageType } from "../../schema/protocol";

/** The first character of a name, upper-cased, for an avatar placeholder. */
export function initialOf(name: string | null | undefined): string {
  const first = Array.from((name ?? "").trim())[0];
  return first ? first.toUpperCase() : "?";
}

const TYPE_LABEL: Record<Exclude<MessageType, "text" | "system">, string> = {
  image: "[Photo]",
  voice: "[Voice]",
  video: "[Video]",
  file: "[File]",
  location: "[Location]",
};

/** One line for the chat list and quotes, as WeChat shows it. */
export function previewOf(m: Pick<Message, "type" | "body" | "recalledAt">): string {
  if (m.recalledAt || !m.body) return "A message was recalled";
  if (m.type === "text") return String((m.body as { text?: unknown }).text ?? "");
  if (m.type === "system") return systemText(m.body);
  if (m.type === "file") return `[File] ${String((m.body as { name?: unknown }).name ?? "")}`;
  if (m.type === "location") return `[Location] ${String((m.body as { name?: unknown }).name ?? "")}`.trim();
  return TYPE_LABEL[m.type];
}

/** A system event as a sentence; `name` turns user ids into names where known. */
export function systemText(body: Record<string, unknown> | null, name: (id: string) => string = (id) => id): string {
  if (!body) return "";
  const who = name(String(body.actorId ?? ""));
  const list = (ids: unknown) => (Array.isArray(ids) ? ids.map((id) => name(String(id))).join(", ") : "");
  switch (body.event) {
    case "created":
      return `${who} created the group "${String(body.name)}"`;
    case "joined":
      return body.via ? `${list(body.memberIds)} joined the group` : `${who} invited ${list(body.memberIds)} to the group`;
    case "left":
      return `${who} left the group`;
    case "removed":
      return `${who} removed ${list(body.memberIds)} from the group`;
    case "renamed":
      return `${who} changed the group name to "${String(body.name)}"`;
    case "recalled":
      return body.reason === "violation" ? "A message was removed for violating the rules" : `${who} recalled a message`;
    case "avatar_changed":
      return `${who} changed the group photo`;
    case "announcement":
      return `${who} posted an announcement`;
    case "settings_changed":
      return `${who} changed the group settings`;
    case "mute_all":
      return body.on ? `${who} muted all members` : `${who} unmuted all members`;
    case "muted":
      return `${who} muted ${name(String(body.memberId))}`;
    case "unmuted":
      return `${who} unmuted ${name(String(body.memberId))}`;
    case "admin_set":
      return `${name(String(body.memberId))} is now an admin`;
    case "admin_unset":
      return `${name(String(body.memberId))} is no longer an admin`;
    case "owner_transferred":
      return `${name(String(body.memberId))} is now the group owner`;
    case "nickname":
      return `${who} is now "${String(body.nickname)}" in this group`;
    case "dissolved":
      return `${who} dissolved the group`;
    default:
      return "";
  }
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** WeChat's list time: "14:05" today, "Yesterday", the weekday within a week, else "2026/11/3". */
export function listTime(at: number | null | undefined, now = Date.now()): string {
  if (!at) return "";
  const d = new Date(at);
  const today = new Date(now);
  today.setHours(0, 0, 0, 0);
  const dayMs = 86_400_000;
  if (at >= today.getTime()) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (at >= today.getTime() - dayMs) return "Yesterday";
  if (at >= today.getTime() - 6 * dayMs) return ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][d.getDay()]!;
  return `${d.getFullYear()}/${d.getMonth() + 1}/${d.getDate()}`;
}

/** "1.2 MB" */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Voice length as WeChat writes it: 7". */
export function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}"`;
}

export interface TextPart {
  text: string;
  mention: boolean;
}

/** Splits text into plain runs and @mentions (highlighted only when the message mentions someone). */
export function textParts(text: string, mentions: boolean): TextPart[] {
  if (!mentions) return [{ text, mention: false }];
  return text
    .split(/(@[^\s@]+)/)
    .filter((t) => t !== "")
    .map((t) => ({ text: t, mention: t.startsWith("@") }));
}
