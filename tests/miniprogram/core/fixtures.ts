// What the client-core specs share: a conversation summary as the server lists it, a text
// message, a signed-in session for the user the specs act as, and the set-up and tear-down
// around clients talking to a spec's in-memory server.
import type { ChatClient } from "../../../miniprogram/services/chats";
import { endSession, startSession } from "../../../miniprogram/services/session";
import type { ConversationSummary, Message } from "../../../schema/protocol";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

/** A group the user is in, nothing unread unless `patch` says otherwise. */
export function groupSummary(id: string, patch: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id,
    kind: "group",
    name: "Hiking",
    avatarMediaId: null,
    peer: null,
    memberCount: 2,
    lastSeq: 0,
    readSeq: 0,
    unread: 0,
    lastMessage: null,
    lastMessageAt: null,
    pinned: false,
    doNotDisturb: false,
    muteAll: false,
    dissolved: false,
    role: "owner",
    ...patch,
  };
}

/** A text message from another member. */
export function textMessage(conversationId: string, seq: number, text = `message ${seq}`, patch: Partial<Message> = {}): Message {
  return {
    conversationId,
    seq,
    id: `m_${conversationId}_${seq}`,
    senderId: "u_bbbbbbbbbbbbbbbbbbbb",
    clientId: null,
    type: "text",
    body: { text },
    mentions: [],
    mentionAll: false,
    replyTo: null,
    forwarded: null,
    createdAt: 1_000 + seq,
    recalledAt: null,
    recalledBy: null,
    ...patch,
  } as Message;
}

/** Signs the client in as `userId` (Ann) with tokens that stay valid through a spec. */
export function signInAs(userId: string): void {
  startSession({
    accessToken: "access",
    accessTokenExpiresAt: Date.now() + 3_600_000,
    refreshToken: "refresh",
    refreshTokenExpiresAt: Date.now() + 86_400_000,
    created: false,
    user: { id: userId, nickname: "Ann" } as never,
  });
}

/** Installs a fresh wx adapter whose requests `server` answers, and signs in as `userId`. */
export function signInAgainst(userId: string, server: (req: Request) => Promise<Response>): WxAdapter {
  const adapter = createWxAdapter({ fetch: server });
  installWx(adapter);
  signInAs(userId);
  return adapter;
}

/** After a spec: stops the sockets of the clients it started and ends the session. */
export function signOutClients(clients: ChatClient[]): void {
  for (const c of clients) c.socket.stop();
  endSession("user");
}
