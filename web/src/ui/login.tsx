// The sign-in screen, as Web WeChat's: a QR code to scan with Qun on the phone, "scanned, confirm
// on your phone" once scanned, a fresh code when one expires, and into the app when confirmed.
import QRCode from "qrcode";
import { useEffect, useState } from "preact/hooks";
import { t } from "./i18n/index";
import { qrSignIn, type QrState, type WebSignedIn } from "./sign-in";

function QrImage({ text }: { text: string }) {
  const [svg, setSvg] = useState("");
  useEffect(() => {
    let live = true;
    QRCode.toString(text, { type: "svg", margin: 1, errorCorrectionLevel: "M" }).then((s) => live && setSvg(s));
    return () => {
      live = false;
    };
  }, [text]);
  // The SVG is the qrcode package's own output from our ticket URL: markup, no script.
  return <div class="qr-image" role="img" aria-label="QR" data-qr={text} dangerouslySetInnerHTML={{ __html: svg }} />;
}

export function Login({ onSignedIn }: { onSignedIn: (s: WebSignedIn) => void }) {
  const [state, setState] = useState<QrState>({ state: "loading" });
  useEffect(() => {
    const abort = new AbortController();
    qrSignIn(setState, abort.signal).then(onSignedIn, () => undefined);
    return () => abort.abort();
  }, []);
  const qr = "qr" in state ? state.qr : null;
  return (
    <div class="login">
      <div class="login-card">
        <div class="login-brand">
          <img src="/favicon.svg" alt="" width={36} height={36} />
          <span>Qun</span>
        </div>
        {state.state === "scanned" ? (
          <div class="login-scanned">
            <div class="login-avatar">{state.user.avatarUrl ? <img src={state.user.avatarUrl} alt="" /> : Array.from(state.user.nickname)[0]}</div>
            <div class="login-name">{state.user.nickname}</div>
            <p class="login-status" data-state="scanned">
              {t("web.loginScanned")}
            </p>
          </div>
        ) : (
          <>
            <div class={`login-qr ${state.state === "cancelled" || state.state === "expired" ? "stale" : ""}`}>{qr ? <QrImage text={qr} /> : <div class="qr-placeholder" />}</div>
            <p class="login-status" data-state={state.state}>
              {state.state === "loading"
                ? t("web.loginLoading")
                : state.state === "failed"
                  ? t("web.loginFailed")
                  : state.state === "cancelled"
                    ? t("web.loginCancelled")
                    : state.state === "expired"
                      ? t("web.loginExpired")
                      : t("web.loginScan")}
            </p>
          </>
        )}
        <p class="login-hint">{t("web.loginHint")}</p>
      </div>
    </div>
  );
}
