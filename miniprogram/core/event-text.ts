// A system event (schema/protocol.ts SystemEvent) as a sentence in the reader's language, for both
// clients: each passes its own `t` (the mini-program's catalogue, or the web's, which holds the
// same keys), so the wording of 张三邀请李四加入了群聊 lives in one place.
import type { zh_CN } from "../i18n/zh_CN";

/** A client's translate function over the shared catalogue keys. */
export type Translate = (key: keyof typeof zh_CN, params?: Record<string, string | number>) => string;

/** A system event as a sentence; `name` turns user ids into names where known. */
export function systemText(t: Translate, body: Record<string, unknown> | null, name: (id: string) => string = (id) => id): string {
  if (!body) return "";
  const who = name(String(body.actorId ?? ""));
  const members = Array.isArray(body.memberIds) ? body.memberIds.map((id) => name(String(id))).join(t("list.separator")) : "";
  const member = name(String(body.memberId ?? ""));
  switch (body.event) {
    case "created":
      return t("event.created", { who, name: String(body.name) });
    case "joined":
      return body.via ? t("event.joinedVia", { members }) : t("event.invited", { who, members });
    case "left":
      return t("event.left", { who });
    case "removed":
      return t("event.removed", { who, members });
    case "renamed":
      return t("event.renamed", { who, name: String(body.name) });
    case "recalled":
      return body.reason === "violation" ? t("message.removedForViolation") : t("message.recalledBy", { who });
    case "avatar_changed":
      return t("event.avatarChanged", { who });
    case "announcement":
      return t("event.announcement", { who });
    case "settings_changed":
      return t("event.settingsChanged", { who });
    case "mute_all":
      return t(body.on ? "event.muteAllOn" : "event.muteAllOff", { who });
    case "muted":
      return t("event.muted", { who, member });
    case "unmuted":
      return t("event.unmuted", { who, member });
    case "admin_set":
      return t("event.adminSet", { member });
    case "admin_unset":
      return t("event.adminUnset", { member });
    case "owner_transferred":
      return t("event.ownerTransferred", { member });
    case "nickname":
      return t("event.nickname", { who, nickname: String(body.nickname) });
    case "dissolved":
      return t("event.dissolved", { who });
    default:
      return "";
  }
}
