// The device side of "nothing lost, nothing twice". Pure logic, no wx: the socket manager feeds
// it frames, and it pulls by seq through a transport. Per conversation it holds a contiguous
// run of messages ending at lastSeq; a pushed message that is not lastSeq + 1 means a gap,
// and the gap is pulled (after = lastSeq) before anything newer is shown. Order is by seq,
// never by arrival; a seq already held is ignored.
import { MESSAGE_LIMITS } from "../generated/limits";
import type { ConversationSummary, HistoryPage, Message, ServerFrame } from "../../schema/protocol";

export interface SyncTransport {
  listConversations(): Promise<ConversationSummary[]>;
  fetchAfter(conversationId: string, afterSeq: number, limit: number): Promise<HistoryPage>;
  /**
   * The most messages one fetchAfter may ask for: 200 for full pages (the default), up to 5,000
   * for a transport that asks for compact ones (services/chats.ts does).
   */
  readonly pageSize?: number;
}

export interface SyncListener {
  /** New messages of one conversation, in seq order, each delivered exactly once. */
  onMessages?(conversationId: string, messages: Message[]): void;
  /** A held message was recalled: drop its content. */
  onRecalled?(conversationId: string, seq: number, recalledBy: string, recalledAt: number): void;
  onReads?(conversationId: string, reads: { userId: string; seq: number }[]): void;
}

interface Held {
  lastSeq: number;
  messages: Map<number, Message>;
  pulling: Promise<void> | null;
  again: boolean;
}

/** A catch-up page of full messages, unless the transport says it takes more (SyncTransport.pageSize). */
export const PAGE = MESSAGE_LIMITS.historyPageMax;

export class SyncEngine {
  private held = new Map<string, Held>();

  constructor(
    private readonly transport: SyncTransport,
    private readonly listener: SyncListener = {},
    /** How many seqs back a conversation seen for the first time starts; Infinity pulls all. */
    private readonly firstLoad = Infinity,
  ) {}

  lastSeq(conversationId: string): number {
    return this.held.get(conversationId)?.lastSeq ?? 0;
  }

  messages(conversationId: string): Message[] {
    const h = this.held.get(conversationId);
    return h ? [...h.messages.values()].sort((a, b) => a.seq - b.seq) : [];
  }

  /** Restores what a local cache held (lastSeq and messages), e.g. at app start. */
  restore(conversationId: string, messages: Message[], lastSeq: number) {
    const h = this.state(conversationId);
    for (const m of messages) h.messages.set(m.seq, m);
    h.lastSeq = Math.max(h.lastSeq, lastSeq);
  }

  /** Drops held messages (deleted for me): lastSeq stays, so they are not pulled again. */
  forget(conversationId: string, seqs: readonly number[]): void {
    const h = this.held.get(conversationId);
    if (h) for (const seq of seqs) h.messages.delete(seq);
  }

  /**
   * Drops every held message up to `seq` (the user deleted the chat, here or on another device);
   * lastSeq moves to at least `seq`, so catch-up never pulls them again. Answers how many went.
   */
  forgetThrough(conversationId: string, seq: number): number {
    const h = this.state(conversationId);
    let dropped = 0;
    for (const held of [...h.messages.keys()]) {
      if (held <= seq) {
        h.messages.delete(held);
        dropped++;
      }
    }
    h.lastSeq = Math.max(h.lastSeq, seq);
    return dropped;
  }

  /** Handles a pushed frame. Returns when any gap it revealed has been pulled. */
  async onFrame(frame: ServerFrame): Promise<void> {
    if (frame.type === "read") return this.listener.onReads?.(frame.conversationId, frame.reads);
    if (frame.type !== "message") return;
    const m = frame.message;
    const h = this.state(m.conversationId);
    if (m.seq <= h.lastSeq) return; // already held: nothing twice
    if (m.seq === h.lastSeq + 1 && !h.pulling) return this.apply(m.conversationId, [m]);
    await this.pull(m.conversationId);
  }

  /** After (re)connecting: compare every conversation's last seq with what is held and pull. */
  async catchUp(): Promise<ConversationSummary[]> {
    const list = await this.transport.listConversations();
    await Promise.all(
      list.map((c) => {
        const h = this.state(c.id);
        if (h.lastSeq === 0 && this.firstLoad !== Infinity) h.lastSeq = Math.max(0, c.lastSeq - this.firstLoad);
        return c.lastSeq > h.lastSeq ? this.pull(c.id) : undefined;
      }),
    );
    return list;
  }

  /** Pulls everything after lastSeq; one pull at a time per conversation, repeated if asked again meanwhile. */
  pull(conversationId: string): Promise<void> {
    const h = this.state(conversationId);
    if (h.pulling) {
      h.again = true;
      return h.pulling;
    }
    h.pulling = (async () => {
      try {
        do {
          h.again = false;
          for (;;) {
            const page = await this.transport.fetchAfter(conversationId, h.lastSeq, this.transport.pageSize ?? PAGE);
            const fresh = page.messages.filter((m) => m.seq > h.lastSeq);
            if (fresh.length > 0) this.apply(conversationId, fresh);
            if (!page.hasMore || fresh.length === 0) break;
          }
        } while (h.again);
      } finally {
        h.pulling = null;
      }
    })();
    return h.pulling;
  }

  private apply(conversationId: string, ordered: Message[]) {
    const h = this.state(conversationId);
    const applied: Message[] = [];
    for (const m of ordered) {
      if (m.seq <= h.lastSeq) continue;
      h.messages.set(m.seq, m);
      h.lastSeq = m.seq;
      applied.push(m);
    }
    if (applied.length === 0) return;
    this.listener.onMessages?.(conversationId, applied);
    for (const m of applied) {
      const body = m.body as { event?: string; targetSeq?: number } | null;
      if (m.type === "system" && body?.event === "recalled" && typeof body.targetSeq === "number") {
        const target = h.messages.get(body.targetSeq);
        if (target) h.messages.set(target.seq, { ...target, body: null, mentions: [], recalledAt: m.createdAt, recalledBy: m.senderId });
        this.listener.onRecalled?.(conversationId, body.targetSeq, m.senderId, m.createdAt);
      }
    }
  }

  private state(conversationId: string): Held {
    let h = this.held.get(conversationId);
    if (!h) {
      h = { lastSeq: 0, messages: new Map(), pulling: null, again: false };
      this.held.set(conversationId, h);
    }
    return h;
  }
}
