// The right-hand pane: the open chat's header, its messages (time separators as WeChat puts
// them, older ones on demand), the composer, and the forward dialog. Opening the chat or a new
// message arriving while the tab is visible reads it (the phone's unread clears too).
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { LocalMessage } from "../platform/index";
import type { GroupMember } from "../../../schema/groups";
import type { ConversationSummary } from "../../../schema/protocol";
import { api, chats } from "./client";
import { Composer, type ReplyTarget } from "./composer";
import { chatTitle, previewOf } from "./format";
import { GroupInfo } from "./group-info";
import { useMediaUrls } from "./hooks";
import { t, separatorTime } from "./i18n/index";
import { MessageRow } from "./message";

const SEPARATOR_GAP_MS = 5 * 60 * 1000;

function ForwardDialog({ from, conversations, message, onClose }: { from: string; conversations: ConversationSummary[]; message: LocalMessage; onClose: () => void }) {
  const [picked, setPicked] = useState<string[]>([]);
  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="dialog" aria-modal="true" onKeyDown={(e) => e.key === "Escape" && onClose()}>
        <h3>{t("chat.forwardTo")}</h3>
        <ul class="pick-list">
          {conversations
            .filter((c) => !c.dissolved)
            .map((c) => (
              <li key={c.id}>
                <label>
                  <input type="checkbox" checked={picked.includes(c.id)} onChange={(e) => setPicked(e.currentTarget.checked ? [...picked, c.id] : picked.filter((id) => id !== c.id))} />
                  {chatTitle(c)}
                </label>
              </li>
            ))}
        </ul>
        <div class="dialog-buttons">
          <button type="button" onClick={onClose}>
            {t("web.cancel")}
          </button>
          <button
            type="button"
            class="primary"
            disabled={picked.length === 0}
            onClick={() => {
              void chats.forward(from, message.seq, picked);
              onClose();
            }}
          >
            {t("chat.send")}
          </button>
        </div>
      </div>
    </div>
  );
}

export function ChatPane({
  chat,
  messages,
  reads,
  hasOlder,
  me,
  myName,
  myAvatar,
  typing,
  conversations,
}: {
  chat: ConversationSummary;
  messages: LocalMessage[];
  reads: Record<string, number>;
  hasOlder: boolean;
  me: string | null;
  myName: string;
  myAvatar: string | null;
  /** Who the store last heard typing here, and until when to show it. */
  typing: { userId: string; until: number } | undefined;
  conversations: ConversationSummary[];
}) {
  const [members, setMembers] = useState<GroupMember[]>([]);
  const [reply, setReply] = useState<ReplyTarget | null>(null);
  const [forwarding, setForwarding] = useState<LocalMessage | null>(null);
  const [info, setInfo] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useMediaUrls();
  // "… is typing" shows until the store's deadline: redraw once then to take it away.
  const [, redraw] = useState(0);
  const typingNow = typing && typing.userId !== me && typing.until > Date.now() ? typing : null;
  useEffect(() => {
    if (!typingNow) return;
    const timer = setTimeout(() => redraw((n) => n + 1), typingNow.until - Date.now() + 50);
    return () => clearTimeout(timer);
  }, [typingNow?.until]);

  useEffect(() => {
    setReply(null);
    setInfo(false);
    setMembers([]);
    if (chat.kind === "group") {
      api
        .get<"/groups/:id/members">(`/groups/${chat.id}/members`)
        .then((r) => setMembers(r.members))
        .catch(() => undefined);
      void chats.loadReceipts(chat.id).catch(() => undefined);
    }
  }, [chat.id]);

  // Reading: the open chat is read while the page is visible (and again when it becomes so).
  useEffect(() => {
    const read = () => document.visibilityState === "visible" && chats.markRead(chat.id);
    read();
    document.addEventListener("visibilitychange", read);
    return () => document.removeEventListener("visibilitychange", read);
  }, [chat.id, chat.lastSeq]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages.length, chat.id]);

  const name = (id: string) => {
    if (id === me) return myName;
    if (chat.kind === "direct" && chat.peer?.id === id) return chat.peer.nickname;
    const m = members.find((x) => x.userId === id);
    return m ? m.nickname || m.profileNickname : t("chat.someone");
  };
  const avatar = (id: string) => {
    if (id === me) return myAvatar;
    if (chat.kind === "direct" && chat.peer?.id === id) return chat.peer.avatarMediaId;
    return members.find((x) => x.userId === id)?.avatarMediaId ?? null;
  };
  const readersOf = (seq: number) => Object.entries(reads).filter(([userId, s]) => userId !== me && s >= seq).length;

  let lastAt = 0;
  return (
    <section class="chat-pane" data-testid="chat-pane" data-id={chat.id}>
      <header class="pane-header">
        <span class="pane-title" data-testid="chat-title">
          {chatTitle(chat)}
        </span>
        {typingNow ? (
          <span class="pane-typing" data-testid="typing">
            {t("chat.typing", { name: name(typingNow.userId) })}
          </span>
        ) : null}
        {chat.kind === "group" ? <button type="button" class="more" title={t("chat.info")} data-testid="group-info-button" onClick={() => setInfo(!info)} /> : null}
      </header>
      <div
        class="messages"
        ref={scroller}
        data-testid="messages"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {hasOlder ? (
          <button type="button" class="load-older" onClick={() => void chats.loadOlder(chat.id)}>
            {t("web.loadOlder")}
          </button>
        ) : (
          <div class="history-start">{t("chat.historyStart")}</div>
        )}
        {messages.map((m) => {
          const separator = m.createdAt - lastAt > SEPARATOR_GAP_MS ? <div class="time-separator">{separatorTime(m.createdAt)}</div> : null;
          lastAt = m.createdAt;
          return (
            <div key={m.clientId ?? m.id}>
              {separator}
              <MessageRow
                m={m}
                me={me}
                chat={chat}
                name={name}
                avatar={avatar}
                readers={m.senderId === me && m.seq > 0 ? readersOf(m.seq) : 0}
                actions={{ reply: (x) => setReply({ seq: x.seq, who: name(x.senderId), text: previewOf(x) }), forward: setForwarding }}
              />
            </div>
          );
        })}
      </div>
      {chat.dissolved ? (
        <div class="pane-notice">{t("chat.dissolved")}</div>
      ) : chat.muteAll && chat.role === "member" ? (
        <div class="pane-notice" data-testid="muted-all">
          {t("chat.mutedAll")}
        </div>
      ) : (
        <Composer chat={chat} members={members.filter((m) => m.userId !== me)} reply={reply} onCancelReply={() => setReply(null)} />
      )}
      {forwarding ? <ForwardDialog from={chat.id} conversations={conversations} message={forwarding} onClose={() => setForwarding(null)} /> : null}
      {info && chat.kind === "group" ? <GroupInfo chat={chat} me={me} onClose={() => setInfo(false)} onMembers={setMembers} /> : null}
    </section>
  );
}
