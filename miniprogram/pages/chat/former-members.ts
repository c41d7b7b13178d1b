// Names of people who are no longer in a group (they left, or deleted their account), so their
// old messages show a name instead of "Someone". Asked once each with GET /users/:id; the cache
// is shared by every chat page on purpose: a person's name is the same in every chat.
import { api } from "../../services/api";
import { chats, type LocalMessage } from "../../services/chats";
import { isApiError } from "../../services/errors";

/** How a deleted account is shown (the server's tombstone nickname, whatever it says). */
export const DELETED_NAME = "已注销";

const formerNames = new Map<string, string>();
const askedNames = new Set<string>();

/** The names known for people no longer in any group the page shows. */
export function formerMemberNames(): Record<string, string> {
  return Object.fromEntries(formerNames);
}

/**
 * Senders (and actors of notices) who are not among `known` are looked up once each; `redraw`
 * runs when a name arrives. A deleted account shows as DELETED_NAME. A network failure is asked
 * again on a later redraw.
 */
export function lookUpFormerMembers(messages: LocalMessage[], known: Record<string, string>, redraw: () => void) {
  const ids = new Set<string>();
  for (const m of messages) {
    ids.add(m.senderId);
    const actor = m.type === "system" ? (m.body as { actorId?: unknown } | null)?.actorId : undefined;
    if (typeof actor === "string") ids.add(actor);
  }
  for (const id of ids) {
    if (!id || id === chats.me || id in known || askedNames.has(id)) continue;
    askedNames.add(id);
    api.get<"/users/:id">(`/users/${id}`).then(
      (p) => {
        formerNames.set(id, p.deleted ? DELETED_NAME : p.nickname);
        redraw();
      },
      (e: unknown) => {
        if (isApiError(e) && e.code === "network") askedNames.delete(id);
      },
    );
  }
}
