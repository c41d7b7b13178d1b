// Invite and join-request rules shared by the invite service (previews, the /j page) and the
// conversation object, which alone writes membership and so accepts invites under its mutex.
import type { Conversation, Invite, JoinRequest } from "../../schema/d1";
import type { JoinRequestView } from "../../schema/groups";
import { ApiError } from "../lib/errors";

/** Why an invite cannot be used now, most fundamental first; null when it can. */
export function inviteProblem(inv: Invite, group: Pick<Conversation, "dissolvedAt" | "joinPolicy">, now: number): ApiError | null {
  if (group.dissolvedAt !== null) return new ApiError("group_dissolved", "This group has been dissolved");
  if (inv.revokedAt !== null) return new ApiError("invite_revoked", "This invite was revoked; ask for a new one");
  if (inv.expiresAt <= now) return new ApiError("invite_expired", "This invite has expired; ask for a new one");
  if (inv.maxUses !== null && inv.uses >= inv.maxUses) return new ApiError("invite_used_up", "This invite has been used as often as allowed");
  if (group.joinPolicy === "invite_only") return new ApiError("join_closed", "This group is invite-only: a member has to add you");
  return null;
}

export function toJoinRequestView(r: JoinRequest): JoinRequestView {
  return {
    id: r.id,
    conversationId: r.conversationId,
    userId: r.userId,
    invitedBy: r.invitedBy,
    inviteCode: r.inviteCode,
    message: r.message,
    status: r.status,
    createdAt: r.createdAt,
    decidedBy: r.decidedBy,
    decidedAt: r.decidedAt,
  };
}
