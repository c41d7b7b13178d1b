// One conversation: bubbles for every message type, the input bar (text, voice, photo, video,
// file, location), the long-press menu, the @ picker, read state, typing, scrolling up through
// history, and per-message sending/failed/retry from the chat store's outbox.
import type { GroupInfo } from "../../../schema/groups";
import type { ConversationSummary } from "../../../schema/protocol";
import { ensureSignedIn } from "../../services/auth";
import { chats, type Draft, type LocalMessage } from "../../services/chats";
import { listContacts, sendFriendRequest } from "../../services/contacts";
import { errorMessage } from "../../services/errors";
import { api } from "../../services/api";
import { fileSize, initialOf, listTime, previewOf, seconds, systemText, textParts, type TextPart } from "../../services/format";
import { openDirect } from "../../services/groups";
import { MESSAGE_LIMITS } from "../../generated/limits";
import { compressedCopy, loadAvatars, mediaUrl, mediaUrls, THUMBNAIL_FROM_BYTES, uploadMedia, uploadPreview, type MediaKind } from "../../services/media";
import { session } from "../../services/session";
import { unwatchAll, watch } from "../../services/store";

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
  voice: string;
  voiceWidth: number;
  video: string;
  fileName: string;
  fileSize: string;
  location: { latitude: number; longitude: number; name: string; address: string } | null;
  quote: string;
  forwarded: boolean;
  status: string;
  error: string;
  readLabel: string;
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
const MEMBER_EVENTS = new Set(["joined", "left", "removed", "muted", "unmuted", "admin_set", "admin_unset", "owner_transferred", "nickname"]);

/** Why I cannot write in this chat right now, or "": everyone muted (for members) or me muted. */
export function mutedNote(opts: { group: boolean; muteAll: boolean; me: Member | undefined; now: number }): string {
  if (!opts.group || !opts.me) return "";
  if (opts.muteAll && opts.me.role === "member") return "All members are muted";
  if (opts.me.mutedUntil && opts.me.mutedUntil > opts.now) return `You are muted until ${listTime(opts.me.mutedUntil)}`;
  return "";
}

/** What "@All" inserts, as WeChat writes it. */
const MENTION_ALL = "@All";

/** Shows the time above a message when five minutes passed since the previous one, as WeChat does. */
const TIME_GAP_MS = 5 * 60 * 1000;

export function bubblesOf(messages: LocalMessage[], opts: { me: string; group: boolean; names: Record<string, string>; reads: Record<string, number>; avatars?: Record<string, string> }): Bubble[] {
  const name = (id: string) => (id === opts.me ? "You" : (opts.names[id] ?? "Someone"));
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
      if (!opts.group && m === lastMine) readLabel = others.some(([, seq]) => seq >= m.seq) ? "Read" : "Delivered";
      if (opts.group) readLabel = `${others.filter(([, seq]) => seq >= m.seq).length} read`;
    }
    const recalled = Boolean(m.recalledAt) || (m.type !== "system" && m.body === null);
    return {
      key: m.seq ? `s${m.seq}` : `c${m.clientId}`,
      seq: m.seq,
      clientId: m.clientId ?? "",
      mine,
      senderId: m.senderId,
      system: m.type === "system",
      systemText: m.type === "system" ? systemText(m.body, name) : recalled ? `${mine ? "You" : name(m.senderId)} recalled a message` : "",
      time: showTime ? listTime(m.createdAt) : "",
      sender: opts.group && !mine ? name(m.senderId) : "",
      initial: initialOf(mine ? (opts.names[opts.me] ?? "Me") : name(m.senderId)),
      avatar: opts.avatars?.[m.senderId] ?? "",
      type: m.type,
      recalled,
      parts: m.type === "text" && !recalled ? textParts(String(body.text ?? ""), m.mentions.length > 0 || m.mentionAll) : [],
      image: m.type === "image" ? mediaUrl(String(body.thumbMediaId ?? body.mediaId ?? "")) : "",
      voice: m.type === "voice" ? seconds(Number(body.durationMs ?? 0)) : "",
      voiceWidth: m.type === "voice" ? Math.min(220, 70 + Math.round(Number(body.durationMs ?? 0) / 1000) * 6) : 0,
      video: m.type === "video" ? mediaUrl(String(body.posterMediaId ?? "")) : "",
      fileName: m.type === "file" ? String(body.name ?? "") : "",
      fileSize: m.type === "file" ? fileSize(Number(body.size ?? 0)) : "",
      location:
        m.type === "location" && !recalled
          ? { latitude: Number(body.latitude), longitude: Number(body.longitude), name: String(body.name ?? "Location"), address: String(body.address ?? "") }
          : null,
      quote: !m.replyTo ? "" : m.replyTo.unavailable ? "A message from before you joined" : `${name(m.replyTo.senderId)}: ${m.replyTo.recalled ? "A message was recalled" : m.replyTo.preview}`,
      forwarded: Boolean(m.forwarded),
      status: m.status,
      error: m.error,
      readLabel,
    };
  });
}

