// size: the one chat store (state, cache, outbox and sync glue); it moves into a platform-neutral core with the web client.
// The chat state every page subscribes to: the conversation list, each conversation's messages
// (held ones from the SyncEngine plus this device's unsent ones), the socket's status, typing
// and read receipts. One instance per app (`chats`). It restores a cache from wx storage at
// start so the app opens instantly offline, connects the socket, catches up by seq on every
// `ready`, and keeps a persistent outbox: a message stays "sending" through a dropped
// connection and is retried with the same clientId (the server stores it once), or turns
// "failed" when the server refuses it, for the user to retry or delete.
import type { Ack, ConversationSummary, HistoryPage, Message, SendInput, ServerFrame, SystemEvent } from "../../schema/protocol";
import { applyConversationChanges, type ConversationChanges, markedOnly } from "../core/conversations";
import type { CompactHistoryPage } from "../../schema/compact-history";
import { decodeHistoryPage } from "../core/compact-history";
import { MESSAGE_LIMITS } from "../generated/limits";
import { SyncEngine } from "../core/sync";
import { type Reply, SocketManager, type SocketStatus } from "../core/socket";
import { api, refreshTokens, request } from "./api";
import { apiBase } from "./config";
import { ApiError, isApiError } from "./errors";
import { previewOf } from "./format";
import { forgetPlayed } from "./played";
import { compressedCopy, forgetMediaUrls, type MediaKind, uploadMedia, uploadPreview } from "./media";
import { currentTokens, endSession, session } from "./session";
import { CACHE_BUDGET_BYTES, ChatCache } from "./cache";
import { readStorage, removeStorage, STORAGE_KEYS, writeStorage } from "./storage";
import { Store } from "./store";
import { t } from "../i18n/index";

export type SendStatus = "sent" | "sending" | "failed";

/** A message as pages show it: a held one (`status: "sent"`) or one of ours still in the outbox (seq 0). */
export interface LocalMessage extends Message {
  status: SendStatus;
  error: string;
  /** An unsent media message's upload: percent done (null when not uploading now). */
  progress?: number | null;
  /** An unsent media message's local file, shown until its upload is done. */
  localPath?: string;
}

/**
 * The media of a message still to upload. The message waits in the outbox until it is stored:
 * a failed upload stays there, failed, for the user to retry.
 */
