// The chat store's state and sync glue, platform-neutral: the conversation list, each
// conversation's messages (held ones from the SyncEngine plus this device's unsent ones from the
// outbox), the socket's status, typing and read receipts. It restores the cache from the
// platform's storage at start so the app opens offline, connects the socket, catches up by seq
// on every `ready`, and writes the cache back. The user's actions are core/chat-store.ts.
import type { CompactHistoryPage } from "../../schema/compact-history";
import type { ConversationSummary, HistoryPage, Message, ServerFrame } from "../../schema/protocol";
import { MESSAGE_LIMITS } from "../generated/limits";
import { type Api, createApi } from "./api-client";
import { CACHE_BUDGET_BYTES, ChatCache } from "./cache";
import { advanced, CACHE_PER_CONVERSATION, type ChatState, emptyState, type LocalMessage, sortConversations, touchesMyRole } from "./chat-types";
import { decodeHistoryPage } from "./compact-history";
import { applyConversationChanges, type ConversationChanges } from "./conversations";
import { isPromise, andThen } from "./maybe";
import { Outbox } from "./outbox";
import { ReadReporter } from "./read-reports";
import type { ClientPlatform } from "./platform";
import { SocketManager } from "./socket";
import { Store } from "./store";
import { SyncEngine } from "./sync";

const TYPING_SHOWN_MS = 5_000;

export interface ChatStoreOptions {
  /** The offline cache's budget for messages (core/cache.ts). */
  cacheBudgetBytes?: number;
}

export class ChatSync {
  readonly store = new Store<ChatState>(emptyState);
  readonly socket: SocketManager;
  readonly api: Api;
  protected engine: SyncEngine;
  protected readonly outbox: Outbox;
  protected readonly cache: ChatCache;
  protected userId: string | null = null;
  protected active: string | null = null;
  private readonly reads: ReadReporter;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribeSession: (() => void) | null = null;
  /** Conversations whose messages changed since the cache was last written. */
  private unsaved = new Set<string>();
  /** Bumped by every reset, so a restore that answers late for a previous user is dropped. */
  private generation = 0;

  constructor(
    readonly platform: ClientPlatform,
    options: ChatStoreOptions = {},
  ) {
    this.api = createApi(platform.request);
    this.cache = new ChatCache(platform.storage, options.cacheBudgetBytes ?? CACHE_BUDGET_BYTES);
    const session = platform.session;
    this.socket = new SocketManager({
      url: () => platform.socketUrl(),
      open: (url, token) => platform.openSocket(url, token),
      token: () => session.accessToken(),
      refresh: (stale) => session.refresh(stale ?? undefined),
      onSignedOut: () => session.endedByServer(),
    });
    this.engine = this.newEngine();
    this.outbox = new Outbox({ platform, api: this.api, socket: this.socket, engine: () => this.engine, me: () => this.userId, rebuild: (id) => this.rebuild(id) });
    this.reads = new ReadReporter(this.socket, this.api);
    this.socket.onStatus((connection) => this.store.set({ connection }));
    this.socket.onFrame((frame) => this.onFrame(frame));
  }

  private newEngine(): SyncEngine {
    return new SyncEngine(
      {
        listConversations: async () => (await this.api.get<"/conversations">("/conversations")).conversations,
        // The compact page (schema/compact-history.ts): about half the bytes of full messages, and
        // 25 times as many to a page (each request costs the same few ms whatever it carries).
        pageSize: MESSAGE_LIMITS.historyCompactPageMax,
        fetchAfter: async (id, after, limit) =>
          decodeHistoryPage(await this.platform.request<CompactHistoryPage | HistoryPage>(`/conversations/${id}/messages`, { method: "GET", query: { after, limit, format: "compact" } })),
      },
      {
        onMessages: (id, messages) => this.onMessages(id, messages),
        onRecalled: (id) => this.rebuild(id),
        onReads: (id, reads) => this.applyReads(id, reads),
      },
      CACHE_PER_CONVERSATION,
    );
  }

  /**
   * Starts for the signed-in user: cached state, then the socket and a catch-up. Idempotent. With
   * storage that answers at once (the mini-program) the cached chats are in the store when this
   * returns; otherwise the promise resolves once they are, and the socket starts after them.
   */
  start(): Promise<void> {
    const session = this.platform.session;
    const user = session.userId();
    if (!user || !session.accessToken()) return Promise.resolve();
    if (!this.unsubscribeSession) {
      // Logging out (or the server ending the session) stops the socket and forgets this user's chats.
      this.unsubscribeSession = session.subscribe(() => {
        if (!session.accessToken() && this.userId) this.signOut();
      });
    }
    if (this.userId === user) {
      this.socket.start();
      return Promise.resolve();
    }
    this.reset();
    this.userId = user;
    const generation = this.generation;
    const restored = andThen(this.restoreCache(user), () => {
      if (this.generation === generation) this.socket.start();
    });
    return isPromise(restored) ? restored : Promise.resolve();
  }

