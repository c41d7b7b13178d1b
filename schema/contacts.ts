// Contacts: friend requests, friends (remark names and tags), blocks. Shared by worker and client.
import { z } from "zod";
import type { PublicProfile } from "./api";
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
export const updateFriendBody = z
  .strictObject({ remark: remark.optional(), tags: z.array(tagName).max(L.tagsPerFriend).optional() })
  .refine((b) => Object.keys(b).length > 0, "Nothing to update");
export const renameTagBody = z.strictObject({ name: tagName });
export const createTagBody = z.strictObject({ name: tagName, userIds: z.array(userId).max(L.friendsPerTagChange).default([]) });
export const tagMembersBody = z.strictObject({ userIds: z.array(userId).min(1).max(L.friendsPerTagChange) });

/** The lists a `contacts` frame can name: GET /contacts, /contacts/requests, /contacts/blocks, /contacts/tags. */
export type ContactsList = "friends" | "requests" | "blocks" | "tags";

/** A tag (friend group) and how many friends carry it. */
export interface TagView {
  name: string;
  count: number;
  createdAt: number;
}

export interface FriendView {
  user: PublicProfile;
  remark: string;
  tags: string[];
  online: boolean;
  since: number;
  /** The direct conversation with this friend. */
  conversationId: string;
}

export interface FriendRequestView {
  id: string;
  from: PublicProfile;
  to: PublicProfile;
  greeting: string;
  status: "pending" | "accepted" | "declined";
  createdAt: number;
  respondedAt: number | null;
}
