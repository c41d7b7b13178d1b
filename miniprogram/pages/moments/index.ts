// The Moments timeline (朋友圈): my cover, name and avatar; the notifications bar when some are
// unread; my and my friends' posts, newest first, with WeChat's picture grid (tap to preview),
// the like/comment menu, likes and comments as the server lets me see them (my friends' only);
// pull to refresh, more at the bottom. Posting opens pages/moments-compose.
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { t } from "../../i18n/index";
import { ensureSignedIn } from "../../services/auth";
import { initialOf } from "../../services/format";
import { mediaUrl, mediaUrls } from "../../services/media";
import {
  comment,
  deleteComment,
  deleteMoment,
  fullSizeUrls,
  like,
  loadPictures,
  markSeen,
  type MomentRow,
  type MomentView,
  momentSettings,
  refreshMomentsBadge,
  rowOf,
  timeline,
  unlike,
} from "../../services/moments";
import { session } from "../../services/session";

const strings = () => ({
  like: t("moments.like"),
  unlike: t("moments.unlike"),
  comment: t("moments.comment"),
  reply: t("moments.reply"),
  delete: t("moments.delete"),
  send: t("moments.send"),
  empty: t("moments.empty"),
  noMore: t("moments.noMore"),
  compose: t("moments.compose"),
  video: t("moments.video"),
  settings: t("moments.settings"),
});

let posts: MomentView[] = [];

function confirm(content: string): Promise<boolean> {
  return new Promise((resolve) => wx.showModal({ content, success: (r) => resolve(r.confirm), fail: () => resolve(false) }));
}

