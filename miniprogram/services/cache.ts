// The offline cache in wx storage, so the app opens with its chats before the network answers.
// WeChat caps one key at 1 MB and a mini-program's storage at 10 MB, so the cache is an index
// (`qun.cache`: the conversation list and, per conversation, its key's size and when it was last
// used) plus one key per conversation (`qun.cache.c.<id>`: its latest messages). Past the budget
// the least recently used conversations' messages (by latest message or last opened) are evicted (their row stays in the list). A
// write that WeChat refuses is logged, an old conversation evicted, and the write tried once more.
import type { ConversationSummary, Message } from "../../schema/protocol";
import { readStorage, removeStorage, STORAGE_KEYS, writeStorage } from "./storage";

/** The messages' share of storage: well under WeChat's 10 MB, which the session and outbox share. */
export const CACHE_BUDGET_BYTES = 4 * 1024 * 1024;
/** The list in the index stays far below the 1 MB per key (a summary is about 400 bytes). */
const MAX_LISTED = 1_000;

interface Entry {
  bytes: number;
  usedAt: number;
}

interface Index {
  v: 2;
  userId: string;
  conversations: ConversationSummary[];
  entries: Record<string, Entry>;
}

/** The single-key cache written before version 2, restored once and then replaced. */
interface Legacy {
  userId: string;
  conversations: ConversationSummary[];
  messages: Record<string, Message[]>;
}

const keyOf = (conversationId: string) => `${STORAGE_KEYS.cache}.c.${conversationId}` as const;

/** UTF-8 bytes of a string, as WeChat counts a stored value. */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

export class ChatCache {
  private index: Index | null = null;
  /** When each conversation was last opened on this device. */
  private readonly opened = new Map<string, number>();

  constructor(private readonly budgetBytes = CACHE_BUDGET_BYTES) {}

  /** What the cache holds for this user (nothing for another user's cache). */
  load(userId: string): { conversations: ConversationSummary[]; messages: Record<string, Message[]> } | null {
    const stored = readStorage<Index | Legacy>(STORAGE_KEYS.cache);
    if (!stored || stored.userId !== userId) {
      this.index = { v: 2, userId, conversations: [], entries: {} };
      return null;
    }
    if (!("v" in stored) || stored.v !== 2) {
      const legacy = stored as Legacy;
      this.index = { v: 2, userId, conversations: [], entries: {} };
      return { conversations: legacy.conversations, messages: legacy.messages ?? {} };
    }
    this.index = stored;
    const messages: Record<string, Message[]> = {};
    for (const id of Object.keys(stored.entries)) {
      const list = readStorage<Message[]>(keyOf(id));
      if (list?.length) messages[id] = list;
      else delete stored.entries[id];
    }
    return { conversations: stored.conversations, messages };
  }

  /** Marks a conversation as just used (opened), so it is the last to be evicted. */
  touch(conversationId: string): void {
    const now = Date.now();
    this.opened.set(conversationId, now);
    const entry = this.index?.entries[conversationId];
    if (entry) entry.usedAt = now;
  }

  /** Writes the conversations whose messages changed, then the index with the list. */
  save(userId: string, conversations: ConversationSummary[], changed: Record<string, Message[]>): void {
    if (!this.index || this.index.userId !== userId) this.index = { v: 2, userId, conversations: [], entries: {} };
    const index = this.index;
    for (const [id, messages] of Object.entries(changed)) {
      if (messages.length === 0) {
        this.evict(id);
        continue;
      }
      const json = JSON.stringify(messages);
      // Used = its latest message or its last opening here, whichever is later.
      const usedAt = Math.max(messages[messages.length - 1]!.createdAt, this.opened.get(id) ?? 0, index.entries[id]?.usedAt ?? 0);
      const entry = { bytes: utf8Bytes(json), usedAt };
      if (entry.bytes > this.budgetBytes) continue;
      index.entries[id] = entry;
      this.makeRoom(id);
      if (!this.write(keyOf(id), messages, id)) delete index.entries[id];
    }
    index.conversations = conversations.slice(0, MAX_LISTED);
    this.write(STORAGE_KEYS.cache, index, null);
  }

  /** Forgets everything: the index, every conversation's key, and the single key of old versions. */
  clear(): void {
    const index = this.index ?? readStorage<Index>(STORAGE_KEYS.cache);
    for (const id of Object.keys(index && "entries" in index ? index.entries : {})) removeStorage(keyOf(id));
    removeStorage(STORAGE_KEYS.cache);
    this.index = null;
    this.opened.clear();
  }

  /** Evicts the least recently used conversations (never `keep`) until the total fits the budget. */
  private makeRoom(keep: string): void {
    const entries = this.index?.entries ?? {};
    let total = Object.values(entries).reduce((sum, e) => sum + e.bytes, 0);
    const oldest = Object.keys(entries)
      .filter((id) => id !== keep)
      .sort((a, b) => entries[a]!.usedAt - entries[b]!.usedAt);
    for (const id of oldest) {
      if (total <= this.budgetBytes) break;
      total -= entries[id]!.bytes;
      this.evict(id);
    }
  }

  private evict(conversationId: string): void {
    if (this.index) delete this.index.entries[conversationId];
    removeStorage(keyOf(conversationId));
  }

  /** One write; when WeChat refuses it, says so, evicts the oldest other conversation and tries once more. */
  private write(key: Parameters<typeof writeStorage>[0], value: unknown, own: string | null): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeStorage(key, value);
        return true;
      } catch (e) {
        console.warn(`[cache] could not write ${key}: ${e instanceof Error ? e.message : String((e as { errMsg?: string })?.errMsg ?? e)}`);
        const entries = this.index?.entries ?? {};
        const oldest = Object.keys(entries)
          .filter((id) => id !== own)
          .sort((a, b) => entries[a]!.usedAt - entries[b]!.usedAt)[0];
        if (oldest === undefined) return false;
        this.evict(oldest);
      }
    }
    return false;
  }
}
