// Search (docs/search.md): the box at the top of Chats, search inside one chat, and the page of
// history around a result. Thin calls over GET /search, /search/messages,
// /conversations/:id/search and /conversations/:id/messages?around=.
import type { Query } from "./api";
import { api } from "./api";

export const searchAll = (q: string) => api.get<"/search">("/search", { q });
export const searchMessages = (query: Query) => api.get<"/search/messages">("/search/messages", query);
export const searchChat = (conversationId: string, query: Query) => api.get<"/conversations/:id/search">(`/conversations/${conversationId}/search`, query);

/** Messages on both sides of `seq`; page on with before= the first and after= the last. */
export const around = (conversationId: string, seq: number, limit = 30) => api.get<"/conversations/:id/messages">(`/conversations/${conversationId}/messages`, { around: seq, limit });
export const before = (conversationId: string, seq: number, limit = 30) => api.get<"/conversations/:id/messages">(`/conversations/${conversationId}/messages`, { before: seq, limit });
export const after = (conversationId: string, seq: number, limit = 30) => api.get<"/conversations/:id/messages">(`/conversations/${conversationId}/messages`, { after: seq, limit });

export interface SnippetPart {
  text: string;
  hit: boolean;
}

/** A snippet cut into plain and matched runs, for WXML to colour the matches. */
export function snippetParts(snippet: string, highlights: [number, number][]): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let at = 0;
  for (const [start, end] of [...highlights].sort((a, b) => a[0] - b[0])) {
    if (start < at) continue;
    if (start > at) parts.push({ text: snippet.slice(at, start), hit: false });
    parts.push({ text: snippet.slice(start, end), hit: true });
    at = end;
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), hit: false });
  return parts;
}

/** Local midnight of a "YYYY-MM-DD" day and of the next one: a day as since/until. */
export function dayRange(day: string): { since: number; until: number } {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const since = new Date(y, m - 1, d).getTime();
  return { since, until: new Date(y, m - 1, d + 1).getTime() };
}
