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

export interface GroupSettings {
  joinPolicy: JoinPolicy;
  inviteConfirmation: boolean;
  membersCanInvite: boolean;
  newMembersSeeHistory: boolean;
}

export interface GroupMember {
  userId: string;
  role: Role;
  /** The member's nickname in this group ("" when unset; show `profileNickname` then). */
  nickname: string;
  profileNickname: string;
  avatarMediaId: string | null;
  joinedAt: number;
  mutedUntil: number | null;
}

export interface GroupInfo extends GroupSettings {
  id: string;
  name: string;
  avatarMediaId: string | null;
  announcement: string;
  announcementAt: number | null;
  announcementBy: string | null;
  muteAll: boolean;
  dissolvedAt: number | null;
  memberCount: number;
  members: GroupMember[];
}

export interface InviteView {
  code: string;
  conversationId: string;
  /** `${PUBLIC_BASE_URL}/j/<code>`: what the QR code encodes. */
  url: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  maxUses: number | null;
  uses: number;
  /** Public links to the QR image; the code itself is the capability. */
  qrSvgUrl: string;
  qrPngUrl: string;
}

/** Returned once, on creation: the QR image inline as well. */
export interface CreatedInvite extends InviteView {
  qrSvg: string;
  qrPngDataUrl: string;
}

export interface InvitePreview {
  code: string;
  conversationId: string;
  name: string;
  avatarMediaId: string | null;
  memberCount: number;
  approvalRequired: boolean;
  alreadyMember: boolean;
  expiresAt: number;
}

export type AcceptInviteResult =
  | { status: "joined"; conversationId: string; seq: number | null }
  | { status: "pending"; conversationId: string; requestId: string };

export interface JoinRequestView {
  id: string;
  conversationId: string;
  userId: string;
  invitedBy: string | null;
  inviteCode: string | null;
  message: string;
  status: "pending" | "approved" | "declined";
  createdAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
}

export interface FaceToFaceMember {
  userId: string;
  nickname: string;
  avatarMediaId: string | null;
  joinedAt: number;
  entered: boolean;
}

export interface FaceToFaceRoom {
  roomId: string;
  code: string;
  expiresAt: number;
  members: FaceToFaceMember[];
  /** Set once the first person entered: everyone who enters after joins this group. */
  conversationId: string | null;
}
