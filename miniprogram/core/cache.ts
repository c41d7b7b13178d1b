// The offline cache, so the app opens with its chats before the network answers. WeChat caps one
// key at 1 MB and a mini-program's storage at 10 MB, so the cache is an index (`qun.cache`: the
// conversation list and, per conversation, its key's size and when it was last used) plus one
// key per conversation (`qun.cache.c.<id>`: its latest messages). Past the budget the least
// recently used conversations' messages (by latest message or last opened) are evicted (their
// row stays in the list). A write the storage refuses is logged, an old conversation evicted, and
// the write tried once more. The storage is the platform's (core/platform.ts): synchronous in the
// mini-program, IndexedDB in a browser, so reads and writes may answer later.
import type { ConversationSummary, Message } from "../../schema/protocol";
import { all, isPromise, type MaybePromise, andThen } from "./maybe";
import type { KeyValueStorage } from "./platform";

/** Storage keys of the client core; the mini-program's other keys are in services/storage.ts. */
export const CORE_STORAGE_KEYS = {
  /** The offline cache's index; each conversation's messages are under `qun.cache.c.<id>`. */
  cache: "qun.cache",
  /** Messages written but not yet acknowledged by the server. */
  outbox: "qun.outbox",
} as const;

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

export interface CachedChats {
  conversations: ConversationSummary[];
  messages: Record<string, Message[]>;
}

const keyOf = (conversationId: string) => `${CORE_STORAGE_KEYS.cache}.c.${conversationId}`;

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

/** Reads a key; a storage that fails to read counts as holding nothing. */
function read<T>(storage: KeyValueStorage, key: string): MaybePromise<T | undefined> {
  try {
    const value = storage.get<T>(key);
    return isPromise(value) ? value.catch(() => undefined) : value;
  } catch {
    return undefined;
  }
}

/** Removes a key; nothing stored is as good as removed, so failures are ignored. */
export function removeQuietly(storage: KeyValueStorage, key: string): void {
  try {
    const done = storage.remove(key);
    if (isPromise(done)) done.catch(() => undefined);
  } catch {
    // already gone
  }
}

export class ChatCache {
  private index: Index | null = null;
  /** When each conversation was last opened on this device. */
  private readonly opened = new Map<string, number>();

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly budgetBytes = CACHE_BUDGET_BYTES,
  ) {}

  /** What the cache holds for this user (nothing for another user's cache). */
  load(userId: string): MaybePromise<CachedChats | null> {
    return andThen(read<Index | Legacy>(this.storage, CORE_STORAGE_KEYS.cache), (stored) => {
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
      const ids = Object.keys(stored.entries);
      return andThen(all(ids.map((id) => read<Message[]>(this.storage, keyOf(id)))), (lists) => {
        const messages: Record<string, Message[]> = {};
        ids.forEach((id, i) => {
          const list = lists[i];
          if (list?.length) messages[id] = list;
          else delete stored.entries[id];
        });
        return { conversations: stored.conversations, messages };
      });
    });
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
      // Given up: the index no longer lists it (an index written meanwhile is corrected on load).
      this.write(keyOf(id), messages, id, () => {
        if (index.entries[id] === entry) delete index.entries[id];
      });
    }
    index.conversations = conversations.slice(0, MAX_LISTED);
    this.write(CORE_STORAGE_KEYS.cache, index, null);
  }

  /** Forgets everything: the index, every conversation's key, and the single key of old versions. */
  clear(): MaybePromise<void> {
    const known = this.index;
    this.index = null;
    this.opened.clear();
    return andThen(known ?? read<Index | Legacy>(this.storage, CORE_STORAGE_KEYS.cache), (index) => {
      for (const id of Object.keys(index && "entries" in index ? index.entries : {})) removeQuietly(this.storage, keyOf(id));
      removeQuietly(this.storage, CORE_STORAGE_KEYS.cache);
    });
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
    removeQuietly(this.storage, keyOf(conversationId));
  }

  /**
   * One write; when the storage refuses it (at once or later), says so, evicts the oldest other
   * conversation and tries once more. `onGiveUp` runs when the value could not be written.
   */
  private write(key: string, value: unknown, own: string | null, onGiveUp?: () => void, attempt = 0): void {
    const refused = (e: unknown) => {
      console.warn(`[cache] could not write ${key}: ${e instanceof Error ? e.message : String((e as { errMsg?: string })?.errMsg ?? e)}`);
      const entries = this.index?.entries ?? {};
      const oldest = Object.keys(entries)
        .filter((id) => id !== own)
        .sort((a, b) => entries[a]!.usedAt - entries[b]!.usedAt)[0];
      if (oldest === undefined) {
        onGiveUp?.();
        return;
      }
      this.evict(oldest);
      if (attempt === 0) this.write(key, value, own, onGiveUp, 1);
      else onGiveUp?.();
    };
    try {
      const done = this.storage.set(key, value);
      if (isPromise(done)) done.catch(refused);
    } catch (e) {
      refused(e);
    }
  }
}
