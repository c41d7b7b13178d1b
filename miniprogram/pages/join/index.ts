// Joining a group from its QR code: a printed code opens this page with the URL in the `q`
// launch parameter; "Scan" in the app opens it with scan=1 and uses wx.scanCode. Either way the
// page previews the group, then joins it or files a request to join. A web sign-in code scanned
// here goes on to its own page (pages/web-login).
import type { InvitePreview } from "../../../schema/groups";
import { ensureSignedIn } from "../../services/auth";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { errorMessage } from "../../services/errors";
import { initialOf } from "../../services/format";
import { webLoginTicketFrom } from "../../services/devices";
import { acceptInvite, inviteCodeFrom, previewInvite } from "../../services/groups";

const strings = () => ({
  scan: t("join.scan"),
  loading: t("join.loading"),
  pending: t("join.pending"),
  messagePlaceholder: t("join.messagePlaceholder"),
  openChat: t("join.openChat"),
  request: t("join.request"),
  join: t("join.join"),
});

Component({
  behaviors: [errorTips, localized(strings, "join.title")],
  data: {
    code: "",
    preview: null as InvitePreview | null,
    initial: "",
    count: "",
    state: "idle" as "idle" | "loading" | "ready" | "joining" | "pending" | "invalid",
    message: "",
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.applyTitle();
      if (!ensureSignedIn({ path: "pages/join/index", query })) return;
      if (query.q) void this.open(query.q);
      else if (query.scan) this.onScan();
    },

    onScan() {
      wx.scanCode({
        onlyFromCamera: false,
        scanType: ["qrCode"],
        success: (res) => void this.open(res.result),
        fail: () => undefined,
      });
    },

    async open(scanned: string) {
      const ticket = webLoginTicketFrom(scanned);
      if (ticket) {
        wx.redirectTo({ url: `/pages/web-login/index?ticket=${ticket}` });
        return;
      }
      const code = inviteCodeFrom(scanned);
      if (!code) {
        this.setData({ state: "invalid", error: t("join.notInvite") });
        return;
      }
      this.setData({ code, state: "loading", error: "" });
      try {
        const preview = await previewInvite(code);
        this.setData({ preview, initial: initialOf(preview.name), count: t("join.members", { n: preview.memberCount }), state: "ready" });
      } catch (e) {
        this.setData({ state: "invalid", error: errorMessage(e) });
      }
    },

    onMessageInput(e: WechatMiniprogram.Input) {
      this.setData({ message: e.detail.value });
    },

    async onJoin() {
      const { code, preview } = this.data;
      if (!preview || this.data.state !== "ready") return;
      if (preview.alreadyMember) {
        wx.redirectTo({ url: `/pages/chat/index?id=${preview.conversationId}` });
        return;
      }
      this.setData({ state: "joining" });
      try {
        const result = await acceptInvite(code, this.data.message.trim() || undefined);
        if (result.status === "joined") wx.redirectTo({ url: `/pages/chat/index?id=${result.conversationId}` });
        else this.setData({ state: "pending" });
      } catch (e) {
        this.setData({ state: "ready", error: errorMessage(e) });
      }
    },
  },
});
