// Signed-in devices (登录设备管理), opened from Me and from the Chats list's "Web Qun signed in"
// bar: every live session of the account (this phone marked), and signing any other one out
// after a confirmation; that device's sockets close and it must sign in again.
import type { SessionInfo } from "../../../schema/web-login";
import { ensureSignedIn } from "../../services/auth";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { listDevices, signOutDevice } from "../../services/devices";
import { listTime } from "../../services/format";

export interface DeviceRow {
  id: string;
  web: boolean;
  name: string;
  /** "This device", or when it was last used. */
  detail: string;
  current: boolean;
}

export function rowOfDevice(s: SessionInfo): DeviceRow {
  const kind = s.kind === "web" ? t("devices.web") : t("devices.miniprogram");
  return {
    id: s.id,
    web: s.kind === "web",
    name: s.device ? `${kind} · ${s.device}` : kind,
    detail: s.current ? t("devices.current") : t("devices.lastActive", { time: listTime(s.lastSeenAt) }),
    current: s.current,
  };
}

const strings = () => ({
  intro: t("devices.intro"),
  signOut: t("devices.signOut"),
  empty: t("devices.loading"),
});

Component({
  behaviors: [errorTips, localized(strings, "devices.title")],
  data: {
    rows: [] as DeviceRow[],
    loaded: false,
    /** The server's last list, to redraw the rows in another language without asking again. */
    sessions: [] as SessionInfo[],
  },
  methods: {
    onLoad() {
      ensureSignedIn({ path: "pages/devices/index", query: {} });
    },

    onShow() {
      this.applyTitle();
      void this.load();
    },

    onLocaleChanged() {
      this.setData({ rows: this.data.sessions.map(rowOfDevice) });
    },

    async load() {
      try {
        const sessions = await listDevices();
        this.setData({ sessions, rows: sessions.map(rowOfDevice), loaded: true });
      } catch (e) {
        this.setData({ loaded: true });
        this.showError(e);
      }
    },

    /** Asks first, as WeChat does: the device is signed out at once. */
    onSignOut(e: WechatMiniprogram.BaseEvent) {
      const id = (e.currentTarget.dataset as { id?: string }).id;
      const row = this.data.rows.find((r) => r.id === id);
      if (!row || row.current) return;
      wx.showModal({
        title: "",
        content: t(row.web ? "devices.signOutWebConfirm" : "devices.signOutConfirm", { name: row.name }),
        cancelText: t("common.cancel"),
        confirmText: t("devices.signOut"),
        confirmColor: "#FA5151",
        success: async (res) => {
          if (!res.confirm) return;
          try {
            await signOutDevice(row.id);
            wx.showToast({ title: t("devices.signedOut"), icon: "success" });
          } catch (err) {
            this.showError(err);
          }
          await this.load();
        },
      });
    },
  },
});
