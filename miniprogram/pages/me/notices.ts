// Me → Notifications: notices on/off, message previews, do-not-disturb hours, and how many
// notices WeChat lets the server send (docs/notices.md). Settings live on the server, so every
// device shows the same. Its words are the catalogues' notices.* keys (`s.notices…` in the Me page's data).
import type { NoticeSettings, NoticesResponse } from "../../../schema/notices";
import type { ServerFrame } from "../../../schema/protocol";
import { chats } from "../../services/chats";
import { askForNotices, loadNotices, updateNoticeSettings } from "../../services/notices";

const DEFAULT_DND = { start: 23 * 60, end: 8 * 60 };
/** The phone's offset from UTC in minutes (Beijing: 480); `0 -` keeps UTC itself a plain 0. */
const phoneOffset = () => 0 - new Date().getTimezoneOffset();
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
const minutes = (v: string) => {
  const [h, m] = v.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

function settingsView(settings: NoticeSettings) {
  const dnd = settings.dnd;
  return {
    enabled: settings.enabled,
    preview: settings.preview,
    dndOn: Boolean(dnd),
    dndStart: hhmm(dnd?.start ?? DEFAULT_DND.start),
    dndEnd: hhmm(dnd?.end ?? DEFAULT_DND.end),
  };
}

function view(r: NoticesResponse) {
  return {
    ...settingsView(r.settings),
    banked: Object.values(r.banked).reduce((a, b) => a + b, 0),
    reachable: r.reachable,
    configured: r.templateIds.length > 0,
  };
}

type NoticeView = ReturnType<typeof view>;

/** The Me page's subscription to `notice_settings` frames (another device changed them). */
let unsubscribe: (() => void) | null = null;

export const noticeSettings = Behavior({
  data: { notices: null as NoticeView | null },
  lifetimes: {
    attached() {
      unsubscribe?.();
      unsubscribe = chats.socket.onFrame((frame: ServerFrame) => {
        if (frame.type !== "notice_settings" || !this.data.notices) return;
        this.setData({ notices: { ...this.data.notices, ...settingsView(frame.settings) } });
      });
    },
    detached() {
      unsubscribe?.();
      unsubscribe = null;
    },
  },
  methods: {
    loadNotices() {
      loadNotices().then(
        (r) => this.setData({ notices: view(r) }),
        () => undefined, // the section stays hidden; the profile shows the connection error
      );
    },

    async saveNotices(patch: Parameters<typeof updateNoticeSettings>[0]) {
      try {
        this.setData({ notices: view(await updateNoticeSettings(patch)) });
      } catch (e) {
        (this as unknown as { showError(e: unknown): void }).showError(e);
        this.loadNotices();
      }
    },

    /** Turning notices on asks WeChat for one (this runs inside the user's tap, as WeChat requires). */
    onNoticesSwitch(e: WechatMiniprogram.SwitchChange) {
      const on = e.detail.value;
      if (on) {
        askForNotices("switch").then(
          (r) => r && this.setData({ notices: { ...view(r), enabled: true } }),
          () => undefined,
        );
      }
      this.saveNotices({ enabled: on });
    },

    onPreviewSwitch(e: WechatMiniprogram.SwitchChange) {
      this.saveNotices({ preview: e.detail.value });
    },

    onDndSwitch(e: WechatMiniprogram.SwitchChange) {
      this.saveNotices({ dnd: e.detail.value ? DEFAULT_DND : null, utcOffset: phoneOffset() });
    },

    onDndTime(e: WechatMiniprogram.PickerChange) {
      const which = (e.currentTarget.dataset as { which?: "start" | "end" }).which;
      const n = this.data.notices;
      if (!which || !n) return;
      const dnd = { start: minutes(n.dndStart), end: minutes(n.dndEnd), [which]: minutes(String(e.detail.value)) };
      if (dnd.start === dnd.end) return;
      this.saveNotices({ dnd, utcOffset: phoneOffset() });
    },
  },
});
