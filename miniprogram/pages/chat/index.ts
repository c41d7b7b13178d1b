// size: the page wiring only; each of its parts (bubbles, voice, menu, attachments, compose) is a file beside it.
// One conversation: the page's lifecycle and data wiring. What it draws comes from bubbles.ts,
// voice (hold to talk, playing) from a VoiceController of its own, the long-press and avatar
// menus from menu.ts, and sending and opening media from attachments.ts. WeChat keeps several
// chat pages alive in the page stack, so everything a page holds besides its data (the voice
// controller, the unmute timer, what it asked for) is per page: made in onLoad, released in onUnload.
import type { ConversationSummary } from "../../../schema/protocol";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { MESSAGE_LIMITS } from "../../generated/limits";
import { api } from "../../services/api";
import { ensureSignedIn } from "../../services/auth";
import { askForNotices } from "../../services/notices";
import { chats, type LocalMessage } from "../../services/chats";
import { loadAvatars, mediaUrl } from "../../services/media";
import { session } from "../../services/session";
import { unwatchAll, watch } from "../../services/store";
import * as media from "./attachments";
import { ensurePermission } from "../../services/permissions";
import { bubblesOf, keyOf, latestMemberEvent, membersOf, mutedNote, type Bubble, type Member } from "./bubbles";
import { bubblesPatch, WINDOW, WINDOW_STEP } from "./patch";
import { pickMention, textDraft } from "./compose";
import { formerMemberNames, lookUpFormerMembers } from "./former-members";
import { CLOSED_MENU, forwardTo, runBubbleAction, showAvatarMenu, showBubbleMenu } from "./menu";
import { chatInfoUrl, navMetrics } from "./nav";
import { deleteSelected, forwardSelected, NOT_SELECTING, toggleSelected } from "./select";
import { markPlayed } from "../../services/played";
import { strings } from "./strings";
import { VoiceController } from "./voice";
import { deleteBackward } from "../../services/emoji";
import type { PlusItem } from "../../components/plus-panel/index";

/** setTimeout's longest delay (about 24.8 days); a longer mute is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Older messages asked for per scroll to the top. */
const OLDER_PAGE = 30;

/** A chat page's own state that is not drawn. */
interface Room {
  voice: VoiceController;
  /** Opens the input bar again when my mute ends. */
  unmuteTimer: ReturnType<typeof setTimeout> | null;
  typingTimer: ReturnType<typeof setTimeout> | null;
  /** The newest member event the member list already reflects (null until the first render). */
  memberEventsSeen: number | null;
  /** Media ids whose URLs were asked for, so a redraw does not ask again while the answer is on its way. */
  asked: Set<string>;
  /** How many of the newest messages are drawn, and the first of them (see shownOf). */
  window: number;
  firstKey: string | null;
  /** Set in onUnload: a redraw still on its way (an avatar, a URL) then does nothing. */
  closed: boolean;
  /** Names of the people whose cards I sent, for my cards' bubbles until the server's copy (with the profile) comes back. */
  cardNames: Record<string, string>;
}

/** The room kept on the page instance (Component() gives no typed place for instance fields). */
const holder = (page: object) => page as { ownRoom?: Room };

