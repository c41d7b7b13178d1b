// The chat store's vocabulary, shared by every client: a message as pages show it (held or
// still in the outbox), what an outgoing message carries, the state pages subscribe to, and the
// pure rules over them (list order, a group's summary after its system messages, client ids).
import type { ConversationSummary, Message, SendInput, SystemEvent } from "../../schema/protocol";
import { markedOnly } from "./conversations";
import type { SocketStatus } from "./socket";

export type SendStatus = "sent" | "sending" | "failed";
export type MediaKind = "image" | "voice" | "video" | "file";

/** A message as pages show it: a held one (`status: "sent"`) or one of ours still in the outbox (seq 0). */
export interface LocalMessage extends Message {
  status: SendStatus;
  error: string;
  /** An unsent media message's upload: percent done (null when not uploading now). */
  progress?: number | null;
  /** An unsent media message's local file (the platform's handle of it), shown until its upload is done. */
  localPath?: string;
}

/**
 * The media of a message still to upload. The message waits in the outbox until it is stored:
 * a failed upload stays there, failed, for the user to retry.
 */
export interface UploadJob {
  kind: MediaKind;
  /** The platform's handle of the local file: a wx temp path, or a browser file staged in storage. */
  path: string;
  /** The upload's form fields (docs/media.md): name, width, height, durationMs, size. */
  fields: Record<string, string | number>;
  /** A preview uploaded with it: "compress" (a picture's compressed copy) or a local path (a video's cover frame). */
  preview: "compress" | string | null;
  /** Set once uploaded, so a retry only sends. */
  mediaId?: string;
}

/** What the user wrote, without the clientId the outbox adds. */
export type Draft = Omit<SendInput, "clientId">;

/** One message of the outbox, as stored. */
export interface Outgoing {
  conversationId: string;
  clientId: string;
  draft: Draft;
  createdAt: number;
  /** "sent": the server stored it (`ack`), and it waits for the store to hold it (outbox.ts). */
  status: "sending" | "failed" | "sent";
  error: string;
  upload?: UploadJob;
  /** The server's answer, once sent. */
  ack?: { seq: number; id: string; createdAt: number };
}

export interface ChatState {
  conversations: ConversationSummary[];
  messages: Record<string, LocalMessage[]>;
  connection: SocketStatus;
  /** conversationId → the user typing and until when. */
  typing: Record<string, { userId: string; until: number }>;
  /** conversationId → userId → highest seq they have read. */
  reads: Record<string, Record<string, number>>;
  /** conversationId → whether older messages exist before the first one held. */
  hasOlder: Record<string, boolean>;
  /** True once the first catch-up after start has finished. */
  synced: boolean;
}

/** How many recent messages per conversation the cache keeps, and a first sync pulls. */
export const CACHE_PER_CONVERSATION = 50;

export function emptyState(): ChatState {
  return { conversations: [], messages: {}, connection: "offline", typing: {}, reads: {}, hasOlder: {}, synced: false };
}

export function sortConversations(list: ConversationSummary[]): ConversationSummary[] {
  return list.slice().sort((a, b) => Number(b.pinned) - Number(a.pinned) || (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
}

export function mentionsOf(draft: Draft): string[] {
  return draft.type === "text" ? ((draft as { mentions?: string[] }).mentions ?? []) : [];
}

let counter = 0;
/** Unique per device and message: time, a counter and randomness. */
export function newClientId(): string {
  counter = (counter + 1) % 1_000_000;
  return `m-${Date.now().toString(36)}-${counter.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A group's summary after its system messages: name, avatar, mute-all, dissolution and member
 * count follow live, so the Chats list and the chat title need no extra request.
 */
export function withGroupEvents(summary: ConversationSummary, messages: Message[]): ConversationSummary {
  let next = summary;
  for (const m of messages) {
    // A summary is the server's view up to its lastSeq: older events are already in it.
    if (m.type !== "system" || !m.body || m.seq <= summary.lastSeq) continue;
    const e = m.body as SystemEvent;
    switch (e.event) {
      case "renamed":
        next = { ...next, name: e.name };
        break;
      case "avatar_changed":
        next = { ...next, avatarMediaId: e.avatarMediaId };
        break;
      case "mute_all":
        next = { ...next, muteAll: e.on };
        break;
      case "dissolved":
        next = { ...next, dissolved: true };
        break;
      case "joined":
        next = { ...next, memberCount: next.memberCount + e.memberIds.length };
        break;
      case "left":
        next = { ...next, memberCount: Math.max(1, next.memberCount - 1) };
        break;
      case "removed":
        next = { ...next, memberCount: Math.max(1, next.memberCount - e.memberIds.length) };
        break;
      default:
        break;
    }
  }
  return next;
}

/**
 * A summary after new messages (in seq order, past its lastSeq): the last message and its time, a
 * group's events, and the unread count grown by what others wrote. A chat marked unread counts 1
 * for the mark until real unread messages count for it.
 */
export function advanced(summary: ConversationSummary, messages: Message[], me: string | null, preview: (m: Message) => string): ConversationSummary {
  const last = messages[messages.length - 1];
  if (!last) return summary;
  const fromOthers = messages.filter((m) => m.senderId !== me && m.type !== "system").length;
  return {
    ...withGroupEvents(summary, messages),
    lastSeq: Math.max(summary.lastSeq, last.seq),
    lastMessage: { seq: last.seq, senderId: last.senderId, type: last.type, text: preview(last), at: last.createdAt },
    lastMessageAt: last.createdAt,
    unread: markedOnly(summary) ? Math.max(1, fromOthers) : summary.unread + fromOthers,
  };
}

export function touchesMyRole(m: Message, me: string | null): boolean {
  if (m.type !== "system" || !m.body || !me) return false;
  const e = m.body as SystemEvent;
  if (e.event === "admin_set" || e.event === "admin_unset" || e.event === "owner_transferred") return e.memberId === me || e.actorId === me;
  if (e.event === "removed") return e.memberIds.includes(me);
  return false;
}

/** The message an outbox entry is: before the server stores it (seq 0, a local id) or as stored (its ack). */
export function messageOf(entry: Outgoing, senderId: string, stored?: { seq: number; id: string; createdAt: number }): Message {
  return {
    conversationId: entry.conversationId,
    seq: stored?.seq ?? 0,
    id: stored?.id ?? `local-${entry.clientId}`,
    senderId,
    clientId: entry.clientId,
    type: entry.draft.type,
    body: entry.draft.body as Record<string, unknown>,
    mentions: mentionsOf(entry.draft),
    mentionAll: "mentionAll" in entry.draft ? Boolean(entry.draft.mentionAll) : false,
    replyTo: null,
    forwarded: null,
    createdAt: stored?.createdAt ?? entry.createdAt,
    recalledAt: null,
    recalledBy: null,
  } as Message;
}

/** An outbox entry as pages show it until the store holds it: seq 0 until the server answers, its own status. */
export function localOf(entry: Outgoing, senderId: string): LocalMessage {
  return { ...messageOf(entry, senderId, entry.ack), status: entry.status, error: entry.error } as LocalMessage;
}
