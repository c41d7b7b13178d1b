// The chat page's bubbles: what each message looks like on screen (sender, time, text parts,
// media at their own aspect ratio, a voice message's length and unplayed dot, the location's
// picture, quote, read mark), worked out from the store's messages without touching the page, plus
// the other pure rules the page draws from (the muted note, which system events change members).
import type { GroupInfo } from "../../../schema/groups";
import type { LocalMessage } from "../../services/chats";
import { fileSize, initialOf, listTime, seconds, systemText, textParts, type TextPart } from "../../services/format";
import { separatorTime, t } from "../../i18n/index";
import { mediaUrl } from "../../services/media";
import { isPlayed } from "../../services/played";
import { staticMapUrl } from "../../services/static-map";
import { withEmoji } from "../../services/emoji";

export interface Bubble {
  key: string;
  seq: number;
  clientId: string;
  mine: boolean;
  senderId: string;
  system: boolean;
  systemText: string;
  time: string;
  sender: string;
  initial: string;
  /** The sender's avatar (signed URL) once granted; the initial shows until then. */
  avatar: string;
  type: string;
  recalled: boolean;
  parts: TextPart[];
  image: string;
  /** A picture's or video's box in px: its own aspect ratio, long side capped, short side at least MEDIA_MIN. */
  mediaWidth: number;
  mediaHeight: number;
  voice: string;
  voiceWidth: number;
  /** Someone else's voice message this device has not played yet: a red dot beside its length. */
  unplayed: boolean;
  /** The little triangle toward the avatar: text, voice and file bubbles have one, as in WeChat. */
  tail: boolean;
  video: string;
  fileName: string;
  fileSize: string;
  location: { latitude: number; longitude: number; name: string; address: string } | null;
  /** The location's static map picture, or "" (no map key configured): the page draws a tile. */
  mapImage: string;
  /** A contact card: the person as they were when it was sent (the avatar once its URL is granted). */
  card: { userId: string; name: string; initial: string; avatar: string } | null;
  quote: string;
  forwarded: boolean;
  status: string;
  error: string;
  readLabel: string;
  /** An unsent media message's upload, percent done; -1 when not uploading. */
  progress: number;
}

export interface Member {
  userId: string;
  name: string;
  initial: string;
  role: string;
  avatarMediaId: string | null;
  mutedUntil: number | null;
}

/** Group events after which the member list (roles, mutes, names) is read again. */
export const MEMBER_EVENTS = new Set(["joined", "left", "removed", "muted", "unmuted", "admin_set", "admin_unset", "owner_transferred", "nickname"]);

/** Why I cannot write in this chat right now, or "": everyone muted (for members) or me muted. */
export function mutedNote(opts: { group: boolean; muteAll: boolean; me: Member | undefined; now: number }): string {
  if (!opts.group || !opts.me) return "";
  if (opts.muteAll && opts.me.role === "member") return t("chat.mutedAll");
  if (opts.me.mutedUntil && opts.me.mutedUntil > opts.now) return t("chat.mutedUntil", { time: listTime(opts.me.mutedUntil) });
  return "";
}

/** WeChat's picture bubbles: the long side at most MEDIA_MAX px, the short side at least MEDIA_MIN (cropped beyond). */
export const MEDIA_MAX = 150;
export const MEDIA_MIN = 60;
/** Without a known size a picture or video is a square of this side. */
export const MEDIA_SQUARE = 140;
/** The location bubble's picture, px. */
export const MAP_WIDTH = 220;
export const MAP_HEIGHT = 100;
/** Bubble types drawn with a tail. */
const TAILED = new Set(["text", "voice", "file"]);

/** The box a picture or video of `width`×`height` is drawn in: its own ratio scaled to MEDIA_MAX, the short side kept at MEDIA_MIN. */
export function mediaBox(width: unknown, height: unknown): { width: number; height: number } {
  const w = Number(width);
  const h = Number(height);
  if (!(w > 0 && h > 0)) return { width: MEDIA_SQUARE, height: MEDIA_SQUARE };
  const scale = MEDIA_MAX / Math.max(w, h);
  return { width: Math.max(MEDIA_MIN, Math.round(w * scale)), height: Math.max(MEDIA_MIN, Math.round(h * scale)) };
}

/** Shows the time above a message when five minutes passed since the previous one, as WeChat does. */
const TIME_GAP_MS = 5 * 60 * 1000;

