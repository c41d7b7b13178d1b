// The chat's emoji panel, shown in place of the keyboard as WeChat does: WeChat's face codes
// (drawn as their emoji, inserted as their code such as [微笑]) and plain Unicode emoji, a delete
// key and a send button. It edits nothing itself: it emits `insert` { text }, `delete` and `send`,
// and the chat page changes its draft (the delete key's rule is services/emoji.ts deleteBackward).
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { FACE_CODES, UNICODE_EMOJI } from "../../services/emoji";

const strings = () => ({ faces: t("composer.faces"), emoji: t("composer.emojiSection"), delete: t("composer.delete"), send: t("chat.send") });

Component({
  behaviors: [localized(strings)],
  properties: {
    /** Whether the draft has something to send (the send button is grey otherwise). */
    canSend: { type: Boolean, value: false },
  },
  data: {
    faces: FACE_CODES.map((f) => ({ code: f.code, emoji: f.emoji })),
    emoji: [...UNICODE_EMOJI],
  },
  methods: {
    onPick(e: WechatMiniprogram.BaseEvent) {
      const text = (e.currentTarget.dataset as { text?: string }).text;
      if (text) this.triggerEvent("insert", { text });
    },

    onDelete() {
      this.triggerEvent("delete");
    },

    onSend() {
      if (this.data.canSend) this.triggerEvent("send");
    },
  },
});
