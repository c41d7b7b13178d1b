// The search box at the top of Chats: contacts, group chats and chat history for one query,
// grouped as WeChat groups them, with the match highlighted. A chat with one matching message
// opens at that message; a chat with several opens its own search (docs/search.md).
import type { ContactHit, GroupHit, MessagesSearchResponse } from "../../../schema/search";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { ensureSignedIn } from "../../services/auth";
import { initialOf } from "../../services/format";
import { openDirect } from "../../services/groups";
import { searchAll, searchMessages, snippetParts, type SnippetPart } from "../../services/search";

// The strings this page builds from what was found, in the user's language.
export const TEXT = {
  history: (n: number, q: string) => t(n === 1 ? "search.historyOne" : "search.historyMany", { n, q }),
  related: (n: number) => t("search.related", { n: n >= 999 ? "999+" : n }),
  memberMatch: (name: string) => t("search.memberMatch", { name }),
  nothing: (q: string) => t("search.nothing", { q }),
};

const strings = () => ({ placeholder: t("search.placeholder"), contacts: t("search.contacts"), groups: t("search.groups"), more: t("search.more") });

const DEBOUNCE_MS = 300;

interface ChatRow {
  id: string;
  name: string;
  initial: string;
  total: number;
  line: string;
  parts: SnippetPart[];
  seq: number;
}

function chatRows(chats: MessagesSearchResponse["chats"]): ChatRow[] {
  return chats.map((c) => {
    const first = c.hits[0]!;
    return {
      id: c.conversation.id,
      name: c.conversation.name,
      initial: initialOf(c.conversation.name),
      total: c.total,
      line: c.total > 1 ? TEXT.related(c.total) : "",
      parts: c.total > 1 ? [] : snippetParts(first.snippet, first.highlights),
      seq: first.message.seq,
    };
  });
}

const contactRow = (c: ContactHit) => ({
  id: c.userId,
  name: c.remark || c.nickname,
  initial: initialOf(c.remark || c.nickname),
  detail: c.matched === "tag" ? c.tag : c.matched === "username" ? c.username : c.remark && c.matched === "nickname" ? c.nickname : "",
});
const groupRow = (g: GroupHit) => ({ id: g.conversation.id, name: g.conversation.name, initial: initialOf(g.conversation.name), detail: g.member ? TEXT.memberMatch(g.member.name) : "" });

Component({
  behaviors: [errorTips, localized(strings, "search.title")],
  data: {
    query: "",
    searched: "",
    loading: false,
    contacts: [] as ReturnType<typeof contactRow>[],
    groups: [] as ReturnType<typeof groupRow>[],
    chats: [] as ChatRow[],
    historyTitle: "",
    cursor: null as string | null,
    empty: "",
  },
  methods: {
    onLoad() {
      this.applyTitle();
      ensureSignedIn();
    },

    onUnload() {
      const timer = (this as unknown as { timer?: ReturnType<typeof setTimeout> }).timer;
      if (timer) clearTimeout(timer);
    },

    onInput(e: WechatMiniprogram.Input) {
      const query = e.detail.value;
      this.setData({ query });
      const self = this as unknown as { timer?: ReturnType<typeof setTimeout> };
      if (self.timer) clearTimeout(self.timer);
      self.timer = setTimeout(() => void this.run(), DEBOUNCE_MS);
    },

    onConfirm() {
      const self = this as unknown as { timer?: ReturnType<typeof setTimeout> };
      if (self.timer) clearTimeout(self.timer);
      return this.run();
    },

    async run() {
      const q = this.data.query.trim();
      if (!q) {
        this.setData({ searched: "", contacts: [], groups: [], chats: [], historyTitle: "", cursor: null, empty: "" });
        return;
      }
      this.setData({ loading: true });
      try {
        const res = await searchAll(q);
        if (q !== this.data.query.trim()) return; // typed on meanwhile
        const chats = chatRows(res.messages.chats);
        const nothing = !res.contacts.length && !res.groups.length && !chats.length;
        this.setData({
          searched: q,
          contacts: res.contacts.map(contactRow),
          groups: res.groups.map(groupRow),
          chats,
          historyTitle: chats.length ? TEXT.history(chats.length, q) : "",
          cursor: res.messages.cursor,
          empty: nothing && !res.messages.cursor ? TEXT.nothing(q) : "",
        });
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ loading: false });
      }
    },

    /** What was found is said in the language: say it again after a switch. */
    onLocaleChanged() {
      if (this.data.searched) void this.run();
    },

    async onMore() {
      const { cursor, searched } = this.data;
      if (!cursor || this.data.loading) return;
      this.setData({ loading: true });
      try {
        const res = await searchMessages({ q: searched, cursor });
        const chats = this.data.chats.concat(chatRows(res.chats));
        this.setData({ chats, cursor: res.cursor, historyTitle: chats.length ? TEXT.history(chats.length, searched) : "" });
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ loading: false });
      }
    },

    async onContact(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (!id) return;
      try {
        const chat = await openDirect(id);
        wx.navigateTo({ url: `/pages/chat/index?id=${chat.id}` });
      } catch (err) {
        this.showError(err);
      }
    },

    onGroup(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      if (id) wx.navigateTo({ url: `/pages/chat/index?id=${id}` });
    },

    onChat(e: WechatMiniprogram.BaseEvent) {
      const row = this.data.chats.find((c) => c.id === (e.currentTarget.dataset as { id?: string }).id);
      if (!row) return;
      const q = encodeURIComponent(this.data.searched);
      if (row.total === 1) wx.navigateTo({ url: `/pages/message-context/index?id=${row.id}&seq=${row.seq}&q=${q}` });
      else wx.navigateTo({ url: `/pages/chat-search/index?id=${row.id}&q=${q}&name=${encodeURIComponent(row.name)}` });
    },
  },
});