export function bubblesOf(messages: LocalMessage[], opts: { me: string; group: boolean; names: Record<string, string>; reads: Record<string, number>; avatars?: Record<string, string> }): Bubble[] {
  const name = (id: string) => (id === opts.me ? t("chat.you") : (opts.names[id] ?? t("chat.someone")));
  const others = Object.entries(opts.reads).filter(([id]) => id !== opts.me);
  // The last of my sent messages carries the direct chat's read mark; every one of mine in a group its count.
  const lastMine = [...messages].reverse().find((m) => m.senderId === opts.me && m.status === "sent" && m.type !== "system");
  let previousAt = 0;
  return messages.map((m) => {
    const body = (m.body ?? {}) as Record<string, unknown>;
    const mine = m.senderId === opts.me;
    const showTime = m.createdAt - previousAt > TIME_GAP_MS;
    previousAt = m.createdAt;
    let readLabel = "";
    if (mine && m.status === "sent" && m.type !== "system") {
      if (!opts.group && m === lastMine) readLabel = t(others.some(([, seq]) => seq >= m.seq) ? "chat.read" : "chat.delivered");
      if (opts.group) readLabel = t("chat.readCount", { n: others.filter(([, seq]) => seq >= m.seq).length });
    }
    const recalled = Boolean(m.recalledAt) || (m.type !== "system" && m.body === null);
    const box = m.type === "image" || m.type === "video" ? mediaBox(body.width, body.height) : { width: 0, height: 0 };
    return {
      key: keyOf(m),
      seq: m.seq,
      clientId: m.clientId ?? "",
      mine,
      senderId: m.senderId,
      system: m.type === "system",
      systemText: m.type === "system" ? systemText(m.body, name) : recalled ? (mine ? t("message.recalledByMe") : t("message.recalledBy", { who: name(m.senderId) })) : "",
      // Between messages WeChat writes the hour too: 09:30, 昨天 21:04, 星期六 21:04, 2026年11月3日 21:04.
      time: showTime ? separatorTime(m.createdAt) : "",
      sender: opts.group && !mine ? name(m.senderId) : "",
      initial: initialOf(mine ? (opts.names[opts.me] ?? t("chat.me")) : name(m.senderId)),
      avatar: opts.avatars?.[m.senderId] ?? "",
      type: m.type,
      recalled,
      parts: m.type === "text" && !recalled ? textParts(withEmoji(String(body.text ?? "")), m.mentions.length > 0 || m.mentionAll) : [],
      image: m.type === "image" ? m.localPath || mediaUrl(String(body.thumbMediaId ?? body.mediaId ?? "")) : "",
      voice: m.type === "voice" ? seconds(Number(body.durationMs ?? 0)) : "",
      mediaWidth: box.width,
      mediaHeight: box.height,
      voiceWidth: m.type === "voice" ? Math.min(220, 70 + Math.round(Number(body.durationMs ?? 0) / 1000) * 6) : 0,
      unplayed: m.type === "voice" && !mine && !recalled && m.seq > 0 && !isPlayed(m.conversationId, m.seq),
      tail: TAILED.has(m.type) && !recalled,
      video: m.type === "video" ? mediaUrl(String(body.posterMediaId ?? "")) : "",
      fileName: m.type === "file" ? String(body.name ?? "") : "",
      fileSize: m.type === "file" ? fileSize(Number(body.size ?? 0)) : "",
      location:
        m.type === "location" && !recalled
          ? { latitude: Number(body.latitude), longitude: Number(body.longitude), name: String(body.name ?? t("chat.location")), address: String(body.address ?? "") }
          : null,
      mapImage: m.type === "location" && !recalled ? staticMapUrl(Number(body.latitude), Number(body.longitude), MAP_WIDTH, MAP_HEIGHT) : "",
      // Until the server's copy comes back, my own unsent card knows only the userId: its name is the picker's.
      card:
        m.type === "card" && !recalled
          ? {
              userId: String(body.userId ?? ""),
              name: String(body.nickname ?? opts.names[String(body.userId ?? "")] ?? ""),
              initial: initialOf(String(body.nickname ?? opts.names[String(body.userId ?? "")] ?? "")),
              avatar: mediaUrl(typeof body.avatarMediaId === "string" ? body.avatarMediaId : null),
            }
          : null,
      quote: !m.replyTo
        ? ""
        : m.replyTo.unavailable
          ? t("chat.quoteUnavailable")
          : t("chat.quote", { who: name(m.replyTo.senderId), text: m.replyTo.recalled ? t("message.recalled") : m.replyTo.preview }),
      forwarded: Boolean(m.forwarded),
      status: m.status,
      error: m.error,
      readLabel,
      progress: m.progress ?? -1,
    };
  });
}

/** A message's bubble key: its seq once the server gave one, else the outbox's clientId. */
export function keyOf(m: Pick<LocalMessage, "seq" | "clientId">): string {
  return m.seq ? `s${m.seq}` : `c${m.clientId}`;
}

/** The newest seq among the messages that change a group's members, or 0. */
export function latestMemberEvent(messages: LocalMessage[]): number {
  let latest = 0;
  for (const m of messages) {
    const event = m.type === "system" ? (m.body as { event?: string } | null)?.event : undefined;
    if (event && MEMBER_EVENTS.has(event) && m.seq > latest) latest = m.seq;
  }
  return latest;
}

/** The group's members as the page shows them (a group alias before the profile name). */
export function membersOf(info: GroupInfo): Member[] {
  return info.members.map((m) => {
    const name = m.nickname || m.profileNickname;
    return { userId: m.userId, name, initial: initialOf(name), role: m.role, avatarMediaId: m.avatarMediaId, mutedUntil: m.mutedUntil };
  });
}
