// The persistent outbox: a message stays "sending" through a dropped connection and is retried
// with the same clientId (the server stores it once), or turns "failed" when the server refuses
// it, for the user to retry or delete. It survives a restart (a reload, in a browser) in the
// platform's storage. Media uploads first, through the platform, with progress.
import type { Ack, Message, SendInput } from "../../schema/protocol";
import type { Api } from "./api-client";
import { CORE_STORAGE_KEYS, removeQuietly } from "./cache";
import { type Draft, type LocalMessage, localOf, messageOf, newClientId, type Outgoing, type UploadJob } from "./chat-types";
import { ApiError, isApiError } from "./errors";
import { isPromise, type MaybePromise, andThen } from "./maybe";
import type { ClientPlatform } from "./platform";
import type { Reply, SocketManager } from "./socket";
import type { SyncEngine } from "./sync";

/** Socket error codes that mean "try again later" (HTTP would have answered 429 or 5xx); any other is a refusal. */
const SOCKET_ERROR_STATUS: Record<string, number> = { rate_limited: 429, internal: 500, wechat_unavailable: 502, not_configured: 503 };

/** What the outbox needs of the store it belongs to. */
export interface OutboxHost {
  readonly platform: ClientPlatform;
  readonly api: Api;
  readonly socket: SocketManager;
  /** The current sync engine (a new one after each sign-out). */
  engine(): SyncEngine;
  me(): string | null;
  /** Redraws one conversation's messages. */
  rebuild(conversationId: string): void;
}

export class Outbox {
  private entries: Outgoing[] = [];
  private inFlight = new Set<string>();
  /** Upload progress of entries, by clientId (not stored: an upload restarts after a restart). */
  private progress = new Map<string, number>();
  /** Bumped by reset(): a delivery that ends after a sign-out writes nothing back. */
  private generation = 0;

  constructor(private readonly host: OutboxHost) {}

  /** Forgets the entries in memory (sign-out, another user); `stored` also drops the stored copy. */
  reset(stored = false): void {
    this.generation++;
    this.entries = [];
    this.inFlight.clear();
    this.progress.clear();
    if (stored) removeQuietly(this.host.platform.storage, CORE_STORAGE_KEYS.outbox);
  }

  /**
   * Brings back the stored outbox; entries queued before it was read (storage that answers late)
   * stay, after the stored ones. Answers the conversations it touched.
   */
  restore(): MaybePromise<string[]> {
    let stored: MaybePromise<Outgoing[] | undefined>;
    try {
      stored = this.host.platform.storage.get<Outgoing[]>(CORE_STORAGE_KEYS.outbox);
    } catch {
      stored = undefined;
    }
    if (isPromise(stored)) stored = stored.catch(() => undefined);
    return andThen(stored, (list) => {
      // One that was sent but not yet held when the app stopped goes again: the server answers
      // the same ack for its clientId, and the store then holds it once.
      const restored = (Array.isArray(list) ? list : []).map((o): Outgoing => (o.status === "sent" ? { ...o, status: "sending", ack: undefined } : o));
      const known = new Set(restored.map((o) => o.clientId));
      const added = this.entries.filter((o) => !known.has(o.clientId));
      this.entries = restored.concat(added);
      if (added.length && restored.length) this.save();
      return [...new Set(this.entries.map((o) => o.conversationId))];
    });
  }

  /** Unsent messages of one conversation, as pages show them (after the held ones). */
  shown(conversationId: string): LocalMessage[] {
    const me = this.host.me() ?? "";
    return this.entries
      .filter((o) => o.conversationId === conversationId)
      .map((o) => ({ ...localOf(o, me), progress: this.progress.get(o.clientId) ?? null, localPath: o.upload && !o.upload.mediaId ? o.upload.path : "" }));
  }

  pending(): ReadonlyArray<{ clientId: string; status: string }> {
    return this.entries.map((o) => ({ clientId: o.clientId, status: o.status }));
  }

  /** Own messages the store now holds (pushed, pulled, or answered by our send) leave the outbox. */
  stored(conversationId: string, messages: Message[]): void {
    const me = this.host.me();
    const ids = messages.filter((m) => m.senderId === me && m.clientId).map((m) => m.clientId as string);
    if (ids.length) this.drop(conversationId, ids, false);
  }

  /** Sent messages deleted for me before the store held them: they will not come back to take their place. */
  forgetSent(conversationId: string, seqs: readonly number[]): void {
    const gone = new Set(seqs);
    const ids = this.entries.filter((o) => o.conversationId === conversationId && o.ack && gone.has(o.ack.seq)).map((o) => o.clientId);
    if (ids.length) this.drop(conversationId, ids, false);
  }

  /** Takes entries out (and out of storage); redraws the chat unless the caller is about to. */
  private drop(conversationId: string, clientIds: string[], redraw = true): void {
    const ids = new Set(clientIds);
    const left = this.entries.filter((o) => !(o.conversationId === conversationId && ids.has(o.clientId)));
    if (left.length === this.entries.length) return;
    this.entries = left;
    this.save();
    if (redraw) this.host.rebuild(conversationId);
  }

  /** Queues a message (with its media to upload, if any): it shows at once as "sending". */
  add(conversationId: string, draft: Draft, upload?: UploadJob): string {
    const entry: Outgoing = { conversationId, clientId: newClientId(), draft, createdAt: Date.now(), status: "sending", error: "", ...(upload ? { upload } : {}) };
    this.entries.push(entry);
    this.save();
    this.host.rebuild(conversationId);
    void this.deliver(entry);
    return entry.clientId;
  }

