// Asking for a permission the WeChat way: before the action that needs it (switching to voice,
// not in the middle of a touch; before saving, not after a failed save). wx.authorize shows
// WeChat's prompt the first time; once refused it fails at once without asking, so the user is
// told why and offered WeChat's settings page (wx.openSetting), where the switch can be turned on.
import { type MessageKey, t } from "../i18n/index";

export type Scope = "scope.record" | "scope.writePhotosAlbum";

/** Why each permission is asked (shown when it was refused). */
export const PERMISSION_REASONS: Record<Scope, MessageKey> = {
  "scope.record": "permission.record",
  "scope.writePhotosAlbum": "permission.album",
};

function authorized(scope: Scope): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    wx.getSetting({
      success: (res) => resolve(res.authSetting[scope]),
      fail: () => resolve(undefined),
    });
  });
}

function authorize(scope: Scope): Promise<boolean> {
  return new Promise((resolve) => wx.authorize({ scope, success: () => resolve(true), fail: () => resolve(false) }));
}

/** Offers WeChat's settings page after a refusal; resolves whether the permission is on afterwards. */
function offerSettings(scope: Scope): Promise<boolean> {
  return new Promise((resolve) => {
    wx.showModal({
      title: t("permission.title"),
      content: t(PERMISSION_REASONS[scope]),
      cancelText: t("common.cancel"),
      confirmText: t("permission.settings"),
      success: (m) => {
        if (!m.confirm) return resolve(false);
        wx.openSetting({ success: (s) => resolve(Boolean(s.authSetting[scope])), fail: () => resolve(false) });
      },
      fail: () => resolve(false),
    });
  });
}

/** Resolves true when the permission is on (asking WeChat first if need be). */
export async function ensurePermission(scope: Scope): Promise<boolean> {
  if (typeof wx.authorize !== "function") return true;
  if ((await authorized(scope)) === true) return true;
  if (await authorize(scope)) return true;
  return offerSettings(scope);
}
