// Moments notifications: likes, comments and replies to me, newest first, only from people the
// server lets me see (my friends). Opening the list marks them read up to the newest shown.
import type { NotificationView } from "../../../schema/moments";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { ensureSignedIn } from "../../services/auth";
import { mediaUrls } from "../../services/media";
import { markNotificationsRead, notificationRow, notifications, refreshMomentsBadge } from "../../services/moments";

const strings = () => ({ empty: t("moments.notificationsEmpty") });

Component({
  behaviors: [errorTips, localized(strings, "moments.notifications")],
  data: { rows: [] as Array<ReturnType<typeof notificationRow>>, loaded: false },
  methods: {
    onShow() {
      if (!ensureSignedIn()) return;
      this.applyTitle();
      return this.load().catch((e: unknown) => this.showError(e));
    },

    async load() {
      const res = await notifications();
      const list: NotificationView[] = res.notifications;
      await mediaUrls(list.map((n) => n.user.avatarMediaId).filter((x): x is string => Boolean(x))).catch(() => undefined);
      this.setData({ rows: list.map(notificationRow), loaded: true });
      const newest = list[0]?.createdAt;
      if (newest && res.unread > 0) {
        await markNotificationsRead(newest);
        await refreshMomentsBadge().catch(() => undefined);
      }
    },
  },
});
