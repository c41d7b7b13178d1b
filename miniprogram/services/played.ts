// Which voice messages this device has played, as WeChat remembers them: a received voice message
// shows a red dot beside its length until it is played here. Kept in storage per conversation and
// bounded (the newest seqs of the most recently played conversations), since a dot that comes
// back on a very old message after years of chatting matters less than the storage it would take.
import { readStorage, removeStorage, STORAGE_KEYS, writeStorage } from "./storage";

/** Seqs kept per conversation, and conversations kept (the ones played least recently go first). */
export const PLAYED_PER_CONVERSATION = 200;
export const PLAYED_CONVERSATIONS = 50;

/** Conversation id → played seqs; the object's key order is the order they were last played in. */
type Played = Record<string, number[]>;

let cache: Played | null = null;

function load(): Played {
  cache ??= readStorage<Played>(STORAGE_KEYS.played) ?? {};
  return cache;
}

/** Signing out: drops the copy in memory and, with `stored`, the record in storage (it is the user's). */
export function forgetPlayed(stored = false): void {
  cache = null;
  if (stored) removeStorage(STORAGE_KEYS.played);
}

export function isPlayed(conversationId: string, seq: number): boolean {
  return load()[conversationId]?.includes(seq) ?? false;
}

/** Remembers that this device played the voice message `seq`; answers whether it was new. */
export function markPlayed(conversationId: string, seq: number): boolean {
  if (!seq || isPlayed(conversationId, seq)) return false;
  const all = load();
  const seqs = [...(all[conversationId] ?? []), seq].slice(-PLAYED_PER_CONVERSATION);
  delete all[conversationId];
  all[conversationId] = seqs;
  const ids = Object.keys(all);
  for (const id of ids.slice(0, Math.max(0, ids.length - PLAYED_CONVERSATIONS))) delete all[id];
  try {
    writeStorage(STORAGE_KEYS.played, all);
  } catch {
    // Storage full: the dot stays gone for this run and may come back next time.
  }
  return true;
}
