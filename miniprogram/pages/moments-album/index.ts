// A person's album (their Moments): their cover and name, then the posts of theirs I may see
// (their privacy settings decide: docs/moments.md), newest first, with the first picture and the
// text of each; tapping a picture previews the post's pictures.
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { ensureSignedIn } from "../../services/auth";
import { initialOf } from "../../services/format";
import { mediaUrl, mediaUrls } from "../../services/media";
import { album, fullSizeUrls, loadPictures, type MomentRow, type MomentView, nameOf, rowOf } from "../../services/moments";

const strings = () => ({ empty: t("moments.albumEmpty"), noMore: t("moments.noMore") });

let posts: MomentView[] = [];

Component({
  behaviors: [errorTips, localized(strings)],
  data: {
    userId: "",
    owner: { name: "", initial: "", avatar: "" },
    cover: "",
    rows: [] as MomentRow[],
    cursor: null as string | null,
    loaded: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      posts = [];
      this.setData({ userId: query.userId ?? "" });
      if (!ensureSignedIn()) return;
      return this.load().catch((e: unknown) => this.showError(e));
    },

    async onPullDownRefresh() {
      posts = [];
      await this.load().catch((e: unknown) => this.showError(e));
      wx.stopPullDownRefresh();
    },

    async onReachBottom() {
      if (this.data.cursor) await this.load(this.data.cursor).catch((e: unknown) => this.showError(e));
    },

    async load(cursor?: string) {
      const page = await album(this.data.userId, cursor);
      posts = [...posts, ...page.moments];
      await Promise.all([loadPictures(page.moments), mediaUrls([page.coverMediaId, page.owner.avatarMediaId].filter((x): x is string => Boolean(x)))]).catch(() => undefined);
      const name = nameOf(page.owner);
      wx.setNavigationBarTitle({ title: `${name}${t("moments.album")}`, fail: () => undefined });
      this.setData({
        owner: { name, initial: initialOf(name), avatar: mediaUrl(page.owner.avatarMediaId) },
        cover: mediaUrl(page.coverMediaId),
        rows: posts.map((m) => rowOf(m)),
        cursor: page.nextCursor,
        loaded: true,
      });
    },

    async onPreview(e: WechatMiniprogram.TouchEvent) {
      const post = posts.find((p) => p.id === e.currentTarget.dataset.id);
      if (!post) return;
      const urls = await fullSizeUrls(post).catch(() => []);
      if (urls.length) wx.previewImage({ urls, current: urls[0] });
    },
  },
});
