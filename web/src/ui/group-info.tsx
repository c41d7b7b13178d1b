// A group's info drawer: members, the name and the announcement (editable as the API allows:
// the name by anyone, the announcement by the owner and admins), pin and mute, and for the owner
// and admins removing a member and muting everyone; leaving for anyone but the owner.
import { useEffect, useState } from "preact/hooks";
import type { GroupInfo as Info, GroupMember } from "../../../schema/groups";
import type { ConversationSummary } from "../../../schema/protocol";
import { Avatar } from "./avatar";
import { api, chats } from "./client";
import { errorText, t } from "./i18n/index";

function errorCode(e: unknown): string {
  return (e as { code?: string })?.code ?? "internal";
}

export function GroupInfo({ chat, me, onClose, onMembers }: { chat: ConversationSummary; me: string | null; onClose: () => void; onMembers: (m: GroupMember[]) => void }) {
  const [info, setInfo] = useState<Info | null>(null);
  const [editing, setEditing] = useState<"name" | "announcement" | null>(null);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState("");
  const load = () =>
    api
      .get<"/groups/:id">(`/groups/${chat.id}`)
      .then((i) => {
        setInfo(i);
        onMembers(i.members);
      })
      .catch((e) => setError(errorText(errorCode(e))));
  useEffect(() => void load(), [chat.id, chat.lastSeq]);
  const manager = chat.role === "owner" || chat.role === "admin";
  const save = async () => {
    const field = editing;
    try {
      await api.patch<"/groups/:id">(`/groups/${chat.id}`, field === "name" ? { name: draft.trim() } : { announcement: draft });
      // Close only the field saved: the user may have opened the other one meanwhile.
      setEditing((open) => (open === field ? null : open));
      setError("");
      await load();
    } catch (e) {
      setError(errorText(errorCode(e)));
    }
  };
  const patch = async (body: { muteAll: boolean }) => {
    try {
      await api.patch<"/groups/:id">(`/groups/${chat.id}`, body);
      await load();
    } catch (e) {
      setError(errorText(errorCode(e)));
    }
  };
  const leave = async () => {
    try {
      await api.post<"/groups/:id/leave">(`/groups/${chat.id}/leave`, {});
      onClose();
    } catch (e) {
      setError(errorText(errorCode(e)));
    }
  };
  const remove = async (m: GroupMember) => {
    try {
      await api.del<"/groups/:id/members/:userId">(`/groups/${chat.id}/members/${m.userId}`);
      await load();
    } catch (e) {
      setError(errorText(errorCode(e)));
    }
  };
  return (
    <aside class="drawer" data-testid="group-info">
      <header>
        <span>{t("groupInfo.title", { n: info?.memberCount ?? chat.memberCount })}</span>
        <button type="button" class="close" title={t("web.close")} onClick={onClose}>
          ×
        </button>
      </header>
      {error ? <p class="form-error">{error}</p> : null}
      <ul class="member-grid">
        {(info?.members ?? []).map((m) => (
          <li key={m.userId}>
            <Avatar name={m.nickname || m.profileNickname} mediaId={m.avatarMediaId} size={36} />
            <span class="member-name">{m.nickname || m.profileNickname}</span>
            {m.role !== "member" ? <span class="role">{m.role === "owner" ? t("web.owner") : t("web.admin")}</span> : null}
            {manager && m.userId !== me && m.role !== "owner" && !(chat.role === "admin" && m.role === "admin") ? (
              <button type="button" class="link" onClick={() => void remove(m)}>
                {t("web.remove")}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {(["name", "announcement"] as const).map((field) => (
        <div class="info-field" key={field}>
          <div class="info-label">{field === "name" ? t("groupInfo.name") : t("web.announcement")}</div>
          {editing === field ? (
            <div class="info-edit">
              <textarea value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
              <button type="button" class="primary" onClick={() => void save()}>
                {t("web.save")}
              </button>
              <button type="button" onClick={() => setEditing(null)}>
                {t("web.cancel")}
              </button>
            </div>
          ) : (
            <div class="info-value">
              <span>{field === "name" ? (info?.name ?? chat.name) : info?.announcement || t("web.announcementNone")}</span>
              {field === "name" || manager ? (
                <button
                  type="button"
                  class="link"
                  onClick={() => {
                    setDraft(field === "name" ? (info?.name ?? chat.name) : (info?.announcement ?? ""));
                    setEditing(field);
                  }}
                >
                  {t("web.edit")}
                </button>
              ) : null}
            </div>
          )}
        </div>
      ))}
      {manager ? (
        <label class="info-switch">
          <span>{t("groupInfo.muteAll")}</span>
          <input type="checkbox" data-testid="mute-all" checked={info?.muteAll ?? chat.muteAll} onChange={(e) => void patch({ muteAll: e.currentTarget.checked })} />
        </label>
      ) : null}
      <label class="info-switch">
        <span>{t("web.muteChat")}</span>
        <input type="checkbox" checked={chat.doNotDisturb} onChange={(e) => void chats.setFlags(chat.id, { doNotDisturb: e.currentTarget.checked })} />
      </label>
      <label class="info-switch">
        <span>{t("web.pinChat")}</span>
        <input type="checkbox" checked={chat.pinned} onChange={(e) => void chats.setFlags(chat.id, { pinned: e.currentTarget.checked })} />
      </label>
      {chat.role !== "owner" ? (
        <button
          type="button"
          class="danger-button"
          onClick={() => {
            if (confirm(t("groupInfo.leaveConfirm"))) void leave();
          }}
        >
          {t("groupInfo.leave")}
        </button>
      ) : null}
    </aside>
  );
}
