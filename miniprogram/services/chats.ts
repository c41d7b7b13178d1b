// The mini-program's chat store: the client core's ChatStore (core/chat-store.ts) on the wx
// platform (services/wx-platform.ts). One instance per app (`chats`); pages subscribe to its
// store. The state, outbox, cache and sync glue are the core's, shared with the web client.
import { ChatStore, type ChatStoreOptions } from "../core/chat-store";
import { wxPlatform } from "./wx-platform";

export { CACHE_PER_CONVERSATION, type ChatState, type Draft, type LocalMessage, newClientId, type SendStatus, type UploadJob, withGroupEvents } from "../core/chat-store";

/** The chat store on wx: storage, wx.request, wx.connectSocket and wx.uploadFile. */
export class ChatClient extends ChatStore {
  constructor(options: ChatStoreOptions = {}) {
    super(wxPlatform(), options);
  }
}

export const chats = new ChatClient();
