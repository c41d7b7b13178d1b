// The signed-in app, laid out as WeChat for Windows/Mac: a dark rail (your avatar, Chats,
// Contacts, notifications, sign out), the list column, and the open chat. Keeps the tab's title
// at the unread total and notifies new messages while the tab is hidden.
import { useEffect, useRef, useState } from "preact/hooks";
import type { ConversationSummary } from "../../../schema/protocol";
import { Avatar } from "./avatar";
import { ChatList } from "./chat-list";
import { ChatPane } from "./chat-pane";
import { api, chats, session, signOut } from "./client";
import { Contacts } from "./contacts";
import { summaryPreview } from "./format";
import { useChats, useMediaUrls } from "./hooks";
import { t } from "./i18n/index";
import { askForNotifications, canAskForNotifications, notifyNewMessages, titleFor, unreadTotal } from "./notify";

export function Shell() {
  const state = useChats();
  useMediaUrls();
  const [tab, setTab] = useState<"chats" | "contacts">("chats");
  const [activeId, setActiveId] = useState<string | null>(null);
  const [askNotify, setAskNotify] = useState(canAskForNotifications());
  const previous = useRef<ConversationSummary[]>(state.conversations);
  const user = session.get().user;
  const me = user?.id ?? null;

  useEffect(() => {
    document.title = titleFor(unreadTotal(state.conversations));
    notifyNewMessages(previous.current, state.conversations, me, open, (c) => summaryPreview(c.lastMessage));
    previous.current = state.conversations;
  }, [state.conversations]);

  useEffect(() => {
    chats.setActive(activeId);
  }, [activeId]);

  function open(id: string) {
    setTab("chats");
    setActiveId(id);
  }

  async function openFriendChat(conversationId: string) {
    if (!state.conversations.some((c) => c.id === conversationId)) {
      // A friend never written to has no row in the list yet: the detail is a summary plus members.
      const detail = await api.get<"/conversations/:id">(`/conversations/${conversationId}`).catch(() => null);
      if (detail) {
        const { members: _members, newMembersSeeHistory: _history, ...summary } = detail;
        chats.upsert(summary);
      }
    }
    open(conversationId);
  }

  /** A person found by the search: their direct chat, opened (or made) by the server. */
  async function openPersonChat(userId: string) {
    const summary = await api.post<"/conversations/direct">("/conversations/direct", { userId }).catch(() => null);
    if (!summary) return;
    chats.upsert(summary);
    open(summary.id);
  }

  const chat = activeId ? state.conversations.find((c) => c.id === activeId) : undefined;
  return (
    <div class="shell">
      <nav class="rail">
        <span class="rail-me" title={user?.nickname ?? ""}>
          <Avatar name={user?.nickname ?? "?"} mediaId={user?.avatarMediaId} size={36} />
        </span>
        <button type="button" class={`rail-button chats ${tab === "chats" ? "on" : ""}`} title={t("web.railChats")} data-testid="rail-chats" onClick={() => setTab("chats")}>
          {unreadTotal(state.conversations) > 0 ? <span class="rail-badge">{unreadTotal(state.conversations)}</span> : null}
        </button>
        <button type="button" class={`rail-button contacts ${tab === "contacts" ? "on" : ""}`} title={t("web.railContacts")} data-testid="rail-contacts" onClick={() => setTab("contacts")} />
        <span class="rail-spacer" />
        {askNotify ? (
          <button type="button" class="rail-button bell" title={t("web.notifyOn")} onClick={() => void askForNotifications().finally(() => setAskNotify(canAskForNotifications()))} />
        ) : null}
        <button
          type="button"
          class="rail-button sign-out"
          title={t("web.railSignOut")}
          data-testid="sign-out"
          onClick={() => {
            if (confirm(t("web.signOutConfirm"))) void signOut();
          }}
        />
      </nav>
      {tab === "chats" ? (
        <ChatList conversations={state.conversations} activeId={activeId} me={me} onOpen={open} onOpenAny={(id) => void openFriendChat(id)} onOpenPerson={(userId) => void openPersonChat(userId)} />
      ) : (
        <Contacts onOpen={(id) => void openFriendChat(id)} />
      )}
      {chat ? (
        <ChatPane
          chat={chat}
          messages={state.messages[chat.id] ?? []}
          reads={state.reads[chat.id] ?? {}}
          hasOlder={state.hasOlder[chat.id] ?? false}
          me={me}
          myName={user?.nickname ?? ""}
          myAvatar={user?.avatarMediaId ?? null}
          typing={state.typing[chat.id]}
          conversations={state.conversations}
        />
      ) : (
        <section class="chat-pane empty">
          <span class="empty-logo" />
          {state.connection !== "online" ? <p class="connection">{state.connection === "offline" ? t("web.offline") : t("web.connecting")}</p> : null}
        </section>
      )}
    </div>
  );
}
