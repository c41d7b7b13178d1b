// The privacy guide (隐私保护指引): what Qun collects and why, in Chinese and English, matching
// the entries filled in WeChat's admin console (docs/operations.md). Opened from Me, and by
// WeChat's privacy authorisation (ask=1), where the user agrees or declines.
import { AGREE_BUTTON_ID, answerPrivacy, privacyPending } from "../../services/privacy";

// Every string of this page, in one place.
const TEXT = {
  intro: {
    zh: "群（Qun）是一个聊天小程序。我们只收集提供聊天服务所必需的信息，不出售、不用于广告。",
    en: "Qun is a chat mini-program. It collects only what the chat service needs, and never sells it or uses it for ads.",
  },
  items: [
    {
      id: "openid",
      zh: "微信 OpenID：用于登录和识别你的账号，并在内容安全检查时提交给微信。",
      en: "WeChat OpenID: to sign you in and tell your account apart, and sent to WeChat with content safety checks.",
    },
    { id: "profile", zh: "昵称、头像：向你的联系人和群成员展示你是谁。", en: "Nickname and avatar: to show your contacts and group members who you are." },
    {
      id: "messages",
      zh: "消息内容：保存并送达给会话中的其他成员；文字会经过微信内容安全检查。",
      en: "Messages: stored and delivered to the other members of the chat; text is checked by WeChat's content security.",
    },
    {
      id: "media",
      zh: "图片、语音、视频和文件（选择相册、拍摄或录音时）：发送给会话成员；图片和语音会经过微信内容安全检查。",
      en: "Pictures, voice, video and files (when you pick, take or record them): sent to the chat's members; pictures and voice are checked by WeChat's content security.",
    },
    {
      id: "location",
      zh: "位置信息（仅在你发送位置或使用面对面建群时）：发送给会话成员，或用于找到附近的人。",
      en: "Location (only when you share a place or use face-to-face groups): sent to the chat, or used to find people next to you.",
    },
    {
      id: "reports",
      zh: "举报：你举报的消息及其前后的消息会交给运营人员处理，被举报人不会收到通知。",
      en: "Reports: a message you report, with the messages around it, goes to Qun's operators; the reported person is not told.",
    },
  ],
  rights: {
    zh: "你可以随时在“我”页面注销账号，删除你的资料和你上传的文件。",
    en: "You can delete your account at any time from Me; your profile and your uploads are deleted with it.",
  },
  agree: "同意 Agree",
  decline: "拒绝 Decline",
  full: "查看完整指引 Full guide",
};

Component({
  data: { text: TEXT, asking: false, agreeId: AGREE_BUTTON_ID },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ asking: query.ask === "1" && privacyPending() });
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