let recorder: WechatMiniprogram.RecorderManager | null = null;
/** Media ids whose URLs were asked for, so a redraw does not ask again while the answer is on its way. */
const asked = new Set<string>();
let player: WechatMiniprogram.InnerAudioContext | null = null;
/** The page holding the talk button, which the recorder's one onStop answers. */
interface RecordingPage {
  recorded(res: WechatMiniprogram.OnStopListenerResult | null): void;
}
let recordingPage: RecordingPage | null = null;
/** Set when the touch is cancelled: the recording that stops next is not sent. */
let discardRecording = false;
/** Voice messages: at least a second (shorter ones are "Too short"), at most a minute, as in WeChat. */
const VOICE_MIN_MS = 1000;
const VOICE_MAX_MS = 60_000;
/** How far (px) the finger slides up from where it pressed before letting go cancels, as in WeChat. */
const CANCEL_SWIPE_PX = 50;
/** Where the finger pressed the talk button. */
let recordStartY = 0;
const touchY = (e: WechatMiniprogram.TouchEvent) => e.touches?.[0]?.clientY ?? e.changedTouches?.[0]?.clientY ?? 0;
/** The kinds of file wx.openDocument opens. */
const DOCUMENT_TYPES = ["doc", "docx", "xls", "xlsx", "ppt", "pptx", "pdf"] as const;
let unmuteTimer: ReturnType<typeof setTimeout> | null = null;
/** setTimeout's longest delay (about 24.8 days); a longer mute is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Per chat, the newest member event the member list already reflects. */
const memberEventsSeen = new Map<string, number>();

