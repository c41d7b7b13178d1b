// Groups, invites (QR codes) and face-to-face rooms: thin calls over the routes of docs/groups.md.
import type { AcceptInviteResult, UpdateGroupInput } from "../../schema/groups";
import type { ConversationSummary } from "../../schema/protocol";
import { api } from "./api";
import { chats } from "./chats";
import { GROUP_LIMITS } from "../generated/limits";

export function createGroup(name: string, memberIds: string[]): Promise<ConversationSummary> {
  return api.post<"/conversations">("/conversations", { name, memberIds }).then((s) => {
    chats.upsert(s);
    return s;
  });
}

export function openDirect(userId: string): Promise<ConversationSummary> {
  return api.post<"/conversations/direct">("/conversations/direct", { userId }).then((s) => {
    chats.upsert(s);
    return s;
  });
}

export const groupInfo = (id: string) => api.get<"/groups/:id">(`/groups/${id}`);
export const updateGroup = (id: string, patch: UpdateGroupInput) => api.patch<"/groups/:id">(`/groups/${id}`, patch);
export const createInvite = (id: string) => api.post<"/groups/:id/invites">(`/groups/${id}/invites`, {});

/** The invite this device last made per group, reused while it lives (a day's margin left, uses left). */
const liveInvites = new Map<string, Awaited<ReturnType<typeof createInvite>>>();
const INVITE_MARGIN_MS = 24 * 60 * 60 * 1000;

/** The group's QR invite: the one this device made while it is still good, else a new one. */
export async function groupInvite(id: string): Promise<Awaited<ReturnType<typeof createInvite>>> {
  const live = liveInvites.get(id);
  if (live && !live.revokedAt && live.expiresAt - INVITE_MARGIN_MS > Date.now() && (live.maxUses === null || live.uses < live.maxUses)) return live;
  const invite = await createInvite(id);
  liveInvites.set(id, invite);
  return invite;
}
export const joinRequests = (id: string) => api.get<"/groups/:id/join-requests">(`/groups/${id}/join-requests`, { status: "pending" }).then((r) => r.requests);
export const decideJoinRequest = (id: string, requestId: string, approve: boolean) => api.post(`/groups/${id}/join-requests/${requestId}/${approve ? "approve" : "decline"}`);
export const removeMember = (id: string, userId: string) => api.del<"/groups/:id/members/:userId">(`/groups/${id}/members/${userId}`);
export const muteMember = (id: string, userId: string, durationSeconds: number) => api.put<"/groups/:id/members/:userId/mute">(`/groups/${id}/members/${userId}/mute`, { durationSeconds });
export const setAdmin = (id: string, userId: string, admin: boolean) =>
  admin ? api.put<"/groups/:id/admins/:userId">(`/groups/${id}/admins/${userId}`) : api.del<"/groups/:id/admins/:userId">(`/groups/${id}/admins/${userId}`);
export const transferOwnership = (id: string, userId: string) => api.post<"/groups/:id/transfer">(`/groups/${id}/transfer`, { userId });
/** Adds friends; with invite confirmation on, a member's picks become join requests (`requested`). */
export const addMembers = (id: string, userIds: string[]) => api.post<"/groups/:id/members">(`/groups/${id}/members`, { userIds });
export const setGroupNickname = (id: string, nickname: string) => api.patch<"/groups/:id/members/me">(`/groups/${id}/members/me`, { nickname });
export const leaveGroup = (id: string) => api.post<"/groups/:id/leave">(`/groups/${id}/leave`);
export const dissolveGroup = (id: string) => api.post<"/groups/:id/dissolve">(`/groups/${id}/dissolve`);

const CODE_IN_URL = new RegExp(`/j/([0-9A-Za-z]{${GROUP_LIMITS.inviteCodeChars}})(?:[/?#]|$)`);

/** The invite code in a scanned or launched URL (`https://<host>/j/<code>`), or null. */
export function inviteCodeFrom(text: string | undefined | null): string | null {
  if (!text) return null;
  let value = text.trim();
  // The `q` launch parameter carries the URL encoded (sometimes twice).
  for (let i = 0; i < 2 && /%2F/i.test(value); i++) value = decodeURIComponent(value);
  return CODE_IN_URL.exec(value)?.[1] ?? null;
}

export const previewInvite = (code: string) => api.get<"/invites/:code">(`/invites/${code}`);

export async function acceptInvite(code: string, message?: string): Promise<AcceptInviteResult> {
  const result = await api.post<"/invites/:code/accept">(`/invites/${code}/accept`, message ? { message } : {});
  if (result.status === "joined") await chats.refresh().catch(() => undefined);
  return result;
}

export const joinFaceToFace = (code: string, latitude: number, longitude: number) => api.post<"/face-to-face/rooms">("/face-to-face/rooms", { code, latitude, longitude });
export const enterFaceToFace = (roomId: string) => api.post<"/face-to-face/rooms/:roomId/enter">(`/face-to-face/rooms/${roomId}/enter`);
export const leaveFaceToFace = (roomId: string) => api.del<"/face-to-face/rooms/:roomId/members/me">(`/face-to-face/rooms/${roomId}/members/me`);
