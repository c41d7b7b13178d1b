// The one chat store of a client, platform-neutral: what the user does with chats (send, retry,
// delete, read, recall, forward, flags, older pages) on top of the state and sync glue of
// core/chat-sync.ts. Each client makes one with its platform (core/platform.ts): the
// mini-program in services/chats.ts, the browser in web/src/platform/index.ts.
import type { ConversationSummary } from "../../schema/protocol";
import { ChatSync } from "./chat-sync";
import { type Draft, newClientId, sortConversations, type UploadJob } from "./chat-types";

export { CACHE_BUDGET_BYTES } from "./cache";
export type { ChatStoreOptions } from "./chat-sync";
export { CACHE_PER_CONVERSATION, type ChatState, type Draft, type LocalMessage, type MediaKind, newClientId, type SendStatus, type UploadJob, withGroupEvents } from "./chat-types";
export type { ClientPlatform, ClientSession, ClientText, KeyValueStorage } from "./platform";

const TYPING_SEND_EVERY_MS = 3_000;

export class ChatStore extends ChatSync {
  private lastTypingSent = new Map<string, number>();

  // ---- Sending --------------------------------------------------------------------------

  /** Queues a message; it shows at once as "sending". Answers its clientId. */
  send(conversationId: string, draft: Draft): string {
    return this.outbox.add(conversationId, draft);
  }

  /**
   * Queues a media message: it shows at once with its local file and its own progress, uploads,
   * then sends. Several can upload at once. `draft`'s body lacks the media ids, added on upload.
   */
  sendMedia(conversationId: string, draft: Draft, upload: UploadJob): string {
    return this.outbox.add(conversationId, draft, upload);
  }

  /** Sends a failed message again with the same clientId (the server keeps one copy). */
  retry(clientId: string): void {
    this.outbox.retry(clientId);
  }

  pending(): ReadonlyArray<{ clientId: string; status: string }> {
    return this.outbox.pending();
  }

  /**
   * "Delete": an unsent message leaves the outbox; a stored one is hidden for this user on the
   * server (every device, and history never brings it back), then dropped from the store and the
   * cache here. Rejects, changing nothing, when the server cannot be reached.
   */
  async deleteForMe(conversationId: string, key: { seq?: number; clientId?: string }): Promise<void> {
    if (key.seq) {
      await this.api.post<"/conversations/:id/messages/:seq/hide">(`/conversations/${conversationId}/messages/${key.seq}/hide`);
      this.forget(conversationId, [key.seq]);
      return;
    }
    if (key.clientId) this.outbox.remove(conversationId, key.clientId);
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

  /** Older messages for scrolling up; answers whether there are more. */
  async loadOlder(conversationId: string, limit = 30): Promise<boolean> {
    const first = this.engine.messages(conversationId)[0];
    const before = first ? first.seq : this.engine.lastSeq(conversationId) + 1;
    if (before <= 1) {
      this.store.set({ hasOlder: { ...this.store.get().hasOlder, [conversationId]: false } });
      return false;
    }
    const page = await this.api.get<"/conversations/:id/messages">(`/conversations/${conversationId}/messages`, { before, limit });
    this.engine.restore(conversationId, page.messages, 0);
    this.store.set({ hasOlder: { ...this.store.get().hasOlder, [conversationId]: page.hasMore } });
    this.rebuild(conversationId);
    return page.hasMore;
  }

  async loadReceipts(conversationId: string): Promise<void> {
    const r = await this.api.get<"/conversations/:id/receipts">(`/conversations/${conversationId}/receipts`);
    this.applyReads(conversationId, r.reads);
  }

  // ---- Other actions ------------------------------------------------------------------------

  async recall(conversationId: string, seq: number): Promise<void> {
    await this.api.post(`/conversations/${conversationId}/messages/${seq}/recall`);
    await this.engine.pull(conversationId);
  }

  async forward(conversationId: string, seq: number, to: string[]): Promise<{ conversationId: string; ok: boolean }[]> {
    const res = await this.api.post<"/conversations/:id/messages/:seq/forward">(`/conversations/${conversationId}/messages/${seq}/forward`, { to, clientId: newClientId() });
    await Promise.all(res.results.filter((r) => r.ok).map((r) => this.engine.pull(r.conversationId)));
    return res.results;
  }

  async setFlags(conversationId: string, flags: { pinned?: boolean; doNotDisturb?: boolean }): Promise<void> {
    const summary = await this.api.patch<"/conversations/:id/settings">(`/conversations/${conversationId}/settings`, flags);
    this.replaceSummary(summary);
  }

  /** WeChat's 标为未读 / 标为已读 from the list: the user's own dot, on every device (docs/protocol.md). */
  async markUnread(conversationId: string, on: boolean): Promise<void> {
    const path = `/conversations/${conversationId}/unread` as const;
    const summary = on ? await this.api.put<"/conversations/:id/unread">(path) : await this.api.del<"/conversations/:id/unread">(path);
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
    const summary = await this.api.post<"/conversations/:id/clear">(`/conversations/${conversationId}/clear`, { seq });
    this.forgetThrough(conversationId, summary.clearedSeq ?? seq);
    this.replaceSummary(summary);
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
}
