// The web client's top: Qun runs in one tab at a time (one-tab.ts), so it first claims the tab;
// then it asks the server for the web session the cookie holds (a reload stays signed in);
// without one it shows the QR sign-in; signed in, the app.
import { useEffect, useState } from "preact/hooks";
import { session, signedIn } from "./client";
import { t } from "./i18n/index";
import { Login } from "./login";
import { claimTab, takeTab } from "./one-tab";
import { Shell } from "./shell";
import { refreshWebSession } from "./sign-in";

type Phase = "starting" | "elsewhere" | "login" | "app";

export function App() {
  const [phase, setPhase] = useState<Phase>("starting");
  const resume = () =>
    refreshWebSession()
      .then((grant) => {
        if (grant) {
          signedIn(grant);
          setPhase("app");
        } else setPhase("login");
      })
      .catch(() => setPhase("login"));
  useEffect(() => {
    void claimTab().then((mine) => (mine ? resume() : setPhase("elsewhere")));
    // The server ending the session (signed out here or on the phone) brings the QR code back.
    return session.store.subscribe((s, before) => {
      if (before.accessToken && !s.accessToken) setPhase("login");
    });
  }, []);
  if (phase === "starting") return <div class="starting" />;
  if (phase === "elsewhere")
    return (
      <div class="login">
        <div class="login-card other-tab" data-testid="other-tab">
          <div class="login-brand">
            <img src="/favicon.svg" alt="" width={36} height={36} />
            <span>Qun</span>
          </div>
          <p class="login-status">{t("web.otherTab")}</p>
          <p class="login-hint">{t("web.otherTabHint")}</p>
          <button
            type="button"
            class="use-here"
            data-testid="use-here"
            onClick={() => {
              setPhase("starting");
              void takeTab().then(resume);
            }}
          >
            {t("web.useHere")}
          </button>
        </div>
      </div>
    );
  if (phase === "login")
    return (
      <Login
        onSignedIn={(grant) => {
          signedIn(grant);
          setPhase("app");
        }}
      />
    );
  return <Shell />;
}
