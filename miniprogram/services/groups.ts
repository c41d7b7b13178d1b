// Groups, invites (QR codes) and face-to-face rooms: thin calls over the routes of docs/groups.md.
import type { AcceptInviteResult, CreatedInvite, FaceToFaceRoom, GroupInfo, InvitePreview, JoinRequestView, UpdateGroupInput } from "../../schema/groups";
import type { ConversationSummary } from "../../schema/protocol";
import { api } from "./api";
import { chats } from "./chats";
import { GROUP_LIMITS } from "../generated/limits";

export function createGroup(name: string, memberIds: string[]): Promise<ConversationSummary> {
  return api.post<ConversationSummary>("/conversations", { name, memberIds }).then((s) => {
    chats.upsert(s);
    return s;
  });
}

export function openDirect(userId: string): Promise<ConversationSummary> {
  return api.post<ConversationSummary>("/conversations/direct", { userId }).then((s) => {
    chats.upsert(s);
    return s;
  });
}

export const groupInfo = (id: string) => api.get<GroupInfo>(`/groups/${id}`);
export const updateGroup = (id: string, patch: UpdateGroupInput) => api.patch<GroupInfo>(`/groups/${id}`, patch);
export const createInvite = (id: string) => api.post<CreatedInvite>(`/groups/${id}/invites`, {});
export const joinRequests = (id: string) => api.get<{ requests: JoinRequestView[] }>(`/groups/${id}/join-requests`, { status: "pending" }).then((r) => r.requests);
export const decideJoinRequest = (id: string, requestId: string, approve: boolean) => api.post(`/groups/${id}/join-requests/${requestId}/${approve ? "approve" : "decline"}`);
export const removeMember = (id: string, userId: string) => api.del<{ seq: number | null }>(`/groups/${id}/members/${userId}`);
export const muteMember = (id: string, userId: string, durationSeconds: number) => api.put<{ seq: number | null }>(`/groups/${id}/members/${userId}/mute`, { durationSeconds });
export const setAdmin = (id: string, userId: string, admin: boolean) => (admin ? api.put<{ seq: number | null }>(`/groups/${id}/admins/${userId}`) : api.del<{ seq: number | null }>(`/groups/${id}/admins/${userId}`));
export const transferOwnership = (id: string, userId: string) => api.post<{ seq: number | null }>(`/groups/${id}/transfer`, { userId });
/** Adds friends; with invite confirmation on, a member's picks become join requests (`requested`). */
export const addMembers = (id: string, userIds: string[]) => api.post<{ added: string[]; requested: string[]; seq: number | null }>(`/groups/${id}/members`, { userIds });
export const setGroupNickname = (id: string, nickname: string) => api.patch<{ seq: number | null }>(`/groups/${id}/members/me`, { nickname });
export const leaveGroup = (id: string) => api.post<{ seq: number | null }>(`/groups/${id}/leave`);
export const dissolveGroup = (id: string) => api.post<{ seq: number | null }>(`/groups/${id}/dissolve`);

const CODE_IN_URL = new RegExp(`/j/([0-9A-Za-z]{${GROUP_LIMITS.inviteCodeChars}})(?:[/?#]|$)`);

/** The invite code in a scanned or launched URL (`https://<host>/j/<code>`), or null. */
export function inviteCodeFrom(text: string | undefined | null): string | null {
  if (!text) return null;
  let value = text.trim();
  // The `q` launch parameter carries the URL encoded (sometimes twice).
  for (let i = 0; i < 2 && /%2F/i.test(value); i++) value = decodeURIComponent(value);
  return CODE_IN_URL.exec(value)?.[1] ?? null;
}

export const previewInvite = (code: string) => api.get<InvitePreview>(`/invites/${code}`);

export async function acceptInvite(code: string, message?: string): Promise<AcceptInviteResult> {
  const result = await api.post<AcceptInviteResult>(`/invites/${code}/accept`, message ? { message } : {});
  if (result.status === "joined") await chats.refresh().catch(() => undefined);
  return result;
}

export const joinFaceToFace = (code: string, latitude: number, longitude: number) => api.post<FaceToFaceRoom>("/face-to-face/rooms", { code, latitude, longitude });
export const enterFaceToFace = (roomId: string) => api.post<FaceToFaceRoom>(`/face-to-face/rooms/${roomId}/enter`);
export const leaveFaceToFace = (roomId: string) => api.del<void>(`/face-to-face/rooms/${roomId}/members/me`);
