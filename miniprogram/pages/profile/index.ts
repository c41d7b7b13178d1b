// A person's profile, as a contact card opens it (pages/profile/index?userId=…): their picture,
// name, Qun ID and What's Up from the public profile (GET /users/:id: what any signed-in user may
// see; the server keeps no region, so none is shown), then "Send Message" for a friend (their
// direct chat) or "Add to Contacts" (a friend request, then "Sent"). Friendship is asked of the
// server (GET /contacts/:userId, 404 for anyone not in my contacts), never read from the card,
// which may be old.
import type { PublicProfile } from "../../../schema/api";
import { errorTips } from "../../behaviors/error-tips";
import { localized } from "../../behaviors/localized";
import { CONTACT_LIMITS } from "../../generated/limits";
import { t } from "../../i18n/index";
import { api } from "../../services/api";
import { ensureSignedIn } from "../../services/auth";
import { sendFriendRequest } from "../../services/contacts";
import { isApiError } from "../../services/errors";
import { initialOf } from "../../services/format";
import { openDirect } from "../../services/groups";
import { loadAvatars, mediaUrl } from "../../services/media";
import { session } from "../../services/session";

const strings = () => ({
  sendMessage: t("profile.sendMessage"),
  addContact: t("profile.addContact"),
  requestSent: t("profile.requestSent"),
  deleted: t("profile.deleted"),
});

/** My contact entry for them, or null when they are not in my contacts (the server's 404). */
async function friendOf(userId: string): Promise<{ remark: string; conversationId: string } | null> {
  try {
    const friend = await api.get<"/contacts/:userId">(`/contacts/${userId}`);
    return { remark: friend.remark, conversationId: friend.conversationId };
  } catch (err) {
    if (isApiError(err) && err.status === 404) return null;
    throw err;
  }
}

Component({
  behaviors: [errorTips, localized(strings, "profile.title")],
  data: {
    userId: "",
    loaded: false,
    name: "",
    /** The profile's own nickname, shown under a remark I gave them. */
    nickname: "",
    initial: "",
    avatar: "",
    avatarMediaId: null as string | null,
    qunId: "",
    signature: "",
    deleted: false,
    /** What the button does: a friend's chat, a request to a stranger, nothing for me. */
    relation: "none" as "friend" | "stranger" | "me" | "none",
    conversationId: "",
    requested: false,
    busy: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.applyTitle();
      const userId = query.userId ?? "";
      this.setData({ userId });
      if (!ensureSignedIn({ path: "pages/profile/index", query: { userId } }) || !userId) return;
      void this.load();
    },

    onShow() {
      this.applyTitle();
    },

    async load() {
      const userId = this.data.userId;
      try {
        const me = session.get().user?.id === userId;
        const [profile, friend] = await Promise.all([api.get<"/users/:id">(`/users/${userId}`), me ? Promise.resolve(null) : friendOf(userId)]);
        this.show(profile, friend, me);
      } catch (err) {
        this.showError(err);
      }
    },

    show(profile: PublicProfile, friend: { remark: string; conversationId: string } | null, me: boolean) {
      const name = friend?.remark || profile.nickname;
      this.setData({
        loaded: true,
        name,
        nickname: friend?.remark ? profile.nickname : "",
        initial: initialOf(name),
        avatarMediaId: profile.avatarMediaId,
        avatar: mediaUrl(profile.avatarMediaId),
        qunId: profile.username ? t("profile.qunId", { id: profile.username }) : "",
        signature: profile.signature,
        deleted: Boolean(profile.deleted),
        relation: profile.deleted ? "none" : me ? "me" : friend ? "friend" : "stranger",
        conversationId: friend?.conversationId ?? "",
      });
      loadAvatars([profile.avatarMediaId], () => this.setData({ avatar: mediaUrl(this.data.avatarMediaId) }));
    },

    async onSendMessage() {
      if (this.data.busy) return;
      this.setData({ busy: true });
      try {
        const id = this.data.conversationId || (await openDirect(this.data.userId)).id;
        wx.navigateTo({ url: `/pages/chat/index?id=${id}` });
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ busy: false });
      }
    },

    async onAddContact() {
      if (this.data.busy || this.data.requested) return;
      this.setData({ busy: true });
      try {
        const me = session.get().user?.nickname ?? "";
        await sendFriendRequest(this.data.userId, t("profile.greeting", { name: me }).slice(0, CONTACT_LIMITS.greetingChars));
        this.setData({ requested: true });
      } catch (err) {
        this.showError(err);
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
