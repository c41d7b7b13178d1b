// A chat opened at one message (a search result): the messages around it from
// GET /conversations/:id/messages?around=seq, the result marked and scrolled into view; scrolling
// up loads older pages (before=), down newer ones (after=). "Open Chat" goes to the live chat.
// The chat page's own store keeps a gap-free window ending at the newest message, so this
// stand-alone page holds the far-back window instead of the chat page. See docs/search.md.
import type { Message } from "../../../schema/protocol";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { api } from "../../services/api";
import { chats } from "../../services/chats";
import { ensureSignedIn } from "../../services/auth";
import { listTime, previewOf } from "../../services/format";
import { session } from "../../services/session";
import { after, around, before, snippetParts, type SnippetPart } from "../../services/search";

const strings = () => ({ openChat: t("context.openChat") });
const PAGE = 30;

interface Row {
  seq: number;
  senderId: string;
  who: string;
  time: string;
  parts: SnippetPart[];
  target: boolean;
}

function rowOf(m: Message, target: number, q: string, me: string | undefined, names: Record<string, string>): Row {
  const text = previewOf(m);
  const at = q ? text.toLowerCase().indexOf(q.toLowerCase()) : -1;
  const parts = m.seq === target && at >= 0 ? snippetParts(text, [[at, at + q.length]]) : [{ text, hit: false }];
  return { seq: m.seq, senderId: m.senderId, who: m.senderId === me ? t("context.me") : (names[m.senderId] ?? m.senderId), time: listTime(m.createdAt), parts, target: m.seq === target };
}

Component({
  behaviors: [errorTips, localized(strings, "context.title")],
  data: {
    id: "",
    seq: 0,
    q: "",
    rows: [] as Row[],
    names: {} as Record<string, string>,
    hasOlder: false,
    hasNewer: false,
    lastSeq: 0,
    scrollInto: "",
    loading: false,
  },
  methods: {
    async onLoad(options: Record<string, string | undefined>) {
      const id = options.id ?? "";
      const seq = Number(options.seq ?? 0);
      this.setData({ id, seq, q: options.q ? decodeURIComponent(options.q) : "" });
      this.applyTitle();
      if (!ensureSignedIn() || !id || !seq) return;
      this.loadNames().catch(() => undefined);
      try {
        const page = await around(id, seq, PAGE);
        this.show(page.messages, "replace", page.hasMore, page.lastSeq);
        this.setData({ scrollInto: `m-${seq}` });
      } catch (err) {
        this.showError(err);
      }
    },

    /** Senders' names: a group's members, or the direct chat's other person. */
    async loadNames() {
      const id = this.data.id;
      let names: Record<string, string> = {};
      if (id.startsWith("c_")) {
        const { members } = await api.get<"/groups/:id/members">(`/groups/${id}/members`);
        names = Object.fromEntries(members.map((m) => [m.userId, m.nickname || m.profileNickname]));
      } else {
        const peer = chats.conversation(id)?.peer;
        if (peer) names = { [peer.id]: peer.nickname };
      }
      this.setData({ names, rows: this.data.rows.map((r) => ({ ...r, who: names[r.senderId] ?? r.who })) });
    },

    show(messages: Message[], how: "replace" | "older" | "newer", hasOlder: boolean | null, lastSeq: number) {
      const me = session.get().user?.id;
      const rows = messages.map((m) => rowOf(m, this.data.seq, this.data.q, me, this.data.names));
      const all = how === "replace" ? rows : how === "older" ? rows.concat(this.data.rows) : this.data.rows.concat(rows);
      const last = all[all.length - 1]?.seq ?? 0;
      this.setData({ rows: all, lastSeq, hasNewer: last < lastSeq, ...(hasOlder !== null ? { hasOlder } : {}) });
    },

    async onOlder() {
      const first = this.data.rows[0];
      if (!first || !this.data.hasOlder || this.data.loading) return;
      this.setData({ loading: true });
      try {
        const page = await before(this.data.id, first.seq, PAGE);
        this.show(page.messages, "older", page.hasMore, page.lastSeq);
        this.setData({ scrollInto: `m-${first.seq}` });
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ loading: false });
      }
    },

    async onNewer() {
      const last = this.data.rows[this.data.rows.length - 1];
      if (!last || !this.data.hasNewer || this.data.loading) return;
      this.setData({ loading: true });
      try {
        const page = await after(this.data.id, last.seq, PAGE);
        this.show(page.messages, "newer", null, page.lastSeq);
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ loading: false });
      }
    },

    onOpenChat() {
      wx.navigateTo({ url: `/pages/chat/index?id=${this.data.id}` });
    },
  },
});
