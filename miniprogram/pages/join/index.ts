// Joining a group from its QR code: a printed code opens this page with the URL in the `q`
// launch parameter; "Scan" in the app opens it with scan=1 and uses wx.scanCode. Either way the
// page previews the group, then joins it or files a request to join.
import type { InvitePreview } from "../../../schema/groups";
import { ensureSignedIn } from "../../services/auth";
import { errorTips } from "../../behaviors/error-tips";
import { errorMessage } from "../../services/errors";
import { initialOf } from "../../services/format";
import { acceptInvite, inviteCodeFrom, previewInvite } from "../../services/groups";

Component({
  behaviors: [errorTips],
  data: {
    code: "",
    preview: null as InvitePreview | null,
    initial: "",
    state: "idle" as "idle" | "loading" | "ready" | "joining" | "pending" | "invalid",
    message: "",
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
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
      const code = inviteCodeFrom(scanned);
      if (!code) {
        this.setData({ state: "invalid", error: "This QR code is not a Qun group invite" });
        return;
      }
      this.setData({ code, state: "loading", error: "" });
      try {
        const preview = await previewInvite(code);
        this.setData({ preview, initial: initialOf(preview.name), state: "ready" });
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
