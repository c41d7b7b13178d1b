// Display helpers for the web client's pages: a message as one line, text as runs of plain text,
// emoji (WeChat's face codes drawn as Unicode, miniprogram/services/emoji.ts) and @mentions.
import type { ConversationSummary, Message, MessagePreview } from "../../../schema/protocol";
import { systemText as eventText } from "../../../miniprogram/core/event-text";
import { withEmoji } from "../../../miniprogram/services/emoji";
import { type MessageKey, t } from "./i18n/index";

export function initialOf(name: string | null | undefined): string {
  const first = Array.from((name ?? "").trim())[0];
  return first ? first.toUpperCase() : "?";
}

const KIND: Record<string, MessageKey> = { card: "kind.card", image: "kind.image", voice: "kind.voice", video: "kind.video", file: "kind.file", location: "kind.location" };

/** One line for the list, quotes and notifications, in the user's language. */
export function previewOf(m: Pick<Message, "type" | "body" | "recalledAt">): string {
  if (m.recalledAt || !m.body) return t("message.recalled");
  const body = m.body as Record<string, unknown>;
  if (m.type === "text") return withEmoji(String(body.text ?? ""));
  if (m.type === "system") return systemText(m.body) || t("chats.groupEvent");
  if (m.type === "file" || m.type === "location") return `${t(KIND[m.type]!)} ${String(body.name ?? "")}`.trim();
  if (m.type === "card") return `${t("kind.card")} ${String(body.nickname ?? "")}`.trim();
  return t(KIND[m.type] ?? "kind.file");
}

/** The list's preview from a summary's lastMessage (the server writes it in English). */
export function summaryPreview(last: Pick<MessagePreview, "type" | "text"> | null | undefined): string {
  if (!last) return "";
  if (last.type === "text") return withEmoji(last.text);
  // As the mini-program words it (miniprogram/services/format.ts eventPreview): new friends' opening line, else 群消息.
  if (last.type === "system") return last.text === "[friends]" ? t("chats.nowFriends") : /^\[[a-z_]+\]$/.test(last.text) ? t("chats.groupEvent") : last.text;
  if (last.text === "" && last.type !== "file") return t("message.recalled");
  const key = KIND[last.type];
  if (!key) return last.text;
  const name = last.text.replace(/^\[[^\]]*\]\s*/, "");
  return name && (last.type === "file" || last.type === "location" || last.type === "card") ? `${t(key)} ${name}` : t(key);
}

/** A system event as a sentence in the user's language, worded as the mini-program words it (miniprogram/core/event-text.ts). */
export function systemText(body: Record<string, unknown> | null, name: (id: string) => string = (id) => id): string {
  return eventText(t, body, name);
}

export function chatTitle(c: ConversationSummary): string {
  const name = c.kind === "direct" ? (c.peer?.nickname ?? c.name) : c.name;
  return c.kind === "group" ? t("chats.groupName", { name, count: c.memberCount }) : name;
}

export interface TextRun {
  text: string;
  mention: boolean;
}

/** Splits a text bubble into plain runs and @mentions (highlighted only when the message mentions someone). */
export function textRuns(text: string, mentions: boolean): TextRun[] {
  const drawn = withEmoji(text);
  if (!mentions) return [{ text: drawn, mention: false }];
  return drawn
    .split(/(@[^\s@]+)/)
    .filter((s) => s !== "")
    .map((s) => ({ text: s, mention: s.startsWith("@") }));
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}"`;
}
