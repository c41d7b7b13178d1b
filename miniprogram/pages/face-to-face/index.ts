// Face-to-face group: people next to each other type the same 4 digits; everyone in the room
// shows up live (socket `face_to_face` frames); "Enter This Group" makes or joins the group.
import type { FaceToFaceRoom } from "../../../schema/groups";
import type { ServerFrame } from "../../../schema/protocol";
import { ensureSignedIn } from "../../services/auth";
import { chats } from "../../services/chats";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { errorMessage } from "../../services/errors";
import { initialOf } from "../../services/format";
import { enterFaceToFace, joinFaceToFace, leaveFaceToFace } from "../../services/groups";

const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "del"];
let unsubscribe: (() => void) | null = null;

const strings = () => ({ hint: t("faceToFace.hint"), roomHint: t("faceToFace.roomHint"), enter: t("faceToFace.enter"), delete: t("faceToFace.delete") });

Component({
  behaviors: [errorTips, localized(strings, "faceToFace.title")],
  data: {
    keys: KEYS,
    digits: ["", "", "", ""],
    code: "",
    room: null as FaceToFaceRoom | null,
    people: [] as Array<{ userId: string; nickname: string; initial: string }>,
    busy: false,
  },
  methods: {
    onLoad() {
      this.applyTitle();
      if (!ensureSignedIn()) return;
      chats.start();
      unsubscribe = chats.socket.onFrame((frame: ServerFrame) => {
        if (frame.type === "face_to_face" && frame.room.roomId === this.data.room?.roomId) this.showRoom(frame.room);
      });
    },

    onUnload() {
      unsubscribe?.();
      unsubscribe = null;
      const room = this.data.room;
      if (room && !room.conversationId) leaveFaceToFace(room.roomId).catch(() => undefined);
    },

    showRoom(room: FaceToFaceRoom) {
      this.setData({ room, people: room.members.map((m) => ({ userId: m.userId, nickname: m.nickname, initial: initialOf(m.nickname) })) });
    },

    onKey(e: WechatMiniprogram.BaseEvent) {
      const key = (e.currentTarget.dataset as { key?: string }).key ?? "";
      if (this.data.room || this.data.busy || key === "") return;
      const code = key === "del" ? this.data.code.slice(0, -1) : (this.data.code + key).slice(0, 4);
      this.setData({ code, digits: [0, 1, 2, 3].map((i) => code[i] ?? "") });
      if (code.length === 4) void this.join(code);
    },

    location(): Promise<{ latitude: number; longitude: number }> {
      return new Promise((resolve, reject) => {
        wx.getLocation({
          type: "gcj02",
          success: (res) => resolve({ latitude: res.latitude, longitude: res.longitude }),
          fail: () => reject(new Error(t("faceToFace.needLocation"))),
        });
      });
    },

    async join(code: string) {
      this.setData({ busy: true, error: "" });
      try {
        const { latitude, longitude } = await this.location();
        this.showRoom(await joinFaceToFace(code, latitude, longitude));
      } catch (e) {
        this.setData({ error: errorMessage(e), code: "", digits: ["", "", "", ""] });
      } finally {
        this.setData({ busy: false });
      }
    },

    async onEnter() {
      const room = this.data.room;
      if (!room || this.data.busy) return;
      this.setData({ busy: true });
      try {
        const entered = await enterFaceToFace(room.roomId);
        this.showRoom(entered);
        await chats.refresh().catch(() => undefined);
        if (entered.conversationId) wx.redirectTo({ url: `/pages/chat/index?id=${entered.conversationId}` });
      } catch (e) {
        this.showError(e);
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
