// Picks friends from Contacts, for a new group and for adding people to a group. People in
// `excluded` (already members) are shown ticked and cannot be picked; friends you have blocked are
// not offered (the server refuses them). Emits `confirm` with the picked user ids, and `close`.
import { blockedUsers, listContacts } from "../../services/contacts";
import { errorMessage } from "../../services/errors";
import { initialOf } from "../../services/format";
import { loadAvatars, mediaUrl } from "../../services/media";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";

interface Candidate {
  userId: string;
  name: string;
  initial: string;
  avatarMediaId: string | null;
  avatar: string;
  member: boolean;
  picked: boolean;
}

const strings = () => ({ title: t("picker.selectContacts"), noFriends: t("picker.noFriends") });
const doneText = (picked: number) => (picked ? t("common.doneCount", { n: picked }) : t("common.done"));

Component({
  behaviors: [localized(strings)],
  properties: {
    show: { type: Boolean, value: false },
    /** The dialog's title; "Select Contacts" in the user's language when empty. */
    title: { type: String, value: "" },
    excluded: { type: Array, value: [] as string[] },
    /** Whether Done works with nobody picked (a new group can start alone and invite by QR code). */
    allowNone: { type: Boolean, value: false },
  },
  data: {
    candidates: [] as Candidate[],
    picked: 0,
    doneText: "",
    loading: false,
    error: "",
  },
  observers: {
    show(show: boolean) {
      if (show) this.load();
    },
    // Set by the same setData as `show`: whichever observer runs first, the ticks end up right.
    excluded(excluded: string[]) {
      const members = new Set(excluded);
      this.setData({ candidates: this.data.candidates.map((c) => ({ ...c, member: members.has(c.userId), picked: c.picked && !members.has(c.userId) })) });
    },
  },
  methods: {
    async load() {
      this.setData({ loading: true, error: "", candidates: [], picked: 0, doneText: doneText(0) });
      try {
        // The block list only narrows the choice: if it cannot be read, the server still refuses.
        const [{ friends }, blocked] = await Promise.all([listContacts(), blockedUsers().catch(() => [])]);
        const hidden = new Set(blocked.map((u) => u.id));
        const excluded = new Set(this.data.excluded as string[]);
        const candidates = friends
          .filter((f) => !hidden.has(f.user.id))
          .map((f) => {
            const name = f.remark || f.user.nickname;
            return { userId: f.user.id, name, initial: initialOf(name), avatarMediaId: f.user.avatarMediaId, avatar: mediaUrl(f.user.avatarMediaId), member: excluded.has(f.user.id), picked: false };
          });
        this.setData({ candidates, loading: false });
        loadAvatars(
          candidates.map((c) => c.avatarMediaId),
          () => this.setData({ candidates: this.data.candidates.map((c) => ({ ...c, avatar: mediaUrl(c.avatarMediaId) })) }),
        );
      } catch (err) {
        this.setData({ loading: false, error: errorMessage(err) });
      }
    },

    onPick(e: WechatMiniprogram.BaseEvent) {
      const userId = (e.currentTarget.dataset as { id?: string }).id;
      const candidates = this.data.candidates.map((c) => (c.userId === userId && !c.member ? { ...c, picked: !c.picked } : c));
      const picked = candidates.filter((c) => c.picked).length;
      this.setData({ candidates, picked, doneText: doneText(picked) });
    },

    onDone() {
      const picked = this.data.candidates.filter((c) => c.picked);
      if (!picked.length && !this.data.allowNone) return;
      this.triggerEvent("confirm", { userIds: picked.map((c) => c.userId), names: picked.map((c) => c.name) });
    },

    onLocaleChanged() {
      this.setData({ doneText: doneText(this.data.picked) });
    },

    onClose() {
      this.triggerEvent("close");
    },
  },
});
