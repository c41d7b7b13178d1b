// Moments (朋友圈): the REST bodies and answers of /moments (docs/moments.md), shared by the
// worker and the mini-program.
import { z } from "zod";
import { tagName } from "./contacts";
import { mediaId, userId } from "./protocol";
import { displayText } from "./text";

export const MOMENT_LIMITS = {
  textChars: 2000,
  commentChars: 500,
  pictures: 9,
  // Friends named directly in an include/exclude audience, and tags chosen.
  audienceUsers: 200,
  audienceTags: 20,
  pageSize: 10,
  pageMax: 30,
  // Likes and comments shown under a post in a list (the post's own view shows them all).
  interactionsPerPost: 200,
  notificationsPage: 50,
  hideListMax: 500,
  // Posts a day per author: a handful of D1 writes each, so this bounds one account's write load.
  postsPerDay: 100,
  commentsPerHour: 300,
} as const;

export const momentId = z.string().regex(/^mo_[0-9a-z]{20}$/, "Not a post id");
export const commentId = z.string().regex(/^mc_[0-9a-z]{20}$/, "Not a comment id");

/** How far back someone may look at a user's posts: 3 days, a month, 6 months, all; "none" for non-friends only. */
export const friendsWindow = z.enum(["3d", "1m", "6m", "all"]);
export const strangersWindow = z.enum(["none", "3d", "1m", "6m", "all"]);
export type PostWindow = z.infer<typeof strangersWindow>;
export const WINDOW_MS: Record<Exclude<PostWindow, "none" | "all">, number> = {
  "3d": 3 * 86_400_000,
  "1m": 30 * 86_400_000,
  "6m": 182 * 86_400_000,
};

export const momentVisibility = z.enum(["all", "include", "exclude", "private"]);
export type MomentVisibility = z.infer<typeof momentVisibility>;

const location = z.strictObject({
  name: displayText(100, "Location name"),
  address: displayText(200, "Location address", { allowEmpty: true }).optional(),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});
export type MomentLocation = z.infer<typeof location>;

const mediaItem = z.strictObject({ mediaId, thumbMediaId: mediaId.optional() });

export const createMomentBody = z
  .strictObject({
    text: displayText(MOMENT_LIMITS.textChars, "Text", { allowEmpty: true }).default(""),
    // Up to nine pictures, or one video (checked against the uploads by the worker).
    media: z.array(mediaItem).max(MOMENT_LIMITS.pictures).default([]),
    location: location.optional(),
    visibility: momentVisibility.default("all"),
    // For include / exclude: friends and tags (at least one of them).
    userIds: z.array(userId).max(MOMENT_LIMITS.audienceUsers).default([]),
    tags: z.array(tagName).max(MOMENT_LIMITS.audienceTags).default([]),
  })
  .refine((b) => b.text.length > 0 || b.media.length > 0, { message: "A post needs text or media", path: ["text"] })
  .refine((b) => (b.visibility === "include" || b.visibility === "exclude" ? b.userIds.length + b.tags.length > 0 : b.userIds.length + b.tags.length === 0), {
    message: "Choose friends or tags for include/exclude, and none for all/private",
    path: ["visibility"],
  });
export type CreateMomentBody = z.output<typeof createMomentBody>;

export const commentBody = z.strictObject({
  text: displayText(MOMENT_LIMITS.commentChars, "Comment"),
  replyTo: commentId.optional(),
});

export const timelineQuery = z.strictObject({
  cursor: z
    .string()
    .regex(/^\d{1,15}_mo_[0-9a-z]{20}$/, "Not a cursor")
    .optional(),
  limit: z.coerce.number().int().min(1).max(MOMENT_LIMITS.pageMax).optional(),
});
export const badgeQuery = z.strictObject({ since: z.coerce.number().int().min(0).optional() });

export const settingsBody = z
  .strictObject({
    friendsWindow: friendsWindow.optional(),
    strangersWindow: strangersWindow.optional(),
    coverMediaId: mediaId.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "Nothing to update");
/** Marks notifications read up to `until` (the newest createdAt the device showed), so one that arrived meanwhile stays unread. */
export const readNotificationsBody = z.strictObject({ until: z.number().int().min(0) });
export const hideListBody = z.strictObject({ userIds: z.array(userId).max(MOMENT_LIMITS.hideListMax) });

// ---- answers ----------------------------------------------------------------------------

/** Someone as the viewer knows them: their nickname, and the viewer's remark if they are a friend. */
export const momentPerson = z.object({ id: z.string(), nickname: z.string(), remark: z.string(), avatarMediaId: z.string().nullable() });
export type MomentPerson = z.infer<typeof momentPerson>;

export const momentMediaView = z.object({
  mediaId: z.string(),
  kind: z.enum(["image", "video"]),
  thumbMediaId: z.string().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  durationMs: z.number().nullable(),
});
export type MomentMediaView = z.infer<typeof momentMediaView>;

export const likeView = z.object({ user: momentPerson, createdAt: z.number() });
export const commentView = z.object({ id: z.string(), user: momentPerson, replyTo: momentPerson.nullable(), text: z.string(), createdAt: z.number() });
export type CommentView = z.infer<typeof commentView>;

export const momentView = z.object({
  id: z.string(),
  author: momentPerson,
  text: z.string(),
  media: z.array(momentMediaView),
  location: z.object({ name: z.string(), address: z.string().optional(), latitude: z.number(), longitude: z.number() }).nullable(),
  createdAt: z.number(),
  /** Only on the author's own posts: what was chosen (friends named one by one, and tags). */
  audience: z.object({ visibility: momentVisibility, userIds: z.array(z.string()), tags: z.array(z.string()) }).nullable(),
  likes: z.array(likeView),
  comments: z.array(commentView),
  likedByMe: z.boolean(),
});
export type MomentView = z.infer<typeof momentView>;

export const momentPage = z.object({ moments: z.array(momentView), nextCursor: z.string().nullable() });
export type MomentPage = z.infer<typeof momentPage>;

export const albumResponse = momentPage.extend({ owner: momentPerson, coverMediaId: z.string().nullable() });
export type AlbumResponse = z.infer<typeof albumResponse>;

export const notificationView = z.object({
  kind: z.enum(["like", "comment", "reply"]),
  momentId: z.string(),
  commentId: z.string().nullable(),
  user: momentPerson,
  text: z.string(),
  createdAt: z.number(),
  unread: z.boolean(),
});
export type NotificationView = z.infer<typeof notificationView>;
export const notificationsResponse = z.object({ notifications: z.array(notificationView), unread: z.number() });

export const badgeResponse = z.object({
  /** A friend posted after `since` (what the device last saw). */
  newPosts: z.boolean(),
  latestAuthor: momentPerson.nullable(),
  unreadNotifications: z.number(),
});

export const momentSettingsView = z.object({
  friendsWindow,
  strangersWindow,
  coverMediaId: z.string().nullable(),
  hiddenFrom: z.array(z.string()),
  muted: z.array(z.string()),
});
export type MomentSettingsView = z.infer<typeof momentSettingsView>;