  /** Sends a failed message again with the same clientId (the server keeps one copy). */
  retry(clientId: string): void {
    const entry = this.entries.find((o) => o.clientId === clientId);
    if (!entry) return;
    entry.status = "sending";
    entry.error = "";
    this.save();
    this.host.rebuild(entry.conversationId);
    void this.deliver(entry);
  }

  /** Drops an unsent message. */
  remove(conversationId: string, clientId: string): void {
    this.entries = this.entries.filter((o) => o.clientId !== clientId);
    this.save();
    this.host.rebuild(conversationId);
  }

  /** Resolves once every queued message has been tried. */
  async flush(): Promise<void> {
    await Promise.all(this.entries.filter((o) => o.status === "sending").map((o) => this.deliver(o)));
  }

  private save(generation = this.generation): void {
    if (generation !== this.generation) return;
    const storage = this.host.platform.storage;
    try {
      const done = storage.set(CORE_STORAGE_KEYS.outbox, this.entries);
      if (isPromise(done)) done.catch((e: unknown) => console.warn(`[outbox] could not write: ${String(e)}`));
    } catch (e) {
      console.warn(`[outbox] could not write: ${String((e as { errMsg?: string })?.errMsg ?? e)}`);
    }
  }

  /** Uploads an entry's media (and its preview), then puts the ids in its draft. */
  private async uploadFor(entry: Outgoing, job: UploadJob): Promise<void> {
    const generation = this.generation;
    let shown = -100;
    const onProgress = (percent: number) => {
      this.progress.set(entry.clientId, percent);
      // A redraw per tenth is smooth enough, and keeps redraws rare.
      if (percent - shown >= 10 || percent === 100) {
        shown = percent;
        this.host.rebuild(entry.conversationId);
      }
    };
    onProgress(0);
    try {
      const { mediaId, previewId } = await this.host.platform.uploadMedia(job, onProgress);
      const previewField = job.kind === "video" ? "posterMediaId" : "thumbMediaId";
      job.mediaId = mediaId;
      entry.draft = { ...entry.draft, body: { ...(entry.draft.body as Record<string, unknown>), mediaId, ...(previewId ? { [previewField]: previewId } : {}) } } as Draft;
      this.save(generation);
    } finally {
      this.progress.delete(entry.clientId);
    }
  }

  private async deliver(entry: Outgoing): Promise<void> {
    if (this.inFlight.has(entry.clientId)) return;
    this.inFlight.add(entry.clientId);
    // Signed out meanwhile: what this attempt learns belongs to nobody here any more.
    const generation = this.generation;
    const gone = () => generation !== this.generation;
    try {
      if (entry.upload && !entry.upload.mediaId) {
        try {
          await this.uploadFor(entry, entry.upload);
        } catch (e) {
          if (gone()) return;
          // A failed upload waits, failed, for the user's retry (the "!"): it is not retried by itself.
          entry.status = "failed";
          entry.error = isApiError(e) && e.code === "network" ? this.host.platform.text.uploadFailed() : e instanceof Error ? e.message : this.host.platform.text.uploadFailedShort();
          this.save();
          this.host.rebuild(entry.conversationId);
          return;
        }
      }
      const ack = await this.sendOnce(entry);
      if (gone()) return;
      // On the server now. The entry stays, shown as sent with its seq, until the store holds the
      // message (`stored` drops it then): the store may first have to pull a gap (others wrote
      // while we were away), and a bubble taken out of the outbox before that would blink out,
      // or stay out until the next catch-up if the pull fails.
      entry.status = "sent";
      entry.ack = { seq: ack.seq, id: ack.id, createdAt: ack.createdAt };
      this.host.rebuild(entry.conversationId);
      const message = messageOf(entry, this.host.me() ?? "", ack);
      // A reply's quote and a card's profile are written by the server: fetch the stored copy then (a gap pull does it).
      if (entry.draft.replyTo || entry.draft.type === "card") await this.host.engine().pull(entry.conversationId);
      else await this.host.engine().onFrame({ type: "message", message });
      if (gone()) return;
      // Held now (or it was already: pushed before the ack came); either way the store shows it.
      this.drop(entry.conversationId, [entry.clientId]);
    } catch (e) {
      if (gone() || entry.status === "sent") return; // stored; a failed pull leaves it to the next catch-up
      // No answer: keep it queued; the next `ready` sends it again. A refusal is final until retried.
      if (isApiError(e) && e.code !== "network" && e.status !== 0 && e.status !== 429 && e.status < 500) {
        entry.status = "failed";
        entry.error = e.message;
        this.save();
      }
      this.host.rebuild(entry.conversationId);
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
    const socket = this.host.socket;
    if (socket.status === "online") {
      let reply: Reply | null = null;
      try {
        reply = await socket.request({ type: "send", ref: entry.clientId, conversationId: entry.conversationId, message });
      } catch {
        reply = null; // closed or silent: HTTPS below
      }
      if (reply?.type === "ack") return reply.ack;
      if (reply?.type === "error") throw new ApiError(reply.code as never, reply.message, SOCKET_ERROR_STATUS[reply.code] ?? 400);
    }
    return this.host.api.post<"/conversations/:id/messages">(`/conversations/${entry.conversationId}/messages`, message);
  }
}