  /** The app is back in the foreground: probe the socket, reconnect at once if it is dead. */
  wake(): void {
    this.socket.wake();
  }

  /** The network went (close at once) or came back (reconnect at once). */
  networkChanged(connected: boolean): void {
    if (connected) this.socket.wake(true);
    else this.socket.networkLost();
  }

  /** Stops the socket and drops every trace of the user's chats from memory and storage. */
  signOut(): void {
    this.socket.stop();
    this.reset();
    this.platform.forgetLocal?.();
    const cleared = this.cache.clear();
    if (isPromise(cleared)) cleared.catch(() => undefined);
    this.outbox.reset(true);
  }

  protected reset(): void {
    this.generation++;
    this.engine = this.newEngine();
    this.outbox.reset();
    this.reads.reset();
    this.unsaved.clear();
    this.userId = null;
    this.active = null;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.store.set(emptyState());
  }

  get me(): string | null {
    return this.userId;
  }

  conversation(id: string): ConversationSummary | undefined {
    return this.store.get().conversations.find((c) => c.id === id);
  }

  /** Pull to refresh, and what runs after every (re)connect. */
  async refresh(): Promise<void> {
    const list = await this.engine.catchUp();
    const held = new Map(this.store.get().conversations.map((c) => [c.id, c]));
    // The server's list is the truth for flags and counts up to its lastSeq; messages pushed while
    // it was on its way are past that and count on top. The active chat stays read.
    const merged = list.map((listed) => {
      const newer = this.engine.lastSeq(listed.id) > listed.lastSeq ? this.engine.messages(listed.id).filter((m) => m.seq > listed.lastSeq) : [];
      const c = advanced(listed, newer, this.userId, this.platform.text.preview);
      return c.id === this.active ? { ...c, unread: 0, readSeq: c.lastSeq } : c;
    });
    this.store.set({ conversations: sortConversations(merged), synced: true });
    for (const c of list) {
      // Deleted on another device while this one was away: what it held before goes now.
      const cleared = c.clearedSeq ? this.engine.forgetThrough(c.id, c.clearedSeq) > 0 : false;
      if (cleared || !held.has(c.id) || !this.store.get().messages[c.id]) this.rebuild(c.id);
    }
    if (this.active) this.markRead(this.active);
    this.scheduleSave();
  }

  /** Resolves once every queued message has been tried (tests and pull-to-refresh wait on it). */
  flushOutbox(): Promise<void> {
    return this.outbox.flush();
  }

