// Direct chats carry the contacts rules: a blocked sender is refused, and so is a non-friend
// unless the recipient allows strangers. Kept in this object's SQLite and memory, and read
// from D1 only when the contacts service calls contactsChanged() (friendship, blocks or the
// setting changed), or once for a chat older than the stored rules.
import { directRules, type DirectRuleRow } from "../../schema/conversation";
import { db as d1 } from "../db";
import type { ServerFrame } from "../../schema/protocol";
import { ApiError } from "../lib/errors";
import { groupByShard } from "../lib/shards";
import { directPolicy } from "../data/contacts";
import { appendSystem } from "./log";
import type { ConversationState } from "./state";

/** How old a direct chat's stored contacts rules may get before a send re-reads them from D1. */
export const DIRECT_RULES_RECHECK_MS = 60 * 60 * 1000;

type Refusal = "blocked" | "not_friends" | "account_deleted" | null;

export class DirectRules {
  /** Why each member may not send (null = may); null until read from storage or D1. */
  policy: Map<string, Refusal> | null = null;
  /** When the stored rules were last read from D1, and a background re-read under way, if any. */
  private syncedAt = 0;
  private recheck: Promise<void> | null = null;

  constructor(private readonly s: ConversationState) {}

  /** From storage on wake. Chats from before the rules were stored have no rows: their first send reads D1 once. */
  load(rows: DirectRuleRow[]) {
    this.policy = rows.length > 0 && rows.length === this.s.members.size ? new Map(rows.map((r) => [r.senderId, r.refusal])) : null;
    this.syncedAt = Math.min(...rows.map((r) => r.syncedAt));
  }

  /** Refuses a sender the rules refuse; anything but a member of a direct chat passes (the log refuses those). */
  async check(senderId: string) {
    const s = this.s;
    const m = s.meta;
    if (!m || m.kind !== "direct" || !s.members.has(senderId)) return;
    if (!this.policy) {
      await s.lock.run(async () => {
        if (!this.policy) await this.read();
      });
    }
    // A change whose report never arrived (the service's call failed after its D1 write) heals
    // here: stale rules are re-read in the background, at most once an interval, never per send.
    if (Date.now() - this.syncedAt > DIRECT_RULES_RECHECK_MS && !this.recheck) {
      this.recheck = s.lock
        .run(() => this.read())
        .catch((e) => console.error(JSON.stringify({ msg: "direct rules re-read failed", conversationId: m.id, error: String(e) })))
        .finally(() => (this.recheck = null));
      s.ctx.waitUntil(this.recheck);
    }
    const reason = this.policy!.get(senderId);
    if (reason === "blocked") throw new ApiError("blocked", "Your message was not delivered: this person is not receiving your messages");
    if (reason === "not_friends") throw new ApiError("not_friends", "You are not friends: send a friend request first");
    if (reason === "account_deleted") throw new ApiError("account_deleted", "This account has been deleted: messages to it are not delivered");
  }

  /**
   * Reads the pair's rules from D1 and stores them. Callers hold the mutex, and the contacts
   * service calls after its D1 write, so the last change is the one that stays.
   */
  async read() {
    const s = this.s;
    const [a, b] = [...s.members.keys()];
    const policy = await directPolicy(d1(s.env), a!, b ?? a!);
    const now = Date.now();
    s.ctx.storage.transactionSync(() => {
      s.sql.delete(directRules).run();
      s.sql
        .insert(directRules)
        .values([...policy].map(([senderId, refusal]) => ({ senderId, refusal, syncedAt: now })))
        .run();
    });
    this.policy = policy;
    this.syncedAt = now;
  }
}

/** The contacts service changed something between the two (mutex held). */
export async function contactsChanged(s: ConversationState): Promise<null> {
  if (s.meta?.kind === "direct") await s.directRules.read();
  return null;
}

/** A friend request between the two was accepted: the notice opens their chat (mutex held). */
export async function befriended(s: ConversationState, actorId: string, requesterId: string, greeting: string): Promise<{ seq: number }> {
  const m = s.requireOpen();
  if (m.kind !== "direct") throw new ApiError("invalid_request", "Only direct chats");
  s.requireMember(actorId);
  await s.directRules.read();
  const msg = appendSystem(s, { event: "friends", actorId, requesterId, greeting }, Date.now());
  return { seq: msg.seq };
}

/** Typing is shown in direct chats only, and only by someone the rules let message the other. */
export async function typing(s: ConversationState, userId: string): Promise<null> {
  const m = s.requireOpen();
  s.requireMember(userId);
  if (m.kind !== "direct") return null;
  try {
    await s.directRules.check(userId);
  } catch {
    return null;
  }
  const frame = JSON.stringify({ type: "typing", conversationId: m.id, userId } satisfies ServerFrame);
  const others = [...s.members.keys()].filter((u) => u !== userId);
  await s.fanout.toShards(groupByShard(others), [frame]);
  return null;
}
