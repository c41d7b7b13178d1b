// Posting to Moments: text, up to nine pictures or one video (uploaded as in chats, with a
// thumbnail or poster), a location, and who may see it: all friends, only me, only chosen tags
// and friends, or everyone but them (docs/moments.md).
import type { MomentVisibility } from "../../../schema/moments";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { type MessageKey, t } from "../../i18n/index";
import { listContacts } from "../../services/contacts";
import { compressedCopy, THUMBNAIL_FROM_BYTES, uploadMedia, uploadPreview } from "../../services/media";
import { createMoment, nameOf } from "../../services/moments";

const MAX_PICTURES = 9;
const VISIBILITIES: ReadonlyArray<{ value: MomentVisibility; label: MessageKey }> = [
  { value: "all", label: "moments.visAll" },
  { value: "private", label: "moments.visPrivate" },
  { value: "include", label: "moments.visInclude" },
  { value: "exclude", label: "moments.visExclude" },
];

const strings = () => ({
  placeholder: t("moments.composePlaceholder"),
  addMedia: t("moments.addMedia"),
  location: t("moments.location"),
  visibility: t("moments.visibility"),
  tags: t("moments.audienceTags"),
  friends: t("moments.audienceFriends"),
  post: t("moments.compose"),
  posting: t("moments.posting"),
  visibilities: VISIBILITIES.map((v) => t(v.label)),
});

interface Picked {
  path: string;
  kind: "image" | "video";
  size: number;
  width?: number;
  height?: number;
  durationMs?: number;
  thumb: string | null;
}

Component({
  behaviors: [errorTips, localized(strings)],
  data: {
    text: "",
    picked: [] as Picked[],
    canAdd: true,
    location: null as { name: string; address: string; latitude: number; longitude: number } | null,
    visibility: "all" as MomentVisibility,
    visibilityIndex: 0,
    tags: [] as Array<{ name: string; chosen: boolean }>,
    friends: [] as Array<{ id: string; name: string; chosen: boolean }>,
    posting: false,
  },
  methods: {
    onShow() {
      this.retitle();
    },

    /** WeChat's title says what is being posted: 发表文字 for words alone, 发表动态 once pictures or a video are picked. */
    retitle() {
      const title = t(this.data.picked.length ? "moments.composeTitleMedia" : "moments.composeTitle");
      wx.setNavigationBarTitle({ title, fail: () => undefined });
    },

    onText(e: WechatMiniprogram.Input) {
      this.setData({ text: e.detail.value });
    },

    onAddMedia() {
      const have = this.data.picked;
      if (have.some((p) => p.kind === "video")) return;
      wx.chooseMedia({
        count: MAX_PICTURES - have.length,
        mediaType: have.length ? ["image"] : ["image", "video"],
        success: (res) => {
          const files = res.tempFiles.map(
            (f): Picked => ({
              path: f.tempFilePath,
              kind: f.fileType === "video" ? "video" : "image",
              size: f.size,
              ...(f.width ? { width: f.width, height: f.height } : {}),
              ...(f.duration ? { durationMs: Math.round(f.duration * 1000) } : {}),
              thumb: f.thumbTempFilePath || null,
            }),
          );
          // One video alone, or pictures only (WeChat's rule).
          const video = files.find((f) => f.kind === "video");
          const picked = video ? [video] : [...have, ...files].slice(0, MAX_PICTURES);
          this.setData({ picked, canAdd: !video && picked.length < MAX_PICTURES });
          this.retitle();
        },
      });
    },

    onRemoveMedia(e: WechatMiniprogram.TouchEvent) {
      const picked = this.data.picked.filter((_, i) => i !== Number(e.currentTarget.dataset.index));
      this.setData({ picked, canAdd: true });
      this.retitle();
    },

    onLocation() {
      wx.chooseLocation({
        success: (res) => this.setData({ location: { name: res.name || res.address, address: res.address, latitude: res.latitude, longitude: res.longitude } }),
      });
    },

    async onVisibility(e: WechatMiniprogram.PickerChange) {
      const index = Number(e.detail.value);
      const visibility = VISIBILITIES[index]?.value ?? "all";
      this.setData({ visibility, visibilityIndex: index });
      if ((visibility === "include" || visibility === "exclude") && !this.data.tags.length && !this.data.friends.length) {
        try {
          const contacts = await listContacts();
          this.setData({
            tags: contacts.tags.map((name) => ({ name, chosen: false })),
            friends: contacts.friends.map((f) => ({ id: f.user.id, name: nameOf({ ...f.user, remark: f.remark }), chosen: false })),
          });
        } catch (err) {
          this.showError(err);
        }
      }
    },

    onToggleTag(e: WechatMiniprogram.TouchEvent) {
      const i = Number(e.currentTarget.dataset.index);
      this.setData({ tags: this.data.tags.map((x, j) => (j === i ? { ...x, chosen: !x.chosen } : x)) });
    },

    onToggleFriend(e: WechatMiniprogram.TouchEvent) {
      const i = Number(e.currentTarget.dataset.index);
      this.setData({ friends: this.data.friends.map((x, j) => (j === i ? { ...x, chosen: !x.chosen } : x)) });
    },

    /** Uploads one picked file and its thumbnail or poster; answers the post's media item. */
    async upload(p: Picked): Promise<{ mediaId: string; thumbMediaId?: string }> {
      const fields = { ...(p.width ? { width: p.width, height: p.height ?? 0 } : {}), ...(p.durationMs ? { durationMs: p.durationMs } : {}), size: p.size };
      const mediaId = await uploadMedia(p.path, p.kind, undefined, fields);
      const preview = p.kind === "video" ? Promise.resolve(p.thumb) : p.size > THUMBNAIL_FROM_BYTES ? compressedCopy(p.path) : Promise.resolve(null);
      const thumb = await uploadPreview(preview, mediaId);
      return thumb ? { mediaId, thumbMediaId: thumb } : { mediaId };
    },

    async onPost() {
      const text = this.data.text.trim();
      const { picked, visibility } = this.data;
      if (!text && !picked.length) return this.showError(t("moments.nothingToPost"));
      const tags = this.data.tags.filter((x) => x.chosen).map((x) => x.name);
      const userIds = this.data.friends.filter((x) => x.chosen).map((x) => x.id);
      const chooses = visibility === "include" || visibility === "exclude";
      if (chooses && !tags.length && !userIds.length) return this.showError(t("moments.audienceNeeded"));
      if (this.data.posting) return;
      this.setData({ posting: true });
      try {
        const media = [];
        for (const p of picked) media.push(await this.upload(p));
        await createMoment({
          text,
          media,
          visibility,
          ...(chooses ? { tags, userIds } : {}),
          ...(this.data.location ? { location: this.data.location } : {}),
        });
        wx.navigateBack({ delta: 1 });
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ posting: false });
      }
    },
  },
});