  protected onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "ready":
        this.refresh().catch(() => undefined);
        void this.flushOutbox();
        return;
      case "message":
      case "read":
        this.engine.onFrame(frame).catch(() => undefined);
        return;
      case "hidden":
        this.forget(frame.conversationId, frame.seqs);
        return;
      case "conversation":
        this.applyConversation(frame.conversationId, frame.changes);
        return;
      case "typing": {
        const typing = { ...this.store.get().typing, [frame.conversationId]: { userId: frame.userId, until: Date.now() + TYPING_SHOWN_MS } };
        this.store.set({ typing });
        return;
      }
      default:
        return;
    }
  }

  private onMessages(conversationId: string, messages: Message[]): void {
    const last = messages[messages.length - 1]!;
    const me = this.userId;
    const list = this.store.get().conversations;
    const existing = list.find((c) => c.id === conversationId);
    const fromOthers = messages.filter((m) => m.senderId !== me && m.type !== "system").length;
    if (existing) {
      const isActive = this.active === conversationId;
      const next = advanced(existing, messages, me, this.platform.text.preview);
      const updated: ConversationSummary = { ...next, unread: isActive ? 0 : next.unread, readSeq: isActive ? last.seq : existing.readSeq };
      this.store.set({ conversations: sortConversations(list.map((c) => (c.id === conversationId ? updated : c))) });
      // My own role changed (made admin or owner, or removed): the server's list says what it is now.
      if (messages.some((m) => touchesMyRole(m, me))) this.refresh().catch(() => undefined);
    } else {
      // A conversation this device has not seen (a new group, a first message): fetch the list.
      this.refresh().catch(() => undefined);
    }
    // Whoever wrote a message has read up to it (the server does not push that read separately).
    this.applyReads(
      conversationId,
      messages.map((m) => ({ userId: m.senderId, seq: m.seq })),
    );
    this.outbox.stored(conversationId, messages);
    this.rebuild(conversationId);
    if (this.active === conversationId && fromOthers > 0) this.markRead(conversationId);
    this.scheduleSave();
  }

  protected applyReads(conversationId: string, reads: { userId: string; seq: number }[]): void {
    const all = this.store.get().reads;
    const current = { ...(all[conversationId] ?? {}) };
    for (const r of reads) current[r.userId] = Math.max(current[r.userId] ?? 0, r.seq);
    const patch: Partial<ChatState> = { reads: { ...all, [conversationId]: current } };
    // Our own read on another device clears the badge here too.
    const mine = this.userId ? current[this.userId] : undefined;
    if (mine !== undefined) {
      patch.conversations = this.store
        .get()
        .conversations.map((c) => (c.id === conversationId && mine > c.readSeq ? { ...c, readSeq: mine, unread: Math.max(0, Math.min(c.unread, c.lastSeq - mine)) } : c));
    }
    this.store.set(patch);
  }

  /** Rebuilds one conversation's visible list: held messages by seq, then unsent ones by time. */
  protected rebuild(conversationId: string): void {
    const held: LocalMessage[] = this.engine.messages(conversationId).map((m) => ({ ...m, status: "sent", error: "" }));
    const hasOlder = { ...this.store.get().hasOlder };
    if (hasOlder[conversationId] === undefined) hasOlder[conversationId] = (held[0]?.seq ?? 1) > 1;
    this.store.set({ messages: { ...this.store.get().messages, [conversationId]: held.concat(this.outbox.shown(conversationId)) }, hasOlder });
    this.unsaved.add(conversationId);
  }

  markRead(conversationId: string): void {
    const c = this.conversation(conversationId);
    if (!c) return;
    // A chat marked unread with nothing new is read at its read seq: the server clears the mark on any read.
    const seq = Math.max(this.engine.lastSeq(conversationId), c.markedUnread ? c.readSeq : 0);
    if (seq === 0) return;
    if (c.unread > 0 || c.readSeq < seq || c.markedUnread) {
      // The mark and the badge go at once; the server's frame to the other devices follows.
      this.store.set({ conversations: this.store.get().conversations.map((x) => (x.id === conversationId ? { ...x, unread: 0, readSeq: Math.max(x.readSeq, seq), markedUnread: false } : x)) });
    }
    this.reads.report(conversationId, seq);
  }

  /** A `conversation` frame: the summary patched (another device's mark, pin, mute or delete; a group's grid avatar). */
  private applyConversation(conversationId: string, changes: ConversationChanges): void {
    if (changes.clearedSeq !== undefined) this.forgetThrough(conversationId, changes.clearedSeq);
    const list = this.store.get().conversations;
    if (!list.some((c) => c.id === conversationId)) return; // not listed here yet: the next list brings it whole
    this.store.set({ conversations: sortConversations(list.map((c) => (c.id === conversationId ? applyConversationChanges(c, changes) : c))) });
    this.scheduleSave();
  }

  protected forgetThrough(conversationId: string, seq: number): void {
    this.engine.forgetThrough(conversationId, seq);
    this.store.set({ hasOlder: { ...this.store.get().hasOlder, [conversationId]: false } });
    this.rebuild(conversationId);
    this.scheduleSave();
  }

  protected replaceSummary(summary: ConversationSummary): void {
    this.store.set({ conversations: sortConversations(this.store.get().conversations.map((c) => (c.id === summary.id ? summary : c))) });
    this.scheduleSave();
  }

  /** Drops messages deleted for me (here or on another device) from the store and the cache. */
  protected forget(conversationId: string, seqs: readonly number[]): void {
    this.engine.forget(conversationId, seqs);
    this.outbox.forgetSent(conversationId, seqs);
    this.rebuild(conversationId);
    this.scheduleSave();
  }

  // ---- Local cache ------------------------------------------------------------------------

  private restoreCache(userId: string) {
    const generation = this.generation;
    const cached = this.cache.load(userId);
    const outbox = this.outbox.restore();
    return andThen(cached, (chats) =>
      andThen(outbox, (touched) => {
        if (this.generation !== generation) return;
        if (chats) {
          for (const [id, list] of Object.entries(chats.messages)) {
            const last = list[list.length - 1];
            if (last) this.engine.restore(id, list, last.seq);
          }
          // A list that arrived from the server meanwhile is newer than the cached one.
          if (!this.store.get().synced) this.store.set({ conversations: sortConversations(chats.conversations) });
          for (const id of Object.keys(chats.messages)) this.rebuild(id);
          this.unsaved.clear();
        }
        // Unsent messages survive a restart; ones that were in flight are tried again.
        for (const id of touched) this.rebuild(id);
      }),
    );
  }

  protected scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.saveNow();
    }, 300);
  }

  /** Writes the cache: the list, and the latest messages of each conversation that changed. */
  saveNow(): void {
    if (!this.userId) return;
    const changed: Record<string, Message[]> = {};
    const listed = new Set(this.store.get().conversations.map((c) => c.id));
    for (const id of this.unsaved) {
      if (!listed.has(id)) continue; // not in the list yet: written once it is
      changed[id] = this.engine.messages(id).slice(-CACHE_PER_CONVERSATION);
      this.unsaved.delete(id);
    }
    this.cache.save(this.userId, this.store.get().conversations, changed);
  }
}
