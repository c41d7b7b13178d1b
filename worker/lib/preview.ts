import { MESSAGE_LIMITS } from "../../schema/limits";
import type { MessageType } from "../../schema/protocol";

/** One line for the chat list and for quotes. Recalled messages have no preview text. */
export function previewText(type: MessageType, body: Record<string, unknown> | null): string {
  if (body === null) return "";
  const s = (k: string) => (typeof body[k] === "string" ? (body[k] as string) : "");
  switch (type) {
    case "text":
      return s("text").replace(/\s+/g, " ").slice(0, MESSAGE_LIMITS.previewChars);
    case "image":
      return "[Photo]";
    case "voice":
      return "[Voice]";
    case "video":
      return "[Video]";
    case "file":
      return `[File] ${s("name")}`.trim();
    case "location":
      return `[Location] ${s("name")}`.trim();
    case "card":
      return `[名片] ${s("nickname")}`.trim();
    case "system":
      return `[${s("event")}]`;
  }
}
