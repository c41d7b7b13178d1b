// The chat page's text input as pure rules: what picking someone in the @ picker does to the
// draft, and the message a draft sends (only people still named in the text are mentioned).
import { MESSAGE_LIMITS } from "../../generated/limits";
import { t } from "../../i18n/index";
import type { Draft } from "../../services/chats";
import type { Member } from "./bubbles";

/** What "@All" inserts, as WeChat writes it. */
export const MENTION_ALL = "@All";

interface Composing {
  draft: string;
  mentions: string[];
  mentionAll: boolean;
  canMentionAll: boolean;
  members: Member[];
  replyTo: { seq: number } | null;
}

/** The draft after picking `userId` ("all" for All Members) in the @ picker, or null for nobody. */
export function pickMention(c: Composing, userId: string | undefined): { draft: string; mentions?: string[]; mentionAll?: boolean } | null {
  if (userId === "all" && c.canMentionAll) return { draft: `${c.draft.replace(/@$/, "")}${MENTION_ALL} `, mentionAll: true };
  const member = c.members.find((m) => m.userId === userId);
  if (!member) return null;
  return { draft: `${c.draft.replace(/@$/, "")}@${member.name} `, mentions: [...new Set([...c.mentions, member.userId])] };
}

/** The text message the draft sends, an error to show, or null when there is nothing to send. */
export function textDraft(c: Composing, names: Record<string, string>): { draft: Draft } | { error: string } | null {
  const text = c.draft.trim();
  if (!text) return null;
  if (text.length > MESSAGE_LIMITS.textChars) return { error: t("chat.tooLong", { n: MESSAGE_LIMITS.textChars }) };
  const mentions = c.mentions.filter((id) => text.includes(`@${names[id] ?? ""}`));
  const mentionAll = c.mentionAll && text.includes(MENTION_ALL);
  return {
    draft: {
      type: "text",
      body: { text },
      ...(mentions.length ? { mentions } : {}),
      ...(mentionAll ? { mentionAll } : {}),
      ...(c.replyTo ? { replyTo: c.replyTo.seq } : {}),
    },
  };
}
