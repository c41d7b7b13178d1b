// Who read one of my messages in a group: "N read" under the bubble opens this page with two lists,
// Read and Unread, each member with avatar and name. Read state comes from the receipts route
// (GET /conversations/:id/receipts: each member's read seq) and stays live: the store's reads
// change as read frames arrive, and the lists follow. Opened as /pages/read-list/index?id=…&seq=….
import type { GroupInfo } from "../../../schema/groups";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { ensureSignedIn } from "../../services/auth";
import { chats } from "../../services/chats";
import { initialOf } from "../../services/format";
import { groupInfo } from "../../services/groups";
import { loadAvatars, mediaUrl } from "../../services/media";
import { session } from "../../services/session";
import { unwatchAll, watch } from "../../services/store";

export interface Reader {
  userId: string;
  name: string;
  initial: string;
  avatar: string;
}

/** The group's members but the message's sender, split by whether their read seq reached `seq`. */
export function splitReaders(members: GroupInfo["members"], reads: Record<string, number>, seq: number, senderId: string): { read: Reader[]; unread: Reader[] } {
  const read: Reader[] = [];
  const unread: Reader[] = [];
  for (const m of members) {
    if (m.userId === senderId) continue;
    const name = m.nickname || m.profileNickname;
    const row = { userId: m.userId, name, initial: initialOf(name), avatar: mediaUrl(m.avatarMediaId) };
    ((reads[m.userId] ?? 0) >= seq ? read : unread).push(row);
  }
  return { read, unread };
}

const strings = () => ({ none: t("readList.none") });

Component({
  behaviors: [errorTips, localized(strings, "readList.title")],
  data: {
    id: "",
    seq: 0,
    tab: "read" as "read" | "unread",
    read: [] as Reader[],
    unread: [] as Reader[],
    readTitle: "",
    unreadTitle: "",
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const id = query.id ?? "";
      const seq = Number(query.seq ?? 0);
      this.setData({ id, seq });
      if (!ensureSignedIn(id ? { path: "pages/read-list/index", query: { id, seq: String(seq) } } : undefined) || !id || !seq) return;
      // Read frames move the store's reads: the lists follow while the page is open.
      watch(this, chats.store, (state, previous) => {
        if (state.reads[id] !== previous.reads[id]) this.draw();
      });
      this.load().catch((err: unknown) => this.showError(err));
    },

    onShow() {
      this.applyTitle();
    },

    onUnload() {
      unwatchAll(this);
    },

    onLocaleChanged() {
      this.draw();
    },

    async load() {
      const [info] = await Promise.all([groupInfo(this.data.id), chats.loadReceipts(this.data.id)]);
      (this as unknown as { info?: GroupInfo }).info = info;
      this.draw();
      loadAvatars(
        info.members.map((m) => m.avatarMediaId),
        () => this.draw(),
      );
    },

    draw() {
      const info = (this as unknown as { info?: GroupInfo }).info;
      if (!info) return;
      const reads = chats.store.get().reads[this.data.id] ?? {};
      // The list is of my messages: everyone but me (signed in, whether or not the sync engine started).
      const { read, unread } = splitReaders(info.members, reads, this.data.seq, session.get().user?.id ?? "");
      this.setData({ read, unread, readTitle: t("readList.read", { n: read.length }), unreadTitle: t("readList.unread", { n: unread.length }) });
    },

    onTab(e: WechatMiniprogram.BaseEvent) {
      const tab = (e.currentTarget.dataset as { tab?: "read" | "unread" }).tab;
      if (tab) this.setData({ tab });
    },
  },
});
