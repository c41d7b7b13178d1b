// Search inside one chat (from Chat Info, or a chat of the Chats search): by keyword, by member,
// by day (a date picker), and by kind (pictures and videos as a grid, files, links). Each result
// opens the chat's history around it (pages/message-context). See docs/search.md.
import type { SearchHit } from "../../../schema/search";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { ensureSignedIn } from "../../services/auth";
import { listTime, previewOf } from "../../services/format";
import { api } from "../../services/api";
import { mediaUrls } from "../../services/media";
import { dayRange, searchChat, snippetParts, type SnippetPart } from "../../services/search";

const strings = () => ({
  placeholder: t("chatSearch.placeholder"),
  kinds: [t("chatSearch.all"), t("chatSearch.media"), t("chatSearch.files"), t("chatSearch.links")],
  date: t("chatSearch.date"),
  member: t("chatSearch.member"),
  everyone: t("chatSearch.everyone"),
  more: t("chatSearch.more"),
});
const countText = (n: number) => t("chatSearch.count", { n: n >= 999 ? "999+" : n });
const KINDS = [undefined, "media", "file", "link"] as const;
const DEBOUNCE_MS = 300;

interface Row {
  seq: number;
  time: string;
  parts: SnippetPart[];
  mediaId: string;
  thumb: string;
}

function rowOf(h: SearchHit): Row {
  const body = (h.message.body ?? {}) as { mediaId?: string; thumbMediaId?: string; posterMediaId?: string };
  const parts = h.snippet ? snippetParts(h.snippet, h.highlights) : [{ text: previewOf(h.message), hit: false }];
  return { seq: h.message.seq, time: listTime(h.message.createdAt), parts, mediaId: body.thumbMediaId ?? body.posterMediaId ?? body.mediaId ?? "", thumb: "" };
}

Component({
  behaviors: [errorTips, localized(strings, "chatSearch.title")],
  data: {
    group: false,
    members: null as { id: string; name: string }[] | null,
    memberName: "",
    id: "",
    query: "",
    kind: 0,
    day: "",
    senderId: "",
    rows: [] as Row[],
    count: "",
    nextBefore: null as number | null,
    loading: false,
    empty: "",
  },
  methods: {
    onLoad(options: Record<string, string | undefined>) {
      const q = options.q ? decodeURIComponent(options.q) : "";
      this.setData({ id: options.id ?? "", query: q, senderId: options.senderId ?? "", group: (options.id ?? "").startsWith("c_") });
      if (options.name) wx.setNavigationBarTitle({ title: decodeURIComponent(options.name) });
      else this.applyTitle();
      if (ensureSignedIn() && options.id && (q || options.senderId)) void this.run();
    },

    onInput(e: WechatMiniprogram.Input) {
      this.setData({ query: e.detail.value });
      const self = this as unknown as { timer?: ReturnType<typeof setTimeout> };
      if (self.timer) clearTimeout(self.timer);
      self.timer = setTimeout(() => void this.run(), DEBOUNCE_MS);
    },

    onConfirm() {
      return this.run();
    },

    onKind(e: WechatMiniprogram.BaseEvent) {
      this.setData({ kind: Number((e.currentTarget.dataset as { kind?: number }).kind ?? 0) });
      return this.run();
    },

    /** A day from the calendar: that day's messages, newest first (with the keyword, if any). */
    onDay(e: WechatMiniprogram.PickerChange) {
      this.setData({ day: String(e.detail.value) });
      return this.run();
    },

    /** By member (groups): the members to pick from, loaded once; picking one searches their messages. */
    async onMembers() {
      if (this.data.members) {
        this.setData({ members: null });
        return;
      }
      try {
        const { members } = await api.get<"/groups/:id/members">(`/groups/${this.data.id}/members`);
        this.setData({ members: members.map((m) => ({ id: m.userId, name: m.nickname || m.profileNickname })) });
      } catch (err) {
        this.showError(err);
      }
    },

    onPickMember(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id ?? "";
      const name = this.data.members?.find((m) => m.id === id)?.name ?? "";
      this.setData({ senderId: id, memberName: name, members: null });
      return this.run();
    },

    filters(): Record<string, string | number | undefined> {
      const { query, kind, day, senderId } = this.data;
      return { q: query.trim() || undefined, kind: KINDS[kind], senderId: senderId || undefined, ...(day ? dayRange(day) : {}) };
    },

    async run(before?: number) {
      const f = this.filters();
      if (!f.q && !f.kind && !f.senderId && f.since === undefined) {
        this.setData({ rows: [], count: "", nextBefore: null, empty: "" });
        return;
      }
      this.setData({ loading: true });
      try {
        const res = await searchChat(this.data.id, { ...f, before });
        const rows = (before ? this.data.rows : []).concat(res.hits.map(rowOf));
        this.setData({ rows, nextBefore: res.nextBefore, ...(res.total !== null ? { count: countText(res.total) } : {}), empty: rows.length ? "" : t("chatSearch.nothing") });
        if (KINDS[this.data.kind] === "media") this.loadThumbs();
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ loading: false });
      }
    },

    loadThumbs() {
      const ids = this.data.rows.filter((r) => r.mediaId && !r.thumb).map((r) => r.mediaId);
      if (!ids.length) return;
      mediaUrls(ids, this.data.id).then(
        (urls) => this.setData({ rows: this.data.rows.map((r) => ({ ...r, thumb: urls[r.mediaId] ?? r.thumb })) }),
        () => undefined,
      );
    },

    onMore() {
      if (this.data.nextBefore !== null && !this.data.loading) void this.run(this.data.nextBefore);
    },

    onOpen(e: WechatMiniprogram.BaseEvent) {
      const seq = (e.currentTarget.dataset as { seq?: number }).seq;
      if (seq) wx.navigateTo({ url: `/pages/message-context/index?id=${this.data.id}&seq=${seq}&q=${encodeURIComponent(this.data.query.trim())}` });
    },
  },
});
