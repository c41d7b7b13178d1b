// Picks up to `max` chats from the Chats list, most recent first, for forwarding a message.
// Dissolved groups are left out. Emits `confirm` with the picked conversation ids, and `close`.
import type { ConversationSummary } from "../../../schema/protocol";
import { chats } from "../../services/chats";
import { initialOf } from "../../services/format";
import { loadAvatars, mediaUrl } from "../../services/media";

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

Component({
  properties: {
    show: { type: Boolean, value: false },
    title: { type: String, value: "Send To" },
    max: { type: Number, value: 9 },
  },
  data: {
    rows: [] as Row[],
    picked: 0,
  },
  observers: {
    show(show: boolean) {
      if (!show) return;
      const rows = chats.store
        .get()
        .conversations.filter((c) => !c.dissolved)
        .map(rowOf);
      this.setData({ rows, picked: 0 });
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
      this.setData({ rows, picked: rows.filter((r) => r.picked).length });
    },

    onDone() {
      const ids = this.data.rows.filter((r) => r.picked).map((r) => r.id);
      if (ids.length) this.triggerEvent("confirm", { conversationIds: ids });
    },

    onClose() {
      this.triggerEvent("close");
    },
  },
});
