// What a client core needs from the platform it runs on, injected so the same chat store runs in
// the mini-program (services/wx-platform.ts: wx storage, wx.request, wx.connectSocket,
// wx.uploadFile) and in the browser (web/src/platform/: IndexedDB, fetch, WebSocket, XHR).
// Nothing under core/ may name a platform's globals (tests/architecture/client-core.test.ts).
import type { Message } from "../../schema/protocol";
import type { RequestFn } from "./api-client";
import type { UploadJob } from "./chat-types";
import type { MaybePromise } from "./maybe";
import type { SocketConnection } from "./socket";

/**
 * Key-value storage for the outbox and the offline cache. Values are plain JSON-like data.
 * Each call may answer at once (wx's *Sync calls) or later (IndexedDB); writes to one key land
 * in the order they were made. A refused write throws or rejects (storage full).
 */
export interface KeyValueStorage {
  get<T>(key: string): MaybePromise<T | undefined>;
  set(key: string, value: unknown): MaybePromise<void>;
  remove(key: string): MaybePromise<void>;
}

/** Who is signed in, as far as the chat store needs to know. */
export interface ClientSession {
  /** The signed-in user's id; null when signed out (no tokens). */
  userId(): string | null;
  /** The access token in use, or null when signed out. */
  accessToken(): string | null;
  /** New tokens after the server said the access token expired; rejects when the session is over. */
  refresh(staleAccessToken?: string): Promise<void>;
  /** The server ended the session (the socket heard 4403): forget the tokens. */
  endedByServer(): void;
  /** Calls `listener` after every change of the session; answers the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** The user-facing text the store writes itself (the platform's catalogue decides the language). */
export interface ClientText {
  /** A message as one line of the Chats list ("[Photo]", the text, a group event). */
  preview(message: Message): string;
  /** An upload failed for want of a network / for another reason. */
  uploadFailed(): string;
  uploadFailedShort(): string;
}

export interface ClientPlatform {
  storage: KeyValueStorage;
  /** REST requests with the session's token; refreshes once on token_expired. */
  request: RequestFn;
  session: ClientSession;
  /** ws:// or wss:// URL of /ws (with ?batch=1). */
  socketUrl(): string;
  /** Opens an authenticated socket (a header in the mini-program, subprotocols in a browser). */
  openSocket(url: string, token: string): SocketConnection;
  /** Uploads a message's media and its preview; `onProgress` gets percents. */
  uploadMedia(job: UploadJob, onProgress: (percent: number) => void): Promise<{ mediaId: string; previewId: string | null }>;
  text: ClientText;
  /** Forgets what the platform keeps per user besides the chats (signed URLs, played voice notes). */
  forgetLocal?(): void;
}
