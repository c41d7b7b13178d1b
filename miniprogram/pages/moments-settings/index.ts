// Moments privacy settings, as WeChat has them: how far back friends and non-friends may look at
// my posts, the album cover, and the two lists: friends my posts are hidden from (不让他看) and
// friends whose posts my timeline leaves out (不看他). Each change is saved at once.
import type { MomentSettingsView } from "../../../schema/moments";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { type MessageKey, t } from "../../i18n/index";
import { api } from "../../services/api";
import { ensureSignedIn } from "../../services/auth";
import { listContacts } from "../../services/contacts";
import { uploadMedia } from "../../services/media";

type Window = MomentSettingsView["strangersWindow"];
const FRIEND_WINDOWS: ReadonlyArray<Exclude<Window, "none">> = ["3d", "1m", "6m", "all"];
const STRANGER_WINDOWS: readonly Window[] = ["none", "3d", "1m", "6m", "all"];
const WINDOW_LABEL: Record<Window, MessageKey> = { none: "moments.windowNone", "3d": "moments.window3d", "1m": "moments.window1m", "6m": "moments.window6m", all: "moments.windowAll" };

const strings = () => ({
  friendsWindow: t("moments.friendsWindow"),
  strangersWindow: t("moments.strangersWindow"),
  changeCover: t("moments.changeCover"),
  hiddenFrom: t("moments.hiddenFrom"),
  muted: t("moments.muted"),
  add: t("moments.addPeople"),
  friendWindows: FRIEND_WINDOWS.map((w) => t(WINDOW_LABEL[w])),
  strangerWindows: STRANGER_WINDOWS.map((w) => t(WINDOW_LABEL[w])),
});

type ListKind = "hidden" | "muted";
let names = new Map<string, string>();

Component({
  behaviors: [errorTips, localized(strings, "moments.settings")],
  data: {
    friendsIndex: 3,
    strangersIndex: 0,
    hidden: [] as Array<{ id: string; name: string }>,
    muted: [] as Array<{ id: string; name: string }>,
    picking: "" as "" | ListKind,
    pickerExcluded: [] as string[],
  },
  methods: {
    onShow() {
      if (!ensureSignedIn()) return;
      this.applyTitle();
      return this.load().catch((e: unknown) => this.showError(e));
    },

    async load() {
      const [settings, contacts] = await Promise.all([api.get<"/moments/settings">("/moments/settings"), listContacts()]);
      names = new Map(contacts.friends.map((f) => [f.user.id, f.remark || f.user.nickname]));
      this.show(settings);
    },

    show(s: MomentSettingsView) {
      const people = (ids: string[]) => ids.map((id) => ({ id, name: names.get(id) ?? id }));
      this.setData({ friendsIndex: FRIEND_WINDOWS.indexOf(s.friendsWindow), strangersIndex: STRANGER_WINDOWS.indexOf(s.strangersWindow), hidden: people(s.hiddenFrom), muted: people(s.muted) });
    },

    async save(patch: Record<string, unknown>) {
      try {
        this.show(await api.patch<"/moments/settings">("/moments/settings", patch));
      } catch (err) {
        this.showError(err);
      }
    },

    onFriendsWindow(e: WechatMiniprogram.PickerChange) {
      return this.save({ friendsWindow: FRIEND_WINDOWS[Number(e.detail.value)] });
    },

    onStrangersWindow(e: WechatMiniprogram.PickerChange) {
      return this.save({ strangersWindow: STRANGER_WINDOWS[Number(e.detail.value)] });
    },

    onChangeCover() {
      wx.chooseMedia({
        count: 1,
        mediaType: ["image"],
        success: async (res) => {
          const f = res.tempFiles[0];
          if (!f) return;
          try {
            const id = await uploadMedia(f.tempFilePath, "image", undefined, { size: f.size });
            await this.save({ coverMediaId: id });
          } catch (err) {
            this.showError(err);
          }
        },
      });
    },

    async saveList(kind: ListKind, ids: string[]) {
      try {
        const body = { userIds: ids };
        this.show(kind === "hidden" ? await api.put<"/moments/settings/hidden">("/moments/settings/hidden", body) : await api.put<"/moments/settings/muted">("/moments/settings/muted", body));
      } catch (err) {
        this.showError(err);
      }
    },

    onAdd(e: WechatMiniprogram.TouchEvent) {
      const kind = e.currentTarget.dataset.list as ListKind;
      this.setData({ picking: kind, pickerExcluded: this.data[kind].map((p) => p.id) });
    },

    onPicked(e: WechatMiniprogram.CustomEvent<{ userIds: string[] }>) {
      const kind = this.data.picking;
      this.setData({ picking: "" });
      if (!kind) return Promise.resolve();
      return this.saveList(kind, [...this.data[kind].map((p) => p.id), ...e.detail.userIds]);
    },

    onClosePicker() {
      this.setData({ picking: "" });
    },

    onRemove(e: WechatMiniprogram.TouchEvent) {
      const { list, id } = e.currentTarget.dataset as { list: ListKind; id: string };
      const person = this.data[list].find((p) => p.id === id);
      wx.showModal({
        content: t("moments.removePersonConfirm", { name: person?.name ?? "" }),
        success: (r) => {
          if (r.confirm)
            this.saveList(
              list,
              this.data[list].map((p) => p.id).filter((x) => x !== id),
            );
        },
      });
    },
  },
});
