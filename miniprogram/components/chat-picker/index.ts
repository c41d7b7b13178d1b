// Picks up to `max` chats from the Chats list, most recent first, for forwarding a message.
// Dissolved groups are left out. Emits `confirm` with the picked conversation ids, and `close`.
import type { ConversationSummary } from "../../../schema/protocol";
import { chats } from "../../services/chats";
import { initialOf } from "../../services/format";
import { loadAvatars, mediaUrl } from "../../services/media";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";

interface Row {
  id: string;
  name: string;
  initial: string;
  avatarMediaId: string | null;
  avatar: string;
  group: boolean;
  picked: boolean;
}

function rowOf(c: ConversationSummary): Row {
  const name = c.kind === "direct" ? (c.peer?.nickname ?? c.name) : c.name;
  const avatarMediaId = c.kind === "direct" ? (c.peer?.avatarMediaId ?? null) : c.avatarMediaId;
  return { id: c.id, name, initial: initialOf(name), avatarMediaId, avatar: mediaUrl(avatarMediaId), group: c.kind === "group", picked: false };
}

const strings = () => ({ title: t("picker.sendTo"), noChats: t("picker.noChats") });
const doneText = (picked: number) => (picked ? t("picker.sendCount", { n: picked }) : t("picker.send"));

Component({
  behaviors: [localized(strings)],
  properties: {
    show: { type: Boolean, value: false },
    /** The dialog's title; "Send To" in the user's language when empty. */
    title: { type: String, value: "" },
    max: { type: Number, value: 9 },
  },
  data: {
    rows: [] as Row[],
    picked: 0,
    hint: "",
    doneText: "",
  },
  observers: {
    show(show: boolean) {
      if (!show) return;
      const rows = chats.store
        .get()
        .conversations.filter((c) => !c.dissolved)
        .map(rowOf);
      this.setData({ rows, picked: 0, hint: t("picker.upTo", { max: this.data.max }), doneText: doneText(0) });
      loadAvatars(
        rows.map((r) => r.avatarMediaId),
        () => this.setData({ rows: this.data.rows.map((r) => ({ ...r, avatar: mediaUrl(r.avatarMediaId) })) }),
      );
    },
  },
  methods: {
    onPick(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      const full = this.data.picked >= this.data.max;
      const rows = this.data.rows.map((r) => (r.id === id && (r.picked || !full) ? { ...r, picked: !r.picked } : r));
      const picked = rows.filter((r) => r.picked).length;
      this.setData({ rows, picked, doneText: doneText(picked) });
    },

    onDone() {
      const ids = this.data.rows.filter((r) => r.picked).map((r) => r.id);
      if (ids.length) this.triggerEvent("confirm", { conversationIds: ids });
    },

    onLocaleChanged() {
      this.setData({ hint: t("picker.upTo", { max: this.data.max }), doneText: doneText(this.data.picked) });
    },

    onClose() {
      this.triggerEvent("close");
    },
  },
});
