// One message in the chat pane, by type: text (face codes as emoji, @mentions), picture, voice
// and video (<audio>/<video> from signed URLs), file, location (a link to a map), a contact card,
// a quote of the message it replies to, and for our own: sending status, retry and "N read".
import type { LocalMessage } from "../platform/index";
import type { ConversationSummary } from "../../../schema/protocol";
import { Avatar } from "./avatar";
import { chats, mediaUrl, wantMedia } from "./client";
import { fileSize, previewOf, seconds, systemText, textRuns } from "./format";
import { t } from "./i18n/index";

export interface MessageActions {
  reply(m: LocalMessage): void;
  forward(m: LocalMessage): void;
}

function Body({ m }: { m: LocalMessage }) {
  const body = (m.body ?? {}) as Record<string, unknown>;
  const media = (id: unknown) => {
    const url = mediaUrl(typeof id === "string" ? id : null);
    if (!url && typeof id === "string") wantMedia([id], m.conversationId);
    return url;
  };
  switch (m.type) {
    case "text":
      return (
        <div class="bubble text" data-testid="text">
          {textRuns(String(body.text ?? ""), m.mentions.length > 0 || m.mentionAll).map((r, i) =>
            r.mention ? (
              <span key={i} class="mention">
                {r.text}
              </span>
            ) : (
              r.text
            ),
          )}
        </div>
      );
    case "image": {
      const url = media(body.thumbMediaId ?? body.mediaId);
      const full = media(body.mediaId);
      return (
        <a class="bubble picture" href={full || undefined} target="_blank" rel="noopener noreferrer">
          {url ? (
            <img src={url} alt={t("kind.image")} />
          ) : (
            <span class="picture-placeholder">{m.status === "sending" && m.progress != null ? t("web.uploading", { p: m.progress }) : t("kind.image")}</span>
          )}
        </a>
      );
    }
    case "voice": {
      const url = media(body.mediaId);
      return (
        <div class="bubble voice">
          {url ? <audio controls preload="none" src={url} /> : null}
          <span class="voice-length">{seconds(Number(body.durationMs ?? 0))}</span>
        </div>
      );
    }
    case "video": {
      const url = media(body.mediaId);
      const poster = media(body.posterMediaId);
      return <div class="bubble video">{url ? <video controls preload="none" src={url} poster={poster || undefined} /> : <span class="picture-placeholder">{t("kind.video")}</span>}</div>;
    }
    case "file": {
      const url = media(body.mediaId);
      return (
        <a class="bubble file" href={url || undefined} download={String(body.name ?? "")} target="_blank" rel="noopener noreferrer">
          <span class="file-name">{String(body.name ?? "")}</span>
          <span class="file-size">{m.status === "sending" && m.progress != null ? t("web.uploading", { p: m.progress }) : fileSize(Number(body.size ?? 0))}</span>
          <span class="file-icon" />
        </a>
      );
    }
    case "location": {
      const lat = Number(body.latitude);
      const lng = Number(body.longitude);
      return (
        <a class="bubble location" href={`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`} target="_blank" rel="noopener noreferrer">
          <span class="location-name">{String(body.name ?? t("chat.location"))}</span>
          <span class="location-address">{String(body.address ?? `${lat.toFixed(5)}, ${lng.toFixed(5)}`)}</span>
        </a>
      );
    }
    case "card":
      return (
        <div class="bubble card">
          <Avatar name={String(body.nickname ?? "")} mediaId={(body.avatarMediaId as string | null) ?? null} size={36} />
          <span>{String(body.nickname ?? "")}</span>
          <span class="card-kind">{t("kind.card")}</span>
        </div>
      );
    default:
      return <div class="bubble text">{previewOf(m)}</div>;
  }
}

export function MessageRow({
  m,
  me,
  chat,
  name,
  avatar,
  readers,
  actions,
}: {
  m: LocalMessage;
  me: string | null;
  chat: ConversationSummary;
  name: (id: string) => string;
  avatar: (id: string) => string | null;
  readers: number;
  actions: MessageActions;
}) {
  if (m.type === "system" || m.recalledAt) {
    const who = (id: string) => (id === me ? t("chat.you") : name(id));
    const text = m.recalledAt ? (m.senderId === me ? t("message.recalledByMe") : t("message.recalledBy", { who: name(m.senderId) })) : systemText(m.body, who);
    if (!text) return null;
    return <div class="system-line">{text}</div>;
  }
  const mine = m.senderId === me;
  const canRecall = mine && m.seq > 0 && Date.now() - m.createdAt < 2 * 60 * 1000;
  const quote = m.replyTo;
  return (
    <div class={`message ${mine ? "mine" : "theirs"}`} data-seq={m.seq} data-client-id={m.clientId ?? ""} data-status={m.status}>
      <Avatar name={name(m.senderId)} mediaId={avatar(m.senderId)} size={36} />
      <div class="message-main">
        {!mine && chat.kind === "group" ? <div class="sender-name">{name(m.senderId)}</div> : null}
        <div class="bubble-row">
          {mine && m.status === "sending" ? <span class="spinner" title={t("chat.sending")} data-testid="sending" /> : null}
          {mine && m.status === "failed" ? (
            <button type="button" class="retry" title={m.error ? `${m.error} · ${t("web.failedTip")}` : t("web.failedTip")} data-testid="retry" onClick={() => m.clientId && chats.retry(m.clientId)}>
              !
            </button>
          ) : null}
          <Body m={m} />
        </div>
        {quote ? (
          <div class="quote">{quote.unavailable ? t("chat.quoteUnavailable") : t("chat.quote", { who: name(quote.senderId), text: quote.recalled ? t("message.recalled") : quote.preview })}</div>
        ) : null}
        {mine && m.seq > 0 && chat.kind === "group" && readers > 0 ? (
          <div class="read-count" data-testid="read-count">
            {t("chat.readCount", { n: readers })}
          </div>
        ) : null}
        {mine && m.seq > 0 && chat.kind === "direct" && readers > 0 ? <div class="read-count">{t("chat.read")}</div> : null}
        <div class="message-actions">
          {m.seq > 0 ? (
            <button type="button" onClick={() => actions.reply(m)}>
              {t("chat.reply")}
            </button>
          ) : null}
          {m.seq > 0 ? (
            <button type="button" onClick={() => actions.forward(m)}>
              {t("chat.forward")}
            </button>
          ) : null}
          {m.type === "text" ? (
            <button type="button" onClick={() => navigator.clipboard?.writeText(String((m.body as { text?: string }).text ?? ""))}>
              {t("chat.copy")}
            </button>
          ) : null}
          {canRecall ? (
            <button type="button" data-testid="recall" onClick={() => chats.recall(m.conversationId, m.seq)}>
              {t("chat.recall")}
            </button>
          ) : null}
        </div>
      </div>
    </div>
  );
}
