// The middle column: the user's chats, pinned first, newest first, with the unread badge (a dot
// for muted chats), the last message and its time, and pin/mute from a right-click menu.
import { useEffect, useState } from "preact/hooks";
import type { ConversationSummary } from "../../../schema/protocol";
import { Avatar } from "./avatar";
import { chats } from "./client";
import { chatTitle, summaryPreview } from "./format";
import { listTime, t } from "./i18n/index";
import { SearchResults } from "./search";

function Badge({ c }: { c: ConversationSummary }) {
  if (c.unread <= 0 && !c.markedUnread) return null;
  if (c.doNotDisturb) return <span class="badge dot" data-testid="unread-dot" />;
  return (
    <span class="badge" data-testid="unread">
      {c.unread > 99 ? "99+" : Math.max(1, c.unread)}
    </span>
  );
}

export function ChatList({
  conversations,
  activeId,
  me,
  onOpen,
  onOpenAny,
  onOpenPerson,
}: {
  conversations: ConversationSummary[];
  activeId: string | null;
  me: string | null;
  onOpen: (id: string) => void;
  /** A chat found by the search, which may not be in the list yet. */
  onOpenAny: (id: string) => void;
  /** A person found by the search: their direct chat. */
  onOpenPerson: (userId: string) => void;
}) {
  const [query, setQuery] = useState("");
  const [menu, setMenu] = useState<{ id: string; x: number; y: number } | null>(null);
  const q = query.trim().toLowerCase();
  const shown = q ? conversations.filter((c) => chatTitle(c).toLowerCase().includes(q)) : conversations;
  const menuChat = menu ? conversations.find((c) => c.id === menu.id) : undefined;
  // An open menu closes on the next click anywhere or on Escape.
  useEffect(() => {
    if (!menu) return;
    const close = () => setMenu(null);
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close();
    document.addEventListener("click", close);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("click", close);
      document.removeEventListener("keydown", onKey);
    };
  }, [menu]);
  return (
    <section class="list-column">
      <div class="list-search">
        <input type="search" placeholder={t("web.searchPlaceholder")} value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </div>
      <div class={q ? "search-scroll" : "list-scroll"}>
        <ul class="chat-list" data-testid="chat-list">
          {shown.map((c) => {
            const last = c.lastMessage;
            const preview = summaryPreview(last);
            const mine = last && last.senderId === me && c.kind === "group" && last.type !== "system";
            return (
              <li key={c.id}>
                <button
                  type="button"
                  class={`chat-item ${c.id === activeId ? "active" : ""} ${c.pinned ? "pinned" : ""}`}
                  data-id={c.id}
                  onClick={() => onOpen(c.id)}
                  onContextMenu={(e) => {
                    e.preventDefault();
                    e.stopPropagation();
                    setMenu({ id: c.id, x: e.clientX, y: e.clientY });
                  }}
                >
                  <span class="chat-avatar">
                    <Avatar name={c.kind === "direct" ? (c.peer?.nickname ?? c.name) : c.name} mediaId={c.kind === "direct" ? c.peer?.avatarMediaId : c.avatarMediaId} />
                    <Badge c={c} />
                  </span>
                  <span class="chat-main">
                    <span class="chat-row">
                      <span class="chat-name">{chatTitle(c)}</span>
                      <span class="chat-time">{listTime(c.lastMessageAt)}</span>
                    </span>
                    <span class="chat-row">
                      <span class="chat-preview">
                        {c.doNotDisturb && c.unread > 1 ? `[${c.unread}] ` : ""}
                        {mine ? t("chats.mine", { text: preview }) : preview}
                      </span>
                      {c.doNotDisturb ? <span class="chat-muted" title={t("chats.unmute")} /> : null}
                    </span>
                  </span>
                </button>
              </li>
            );
          })}
          {shown.length === 0 && !q ? <li class="list-empty">{t("chats.emptyTitle")}</li> : null}
        </ul>
        {q ? (
          <SearchResults
            query={query}
            nameOf={(ref) => {
              const known = conversations.find((c) => c.id === ref.id);
              return known ? chatTitle(known) : ref.name;
            }}
            onOpen={(id) => {
              setQuery("");
              onOpenAny(id);
            }}
            onOpenPerson={(userId) => {
              setQuery("");
              onOpenPerson(userId);
            }}
          />
        ) : null}
      </div>
      {menu && menuChat ? (
        <ul class="context-menu" style={{ left: `${menu.x}px`, top: `${menu.y}px` }}>
          <li>
            <button type="button" onClick={() => chats.setFlags(menuChat.id, { pinned: !menuChat.pinned })}>
              {menuChat.pinned ? t("chats.unpin") : t("chats.pin")}
            </button>
          </li>
          <li>
            <button type="button" onClick={() => chats.setFlags(menuChat.id, { doNotDisturb: !menuChat.doNotDisturb })}>
              {menuChat.doNotDisturb ? t("chats.unmute") : t("chats.mute")}
            </button>
          </li>
          <li>
            <button type="button" onClick={() => chats.markUnread(menuChat.id, !(menuChat.unread > 0 || menuChat.markedUnread))}>
              {menuChat.unread > 0 || menuChat.markedUnread ? t("chats.markRead") : t("chats.markUnread")}
            </button>
          </li>
        </ul>
      ) : null}
    </section>
  );
}
