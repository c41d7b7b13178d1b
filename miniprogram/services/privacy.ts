// WeChat's privacy authorisation (__usePrivacyCheck__ in app.json): the first time a page calls
// an API covered by the privacy guide (getLocation, chooseMedia, chooseLocation, the clipboard…),
// WeChat asks the app through onNeedPrivacyAuthorization. Qun answers by opening its privacy page
// with ask=1; the user agrees there with WeChat's agreePrivacyAuthorization button (which the
// resolve must name) or declines, and the pending API call then goes on or fails.
export const PRIVACY_PAGE = "/pages/privacy/index";
export const AGREE_BUTTON_ID = "agree-privacy";

type PrivacyAnswer = { event: "agree"; buttonId: string } | { event: "disagree" };
type PrivacyResolve = (answer: PrivacyAnswer) => void;
// The typings describe the listener's argument wrongly (a result object, not resolve): typed here.
type PrivacyWx = { onNeedPrivacyAuthorization?: (listener: (resolve: PrivacyResolve, info?: { referrer?: string }) => void) => void };

let pending: PrivacyResolve | null = null;

/** Called once at launch. */
export function watchPrivacyAuthorization(): void {
  const api = wx as unknown as PrivacyWx;
  if (typeof api.onNeedPrivacyAuthorization !== "function") return; // base library < 2.32.3
  api.onNeedPrivacyAuthorization((resolve) => {
    // A second request while the page is open waits for the same answer.
    const first = pending === null;
    const previous = pending;
    pending = (answer) => {
      previous?.(answer);
      resolve(answer);
    };
    if (first) wx.navigateTo({ url: `${PRIVACY_PAGE}?ask=1`, fail: () => undefined });
  });
}

export const privacyPending = () => pending !== null;

/** The user's answer on the privacy page. */
export function answerPrivacy(agree: boolean): void {
  const resolve = pending;
  pending = null;
  resolve?.(agree ? { event: "agree", buttonId: AGREE_BUTTON_ID } : { event: "disagree" });
}
