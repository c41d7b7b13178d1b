// The web client's platform for the client core, and its one entry: createWebClient().
//
// The chat store, outbox, offline cache, sync engine and socket manager are the mini-program's
// own (miniprogram/core/, see docs/architecture.md "The client core"); this folder gives them a
// browser to run on:
//   storage.ts  IndexedDB key-value storage (the outbox and the cache survive a reload)
//   http.ts     fetch with the in-memory access token as Bearer, one refresh on token_expired
//   session.ts  the token in memory; POST /auth/web/refresh with the HttpOnly session cookie
//   socket.ts   WebSocket with subprotocols ["qun", accessToken]
//   upload.ts   files staged in IndexedDB, then multipart POST /media by XHR with progress
//
// Use:
//   const client = createWebClient({ baseUrl: "https://api.example.com" });
//   if (await client.session.resume()) await client.chats.start();   // a reload: cookie → token
//   // … or after the QR sign-in confirmed: client.session.signIn({ accessToken, accessExpiresAt, user })
//   client.chats.store.subscribe((state) => render(state));           // list, messages, connection
//   client.chats.send(conversationId, { type: "text", body: { text } });
//   client.chats.setActive(conversationId);                           // open chat: reads it
//   await client.signOut();                                           // POST /auth/web/logout, forget chats
import { type Api, createApi } from "../../../miniprogram/core/api-client";
import { ChatStore, type ChatStoreOptions, type ClientPlatform, type ClientText, type KeyValueStorage } from "../../../miniprogram/core/chat-store";
import { t } from "../../../miniprogram/i18n/index";
import { previewOf } from "../../../miniprogram/services/format";
import { createRequest } from "./http";
import { WebSession } from "./session";
import { openWebSocket } from "./socket";
import { indexedDbStorage, memoryStorage } from "./storage";
import { WebUploads } from "./upload";

export { ChatStore } from "../../../miniprogram/core/chat-store";
export type { ChatState, Draft, LocalMessage, SendStatus, UploadJob } from "../../../miniprogram/core/chat-store";
export { ApiError, isApiError } from "../../../miniprogram/core/errors";
export { indexedDbStorage, memoryStorage } from "./storage";
export { WebSession, type WebSessionState, type WebSignIn } from "./session";
export type { Api };

export interface WebClientOptions {
  /** The worker's origin, e.g. "https://api.example.com" (no trailing slash). */
  baseUrl: string;
  /** Where the outbox and cache live: IndexedDB database "qun" unless given. */
  storage?: KeyValueStorage;
  /** The store's text (previews, upload errors): the mini-program's catalogues in their current language unless given. */
  text?: ClientText;
  /** For tests: the WebSocket class and fetch to use (the globals by default). */
  WebSocket?: typeof WebSocket;
  fetch?: typeof fetch;
  chat?: ChatStoreOptions;
}

export interface WebClient {
  chats: ChatStore;
  /** Route-typed REST calls with the session's token (api.get<"/me">("/me")). */
  api: Api;
  session: WebSession;
  uploads: WebUploads;
  /** Logs out on the server (POST /auth/web/logout) and forgets this user's chats here. */
  signOut(): Promise<void>;
}

const defaultText: ClientText = { preview: previewOf, uploadFailed: () => t("chat.uploadFailed"), uploadFailedShort: () => t("chat.uploadFailedShort") };

export function createWebClient(options: WebClientOptions): WebClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const fetchFn = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const storage = options.storage ?? (typeof indexedDB === "undefined" ? memoryStorage() : indexedDbStorage());
  const session = new WebSession(baseUrl, fetchFn);
  const request = createRequest(baseUrl, session, fetchFn);
  const uploads = new WebUploads(baseUrl, session, storage);
  const platform: ClientPlatform = {
    storage,
    request,
    session: {
      userId: () => session.userId(),
      accessToken: () => session.accessToken(),
      refresh: (stale) => session.refresh(stale),
      endedByServer: () => session.end("server"),
      subscribe: (listener) => session.store.subscribe(() => listener()),
    },
    socketUrl: () => `${baseUrl.replace(/^http/i, "ws")}/ws?batch=1`,
    openSocket: (url, token) => openWebSocket(url, token, options.WebSocket),
    uploadMedia: (job, onProgress) => uploads.upload(job, onProgress),
    text: options.text ?? defaultText,
    forgetLocal: () => void uploads.forgetAll().catch(() => undefined),
  };
  const chats = new ChatStore(platform, options.chat);
  const api = createApi(request);
  return {
    chats,
    api,
    session,
    uploads,
    signOut: async () => {
      try {
        // The cookie goes too, so the server revokes this browser's session and clears it.
        await fetchFn(`${baseUrl}/auth/web/logout`, { method: "POST", credentials: "include", headers: { authorization: `Bearer ${session.accessToken() ?? ""}`, "x-qun-web": "1" } });
      } catch {
        // offline: the chats are forgotten here all the same; the session expires on the server
      }
      session.end("user");
    },
  };
}