Component({
  behaviors: [errorTips, localized(strings, "moments.title")],
  data: {
    rows: [] as MomentRow[],
    me: { name: "", initial: "", avatar: "" },
    cover: "",
    unread: 0,
    unreadText: "",
    cursor: null as string | null,
    loaded: false,
    menuFor: "",
    commenting: null as { momentId: string; replyTo: string; placeholder: string } | null,
    draft: "",
  },
  methods: {
    onLoad() {
      posts = [];
    },

    onShow() {
      if (!ensureSignedIn()) return;
      this.applyTitle();
      return this.refresh().catch((e: unknown) => this.showError(e));
    },

    async onPullDownRefresh() {
      await this.refresh().catch((e: unknown) => this.showError(e));
      wx.stopPullDownRefresh();
    },

    async onReachBottom() {
      if (!this.data.cursor) return;
      const page = await timeline(this.data.cursor).catch((e: unknown) => {
        this.showError(e);
        return null;
      });
      if (!page) return;
      posts = [...posts, ...page.moments.filter((m) => !posts.some((p) => p.id === m.id))];
      await loadPictures(page.moments).catch(() => undefined);
      this.draw(page.nextCursor);
    },

    /** The first page again, my cover and avatar, and the unread count. */
    async refresh() {
      const user = session.get().user;
      const [page, settings, badge] = await Promise.all([timeline(), momentSettings(), refreshMomentsBadge()]);
      posts = page.moments;
      await Promise.all([loadPictures(posts), mediaUrls([settings.coverMediaId, user?.avatarMediaId].filter((x): x is string => Boolean(x)))]).catch(() => undefined);
      const name = user?.nickname ?? "";
      this.setData({
        me: { name, initial: initialOf(name), avatar: mediaUrl(user?.avatarMediaId) },
        cover: mediaUrl(settings.coverMediaId),
        unread: badge.unread,
        unreadText: t("moments.newNotifications", { count: badge.unread }),
      });
      this.draw(page.nextCursor);
      const newest = posts[0]?.createdAt;
      if (newest) markSeen(newest);
    },

    /** Redraws the rows from `posts`; `cursor` is the next page's (undefined: unchanged). */
    draw(cursor?: string | null) {
      this.setData({ rows: posts.map((m) => rowOf(m)), cursor: cursor === undefined ? this.data.cursor : cursor, loaded: true });
    },

    /** Puts the server's answer (the post as I may see it) in place of the old copy. */
    replace(next: MomentView) {
      posts = posts.map((p) => (p.id === next.id ? next : p));
      this.draw();
    },

    onMenu(e: WechatMiniprogram.TouchEvent) {
      const id = e.currentTarget.dataset.id as string;
      this.setData({ menuFor: this.data.menuFor === id ? "" : id });
    },

    async onLike(e: WechatMiniprogram.TouchEvent) {
      const id = e.currentTarget.dataset.id as string;
      const post = posts.find((p) => p.id === id);
      this.setData({ menuFor: "" });
      try {
        this.replace(post?.likedByMe ? await unlike(id) : await like(id));
      } catch (err) {
        this.showError(err);
      }
    },

    onComment(e: WechatMiniprogram.TouchEvent) {
      const id = e.currentTarget.dataset.id as string;
      this.setData({ menuFor: "", commenting: { momentId: id, replyTo: "", placeholder: t("moments.commentPlaceholder") }, draft: "" });
    },

    /** Tapping a comment: mine → delete it; someone else's → reply to them. */
    async onTapComment(e: WechatMiniprogram.TouchEvent) {
      const { id, comment: commentId } = e.currentTarget.dataset as { id: string; comment: string };
      const row = this.data.rows.find((r) => r.id === id)?.comments.find((c) => c.id === commentId);
      if (!row) return;
      if (row.mine) {
        if (!(await confirm(t("moments.deleteCommentConfirm")))) return;
        try {
          this.replace(await deleteComment(id, commentId));
        } catch (err) {
          this.showError(err);
        }
        return;
      }
      this.setData({ commenting: { momentId: id, replyTo: commentId, placeholder: t("moments.replyPlaceholder", { name: row.name }) }, draft: "" });
    },

    onDraft(e: WechatMiniprogram.Input) {
      this.setData({ draft: e.detail.value });
    },

    onCancelComment() {
      this.setData({ commenting: null, draft: "" });
    },

    async onSendComment() {
      const c = this.data.commenting;
      const text = this.data.draft.trim();
      if (!c || !text) return;
      try {
        this.replace(await comment(c.momentId, text, c.replyTo || undefined));
        this.setData({ commenting: null, draft: "" });
      } catch (err) {
        this.showError(err);
      }
    },

    async onDeletePost(e: WechatMiniprogram.TouchEvent) {
      const id = e.currentTarget.dataset.id as string;
      if (!(await confirm(t("moments.deletePostConfirm")))) return;
      try {
        await deleteMoment(id);
        posts = posts.filter((p) => p.id !== id);
        this.draw();
      } catch (err) {
        this.showError(err);
      }
    },

    async onPreview(e: WechatMiniprogram.TouchEvent) {
      const { id, index } = e.currentTarget.dataset as { id: string; index: number };
      const post = posts.find((p) => p.id === id);
      if (!post) return;
      const item = post.media[Number(index)];
      try {
        if (item?.kind === "video") {
          const got = await mediaUrls([item.mediaId]);
          if (got[item.mediaId]) wx.previewMedia({ sources: [{ url: got[item.mediaId]!, type: "video" }] });
          return;
        }
        const urls = await fullSizeUrls(post);
        if (urls.length) wx.previewImage({ urls, current: urls[Number(index)] ?? urls[0] });
      } catch (err) {
        this.showError(err);
      }
    },

    onOpenAlbum(e: WechatMiniprogram.TouchEvent) {
      wx.navigateTo({ url: `/pages/moments-album/index?userId=${e.currentTarget.dataset.user as string}` });
    },

    onOpenMyAlbum() {
      const id = session.get().user?.id;
      if (id) wx.navigateTo({ url: `/pages/moments-album/index?userId=${id}` });
    },

    onCompose() {
      wx.navigateTo({ url: "/pages/moments-compose/index" });
    },

    onOpenSettings() {
      wx.navigateTo({ url: "/pages/moments-settings/index" });
    },

    onOpenNotifications() {
      wx.navigateTo({ url: "/pages/moments-notifications/index" });
    },
  },
});
