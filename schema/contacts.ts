// Contacts: friend requests, friends (remark names and tags), blocks. Shared by worker and client.
import { z } from "zod";
import { publicProfile } from "./api";
import { userId } from "./protocol";
import { displayText, LONE_SURROGATE_MESSAGE, noLoneSurrogates } from "./text";

export const CONTACT_LIMITS = {
  greetingChars: 100,
  remarkChars: 32,
  tagChars: 20,
  tagsPerFriend: 10,
  tagsPerUser: 100,
  friendsPerTagChange: 50, // friends added to a tag in one request (D1 binds at most 100 values a query)
  requestsPerDay: 30, // per sender: WeChat-like throttling of "add friend" spam
} as const;

const L = CONTACT_LIMITS;
export const tagName = displayText(L.tagChars, "Tag name");
const remark = displayText(L.remarkChars, "Remark", { allowEmpty: true });

export const friendRequestBody = z.strictObject({
  userId,
  // A short message, not a name: only text that is not Unicode is refused.
  greeting: z.string().trim().max(L.greetingChars).refine(noLoneSurrogates, `greeting ${LONE_SURROGATE_MESSAGE}`).optional(),
  /** The remark name the sender will use once accepted. */
  remark: remark.optional(),
});
export const acceptRequestBody = z.strictObject({ remark: remark.optional() });
export const updateFriendBody = z.strictObject({ remark: remark.optional(), tags: z.array(tagName).max(L.tagsPerFriend).optional() }).refine((b) => Object.keys(b).length > 0, "Nothing to update");
export const renameTagBody = z.strictObject({ name: tagName });
export const createTagBody = z.strictObject({ name: tagName, userIds: z.array(userId).max(L.friendsPerTagChange).default([]) });
export const tagMembersBody = z.strictObject({ userIds: z.array(userId).min(1).max(L.friendsPerTagChange) });

/** The lists a `contacts` frame can name: GET /contacts, /contacts/requests, /contacts/blocks, /contacts/tags. */
export type ContactsList = "friends" | "requests" | "blocks" | "tags";

/** A tag (friend group) and how many friends carry it. */
export const tagView = z.object({ name: z.string(), count: z.number(), createdAt: z.number() });
export type TagView = z.infer<typeof tagView>;

export const friendView = z.object({
  user: publicProfile,
  remark: z.string(),
  tags: z.array(z.string()),
  online: z.boolean(),
  since: z.number(),
  /** The direct conversation with this friend. */
  conversationId: z.string(),
  /**
   * The shown name (remark, else nickname) in pinyin, lower case: "zhang san" for 张三. Lists are
   * ordered by it and its first letter is the contact's index letter ("#" when not a-z).
   */
  sortKey: z.string(),
});
export type FriendView = z.infer<typeof friendView>;

export const friendRequestView = z.object({
  id: z.string(),
  from: publicProfile,
  to: publicProfile,
  greeting: z.string(),
  status: z.enum(["pending", "accepted", "declined"]),
  createdAt: z.number(),
  respondedAt: z.number().nullable(),
});
export type FriendRequestView = z.infer<typeof friendRequestView>;

// ---- Response bodies of /contacts (docs/contacts.md) ----
export const contactsResponse = z.object({ friends: z.array(friendView), tags: z.array(z.string()) });
export const friendRequestsResponse = z.object({ incoming: z.array(friendRequestView), outgoing: z.array(friendRequestView) });
export const friendRequestResponse = z.object({ request: friendRequestView });
export const acceptedRequestResponse = z.object({ conversationId: z.string(), friend: friendView });
export const tagsResponse = z.object({ tags: z.array(tagView) });
export const tagResponse = z.object({ tag: tagView });
export const tagRenamedResponse = z.object({ tag: tagView, changed: z.number() });
export const tagDeletedResponse = z.object({ changed: z.number() });
