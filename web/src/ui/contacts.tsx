// The contacts column: friends by name; clicking one opens your chat with them.
import { useEffect, useState } from "preact/hooks";
import type { z } from "zod";
import type { friendView } from "../../../schema/contacts";
import { Avatar } from "./avatar";
import { api } from "./client";
import { t } from "./i18n/index";

type Friend = z.output<typeof friendView>;

export function Contacts({ onOpen }: { onOpen: (conversationId: string) => void }) {
  const [friends, setFriends] = useState<Friend[] | null>(null);
  useEffect(() => {
    api
      .get<"/contacts">("/contacts")
      .then((r) => setFriends(r.friends))
      .catch(() => setFriends([]));
  }, []);
  const name = (f: Friend) => f.remark || f.user.nickname;
  const sorted = (friends ?? []).slice().sort((a, b) => name(a).localeCompare(name(b)));
  return (
    <section class="list-column">
      <div class="list-heading">{t("contacts.title")}</div>
      <ul class="chat-list" data-testid="contacts">
        {sorted.map((f) => (
          <li key={f.user.id}>
            <button type="button" class="chat-item" onClick={() => onOpen(f.conversationId)}>
              <span class="chat-avatar">
                <Avatar name={name(f)} mediaId={f.user.avatarMediaId} />
              </span>
              <span class="chat-main">
                <span class="chat-name">{name(f)}</span>
              </span>
            </button>
          </li>
        ))}
        {friends && friends.length === 0 ? <li class="list-empty">{t("web.contactsEmpty")}</li> : null}
      </ul>
    </section>
  );
}
