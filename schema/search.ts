// Search (docs/search.md): the queries of GET /search, GET /search/messages and
// GET /conversations/:id/search, and what they answer.
import { z } from "zod";
import { SEARCH_LIMITS as L } from "./limits";
import { conversationId, mediaId, message, seq, userId } from "./protocol";
import { displayText } from "./text";

const time = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const query = displayText(L.queryChars, "Search");

/** The filters every message search takes. */
const messageFilters = {
  q: query.optional(),
  senderId: userId.optional(),
  // media: pictures and videos; link: text messages carrying a URL.
  kind: z.enum(["text", "media", "file", "link", "location"]).optional(),
  since: time.optional(),
  until: time.optional(),
  direction: z.enum(["sent", "received"]).optional(),
  limit: z.coerce.number().int().min(1).max(L.pageMax).optional(),
};

/** Inside one chat: newest first, `before` (a seq) pages on. */
export const messageSearchQuery = z.strictObject({ ...messageFilters, before: z.coerce.number().int().min(1).optional() });
export type MessageSearchQuery = z.infer<typeof messageSearchQuery>;

/** Across the caller's chats: `cursor` (from the previous page) goes on to less recent chats. */
export const messagesSearchQuery = z.strictObject({
  ...messageFilters,
  q: query,
  conversationId: conversationId.optional(),
  cursor: z.string().max(200).optional(),
});
export type MessagesSearchQuery = z.infer<typeof messagesSearchQuery>;

export const searchQuery = z.strictObject({ q: query });

export const searchHit = z.object({
  message,
  snippet: z.string(),
  /** [start, end) UTF-16 ranges of `snippet` that matched. */
  highlights: z.array(z.tuple([z.number().int(), z.number().int()])),
});
export type SearchHit = z.infer<typeof searchHit>;

export const chatSearchResult = z.object({
  conversationId,
  /** Matches in the chat, counted up to SEARCH_LIMITS.countCap; null on pages after the first. */
  total: z.number().int().nullable(),
  hits: z.array(searchHit),
  /** Pass as `before` for older matches; null when there are none. */
  nextBefore: seq.nullable(),
});
export type ChatSearchResult = z.infer<typeof chatSearchResult>;

const chatRef = z.object({ id: conversationId, kind: z.enum(["direct", "group"]), name: z.string(), avatarMediaId: mediaId.nullable() });

export const messagesSearchResponse = z.object({
  chats: z.array(z.object({ conversation: chatRef, total: z.number().int(), hits: z.array(searchHit) })),
  /** Pass back for chats further down the list; null when every chat was searched. */
  cursor: z.string().nullable(),
  /** Chats searched on this page (the deadline may stop a page early; the cursor goes on). */
  searched: z.number().int(),
});
export type MessagesSearchResponse = z.infer<typeof messagesSearchResponse>;

export const contactHit = z.object({
  userId,
  nickname: z.string(),
  remark: z.string(),
  username: z.string().nullable(),
  avatarMediaId: mediaId.nullable(),
  matched: z.enum(["remark", "nickname", "username", "tag"]),
  tag: z.string().optional(),
});

export const groupHit = z.object({
  conversation: chatRef,
  memberCount: z.number().int(),
  /** Set when the group matched through a member's name rather than its own. */
  member: z.object({ userId, name: z.string() }).optional(),
});

export const searchResponse = z.object({
  contacts: z.array(contactHit),
  groups: z.array(groupHit),
  messages: messagesSearchResponse,
});
export type SearchResponse = z.infer<typeof searchResponse>;
export type ContactHit = z.infer<typeof contactHit>;
export type GroupHit = z.infer<typeof groupHit>;