export interface UploadJob {
  kind: MediaKind;
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

interface Outgoing {
  conversationId: string;
  clientId: string;
  draft: Draft;
  createdAt: number;
  status: "sending" | "failed";
  error: string;
  upload?: UploadJob;
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
const TYPING_SHOWN_MS = 5_000;
const TYPING_SEND_EVERY_MS = 3_000;
const READ_REPORT_MS = 1_000;
/** Socket error codes that mean "try again later" (HTTP would have answered 429 or 5xx); any other is a refusal. */
const SOCKET_ERROR_STATUS: Record<string, number> = { rate_limited: 429, internal: 500, wechat_unavailable: 502, not_configured: 503 };

function emptyState(): ChatState {
  return { conversations: [], messages: {}, connection: "offline", typing: {}, reads: {}, hasOlder: {}, synced: false };
}

function sortConversations(list: ConversationSummary[]): ConversationSummary[] {
  return list.slice().sort((a, b) => Number(b.pinned) - Number(a.pinned) || (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
}

function wsUrl(): string {
  return `${apiBase().replace(/^http/i, "ws")}/ws?batch=1`;
}

function mentionsOf(draft: Draft): string[] {
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

function touchesMyRole(m: Message, me: string | null): boolean {
  if (m.type !== "system" || !m.body || !me) return false;
  const e = m.body as SystemEvent;
  if (e.event === "admin_set" || e.event === "admin_unset" || e.event === "owner_transferred") return e.memberId === me || e.actorId === me;
  if (e.event === "removed") return e.memberIds.includes(me);
  return false;
}

export class ChatClient {
  readonly store = new Store<ChatState>(emptyState);
  readonly socket: SocketManager;
  private engine: SyncEngine;
  private outbox: Outgoing[] = [];
  /** Read reports per conversation: when the last went out, the newest seq, a pending trailing one. */
  private readReports = new Map<string, { lastAt: number; seq: number; timer: ReturnType<typeof setTimeout> | null }>();
  private inFlight = new Set<string>();
  /** Upload progress of outbox entries, by clientId (not stored: an upload restarts after a restart). */
  private progress = new Map<string, number>();
  private userId: string | null = null;
  private active: string | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private lastTypingSent = new Map<string, number>();
  private unsubscribeSession: (() => void) | null = null;
  private readonly cache: ChatCache;
  /** Conversations whose messages changed since the cache was last written. */
  private unsaved = new Set<string>();

  constructor(options: { cacheBudgetBytes?: number } = {}) {
    this.cache = new ChatCache(options.cacheBudgetBytes ?? CACHE_BUDGET_BYTES);
    this.socket = new SocketManager({
      url: wsUrl,
      token: () => currentTokens()?.accessToken ?? null,
      refresh: (stale) => refreshTokens(stale ?? undefined),
      onSignedOut: () => endSession("server"),
    });
    this.engine = this.newEngine();
    this.socket.onStatus((connection) => this.store.set({ connection }));
    this.socket.onFrame((frame) => this.onFrame(frame));
  }

  private newEngine(): SyncEngine {
    return new SyncEngine(
      {
        listConversations: async () => (await api.get<"/conversations">("/conversations")).conversations,
        // The compact page (schema/compact-history.ts): about half the bytes of full messages, and
        // five times as many to a page.
        pageSize: MESSAGE_LIMITS.historyCompactPageMax,
        fetchAfter: async (id, after, limit) =>
          decodeHistoryPage(await request<CompactHistoryPage | HistoryPage>(`/conversations/${id}/messages`, { method: "GET", query: { after, limit, format: "compact" } })),
      },
      {
        onMessages: (id, messages) => this.onMessages(id, messages),
        onRecalled: (id) => this.rebuild(id),
        onReads: (id, reads) => this.applyReads(id, reads),
      },
      CACHE_PER_CONVERSATION,
    );
  }

  /** Starts for the signed-in user: cached state at once, then the socket and a catch-up. Idempotent. */
  start(): void {
    const user = session.get().user;
    if (!user || !currentTokens()) return;
    if (this.userId !== user.id) {
      this.reset();
      this.userId = user.id;
      this.restoreCache(user.id);
    }
    if (!this.unsubscribeSession) {
      // Logging out (or the server ending the session) stops the socket and forgets this user's chats.
      this.unsubscribeSession = session.subscribe((state) => {
        if (!state.tokens && this.userId) this.signOut();
      });
    }
    this.socket.start();
  }

  /** The app is back in the foreground: probe the socket, reconnect at once if it is dead. */
  wake(): void {
    this.socket.wake();
  }

  /** wx.onNetworkStatusChange: close at once when the network goes, reconnect at once when it returns. */
  networkChanged(connected: boolean): void {
    if (connected) this.socket.wake(true);
    else this.socket.networkLost();
  }

  /** Stops the socket and drops every trace of the user's chats from memory and storage. */
  signOut(): void {
    this.socket.stop();
    this.reset();
    forgetMediaUrls();
    this.cache.clear();
    removeStorage(STORAGE_KEYS.outbox);
    forgetPlayed(true);
  }

  private reset(): void {
    this.engine = this.newEngine();
    this.outbox = [];
    for (const r of this.readReports.values()) if (r.timer !== null) clearTimeout(r.timer);
    this.readReports.clear();
    this.inFlight.clear();
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
    // The server's list is the truth for flags and counts; the active chat stays read.
    const merged = list.map((c) => (c.id === this.active ? { ...c, unread: 0, readSeq: c.lastSeq } : c));
    this.store.set({ conversations: sortConversations(merged), synced: true });
    for (const c of list) {
      // Deleted on another device while this one was away: what it held before goes now.
      const cleared = c.clearedSeq ? this.engine.forgetThrough(c.id, c.clearedSeq) > 0 : false;
      if (cleared || !held.has(c.id) || !this.store.get().messages[c.id]) this.rebuild(c.id);
    }
    if (this.active) this.markRead(this.active);
    this.scheduleSave();
  }

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "ready":
        this.refresh().catch(() => undefined);
        this.flushOutbox();
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
      const updated: ConversationSummary = {
        ...withGroupEvents(existing, messages),
        lastSeq: Math.max(existing.lastSeq, last.seq),
        lastMessage: { seq: last.seq, senderId: last.senderId, type: last.type, text: previewOf(last), at: last.createdAt },
        lastMessageAt: last.createdAt,
        // A chat marked unread counts 1 for the mark until real unread messages count for it.
        unread: isActive ? 0 : markedOnly(existing) ? Math.max(1, fromOthers) : existing.unread + fromOthers,
        readSeq: isActive ? last.seq : existing.readSeq,
      };
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
    // Own messages that came back by a pull leave the outbox: they are stored.
    const stored = new Set(messages.filter((m) => m.senderId === me && m.clientId).map((m) => m.clientId));
    if (stored.size) this.outbox = this.outbox.filter((o) => !(o.conversationId === conversationId && stored.has(o.clientId)));
    this.rebuild(conversationId);
    if (this.active === conversationId && fromOthers > 0) this.markRead(conversationId);
    this.scheduleSave();
  }

  private applyReads(conversationId: string, reads: { userId: string; seq: number }[]): void {
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
  private rebuild(conversationId: string): void {
    const held: LocalMessage[] = this.engine.messages(conversationId).map((m) => ({ ...m, status: "sent", error: "" }));
    const me = this.userId ?? "";
    const pending: LocalMessage[] = this.outbox
      .filter((o) => o.conversationId === conversationId)
      .map((o) => ({
        conversationId,
        seq: 0,
        id: `local-${o.clientId}`,
        senderId: me,
        clientId: o.clientId,
        type: o.draft.type,
        body: o.draft.body as Record<string, unknown>,
        mentions: mentionsOf(o.draft),
        mentionAll: "mentionAll" in o.draft ? Boolean(o.draft.mentionAll) : false,
        replyTo: null,
        forwarded: null,
        createdAt: o.createdAt,
        recalledAt: null,
        recalledBy: null,
        status: o.status,
        error: o.error,
        progress: this.progress.get(o.clientId) ?? null,
        localPath: o.upload && !o.upload.mediaId ? o.upload.path : "",
      }));
    const hasOlder = { ...this.store.get().hasOlder };
    if (hasOlder[conversationId] === undefined) hasOlder[conversationId] = (held[0]?.seq ?? 1) > 1;
    this.store.set({ messages: { ...this.store.get().messages, [conversationId]: held.concat(pending) }, hasOlder });
    this.unsaved.add(conversationId);
  }

  // ---- Sending --------------------------------------------------------------------------

  /** Queues a message; it shows at once as "sending". Resolves with its clientId. */
  send(conversationId: string, draft: Draft): string {
    const entry: Outgoing = { conversationId, clientId: newClientId(), draft, createdAt: Date.now(), status: "sending", error: "" };
    this.outbox.push(entry);
    this.saveOutbox();
    this.rebuild(conversationId);
    void this.deliver(entry);
    return entry.clientId;
  }

  /**
   * Queues a media message: it shows at once with its local file and its own progress, uploads,
   * then sends. Several can upload at once. `draft`'s body lacks the media ids, added on upload.
   */
  sendMedia(conversationId: string, draft: Draft, upload: UploadJob): string {
    const entry: Outgoing = { conversationId, clientId: newClientId(), draft, createdAt: Date.now(), status: "sending", error: "", upload };
    this.outbox.push(entry);
    this.saveOutbox();
    this.rebuild(conversationId);
    void this.deliver(entry);
    return entry.clientId;
  }

  /** Uploads an entry's media (and its preview), then puts the ids in its draft. */
  private async uploadFor(entry: Outgoing, job: UploadJob): Promise<void> {
    let shown = -100;
    const onProgress = (percent: number) => {
      this.progress.set(entry.clientId, percent);
      // A redraw per tenth is smooth enough, and keeps setData rare.
      if (percent - shown >= 10 || percent === 100) {
        shown = percent;
        this.rebuild(entry.conversationId);
      }
    };
    onProgress(0);
    try {
      const mediaId = await uploadMedia(job.path, job.kind, onProgress, job.fields);
      const source = job.preview === "compress" ? compressedCopy(job.path) : Promise.resolve(job.preview);
      const previewId = job.preview ? await uploadPreview(source, mediaId) : null;
      const previewField = job.kind === "video" ? "posterMediaId" : "thumbMediaId";
      job.mediaId = mediaId;
      entry.draft = { ...entry.draft, body: { ...(entry.draft.body as Record<string, unknown>), mediaId, ...(previewId ? { [previewField]: previewId } : {}) } } as Draft;
      this.saveOutbox();
    } finally {
      this.progress.delete(entry.clientId);
    }
  }

  /** Sends a failed message again with the same clientId (the server keeps one copy). */
  retry(clientId: string): void {
    const entry = this.outbox.find((o) => o.clientId === clientId);
    if (!entry) return;
    entry.status = "sending";
    entry.error = "";
    this.saveOutbox();
    this.rebuild(entry.conversationId);
    void this.deliver(entry);
  }

  /** Resolves once every queued message has been tried (tests and pull-to-refresh wait on it). */
  async flushOutbox(): Promise<void> {
    await Promise.all(this.outbox.filter((o) => o.status === "sending").map((o) => this.deliver(o)));
  }

  pending(): ReadonlyArray<{ clientId: string; status: string }> {
    return this.outbox.map((o) => ({ clientId: o.clientId, status: o.status }));
  }

  private async deliver(entry: Outgoing): Promise<void> {
    if (this.inFlight.has(entry.clientId)) return;
    this.inFlight.add(entry.clientId);
    try {
      if (entry.upload && !entry.upload.mediaId) {
        try {
          await this.uploadFor(entry, entry.upload);
        } catch (e) {
          // A failed upload waits, failed, for the user's retry (the "!"): it is not retried by itself.
          entry.status = "failed";
          entry.error = isApiError(e) && e.code === "network" ? t("chat.uploadFailed") : e instanceof Error ? e.message : t("chat.uploadFailedShort");
          this.saveOutbox();
          this.rebuild(entry.conversationId);
          return;
        }
      }
      const ack = await this.sendOnce(entry);
      this.outbox = this.outbox.filter((o) => o.clientId !== entry.clientId);
      this.saveOutbox();
      const message: Message = {
        conversationId: entry.conversationId,
        seq: ack.seq,
        id: ack.id,
        senderId: this.userId ?? "",
        clientId: entry.clientId,
        type: entry.draft.type,
        body: entry.draft.body as Record<string, unknown>,
        mentions: mentionsOf(entry.draft),
        mentionAll: "mentionAll" in entry.draft ? Boolean(entry.draft.mentionAll) : false,
        replyTo: null,
        forwarded: null,
        createdAt: ack.createdAt,
        recalledAt: null,
        recalledBy: null,
      };
      // A reply's quote and a card's profile are written by the server: fetch the stored copy then (a gap pull does it).
      if (entry.draft.replyTo || entry.draft.type === "card") await this.engine.pull(entry.conversationId);
      else await this.engine.onFrame({ type: "message", message });
      this.rebuild(entry.conversationId);
    } catch (e) {
      // No answer: keep it queued; the next `ready` sends it again. A refusal is final until retried.
      if (isApiError(e) && e.code !== "network" && e.status !== 0 && e.status !== 429 && e.status < 500) {
        entry.status = "failed";
        entry.error = e.message;
        this.saveOutbox();
      }
      this.rebuild(entry.conversationId);
    } finally {
      this.inFlight.delete(entry.clientId);
    }
  }

  /**
   * One attempt at a queued message: a `send` frame when the socket is open (the path the server
   * and the benchmark are built around), HTTPS when it is not or gives no answer in time. The
   * clientId is the same either way, so a frame that did arrive and is then posted again is
   * stored once. Retries stay the outbox's: this never loops.
   */
  private async sendOnce(entry: Outgoing): Promise<Ack> {
    const message = { clientId: entry.clientId, ...entry.draft } as SendInput;
    if (this.socket.status === "online") {
      let reply: Reply | null = null;
      try {
        reply = await this.socket.request({ type: "send", ref: entry.clientId, conversationId: entry.conversationId, message });
      } catch {
        reply = null; // closed or silent: HTTPS below
      }
      if (reply?.type === "ack") return reply.ack;
      if (reply?.type === "error") throw new ApiError(reply.code as never, reply.message, SOCKET_ERROR_STATUS[reply.code] ?? 400);
    }
    return api.post<"/conversations/:id/messages">(`/conversations/${entry.conversationId}/messages`, message);
  }

  /**
   * "Delete": an unsent message leaves the outbox; a stored one is hidden for this user on the
   * server (every device, and history never brings it back), then dropped from the store and the
   * cache here. Rejects, changing nothing, when the server cannot be reached.
   */
  async deleteForMe(conversationId: string, key: { seq?: number; clientId?: string }): Promise<void> {
    if (key.seq) {
      await api.post<"/conversations/:id/messages/:seq/hide">(`/conversations/${conversationId}/messages/${key.seq}/hide`);
      this.forget(conversationId, [key.seq]);
      return;
    }
    if (key.clientId) {
      this.outbox = this.outbox.filter((o) => o.clientId !== key.clientId);
      this.saveOutbox();
      this.rebuild(conversationId);
    }
  }

  /** Drops messages deleted for me (here or on another device) from the store and the cache. */
  private forget(conversationId: string, seqs: readonly number[]): void {
    this.engine.forget(conversationId, seqs);
    this.rebuild(conversationId);
    this.scheduleSave();
  }

  // ---- Reading ----------------------------------------------------------------------------

  /** The chat page that is open: its messages count as read while it is. */
  setActive(conversationId: string | null): void {
    this.active = conversationId;
    if (conversationId) {
      this.cache.touch(conversationId);
      this.markRead(conversationId);
    }
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
    this.reportRead(conversationId, seq);
  }

  /**
   * Tells the server at most once a second per conversation (the first at once, then the newest
   * seq at the end of the second): in a busy group with the chat open, a read per incoming message
   * from every member was most of the server's work.
   */
  private reportRead(conversationId: string, seq: number): void {
    const r = this.readReports.get(conversationId) ?? { lastAt: 0, seq: 0, timer: null };
    this.readReports.set(conversationId, r);
    r.seq = Math.max(r.seq, seq);
    if (r.timer !== null) return;
    const send = () => {
      r.lastAt = Date.now();
      if (!this.socket.send({ type: "read", conversationId, seq: r.seq })) {
        api.post(`/conversations/${conversationId}/read`, { seq: r.seq }).catch(() => undefined);
      }
    };
    const wait = r.lastAt + READ_REPORT_MS - Date.now();
    if (wait <= 0) {
      send();
      return;
    }
    r.timer = setTimeout(() => {
      r.timer = null;
      send();
    }, wait);
  }

  /** Older messages for scrolling up; answers whether there are more. */
  async loadOlder(conversationId: string, limit = 30): Promise<boolean> {
    const first = this.engine.messages(conversationId)[0];
    const before = first ? first.seq : this.engine.lastSeq(conversationId) + 1;
    if (before <= 1) {
      this.store.set({ hasOlder: { ...this.store.get().hasOlder, [conversationId]: false } });
      return false;
    }
    const page = await api.get<"/conversations/:id/messages">(`/conversations/${conversationId}/messages`, { before, limit });
    this.engine.restore(conversationId, page.messages, 0);
    this.store.set({ hasOlder: { ...this.store.get().hasOlder, [conversationId]: page.hasMore } });
    this.rebuild(conversationId);
    return page.hasMore;
  }

  async loadReceipts(conversationId: string): Promise<void> {
    const r = await api.get<"/conversations/:id/receipts">(`/conversations/${conversationId}/receipts`);
    this.applyReads(conversationId, r.reads);
  }

  // ---- Other actions ------------------------------------------------------------------------

  async recall(conversationId: string, seq: number): Promise<void> {
    await api.post(`/conversations/${conversationId}/messages/${seq}/recall`);
    await this.engine.pull(conversationId);
  }

  async forward(conversationId: string, seq: number, to: string[]): Promise<{ conversationId: string; ok: boolean }[]> {
    const res = await api.post<"/conversations/:id/messages/:seq/forward">(`/conversations/${conversationId}/messages/${seq}/forward`, { to, clientId: newClientId() });
    await Promise.all(res.results.filter((r) => r.ok).map((r) => this.engine.pull(r.conversationId)));
    return res.results;
  }

  async setFlags(conversationId: string, flags: { pinned?: boolean; doNotDisturb?: boolean }): Promise<void> {
    const summary = await api.patch<"/conversations/:id/settings">(`/conversations/${conversationId}/settings`, flags);
    this.store.set({ conversations: sortConversations(this.store.get().conversations.map((c) => (c.id === conversationId ? summary : c))) });
    this.scheduleSave();
  }

  /** WeChat's 标为未读 / 标为已读 from the list: the user's own dot, on every device (docs/protocol.md). */
  async markUnread(conversationId: string, on: boolean): Promise<void> {
    const path = `/conversations/${conversationId}/unread` as const;
    const summary = on ? await api.put<"/conversations/:id/unread">(path) : await api.del<"/conversations/:id/unread">(path);
    this.replaceSummary(summary);
  }

  /**
   * "Delete chat": the chat leaves this user's list and its messages up to the last one shown
   * leave their history, here and on their other devices, until a newer message. Rejects,
   * changing nothing here, when the server refuses or cannot be reached.
   */
  async clearChat(conversationId: string): Promise<void> {
    const c = this.conversation(conversationId);
    const seq = Math.max(c?.lastSeq ?? 0, this.engine.lastSeq(conversationId));
    if (seq === 0) return;
    const summary = await api.post<"/conversations/:id/clear">(`/conversations/${conversationId}/clear`, { seq });
    this.forgetThrough(conversationId, summary.clearedSeq ?? seq);
    this.replaceSummary(summary);
  }

  /** A `conversation` frame: the summary patched (another device's mark, pin, mute or delete; a group's grid avatar). */
  private applyConversation(conversationId: string, changes: ConversationChanges): void {
    if (changes.clearedSeq !== undefined) this.forgetThrough(conversationId, changes.clearedSeq);
    const list = this.store.get().conversations;
    if (!list.some((c) => c.id === conversationId)) return; // not listed here yet: the next list brings it whole
    this.store.set({ conversations: sortConversations(list.map((c) => (c.id === conversationId ? applyConversationChanges(c, changes) : c))) });
    this.scheduleSave();
  }

  private forgetThrough(conversationId: string, seq: number): void {
    this.engine.forgetThrough(conversationId, seq);
    this.store.set({ hasOlder: { ...this.store.get().hasOlder, [conversationId]: false } });
    this.rebuild(conversationId);
    this.scheduleSave();
  }

  private replaceSummary(summary: ConversationSummary): void {
    this.store.set({ conversations: sortConversations(this.store.get().conversations.map((c) => (c.id === summary.id ? summary : c))) });
    this.scheduleSave();
  }

  /** Tells the other person we are typing, at most every few seconds. */
  typing(conversationId: string): void {
    const now = Date.now();
    if (now - (this.lastTypingSent.get(conversationId) ?? 0) < TYPING_SEND_EVERY_MS) return;
    if (this.socket.send({ type: "typing", conversationId })) this.lastTypingSent.set(conversationId, now);
  }

  /** Adds or replaces a conversation the server just answered (a new group, an opened chat). */
  upsert(summary: ConversationSummary): void {
    // A chat deleted on another device while this one was away: its cached messages stay deleted.
    if (summary.clearedSeq) this.engine.forgetThrough(summary.id, summary.clearedSeq);
    const others = this.store.get().conversations.filter((c) => c.id !== summary.id);
    this.store.set({ conversations: sortConversations([summary, ...others]) });
    this.rebuild(summary.id);
    if (summary.lastSeq > this.engine.lastSeq(summary.id)) this.engine.pull(summary.id).catch(() => undefined);
  }

  // ---- Local cache ------------------------------------------------------------------------

  private restoreCache(userId: string): void {
    const cached = this.cache.load(userId);
    const outbox = readStorage<Outgoing[]>(STORAGE_KEYS.outbox) ?? [];
    if (cached) {
      for (const [id, list] of Object.entries(cached.messages)) {
        const last = list[list.length - 1];
        if (last) this.engine.restore(id, list, last.seq);
      }
      this.store.set({ conversations: sortConversations(cached.conversations) });
      for (const id of Object.keys(cached.messages)) this.rebuild(id);
      this.unsaved.clear();
    }
    // Unsent messages survive a restart; ones that were in flight are tried again.
    this.outbox = outbox;
    for (const id of new Set(this.outbox.map((o) => o.conversationId))) this.rebuild(id);
  }

  private scheduleSave(): void {
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

  private saveOutbox(): void {
    writeStorage(STORAGE_KEYS.outbox, this.outbox);
  }
}

export const chats = new ChatClient();
