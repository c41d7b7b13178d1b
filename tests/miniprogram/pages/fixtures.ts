// What the page specs share: a full Message as the server stores it, the signed-in session they
// act in (fake tokens that stay valid through a spec), the bookkeeping that unloads the pages a
// spec opened, and stopping the chat client's socket once a file is done.
import { afterAll, afterEach } from "vitest";
import type * as Chats from "../../../miniprogram/services/chats";
import type * as Session from "../../../miniprogram/services/session";
import type { GroupInfo, GroupMember } from "../../../schema/groups";
import type { Message } from "../../../schema/protocol";
import { clientModule, lifecycle, renderPage, type Rendered } from "../harness";

/** The built client's modules, the instances the rendered pages use. */
export const chats = () => clientModule<typeof Chats>("services/chats").chats;
export const session = () => clientModule<typeof Session>("services/session");

/** A message in `conversationId` as the server stores it: id `m<seq>`, sent a minute ago unless `extra` says otherwise. */
export function message(conversationId: string, seq: number, senderId: string, type: Message["type"], body: Record<string, unknown> | null, extra: Partial<Message> = {}): Message {
  return {
    conversationId,
    seq,
    id: `m${seq}`,
    senderId,
    clientId: null,
    type,
    body,
    mentions: [],
    mentionAll: false,
    replyTo: null,
    forwarded: null,
    createdAt: Date.now() - 60_000 + seq,
    recalledAt: null,
    recalledBy: null,
    ...extra,
  };
}

type SignedInUser = Parameters<typeof Session.startSession>[0]["user"];

/**
 * Signs the built client in as `user` (Ann, who accepts strangers, unless it says otherwise) with
 * an access token good for a minute and a refresh token for a day: long enough for any spec.
 */
/** A group member as GET /groups/:id lists them: a plain member unless `extra` says otherwise. */
export function groupMember(userId: string, profileNickname: string, extra: Partial<GroupMember> = {}): GroupMember {
  return { userId, role: "member", nickname: "", profileNickname, avatarMediaId: null, joinedAt: 0, mutedUntil: null, ...extra };
}

/** A group's info with every setting at its default (open to join, no notice, nobody muted). */
export function groupInfo(id: string, name: string, members: GroupMember[], extra: Partial<GroupInfo> = {}): GroupInfo {
  return {
    id,
    name,
    avatarMediaId: null,
    announcement: "",
    announcementAt: null,
    announcementBy: null,
    muteAll: false,
    dissolvedAt: null,
    memberCount: members.length,
    joinPolicy: "open",
    inviteConfirmation: false,
    membersCanInvite: true,
    newMembersSeeHistory: false,
    members,
    ...extra,
  };
}

export function signIn(user: Partial<SignedInUser> & { id: string }): void {
  session().startSession({
    accessToken: "access-1",
    accessTokenExpiresAt: Date.now() + 60_000,
    refreshToken: "refresh-1-0123456789abcdef",
    refreshTokenExpiresAt: Date.now() + 86_400_000,
    user: { username: null, nickname: "Ann", avatarMediaId: null, signature: "", status: "", hasPassword: false, wechatLinked: false, allowStrangers: true, createdAt: 0, ...user },
    created: false,
  });
}

/** The pages a spec opened; each is unloaded after the spec so its store listeners do not slow the next. */
export interface OpenedPages {
  /** Renders a loaded page and remembers it for unloading. */
  render(id: string): Rendered;
  /** Remembers a page rendered elsewhere. */
  track(comp: Rendered): void;
  /** Forgets a page the spec unloaded itself (or all of them), so it is not unloaded twice. */
  forget(comp?: Rendered): void;
}

/** Registers the after-each unloading of the pages opened through the returned bookkeeping. */
export function unloadPagesAfterEach(): OpenedPages {
  let opened: Rendered[] = [];
  afterEach(async () => {
    // A page without onUnload holds nothing to let go of.
    for (const comp of opened) if (typeof (comp.instance as { onUnload?: unknown }).onUnload === "function") await lifecycle(comp, "onUnload");
    opened = [];
  });
  return {
    render(id) {
      const comp = renderPage(id);
      opened.push(comp);
      return comp;
    },
    track(comp) {
      opened.push(comp);
    },
    forget(comp) {
      opened = comp ? opened.filter((c) => c !== comp) : [];
    },
  };
}

/** Stops the chat client's socket after the file's specs. */
export function stopSocketAfterAll(): void {
  afterAll(() => {
    chats().socket.stop();
  });
}
