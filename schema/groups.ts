// Group administration, invites (QR codes) and face-to-face groups: request bodies validated by
// the worker and response types for the client.
import { z } from "zod";
import { GROUP_LIMITS as G, MESSAGE_LIMITS as L } from "./limits";
import { mediaId, userId } from "./protocol";
import { displayText, LONE_SURROGATE_MESSAGE, noLoneSurrogates } from "./text";

export const JOIN_POLICIES = ["open", "approval", "invite_only"] as const;
export type JoinPolicy = (typeof JOIN_POLICIES)[number];
export type Role = "owner" | "admin" | "member";

export const inviteCode = z.string().regex(new RegExp(`^[0-9A-Za-z]{${G.inviteCodeChars}}$`), "Not an invite code");
export const joinRequestId = z.string().regex(/^jr_[0-9a-z]{20}$/, "Not a join request id");
export const faceToFaceCode = z.string().regex(/^[0-9]{4}$/, "The code is 4 digits");
export const faceToFaceRoomId = z.string().regex(/^f2f_[0-9]{4}_[0-9a-z]{12}$/, "Not a room id");

/** Owner and admins change these; each change is a system message in the group. */
export const updateGroupBody = z
  .strictObject({
    name: displayText(L.groupNameChars, "Group name").optional(),
    avatarMediaId: mediaId.nullable().optional(),
    announcement: displayText(G.announcementChars, "Announcement", { allowEmpty: true }).optional(),
    joinPolicy: z.enum(JOIN_POLICIES).optional(),
    inviteConfirmation: z.boolean().optional(),
    membersCanInvite: z.boolean().optional(),
    newMembersSeeHistory: z.boolean().optional(),
    muteAll: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, "Nothing to update");
export type UpdateGroupInput = z.infer<typeof updateGroupBody>;

export const addMembersBody = z.strictObject({ userIds: z.array(userId).min(1).max(100) });
export const groupNicknameBody = z.strictObject({ nickname: displayText(G.groupNicknameChars, "Group nickname", { allowEmpty: true }) });
export const transferBody = z.strictObject({ userId });
/** 0 lifts the mute. */
export const muteBody = z.strictObject({ durationSeconds: z.number().int().min(0).max(G.muteMaxSeconds) });

export const createInviteBody = z.strictObject({
  maxUses: z.number().int().min(1).max(G.inviteMaxUses).optional(),
  expiresInSeconds: z.number().int().min(G.inviteMinTtlSeconds).max(G.inviteTtlSeconds).optional(),
});
export const acceptInviteBody = z.strictObject({
  message: z.string().trim().max(G.joinRequestMessageChars).refine(noLoneSurrogates, `message ${LONE_SURROGATE_MESSAGE}`).optional(),
});
export const joinRequestsQuery = z.strictObject({ status: z.enum(["pending", "approved", "declined"]).optional() });

export const faceToFaceJoinBody = z.strictObject({
  code: faceToFaceCode,
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});

// ---- Responses (docs/groups.md) ----
const roleSchema = z.enum(["owner", "admin", "member"]);

export const groupSettings = z.object({
  joinPolicy: z.enum(JOIN_POLICIES),
  inviteConfirmation: z.boolean(),
  membersCanInvite: z.boolean(),
  newMembersSeeHistory: z.boolean(),
});
export type GroupSettings = z.infer<typeof groupSettings>;

export const groupMember = z.object({
  userId: z.string(),
  role: roleSchema,
  /** The member's nickname in this group ("" when unset; show `profileNickname` then). */
  nickname: z.string(),
  profileNickname: z.string(),
  avatarMediaId: z.string().nullable(),
  joinedAt: z.number(),
  mutedUntil: z.number().nullable(),
});
export type GroupMember = z.infer<typeof groupMember>;

export const groupInfo = groupSettings.extend({
  id: z.string(),
  name: z.string(),
  avatarMediaId: z.string().nullable(),
  announcement: z.string(),
  announcementAt: z.number().nullable(),
  announcementBy: z.string().nullable(),
  muteAll: z.boolean(),
  dissolvedAt: z.number().nullable(),
  memberCount: z.number(),
  members: z.array(groupMember),
});
export type GroupInfo = z.infer<typeof groupInfo>;

export const inviteView = z.object({
  code: z.string(),
  conversationId: z.string(),
  /** `${PUBLIC_BASE_URL}/j/<code>`: what the QR code encodes. */
  url: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  revokedAt: z.number().nullable(),
  maxUses: z.number().nullable(),
  uses: z.number(),
  /** Public links to the QR image; the code itself is the capability. */
  qrSvgUrl: z.string(),
  qrPngUrl: z.string(),
});
export type InviteView = z.infer<typeof inviteView>;

/** Returned once, on creation: the QR image inline as well. */
export const createdInvite = inviteView.extend({ qrSvg: z.string(), qrPngDataUrl: z.string() });
export type CreatedInvite = z.infer<typeof createdInvite>;

export const invitePreview = z.object({
  code: z.string(),
  conversationId: z.string(),
  name: z.string(),
  avatarMediaId: z.string().nullable(),
  memberCount: z.number(),
  approvalRequired: z.boolean(),
  alreadyMember: z.boolean(),
  expiresAt: z.number(),
});
export type InvitePreview = z.infer<typeof invitePreview>;

export const acceptInviteResult = z.discriminatedUnion("status", [
  z.object({ status: z.literal("joined"), conversationId: z.string(), seq: z.number().nullable() }),
  z.object({ status: z.literal("pending"), conversationId: z.string(), requestId: z.string() }),
]);
export type AcceptInviteResult = z.infer<typeof acceptInviteResult>;

export const joinRequestView = z.object({
  id: z.string(),
  conversationId: z.string(),
  userId: z.string(),
  invitedBy: z.string().nullable(),
  inviteCode: z.string().nullable(),
  message: z.string(),
  status: z.enum(["pending", "approved", "declined"]),
  createdAt: z.number(),
  decidedBy: z.string().nullable(),
  decidedAt: z.number().nullable(),
});
export type JoinRequestView = z.infer<typeof joinRequestView>;

export const faceToFaceMember = z.object({
  userId: z.string(),
  nickname: z.string(),
  avatarMediaId: z.string().nullable(),
  joinedAt: z.number(),
  entered: z.boolean(),
});
export type FaceToFaceMember = z.infer<typeof faceToFaceMember>;

export const faceToFaceRoom = z.object({
  roomId: z.string(),
  code: z.string(),
  expiresAt: z.number(),
  members: z.array(faceToFaceMember),
  /** Set once the first person entered: everyone who enters after joins this group. */
  conversationId: z.string().nullable(),
});
export type FaceToFaceRoom = z.infer<typeof faceToFaceRoom>;

export const membersResponse = z.object({ members: z.array(groupMember) });
export const invitesResponse = z.object({ invites: z.array(inviteView) });
export const joinRequestsResponse = z.object({ requests: z.array(joinRequestView) });
export const joinRequestDecision = z.object({ request: joinRequestView, seq: z.number().nullable() });
/** Most group actions answer the system message's seq, or null when nothing changed. */
export const seqResponse = z.object({ seq: z.number().nullable() });
export const addMembersResponse = z.object({ added: z.array(z.string()), requested: z.array(z.string()), seq: z.number().nullable() });
