// The Discover tab (发现): the entry to Moments, with WeChat's signs of news beside it: the red
// count of unread notifications, else the newest poster's avatar and a dot when a friend posted
// after what this device last showed (services/moments.ts).
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { ensureSignedIn } from "../../services/auth";
import { applyTabBar } from "../../services/badge";
import { onMomentsBadge, refreshMomentsBadge } from "../../services/moments";

const strings = () => ({ moments: t("discover.moments") });
let unsubscribe: (() => void) | null = null;

Component({
  behaviors: [errorTips, localized(strings, "discover.title")],
  data: { unread: 0, unreadText: "", newPosts: false, latestAvatar: "" },
  lifetimes: {
    // News that arrives while Discover is open (services/moments.ts momentsNews) redraws it.
    attached() {
      unsubscribe?.();
      unsubscribe = onMomentsBadge((b) => this.show(b));
    },
    detached() {
      unsubscribe?.();
      unsubscribe = null;
    },
  },
  methods: {
    onShow() {
      if (!ensureSignedIn()) return;
      this.applyTitle();
      applyTabBar();
      return this.refresh().catch((e: unknown) => this.showError(e));
    },

    async refresh() {
      this.show(await refreshMomentsBadge());
    },

    show(b: { unread: number; newPosts: boolean; latestAvatar: string | null }) {
      this.setData({ unread: b.unread, unreadText: b.unread > 99 ? "99+" : String(b.unread), newPosts: b.newPosts, latestAvatar: b.latestAvatar ?? "" });
    },

    onOpenMoments() {
      wx.navigateTo({ url: "/pages/moments/index" });
    },
  },
});