Component({
  behaviors: [errorTips, localized(strings)],
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
    dissolved: false,
    /** Why the input bar is closed while the group lets me read but not write. */
    muted: "",
    playing: 0,
    /** The seq being forwarded while the chat picker is open, else 0. */
    forwarding: 0,
    /** Messages picked in multi-select being forwarded one by one while the chat picker is open. */
    forwardSeqs: [] as number[],
    /** The custom navigation bar's size (nav.ts); the bubble menu stays below it. */
    nav: navMetrics(),
    /** The long-press menu (components/bubble-menu), closed. */
    menu: CLOSED_MENU,
    /** Multi-select: check boxes on bubbles, the picked bubble keys, and how many. */
    selecting: false,
    selected: {} as Record<string, boolean>,
    selectedCount: 0,
    forwardMax: MESSAGE_LIMITS.forwardTargetsMax,
    /** The panel open under the input bar in place of the keyboard: "emoji", "plus" or "". */
    panel: "" as "" | "emoji" | "plus",
    /** The friend picker is open to choose whose contact card to send. */
    pickingCard: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const id = query.id ?? "";
      this.setData({ id, nav: navMetrics() });
      this.room();
      watch(this, chats.store, (state, previous) => {
        if (state.messages[id] !== previous.messages[id] || state.reads[id] !== previous.reads[id] || state.conversations !== previous.conversations || state === previous) this.render();
        if (state.typing[id] !== previous.typing[id]) this.showTyping();
        if (Boolean(state.hasOlder[id]) !== this.data.hasOlder) this.setData({ hasOlder: Boolean(state.hasOlder[id]) });
      });
      // A notice opens this page; signed out, sign-in comes back here.
      if (!ensureSignedIn(id ? { path: "pages/chat/index", query: { id } } : undefined) || !id) return;
      chats.start();
      chats.setActive(id);
      chats.loadReceipts(id).catch(() => undefined);
      this.loadMembers().catch(() => undefined);
    },

    onShow() {
      if (this.data.id) chats.setActive(this.data.id);
    },

    /** Bubbles, notes and the title are written in the language: redraw them after a switch. */
    onLocaleChanged() {
      this.render();
      this.showTyping();
    },

    onHide() {
      chats.setActive(null);
    },

    onUnload() {
      const room = this.room();
      room.closed = true;
      room.voice.release();
      if (room.unmuteTimer) clearTimeout(room.unmuteTimer);
      if (room.typingTimer) clearTimeout(room.typingTimer);
      chats.setActive(null);
      unwatchAll(this);
      // Leaving while others are still talking: a moment to ask for a notice.
      if (chats.store.get().conversations.some((c) => c.unread > 0)) askForNotices("left").catch(() => undefined);
    },

    /** This page's own state, made in onLoad (or on first use) and kept, closed, after onUnload. */
    room(): Room {
      const page = holder(this);
      page.ownRoom ??= {
        voice: new VoiceController(
          this,
          (recorded) => media.sendVoice(this, recorded),
          (message) => this.showError(message),
        ),
        unmuteTimer: null,
        typingTimer: null,
        memberEventsSeen: null,
        asked: new Set(),
        window: WINDOW,
        firstKey: null,
        closed: false,
        cardNames: {},
      };
      return page.ownRoom;
    },

    summary(): ConversationSummary | undefined {
      return chats.conversation(this.data.id);
    },

    names(): Record<string, string> {
      const names: Record<string, string> = { ...this.room().cardNames, ...formerMemberNames() };
      for (const m of this.data.members) names[m.userId] = m.name;
      const s = this.summary();
      if (s?.peer) names[s.peer.id] = s.peer.nickname;
      return names;
    },

    /** A new join, mute, role or name change in the group: read its members again. */
    followMemberEvents(messages: LocalMessage[]) {
      if (!this.data.group) return;
      const room = this.room();
      const latest = latestMemberEvent(messages);
      const seen = room.memberEventsSeen ?? latest;
      room.memberEventsSeen = Math.max(seen, latest);
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

    /**
     * The messages drawn: the newest `window` (scrolling up widens it), the rest stay in the store.
     * The window keeps its first message while new ones arrive, so a new message appends one bubble
     * instead of shifting them all; past WINDOW_STEP extra it starts again from the newest.
     */
    shownOf(all: LocalMessage[]): LocalMessage[] {
      const room = this.room();
      let from = room.firstKey === null ? -1 : all.findIndex((m) => keyOf(m) === room.firstKey);
      if (from < 0 || all.length - from > room.window + WINDOW_STEP) from = Math.max(0, all.length - room.window);
      room.firstKey = all[from] ? keyOf(all[from]!) : null;
      return from === 0 ? all : all.slice(from);
    },

    render() {
      if (this.room().closed) return;
      const state = chats.store.get();
      const s = this.summary();
      const group = s?.kind === "group";
      const title = s ? (group ? t("chats.groupName", { name: s.name, count: s.memberCount }) : (s.peer?.nickname ?? s.name)) : this.data.title;
      const avatarIds = this.avatarIds();
      const avatars: Record<string, string> = {};
      for (const [userId, mediaId] of Object.entries(avatarIds)) if (mediaUrl(mediaId)) avatars[userId] = mediaUrl(mediaId);
      const all = state.messages[this.data.id] ?? [];
      const shown = this.shownOf(all);
      const bubbles = bubblesOf(shown, { me: chats.me ?? "", group, names: this.names(), reads: state.reads[this.data.id] ?? {}, avatars });
      const last = bubbles[bubbles.length - 1];
      const grewAtEnd = last && last.key !== this.data.bubbles[this.data.bubbles.length - 1]?.key;
      const me = this.data.members.find((m) => m.userId === chats.me);
      const muted = mutedNote({ group, muteAll: Boolean(s?.muteAll), me, now: Date.now() });
      // A mute for a while ends by itself: open the input bar again then.
      const room = this.room();
      if (room.unmuteTimer) clearTimeout(room.unmuteTimer);
      room.unmuteTimer = null;
      const until = me?.mutedUntil ?? 0;
      if (muted && until > Date.now()) room.unmuteTimer = setTimeout(() => this.render(), Math.min(until - Date.now() + 50, MAX_TIMER_MS));
      const changes: Record<string, unknown> = { ...bubblesPatch(this.data.bubbles, bubbles), ...(grewAtEnd ? { scrollInto: `m-${last.key}` } : {}) };
      if (group !== this.data.group) changes.group = group;
      const retitle = Boolean(title) && title !== this.data.title;
      if (title !== this.data.title) changes.title = title;
      if (Boolean(s?.dissolved) !== this.data.dissolved) changes.dissolved = Boolean(s?.dissolved);
      if (muted !== this.data.muted) changes.muted = muted;
      if (Object.keys(changes).length > 0) this.setData(changes);
      this.followMemberEvents(state.messages[this.data.id] ?? []);
      // Once the member list is in, anyone else who wrote here is a former member: ask their name.
      if (group && this.data.members.length > 0) lookUpFormerMembers(state.messages[this.data.id] ?? [], this.names(), () => this.render());
      media.fetchUrls(this, state.messages[this.data.id] ?? [], this.room().asked, () => this.render());
      loadAvatars(Object.values(avatarIds), () => this.render());
      // Compared before the setData above, which already holds the new title.
      if (retitle && typeof wx.setNavigationBarTitle === "function") wx.setNavigationBarTitle({ title });
    },

    async loadMembers() {
      const s = this.summary();
      if (s && s.kind !== "group") return;
      const info = await api.get<"/groups/:id">(`/groups/${this.data.id}`);
      const members = membersOf(info);
      const myRole = members.find((m) => m.userId === chats.me)?.role;
      this.setData({ members, canMentionAll: myRole === "owner" || myRole === "admin" });
      this.render();
    },

    showTyping() {
      const room = this.room();
      if (room.closed) return;
      if (room.typingTimer) clearTimeout(room.typingTimer);
      room.typingTimer = null;
      const typist = chats.store.get().typing[this.data.id];
      if (!typist || typist.userId === chats.me || typist.until < Date.now()) {
        this.setData({ typing: "" });
        return;
      }
      this.setData({ typing: t("chat.typing", { name: this.names()[typist.userId] ?? t("chat.someone") }) });
      room.typingTimer = setTimeout(() => this.showTyping(), typist.until - Date.now() + 10);
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
      const patch = pickMention(this.data, (e.currentTarget.dataset as { id?: string }).id);
      if (patch) this.setData({ ...patch, pickingMention: false });
    },

    onCloseMention() {
      this.setData({ pickingMention: false });
    },

    onSend() {
      if (this.data.dissolved || this.data.muted) return;
      const out = textDraft(this.data, this.names());
      if (!out) return;
      if ("error" in out) return this.showError(out.error);
      chats.send(this.data.id, out.draft);
      this.setData({ draft: "", mentions: [], mentionAll: false, replyTo: null });
      askForNotices("sent").catch(() => undefined); // a reply may come while the app is closed
    },

    // ---- The composer's panels (components/emoji-panel, components/plus-panel) ---------------

    /** The emoji button swaps the keyboard for the emoji panel and back, leaving voice mode as WeChat does. */
    onToggleEmoji() {
      this.setData({ panel: this.data.panel === "emoji" ? "" : "emoji", voiceMode: false });
    },

    onTogglePlus() {
      this.setData({ panel: this.data.panel === "plus" ? "" : "plus" });
    },

    /** The keyboard comes up in place of a panel. */
    onInputFocus() {
      if (this.data.panel) this.setData({ panel: "" });
    },

    /** A face code ([微笑]) or an emoji, added at the end of the draft as typed text. */
    onEmojiInsert(e: WechatMiniprogram.CustomEvent<{ text: string }>) {
      this.setData({ draft: this.data.draft + e.detail.text });
      chats.typing(this.data.id);
    },

    onEmojiDelete() {
      this.setData({ draft: deleteBackward(this.data.draft) });
    },

    onPlusPick(e: WechatMiniprogram.CustomEvent<{ item: PlusItem }>) {
      const item = e.detail.item;
      this.setData({ panel: "" });
      if (item === "album" || item === "camera" || item === "video") media.choosePhoto(this, item);
      else if (item === "location") media.chooseLocation(this);
      else if (item === "file") media.chooseFile(this);
      else if (item === "card") this.setData({ pickingCard: true });
    },

    /** One contact card per friend picked, in the order picked. */
    onCardPicked(e: WechatMiniprogram.CustomEvent<{ userIds: string[]; names: string[] }>) {
      this.setData({ pickingCard: false });
      if (this.data.dissolved || this.data.muted) return;
      const room = this.room();
      e.detail.userIds.forEach((userId, i) => {
        room.cardNames[userId] = e.detail.names[i] ?? "";
        chats.send(this.data.id, { type: "card", body: { userId } });
      });
    },

    onCardClose() {
      this.setData({ pickingCard: false });
    },

    /** A contact card opens the person's profile. */
    onOpenCard(e: WechatMiniprogram.BaseEvent) {
      const userId = (e.currentTarget.dataset as { user?: string }).user;
      if (userId) wx.navigateTo({ url: `/pages/profile/index?userId=${userId}` });
    },

    onCancelReply() {
      this.setData({ replyTo: null });
    },

    onRetry(e: WechatMiniprogram.BaseEvent) {
      const clientId = (e.currentTarget.dataset as { clientId?: string }).clientId;
      if (clientId) chats.retry(clientId);
    },

    async onScrollTop() {
      const all = chats.store.get().messages[this.data.id] ?? [];
      const hidden = all.length > 0 && this.shownOf(all)[0] !== all[0];
      if (this.data.loadingOlder || (!this.data.hasOlder && !hidden)) return;
      this.setData({ loadingOlder: true });
      const firstKey = this.data.bubbles[0]?.key;
      try {
        // Older messages already held are drawn first; the server is asked only past them.
        if (hidden) {
          this.room().window += WINDOW_STEP;
          this.room().firstKey = null;
          this.render();
        } else {
          // Everything held is drawn: the page from the server is drawn above it.
          this.room().window = Math.max(this.room().window, all.length + OLDER_PAGE);
          this.room().firstKey = null;
          await chats.loadOlder(this.data.id, OLDER_PAGE);
        }
        // Keep the message that was at the top in view.
        if (firstKey) this.setData({ scrollInto: `m-${firstKey}` });
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ loadingOlder: false });
      }
    },

    // ---- Menus (menu.ts) ----------------------------------------------------------------------

    onBubbleMenu(e: WechatMiniprogram.TouchEvent) {
      const key = (e.currentTarget.dataset as { key?: string }).key;
      const touch = e.touches?.[0] ?? e.changedTouches?.[0];
      if (key && !this.data.selecting) showBubbleMenu(this, key, { x: touch?.clientX ?? 0, y: touch?.clientY ?? 0 }).catch((err: unknown) => this.showError(err));
    },

    onMenuPick(e: WechatMiniprogram.CustomEvent<{ id: string }>) {
      runBubbleAction(this, e.detail.id);
    },

    onMenuClose() {
      this.setData({ menu: CLOSED_MENU });
    },

    // ---- Multi-select (select.ts) ----------------------------------------------------------------

    onToggleSelect(e: WechatMiniprogram.BaseEvent) {
      const key = (e.currentTarget.dataset as { key?: string }).key;
      if (key) toggleSelected(this, key);
    },

    onCancelSelect() {
      this.setData(NOT_SELECTING);
    },

    onForwardSelected() {
      forwardSelected(this);
    },

    onDeleteSelected() {
      deleteSelected(this);
    },

    /** "N read" under my message in a group: who read it and who has not (pages/read-list). */
    onOpenReads(e: WechatMiniprogram.BaseEvent) {
      const seq = Number((e.currentTarget.dataset as { seq?: number }).seq);
      if (this.data.group && seq) wx.navigateTo({ url: `/pages/read-list/index?id=${this.data.id}&seq=${seq}` });
    },

    async onAvatar(e: WechatMiniprogram.BaseEvent) {
      const userId = (e.currentTarget.dataset as { user?: string }).user;
      if (userId && userId !== chats.me && this.data.group) await showAvatarMenu(this, userId);
    },

    onForwardClose() {
      this.setData({ forwarding: 0, forwardSeqs: [] });
    },

    onForwardTo(e: WechatMiniprogram.CustomEvent<{ conversationIds: string[] }>) {
      forwardTo(this, e.detail.conversationIds);
    },

    // ---- Media (attachments.ts) and voice (voice.ts) ------------------------------------------

    onPreviewImage(e: WechatMiniprogram.BaseEvent) {
      return media.previewImage(this, Number((e.currentTarget.dataset as { seq?: number }).seq));
    },

    onOpenVideo(e: WechatMiniprogram.BaseEvent) {
      return media.openVideo(this, Number((e.currentTarget.dataset as { seq?: number }).seq));
    },

    onOpenFile(e: WechatMiniprogram.BaseEvent) {
      return media.openFile(this, Number((e.currentTarget.dataset as { seq?: number }).seq));
    },

    onOpenLocation(e: WechatMiniprogram.BaseEvent) {
      const key = (e.currentTarget.dataset as { key?: string }).key;
      if (key) media.openLocation(this, key);
    },

    /** Plays a voice message; tapping the one playing stops it, as in WeChat, and so does leaving the chat. */
    async onPlayVoice(e: WechatMiniprogram.BaseEvent) {
      const seq = Number((e.currentTarget.dataset as { seq?: number }).seq);
      const voice = this.room().voice;
      if (voice.stop() === seq) return;
      const m = media.messageAt(this.data.id, seq);
      if (!m?.body) return;
      // Its red dot goes once this device plays it (services/played.ts).
      if (markPlayed(this.data.id, seq)) this.render();
      const url = await media.urlOf(this, String(m.body.mediaId));
      // The page may have been closed while the URL was on its way.
      if (url && !this.room().closed) voice.play(seq, url);
    },

    /** Voice mode asks for the microphone first, so no prompt interrupts a hold-to-talk touch. */
    async onToggleVoice() {
      if (this.data.voiceMode) {
        this.setData({ voiceMode: false });
        return;
      }
      if (await ensurePermission("scope.record")) this.setData({ voiceMode: true, panel: "" });
    },

    onRecordStart(e: WechatMiniprogram.TouchEvent) {
      this.room().voice.start(e);
    },

    onRecordMove(e: WechatMiniprogram.TouchEvent) {
      this.room().voice.move(e);
    },

    onRecordEnd() {
      this.room().voice.end();
    },

    onRecordCancel() {
      this.room().voice.cancel();
    },

    /** "…" in the navigation bar: Chat Info (nav.ts says which page). */
    onOpenInfo() {
      const url = chatInfoUrl(this.data.id, this.summary());
      if (url) wx.navigateTo({ url });
    },

    /** The navigation bar's back button; with nothing to go back to (opened from a notice), the Chats tab. */
    onBack() {
      wx.navigateBack({ delta: 1, fail: () => wx.switchTab({ url: "/pages/chats/index" }) });
    },
  },
});