Component({
  data: {
    id: "",
    group: false,
    title: "",
    bubbles: [] as Bubble[],
    draft: "",
    mentions: [] as string[],
    /** "@All" picked (owner and admins only); sent as mentionAll while "@All" stays in the text. */
    mentionAll: false,
    canMentionAll: false,
    /** The @ picker's people: members but me, with avatars. */
    mentionable: [] as Array<Member & { avatar: string }>,
    replyTo: null as { seq: number; text: string } | null,
    members: [] as Member[],
    pickingMention: false,
    typing: "",
    hasOlder: false,
    loadingOlder: false,
    scrollInto: "",
    voiceMode: false,
    recording: false,
    /** The finger slid up off the talk button while recording: letting go now drops the recording. */
    recordCancel: false,
    upload: null as { label: string; percent: number } | null,
    dissolved: false,
    /** Why the input bar is closed while the group lets me read but not write. */
    muted: "",
    error: "",
    playing: 0,
    /** The seq being forwarded while the chat picker is open, else 0. */
    forwarding: 0,
    forwardMax: MESSAGE_LIMITS.forwardTargetsMax,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const id = query.id ?? "";
      this.setData({ id });
      watch(this, chats.store, (state, previous) => {
        if (state.messages[id] !== previous.messages[id] || state.reads[id] !== previous.reads[id] || state.conversations !== previous.conversations || state === previous) this.render();
        if (state.typing[id] !== previous.typing[id]) this.showTyping();
        if (Boolean(state.hasOlder[id]) !== this.data.hasOlder) this.setData({ hasOlder: Boolean(state.hasOlder[id]) });
      });
      if (!ensureSignedIn() || !id) return;
      chats.start();
      chats.setActive(id);
      chats.loadReceipts(id).catch(() => undefined);
      this.loadMembers().catch(() => undefined);
    },

    onShow() {
      if (this.data.id) chats.setActive(this.data.id);
    },

    onHide() {
      chats.setActive(null);
    },

    onUnload() {
      this.stopVoice();
      if (recordingPage === (this as unknown as RecordingPage)) recordingPage = null;
      if (unmuteTimer) clearTimeout(unmuteTimer);
      unmuteTimer = null;
      chats.setActive(null);
      unwatchAll(this);
    },

    summary(): ConversationSummary | undefined {
      return chats.conversation(this.data.id);
    },

    names(): Record<string, string> {
      const names: Record<string, string> = {};
      for (const m of this.data.members) names[m.userId] = m.name;
      const s = this.summary();
      if (s?.peer) names[s.peer.id] = s.peer.nickname;
      return names;
    },

    /** A new join, mute, role or name change in the group: read its members again. */
    followMemberEvents(messages: LocalMessage[]) {
      if (!this.data.group) return;
      let latest = 0;
      for (const m of messages) {
        const event = m.type === "system" ? (m.body as { event?: string } | null)?.event : undefined;
        if (event && MEMBER_EVENTS.has(event) && m.seq > latest) latest = m.seq;
      }
      const seen = memberEventsSeen.get(this.data.id) ?? latest;
      memberEventsSeen.set(this.data.id, Math.max(seen, latest));
      if (latest > seen) this.loadMembers().catch(() => undefined);
    },

    /** Avatar media ids by user: group members, the direct chat's peer, and me. */
    avatarIds(): Record<string, string | null> {
      const ids: Record<string, string | null> = {};
      for (const m of this.data.members) ids[m.userId] = m.avatarMediaId;
      const peer = this.summary()?.peer;
      if (peer) ids[peer.id] = peer.avatarMediaId;
      const me = session.get().user;
      if (me) ids[me.id] = me.avatarMediaId;
      return ids;
    },

    render() {
      const state = chats.store.get();
      const s = this.summary();
      const group = s?.kind === "group";
      const title = s ? (group ? `${s.name} (${s.memberCount})` : (s.peer?.nickname ?? s.name)) : this.data.title;
      const avatarIds = this.avatarIds();
      const avatars: Record<string, string> = {};
      for (const [userId, mediaId] of Object.entries(avatarIds)) if (mediaUrl(mediaId)) avatars[userId] = mediaUrl(mediaId);
      const bubbles = bubblesOf(state.messages[this.data.id] ?? [], { me: chats.me ?? "", group, names: this.names(), reads: state.reads[this.data.id] ?? {}, avatars });
      const last = bubbles[bubbles.length - 1];
      const grewAtEnd = last && last.key !== this.data.bubbles[this.data.bubbles.length - 1]?.key;
      const me = this.data.members.find((m) => m.userId === chats.me);
      const muted = mutedNote({ group, muteAll: Boolean(s?.muteAll), me, now: Date.now() });
      // A mute for a while ends by itself: open the input bar again then.
      if (unmuteTimer) clearTimeout(unmuteTimer);
      unmuteTimer = null;
      const until = me?.mutedUntil ?? 0;
      if (muted && until > Date.now()) unmuteTimer = setTimeout(() => this.render(), Math.min(until - Date.now() + 50, MAX_TIMER_MS));
      this.setData({ bubbles, group, title, dissolved: Boolean(s?.dissolved), muted, ...(grewAtEnd ? { scrollInto: `m-${last.key}` } : {}) });
      this.followMemberEvents(state.messages[this.data.id] ?? []);
      this.fetchUrls(state.messages[this.data.id] ?? []);
      loadAvatars(Object.values(avatarIds), () => this.render());
      if (title && title !== this.data.title && typeof wx.setNavigationBarTitle === "function") wx.setNavigationBarTitle({ title });
    },

    /** Asks signed URLs for the pictures and video posters on screen that have none yet, then redraws. */
    fetchUrls(messages: LocalMessage[]) {
      const wanted: string[] = [];
      for (const m of messages) {
        const b = m.body as { mediaId?: string; thumbMediaId?: string; posterMediaId?: string } | null;
        if (!b || m.recalledAt) continue;
        const id = m.type === "image" ? (b.thumbMediaId ?? b.mediaId) : m.type === "video" ? b.posterMediaId : undefined;
        if (id && !mediaUrl(id) && !asked.has(id)) wanted.push(id);
      }
      if (!wanted.length) return;
      for (const id of wanted) asked.add(id);
      mediaUrls(wanted, this.data.id).then(
        (got) => {
          if (Object.keys(got).length) this.render();
        },
        () => {
          for (const id of wanted) asked.delete(id); // try again on the next render
        },
      );
    },

    /** The signed URL of one media of this chat, or an error shown to the user. */
    async urlOf(mediaId: string): Promise<string | null> {
      try {
        const url = (await mediaUrls([mediaId], this.data.id))[mediaId];
        if (url) return url;
        this.setData({ error: "This file is no longer available" });
      } catch (err) {
        this.setData({ error: errorMessage(err) });
      }
      return null;
    },

    async loadMembers() {
      const s = this.summary();
      if (s && s.kind !== "group") return;
      const info = await api.get<GroupInfo>(`/groups/${this.data.id}`);
      const members = info.members.map((m) => {
        const name = m.nickname || m.profileNickname;
        return { userId: m.userId, name, initial: initialOf(name), role: m.role, avatarMediaId: m.avatarMediaId, mutedUntil: m.mutedUntil };
      });
      const myRole = members.find((m) => m.userId === chats.me)?.role;
      this.setData({ members, canMentionAll: myRole === "owner" || myRole === "admin" });
      this.render();
    },

    showTyping() {
      const t = chats.store.get().typing[this.data.id];
      if (!t || t.userId === chats.me || t.until < Date.now()) {
        this.setData({ typing: "" });
        return;
      }
      this.setData({ typing: `${this.names()[t.userId] ?? "Someone"} is typing…` });
      setTimeout(() => this.showTyping(), t.until - Date.now() + 10);
    },

    // ---- Input ----------------------------------------------------------------------------

    onInput(e: WechatMiniprogram.Input) {
      const value = e.detail.value;
      const previous = this.data.draft;
      this.setData({ draft: value });
      chats.typing(this.data.id);
      // "@" just typed (not left over after deleting) in a group opens the member picker.
      if (this.data.group && value.endsWith("@") && value.length > previous.length) this.openMentions();
    },

    openMentions() {
      const mentionable = this.data.members.filter((m) => m.userId !== chats.me).map((m) => ({ ...m, avatar: mediaUrl(m.avatarMediaId) }));
      this.setData({ pickingMention: true, mentionable });
    },

    onPickMention(e: WechatMiniprogram.BaseEvent) {
      const userId = (e.currentTarget.dataset as { id?: string }).id;
      if (userId === "all" && this.data.canMentionAll) {
        this.setData({ draft: `${this.data.draft.replace(/@$/, "")}${MENTION_ALL} `, pickingMention: false, mentionAll: true });
        return;
      }
      const member = this.data.members.find((m) => m.userId === userId);
      if (!member) return;
      const draft = `${this.data.draft.replace(/@$/, "")}@${member.name} `;
      this.setData({ draft, pickingMention: false, mentions: [...new Set([...this.data.mentions, member.userId])] });
    },

    /**
     * Tapping someone's avatar in a group, as in WeChat: mention them, message them if they are a
     * friend, or ask to add them (the greeting says which group we share).
     */
    async onAvatar(e: WechatMiniprogram.BaseEvent) {
      const userId = (e.currentTarget.dataset as { user?: string }).user;
      if (!userId || userId === chats.me || !this.data.group) return;
      const name = this.names()[userId] ?? "";
      let friend: boolean;
      try {
        friend = (await listContacts()).friends.some((f) => f.user.id === userId);
      } catch (err) {
        this.setData({ error: errorMessage(err) });
        return;
      }
      const actions: Array<[string, () => Promise<unknown> | void]> = [];
      if (!this.data.dissolved && !this.data.muted) {
        actions.push([`Mention @${name}`, () => this.setData({ draft: `${this.data.draft}@${name} `, mentions: [...new Set([...this.data.mentions, userId])] })]);
      }
      if (friend) {
        actions.push(["Send Message", async () => wx.navigateTo({ url: `/pages/chat/index?id=${(await openDirect(userId)).id}` })]);
      } else {
        const me = session.get().user?.nickname ?? "";
        const group = this.summary()?.name ?? "";
        actions.push(["Add to Contacts", async () => {
          await sendFriendRequest(userId, `Hi, I'm ${me} from "${group}"`.slice(0, 100));
          wx.showToast({ title: "Request sent", icon: "success" });
        }]);
      }
      wx.showActionSheet({
        itemList: actions.map((a) => a[0]),
        success: (res) => {
          const run = actions[res.tapIndex]?.[1];
          if (run) Promise.resolve(run()).catch((err: unknown) => this.setData({ error: errorMessage(err) }));
        },
      });
    },

    onCloseMention() {
      this.setData({ pickingMention: false });
    },

    onSend() {
      const text = this.data.draft.trim();
      if (!text || this.data.dissolved || this.data.muted) return;
      if (text.length > MESSAGE_LIMITS.textChars) {
        this.setData({ error: `A message can be at most ${MESSAGE_LIMITS.textChars} characters` });
        return;
      }
      const names = this.names();
      // Only people still named in the text are mentioned.
      const mentions = this.data.mentions.filter((id) => text.includes(`@${names[id] ?? ""}`));
      const mentionAll = this.data.mentionAll && text.includes(MENTION_ALL);
      const draft: Draft = {
        type: "text",
        body: { text },
        ...(mentions.length ? { mentions } : {}),
        ...(mentionAll ? { mentionAll } : {}),
        ...(this.data.replyTo ? { replyTo: this.data.replyTo.seq } : {}),
      };
      chats.send(this.data.id, draft);
      this.setData({ draft: "", mentions: [], mentionAll: false, replyTo: null });
    },

    onCancelReply() {
      this.setData({ replyTo: null });
    },

    onRetry(e: WechatMiniprogram.BaseEvent) {
      const clientId = (e.currentTarget.dataset as { clientId?: string }).clientId;
      if (clientId) chats.retry(clientId);
    },

    async onScrollTop() {
      if (this.data.loadingOlder || !this.data.hasOlder) return;
      this.setData({ loadingOlder: true });
      const firstKey = this.data.bubbles[0]?.key;
      try {
        await chats.loadOlder(this.data.id);
        // Keep the message that was at the top in view.
        if (firstKey) this.setData({ scrollInto: `m-${firstKey}` });
      } catch (err) {
        this.setData({ error: errorMessage(err) });
      } finally {
        this.setData({ loadingOlder: false });
      }
    },

    // ---- Long-press menu -----------------------------------------------------------------

    onBubbleMenu(e: WechatMiniprogram.BaseEvent) {
      const key = (e.currentTarget.dataset as { key?: string }).key;
      const bubble = this.data.bubbles.find((b) => b.key === key);
      const message = (chats.store.get().messages[this.data.id] ?? []).find((m) => (m.seq ? `s${m.seq}` : `c${m.clientId}`) === key);
      if (!bubble || !message || bubble.system || bubble.recalled) return;
      const s = this.summary();
      const actions: Array<[string, () => void]> = [];
      if (bubble.type === "text") actions.push(["Copy", () => wx.setClipboardData({ data: String((message.body as { text?: string }).text ?? "") })]);
      if (message.seq) {
        actions.push(["Reply", () => this.setData({ replyTo: { seq: message.seq, text: `${bubble.mine ? "You" : this.names()[message.senderId] ?? ""}: ${previewOf(message)}` } })]);
        actions.push(["Forward", () => this.forward(message.seq)]);
        const withinLimit = Date.now() - message.createdAt < MESSAGE_LIMITS.recallWindowMs;
        const senderRole = this.data.members.find((x) => x.userId === message.senderId)?.role ?? "member";
        // The owner recalls anything, admins ordinary members' messages, at any time.
        const canModerate = s?.kind === "group" && (s.role === "owner" || (s.role === "admin" && senderRole === "member"));
        if ((bubble.mine && withinLimit) || (!bubble.mine && canModerate)) actions.push(["Recall", () => this.recall(message.seq)]);
      }
      actions.push(["Delete", () => chats.deleteLocally(this.data.id, { seq: message.seq || undefined, clientId: message.clientId ?? undefined })]);
      wx.showActionSheet({ itemList: actions.map((a) => a[0]), success: (res) => actions[res.tapIndex]?.[1]() });
    },

    recall(seq: number) {
      chats.recall(this.data.id, seq).catch((err: unknown) => this.setData({ error: errorMessage(err) }));
    },

    /** Forward: the chat picker opens; the message goes to every chat picked (up to nine), in one call. */
    forward(seq: number) {
      this.setData({ forwarding: seq });
    },

    onForwardClose() {
      this.setData({ forwarding: 0 });
    },

    onForwardTo(e: WechatMiniprogram.CustomEvent<{ conversationIds: string[] }>) {
      const seq = this.data.forwarding;
      this.setData({ forwarding: 0 });
      if (!seq) return;
      chats.forward(this.data.id, seq, e.detail.conversationIds).then(
        (results) => {
          const ok = results.every((r) => r.ok);
          wx.showToast({ title: ok ? "Sent" : `Not sent to ${results.filter((r) => !r.ok).length}`, icon: ok ? "success" : "none" });
        },
        (err: unknown) => this.setData({ error: errorMessage(err) }),
      );
    },

    // ---- Media -------------------------------------------------------------------------------

    messageAt(seq: number): LocalMessage | undefined {
      return (chats.store.get().messages[this.data.id] ?? []).find((x) => x.seq === seq);
    },

    async onPreviewImage(e: WechatMiniprogram.BaseEvent) {
      const seq = Number((e.currentTarget.dataset as { seq?: number }).seq);
      const images = (chats.store.get().messages[this.data.id] ?? []).filter((m) => m.type === "image" && m.body && !m.recalledAt);
      const ids = images.map((m) => String(m.body!.mediaId));
      try {
        const got = await mediaUrls(ids, this.data.id);
        const current = got[String(this.messageAt(seq)?.body?.mediaId ?? "")];
        if (current) wx.previewImage({ urls: ids.map((id) => got[id]).filter((u): u is string => Boolean(u)), current });
      } catch (err) {
        this.setData({ error: errorMessage(err) });
      }
    },

    /** Plays a voice message; tapping the one playing stops it, as in WeChat, and so does leaving the chat. */
    async onPlayVoice(e: WechatMiniprogram.BaseEvent) {
      const seq = Number((e.currentTarget.dataset as { seq?: number }).seq);
      const wasPlaying = this.data.playing === seq;
      this.stopVoice();
      if (wasPlaying) return;
      const m = this.messageAt(seq);
      if (!m?.body) return;
      const url = await this.urlOf(String(m.body.mediaId));
      if (!url) return;
      const ctx = wx.createInnerAudioContext();
      player = ctx;
      const done = () => {
        if (player === ctx) this.setData({ playing: 0 });
      };
      ctx.src = url;
      ctx.onEnded(done);
      ctx.onError(() => {
        done();
        this.setData({ error: "Could not play this voice message" });
      });
      ctx.play();
      this.setData({ playing: seq });
    },

    /** Stops and frees the voice playing, if any (InnerAudioContext is not freed by itself). */
    stopVoice() {
      const ctx = player;
      player = null;
      if (ctx) {
        ctx.stop();
        ctx.destroy();
      }
      if (this.data.playing) this.setData({ playing: 0 });
    },

    async onOpenVideo(e: WechatMiniprogram.BaseEvent) {
      const m = this.messageAt(Number((e.currentTarget.dataset as { seq?: number }).seq));
      if (!m?.body) return;
      const url = await this.urlOf(String(m.body.mediaId));
      if (url) wx.previewMedia({ sources: [{ url, type: "video" }] });
    },

    async onOpenFile(e: WechatMiniprogram.BaseEvent) {
      const m = this.messageAt(Number((e.currentTarget.dataset as { seq?: number }).seq));
      if (!m?.body) return;
      const url = await this.urlOf(String(m.body.mediaId));
      if (!url) return;
      // wx.openDocument opens Word, Excel, PowerPoint and PDF files; the downloaded copy's path has no
      // extension to tell which, so the type comes from the file's name.
      const extension = /\.([a-z]+)$/i.exec(String(m.body.name ?? ""))?.[1]?.toLowerCase() ?? "";
      const fileType = DOCUMENT_TYPES.find((t) => t === extension);
      wx.downloadFile({
        url,
        success: (res) => {
          // downloadFile succeeds on any answer, an error page too.
          if (res.statusCode !== 200) {
            this.setData({ error: res.statusCode === 404 ? "This file is no longer available" : "Could not download the file" });
            return;
          }
          wx.openDocument({
            filePath: res.tempFilePath,
            showMenu: true,
            ...(fileType ? { fileType } : {}),
            fail: () => this.setData({ error: "This type of file cannot be opened here" }),
          });
        },
        fail: () => this.setData({ error: "Could not download the file" }),
      });
    },

    onOpenLocation(e: WechatMiniprogram.BaseEvent) {
      const key = (e.currentTarget.dataset as { key?: string }).key;
      const loc = this.data.bubbles.find((b) => b.key === key)?.location;
      if (loc) wx.openLocation({ latitude: loc.latitude, longitude: loc.longitude, name: loc.name, address: loc.address });
    },

    /** Uploads with progress, then a thumbnail or poster when `preview` makes one, then sends. */
    async sendUpload(kind: MediaKind, path: string, label: string, draftOf: (mediaId: string, previewId: string | null) => Draft, fields: Record<string, string | number> = {}, preview?: () => Promise<string | null>) {
      this.setData({ upload: { label, percent: 0 } });
      try {
        const mediaId = await uploadMedia(path, kind, (percent) => this.setData({ upload: { label, percent } }), fields);
        const previewId = preview ? await uploadPreview(preview(), mediaId) : null;
        chats.send(this.data.id, draftOf(mediaId, previewId));
      } catch (err) {
        this.setData({ error: errorMessage(err) });
      } finally {
        this.setData({ upload: null });
      }
    },

    onChoosePhoto() {
      wx.chooseMedia({
        count: 1,
        mediaType: ["image", "video"],
        success: (res) => {
          const f = res.tempFiles[0];
          if (!f) return;
          const size = { ...(f.width ? { width: f.width, height: f.height } : {}) };
          if (res.type === "video") {
            const durationMs = Math.round((f.duration ?? 0) * 1000);
            // The cover frame WeChat hands with a chosen video is its poster.
            const poster = f.thumbTempFilePath ? () => Promise.resolve(f.thumbTempFilePath) : undefined;
            void this.sendUpload("video", f.tempFilePath, "Video", (mediaId, posterMediaId) => ({ type: "video", body: { mediaId, durationMs, ...size, ...(posterMediaId ? { posterMediaId } : {}) } }), { durationMs, size: f.size, ...size }, poster);
          } else {
            const thumbnail = f.size > THUMBNAIL_FROM_BYTES ? () => compressedCopy(f.tempFilePath) : undefined;
            void this.sendUpload("image", f.tempFilePath, "Photo", (mediaId, thumbMediaId) => ({ type: "image", body: { mediaId, ...size, ...(thumbMediaId ? { thumbMediaId } : {}) } }), { size: f.size, ...size }, thumbnail);
          }
        },
      });
    },

    onChooseFile() {
      wx.chooseMessageFile({
        count: 1,
        type: "file",
        success: (res) => {
          const f = res.tempFiles[0];
          if (f) void this.sendUpload("file", f.path, f.name, (mediaId) => ({ type: "file", body: { mediaId, name: f.name, size: f.size } }), { name: f.name, size: f.size });
        },
      });
    },

    onChooseLocation() {
      wx.chooseLocation({
        success: (res) => chats.send(this.data.id, { type: "location", body: { latitude: res.latitude, longitude: res.longitude, name: res.name.slice(0, 100), address: res.address.slice(0, 200) } }),
      });
    },

    onToggleVoice() {
      this.setData({ voiceMode: !this.data.voiceMode });
    },

    /**
     * Hold to talk. The recorder is one for the whole app and WeChat does not say whether a second
     * onStop replaces the first, so its listeners are set once and reach the page that is recording.
     */
    onRecordStart(e: WechatMiniprogram.TouchEvent) {
      recordStartY = touchY(e);
      // WeChat hands out one manager; asking each time keeps this right wherever wx comes from.
      const manager = wx.getRecorderManager();
      if (recorder !== manager) {
        recorder = manager;
        manager.onStop((res) => recordingPage?.recorded(res));
        manager.onError(() => recordingPage?.recorded(null));
      }
      recordingPage = this as unknown as RecordingPage;
      discardRecording = false;
      recorder.start({ format: "aac", duration: VOICE_MAX_MS });
      this.setData({ recording: true, recordCancel: false });
    },

    /** Sliding up by CANCEL_SWIPE_PX arms the cancel; sliding back down disarms it. */
    onRecordMove(e: WechatMiniprogram.TouchEvent) {
      if (!this.data.recording) return;
      const cancel = recordStartY - touchY(e) > CANCEL_SWIPE_PX;
      if (cancel !== this.data.recordCancel) this.setData({ recordCancel: cancel });
    },

    onRecordEnd() {
      if (this.data.recordCancel) discardRecording = true;
      if (this.data.recording) recorder?.stop();
    },

    /** The touch was taken away (a call, the system): the recording is dropped, not sent. */
    onRecordCancel() {
      discardRecording = true;
      if (this.data.recording) recorder?.stop();
    },

    /** The recorder stopped (released, or at 60 s): send what it heard unless it is under a second. */
    recorded(res: WechatMiniprogram.OnStopListenerResult | null) {
      recordingPage = null;
      this.setData({ recording: false, recordCancel: false });
      if (!res || discardRecording) return;
      if (res.duration < VOICE_MIN_MS) {
        wx.showToast({ title: "Too short", icon: "none" });
        return;
      }
      const durationMs = Math.round(res.duration);
      void this.sendUpload("voice", res.tempFilePath, "Voice", (mediaId) => ({ type: "voice", body: { mediaId, durationMs } }), { durationMs, size: res.fileSize });
    },

    onOpenInfo() {
      if (this.data.group) wx.navigateTo({ url: `/pages/group-info/index?id=${this.data.id}` });
    },

    onErrorHide() {
      this.setData({ error: "" });
    },
  },
});
