// Friends, friend requests, remarks and tags: thin calls over the routes of docs/contacts.md.
import { api } from "./api";

export const listContacts = () => api.get<"/contacts">("/contacts");
export const friendRequests = () => api.get<"/contacts/requests">("/contacts/requests");
export const searchUsers = (q: string) => api.get<"/users/search">("/users/search", { q }).then((r) => r.users);
export const sendFriendRequest = (userId: string, greeting?: string) => api.post<"/contacts/requests">("/contacts/requests", greeting ? { userId, greeting } : { userId });
export const acceptFriendRequest = (id: string) => api.post<"/contacts/requests/:id/accept">(`/contacts/requests/${id}/accept`, {});
export const declineFriendRequest = (id: string) => api.post<"/contacts/requests/:id/decline">(`/contacts/requests/${id}/decline`);
export const updateFriend = (userId: string, patch: { remark?: string; tags?: string[] }) => api.patch<"/contacts/:userId">(`/contacts/${userId}`, patch);
/** Ends the friendship for both; the direct chat and its history stay readable (docs/contacts.md). */
export const deleteFriend = (userId: string) => api.del<"/contacts/:userId">(`/contacts/${userId}`);
export const blockedUsers = () => api.get<"/contacts/blocks">("/contacts/blocks").then((r) => r.users);
export const blockUser = (userId: string) => api.put<"/contacts/blocks/:userId">(`/contacts/blocks/${userId}`);
export const unblockUser = (userId: string) => api.del<"/contacts/blocks/:userId">(`/contacts/blocks/${userId}`);
// Tag names travel in the path, escaped once.
export const renameTag = (name: string, next: string) => api.put<"/contacts/tags/:name">(`/contacts/tags/${encodeURIComponent(name)}`, { name: next });
export const deleteTag = (name: string) => api.del<"/contacts/tags/:name">(`/contacts/tags/${encodeURIComponent(name)}`);

export interface IndexSection<T> {
  letter: string;
  items: T[];
}

/**
 * Groups as WeChat's index does: by the first letter of each item's sort key (the server's pinyin
 * key for friends, so 张三 is under Z), A–Z then "#" for everything else, ordered by key then name.
 */
export function indexed<T>(items: T[], name: (item: T) => string, key: (item: T) => string = (item) => name(item).trim().toLowerCase()): IndexSection<T>[] {
  const sections = new Map<string, T[]>();
  const letterOf = (item: T) => {
    const first = key(item)[0] ?? "";
    return first >= "a" && first <= "z" ? first.toUpperCase() : "#";
  };
  for (const item of items) {
    const letter = letterOf(item);
    sections.set(letter, [...(sections.get(letter) ?? []), item]);
  }
  const byKey = (x: T, y: T) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : name(x).localeCompare(name(y)));
  return [...sections.keys()].sort((a, b) => (a === "#" ? 1 : b === "#" ? -1 : a.localeCompare(b))).map((letter) => ({ letter, items: sections.get(letter)!.sort(byKey) }));
}
