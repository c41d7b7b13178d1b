// After a first sign-in with WeChat: WeChat's avatar chooser (button open-type="chooseAvatar") and
// its nickname input (input type="nickname"), both optional. WeChat gives a mini-program neither
// the user's photo nor name without these; until they are set the account is "微信用户".
import { errorTips } from "../../behaviors/error-tips";
import { PROFILE_LIMITS } from "../../generated/limits";
import { t } from "../../i18n/index";
import { afterLoginUrl, HOME_PAGE, updateProfile } from "../../services/auth";
import { uploadMedia } from "../../services/media";

const strings = () => ({
  title: t("welcome.title"),
  hint: t("welcome.hint"),
  chooseAvatar: t("welcome.chooseAvatar"),
  nickname: t("welcome.nickname"),
  nicknamePlaceholder: t("welcome.nicknamePlaceholder"),
  save: t("welcome.save"),
  skip: t("welcome.skip"),
  saving: t("welcome.saving"),
});

Component({
  behaviors: [errorTips],
  data: {
    s: strings(),
    avatarPath: "",
    nickname: "",
    nicknameMax: PROFILE_LIMITS.nicknameMax,
    saving: false,
    /** Where to go afterwards (a page of this app; Chats unless sign-in was on the way somewhere). */
    next: HOME_PAGE,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ s: strings(), next: afterLoginUrl(query.next) });
      wx.setNavigationBarTitle({ title: t("welcome.title") });
    },

    onChooseAvatar(e: WechatMiniprogram.CustomEvent<{ avatarUrl: string }>) {
      if (e.detail.avatarUrl) this.setData({ avatarPath: e.detail.avatarUrl });
    },

    onNickname(e: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ nickname: e.detail.value ?? "" });
    },

    async onSave() {
      if (this.data.saving) return;
      const nickname = this.data.nickname.trim();
      if (!nickname && !this.data.avatarPath) return this.onSkip();
      this.setData({ saving: true, error: "" });
      try {
        const avatarMediaId = this.data.avatarPath ? await uploadMedia(this.data.avatarPath, "image") : undefined;
        await updateProfile({ ...(nickname ? { nickname } : {}), ...(avatarMediaId ? { avatarMediaId } : {}) });
        wx.reLaunch({ url: this.data.next });
      } catch (e) {
        this.showError(e);
      } finally {
        this.setData({ saving: false });
      }
    },

    onSkip() {
      wx.reLaunch({ url: this.data.next });
    },
  },
});
