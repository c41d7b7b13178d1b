// The privacy guide (隐私保护指引): what Qun collects and why, in both languages (the user's first), matching
// the entries filled in WeChat's admin console (docs/operations.md). Opened from Me, and by
// WeChat's privacy authorisation (ask=1), where the user agrees or declines.
import { localized } from "../../behaviors/localized";
import { locale, type MessageKey, t, textIn } from "../../i18n/index";
import { AGREE_BUTTON_ID, answerPrivacy, privacyPending } from "../../services/privacy";

const ITEMS = ["openid", "profile", "messages", "media", "location", "reports"] as const;

/** The guide in both languages, the user's first (it matches the entries of WeChat's admin console, which are in both). */
function guide() {
  const [first, second] = locale() === "en" ? (["en", "zh_CN"] as const) : (["zh_CN", "en"] as const);
  const both = (key: MessageKey) => ({ first: textIn(first, key), second: textIn(second, key) });
  return {
    intro: both("privacy.intro"),
    items: ITEMS.map((id) => ({ id, ...both(`privacy.${id}`) })),
    rights: both("privacy.rights"),
  };
}

const strings = () => ({ agree: t("privacy.agree"), decline: t("privacy.decline"), full: t("privacy.full") });

Component({
  behaviors: [localized(strings, "privacy.title")],
  data: { guide: guide(), asking: false, agreeId: AGREE_BUTTON_ID },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ guide: guide(), asking: query.ask === "1" && privacyPending() });
      this.applyTitle();
    },

    onLocaleChanged() {
      this.setData({ guide: guide() });
    },

    onUnload() {
      // Leaving without an answer declines, so the waiting API call does not hang.
      if (this.data.asking) answerPrivacy(false);
    },

    onAgree() {
      answerPrivacy(true);
      this.setData({ asking: false });
      wx.navigateBack({ fail: () => undefined });
    },

    onDecline() {
      answerPrivacy(false);
      this.setData({ asking: false });
      wx.navigateBack({ fail: () => undefined });
    },

    onOpenContract() {
      if (typeof wx.openPrivacyContract === "function") wx.openPrivacyContract({ fail: () => undefined });
    },
  },
});
