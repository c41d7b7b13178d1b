// Small display helpers shared by pages.
import type { Message, MessagePreview, MessageType } from "../../schema/protocol";
import { systemText as eventText } from "../core/event-text";
import { listTime as localeListTime, type MessageKey, t } from "../i18n/index";

/** A system event's preview from the summary's "[event]": the opening line of new friends, else 群消息. */
export function eventPreview(text: string): string {
  if (text === "[friends]") return t("chats.nowFriends");
  return /^\[[a-z_]+\]$/.test(text) ? t("chats.groupEvent") : text;
}

/** The first character of a name, upper-cased, for an avatar placeholder. */
export function initialOf(name: string | null | undefined): string {
  const first = Array.from((name ?? "").trim())[0];
  return first ? first.toUpperCase() : "?";
}

const KIND_KEY: Record<Exclude<MessageType, "text" | "system">, MessageKey> = {
  card: "kind.card",
  image: "kind.image",
  voice: "kind.voice",
  video: "kind.video",
  file: "kind.file",
  location: "kind.location",
};

/** One line for the chat list and quotes, as WeChat shows it, in the user's language. */
export function previewOf(m: Pick<Message, "type" | "body" | "recalledAt">): string {
  if (m.recalledAt || !m.body) return t("message.recalled");
  if (m.type === "text") return String((m.body as { text?: unknown }).text ?? "");
  if (m.type === "system") return systemText(m.body);
  if (m.type === "file") return `${t("kind.file")} ${String((m.body as { name?: unknown }).name ?? "")}`;
  if (m.type === "location") return `${t("kind.location")} ${String((m.body as { name?: unknown }).name ?? "")}`.trim();
  if (m.type === "card") return `${t("kind.card")} ${String((m.body as { nickname?: unknown }).nickname ?? "")}`.trim();
  return t(KIND_KEY[m.type]);
}

/**
 * The chat list's preview from a conversation summary's lastMessage, in the user's language. The
 * server writes its summary in English ("[Photo]", "[File] report.pdf", "[joined]"); the kind comes
 * from the message type, and only a file's or a place's name and a text are taken from the text.
 */
export function summaryPreview(last: Pick<MessagePreview, "type" | "text"> | null | undefined): string {
  if (!last) return "";
  const named = (key: MessageKey) => {
    const name = last.text.replace(/^\[[^\]]*\]\s*/, "");
    return name ? `${t(key)} ${name}` : t(key);
  };
  switch (last.type) {
    case "text":
      return last.text;
    case "system":
      // The server's summary names the event only ("[joined]"); a sentence made here is kept. A direct
      // chat's only event is the accepted friend request that opened it, which WeChat words itself.
      return eventPreview(last.text);
    case "file":
      return named("kind.file");
    case "location":
      return named("kind.location");
    case "card":
      return named("kind.card");
    default:
      return last.text === "" ? t("message.recalled") : t(KIND_KEY[last.type]);
  }
}

/** A system event as a sentence in the user's language; `name` turns user ids into names where known. */
export function systemText(body: Record<string, unknown> | null, name: (id: string) => string = (id) => id): string {
  return eventText(t, body, name);
}

/** WeChat's list time: "14:05" today, 昨天 / Yesterday, the weekday within a week, else "2026/11/3". */
export const listTime = localeListTime;

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
