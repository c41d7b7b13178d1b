// The Chats search box's server half (docs/search.md): after a pause in typing, GET /search finds
// contacts, group chats (by their name or a member's) and chat history across every chat, as the
// mini-program's search page does; a click opens the chat. Chats whose names match are filtered
// locally above these results (chat-list.tsx), so the list answers at once and the server adds
// the rest.
import { useEffect, useState } from "preact/hooks";
import type { SearchResponse } from "../../../schema/search";
import { Avatar } from "./avatar";
import { api } from "./client";
import { t } from "./i18n/index";

/** How long typing must pause before the server is asked (one request per word, not per key). */
const PAUSE_MS = 300;

/** A found chat as the search answers it; a direct chat's name is its peer's, which the list knows. */
export type ChatRef = SearchResponse["groups"][number]["conversation"];

export function SearchResults({
  query,
  nameOf,
  onOpen,
  onOpenPerson,
}: {
  query: string;
  nameOf: (chat: ChatRef) => string;
  onOpen: (conversationId: string) => void;
  onOpenPerson: (userId: string) => void;
}) {
  const [found, setFound] = useState<{ q: string; res: SearchResponse | null } | null>(null);
  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setFound(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api
        .get<"/search">("/search", { q })
        .then((res) => live && setFound({ q, res }))
        .catch(() => live && setFound({ q, res: null }));
    }, PAUSE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);
  if (!found) return null;
  const { q, res } = found;
  const history = res?.messages.chats ?? [];
  if (!res || (res.contacts.length === 0 && res.groups.length === 0 && history.length === 0)) {
    return (
      <p class="list-empty" data-testid="search-nothing">
        {t("search.nothing", { q })}
      </p>
    );
  }
  return (
    <div class="search-results" data-testid="search-results">
      {res.contacts.length > 0 ? (
        <section>
          <h3 class="search-heading">{t("search.contacts")}</h3>
          <ul class="chat-list">
            {res.contacts.map((c) => (
              <Hit
                key={c.userId}
                testid="search-contact"
                onClick={() => onOpenPerson(c.userId)}
                name={c.remark || c.nickname}
                mediaId={c.avatarMediaId}
                preview={c.matched === "tag" && c.tag ? c.tag : null}
              />
            ))}
          </ul>
        </section>
      ) : null}
      {res.groups.length > 0 ? (
        <section>
          <h3 class="search-heading">{t("search.groups")}</h3>
          <ul class="chat-list">
            {res.groups.map((g) => (
              <Hit
                key={g.conversation.id}
                testid="search-group"
                onClick={() => onOpen(g.conversation.id)}
                name={g.conversation.name}
                title={`${g.conversation.name}(${g.memberCount})`}
                mediaId={g.conversation.avatarMediaId}
                preview={g.member ? t("search.memberMatch", { name: g.member.name }) : null}
              />
            ))}
          </ul>
        </section>
      ) : null}
      {history.length > 0 ? (
        <section>
          <h3 class="search-heading">{t(history.length === 1 ? "search.historyOne" : "search.historyMany", { n: history.length, q })}</h3>
          <ul class="chat-list">
            {history.map((h) => (
              <Hit
                key={h.conversation.id}
                testid="search-history"
                onClick={() => onOpen(h.conversation.id)}
                name={nameOf(h.conversation)}
                mediaId={h.conversation.avatarMediaId}
                preview={h.total === 1 && h.hits[0] ? h.hits[0].snippet : t("search.related", { n: h.total })}
              />
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

/** One result row, shaped as a chat in the list: avatar, name (or a title such as "Team(12)") and a line under it. */
function Hit(props: { testid: string; onClick: () => void; name: string; title?: string; mediaId: string | null; preview: string | null }) {
  return (
    <li>
      <button type="button" class="chat-item" data-testid={props.testid} onClick={props.onClick}>
        <span class="chat-avatar">
          <Avatar name={props.name} mediaId={props.mediaId} />
        </span>
        <span class="chat-main">
          <span class="chat-name">{props.title ?? props.name}</span>
          {props.preview !== null ? <span class="chat-preview">{props.preview}</span> : null}
        </span>
      </button>
    </li>
  );
}
