// Per-reader copies of a flush's frames where a reply quotes a message some members may not see
// (their history starts after it): the rule of quoteSeenBy (log.ts) applied to pushes.
import type { ServerFrame } from "../../schema/protocol";
import { groupByShard } from "../lib/shards";
import type { Pending } from "./fanout";
import { quoteSeenBy } from "./log";
import type { ConversationState } from "./state";

/**
 * Members whose history starts after a message quoted in `frames` get a copy of the frames with
 * that quote unavailable: one copy per distinct set of hidden quotes (usually one, the
 * newcomers), each serialised once. Null when everyone may see every quote (the common case).
 */
export function quoteVariants(s: ConversationState, frames: string[], plain: Pending[]): { byShard: Map<number, string[]>; frames: string[] }[] | null {
  const replies = plain.flatMap((o, i) => (o.reply?.replyTo ? [{ i, message: o.reply, quote: o.reply.replyTo }] : []));
  if (replies.length === 0 || replies.every((r) => r.quote.seq >= s.latestVisibleFrom)) return null;
  const hidden = new Map<number, string>(); // frame index → its copy with the quote unavailable
  const readers = new Map<string, string[]>(); // hidden indexes → members
  for (const m of s.members.values()) {
    const hides = replies.filter((r) => {
      const seen = quoteSeenBy(r.quote, m.visibleFromSeq);
      if (!seen.unavailable) return false;
      if (!hidden.has(r.i)) hidden.set(r.i, JSON.stringify({ type: "message", message: { ...r.message, replyTo: seen } } satisfies ServerFrame));
      return true;
    });
    const key = hides.map((r) => r.i).join(",");
    const list = readers.get(key);
    if (list) list.push(m.userId);
    else readers.set(key, [m.userId]);
  }
  if (hidden.size === 0) return null;
  return [...readers].map(([key, userIds]) => {
    const hides = new Set(key === "" ? [] : key.split(",").map(Number));
    return { byShard: groupByShard(userIds), frames: frames.map((f, i) => (hides.has(i) ? hidden.get(i)! : f)) };
  });
}
