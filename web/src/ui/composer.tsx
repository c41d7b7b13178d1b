// The input area under a chat: a textarea (Enter sends, Shift+Enter breaks the line), the emoji
// panel (WeChat's face codes, inserted as their codes), a file button, pictures and files by
// paste or drag and drop, the quote being replied to, and an @ picker in groups.
import { useEffect, useRef, useState } from "preact/hooks";
import type { GroupMember } from "../../../schema/groups";
import type { ConversationSummary } from "../../../schema/protocol";
import { FACE_CODES } from "../../../miniprogram/services/emoji";
import { chats, sendFile } from "./client";
import { t } from "./i18n/index";

export interface ReplyTarget {
  seq: number;
  who: string;
  text: string;
}

export function Composer({ chat, members, reply, onCancelReply }: { chat: ConversationSummary; members: GroupMember[]; reply: ReplyTarget | null; onCancelReply: () => void }) {
  const [text, setText] = useState("");
  const [emoji, setEmoji] = useState(false);
  const [picker, setPicker] = useState(false);
  const [dragging, setDragging] = useState(false);
  const mentions = useRef(new Map<string, string>()); // "@name" → userId
  const mentionAll = useRef(false);
  const input = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setText("");
    mentions.current.clear();
    input.current?.focus();
  }, [chat.id]);

  const send = () => {
    const body = text.replace(/\s+$/, "");
    if (!body.trim()) return;
    const ids = [...mentions.current].filter(([label]) => body.includes(label)).map(([, id]) => id);
    const all = mentionAll.current && body.includes(`@${t("chat.mentionAll")}`);
    chats.send(chat.id, {
      type: "text",
      body: { text: body },
      ...(ids.length ? { mentions: [...new Set(ids)] } : {}),
      ...(all ? { mentionAll: true } : {}),
      ...(reply ? { replyTo: reply.seq } : {}),
    });
    setText("");
    mentions.current.clear();
    mentionAll.current = false;
    onCancelReply();
  };

  const files = (list: FileList | File[] | null | undefined) => {
    for (const file of Array.from(list ?? [])) void sendFile(chat.id, file);
  };

  const insert = (s: string) => {
    const el = input.current;
    const at = el?.selectionStart ?? text.length;
    setText(text.slice(0, at) + s + text.slice(el?.selectionEnd ?? at));
    requestAnimationFrame(() => el?.focus());
  };

  const choose = (m: GroupMember | "all") => {
    const label = m === "all" ? `@${t("chat.mentionAll")}` : `@${m.nickname || m.profileNickname}`;
    if (m === "all") mentionAll.current = true;
    else mentions.current.set(label, m.userId);
    // The @ typed to open the picker becomes the mention.
    setText(`${text.replace(/@$/, "")}${label} `);
    setPicker(false);
    input.current?.focus();
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the drop target for files; the file button is the way without a mouse
    <div
      class={`composer ${dragging ? "dragging" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        files(e.dataTransfer?.files);
      }}
    >
      {dragging ? <div class="drop-hint">{t("web.dropHere")}</div> : null}
      <div class="composer-tools">
        <button type="button" class="tool emoji-tool" title={t("web.emoji")} onClick={() => setEmoji(!emoji)} />
        <button type="button" class="tool file-tool" title={t("web.sendFile")} onClick={() => fileInput.current?.click()} />
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => {
            files(e.currentTarget.files);
            e.currentTarget.value = "";
          }}
        />
      </div>
      {emoji ? (
        <div class="emoji-panel">
          {FACE_CODES.map((f) => (
            <button
              type="button"
              key={f.code}
              title={f.code}
              onClick={() => {
                insert(f.code);
                setEmoji(false);
              }}
            >
              {f.emoji}
            </button>
          ))}
        </div>
      ) : null}
      {picker && chat.kind === "group" ? (
        <ul class="mention-picker">
          <li>
            <button type="button" onClick={() => choose("all")}>
              {t("chat.mentionAll")}
            </button>
          </li>
          {members.map((m) => (
            <li key={m.userId}>
              <button type="button" onClick={() => choose(m)}>
                {m.nickname || m.profileNickname}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {reply ? (
        <div class="reply-bar">
          <span>{t("chat.quote", { who: reply.who, text: reply.text })}</span>
          <button type="button" title={t("chat.cancelReply")} onClick={onCancelReply}>
            ×
          </button>
        </div>
      ) : null}
      <textarea
        ref={input}
        data-testid="composer"
        placeholder={t("web.inputPlaceholder")}
        value={text}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setText(v);
          setPicker(chat.kind === "group" && v.endsWith("@"));
          chats.typing(chat.id);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            send();
          } else if (e.key === "Escape") setPicker(false);
        }}
        onPaste={(e) => {
          const pasted = e.clipboardData?.files;
          if (pasted && pasted.length > 0) {
            e.preventDefault();
            files(pasted);
          }
        }}
      />
      <div class="composer-send">
        <button type="button" class="send-button" data-testid="send" disabled={!text.trim()} onClick={send}>
          {t("chat.send")}
        </button>
      </div>
    </div>
  );
}
