// The web client's top: on load it asks the server for the web session the cookie holds (a
// reload stays signed in); without one it shows the QR sign-in; signed in, the app.
import { useEffect, useState } from "preact/hooks";
import { session, signedIn } from "./client";
import { Login } from "./login";
import { Shell } from "./shell";
import { refreshWebSession } from "./sign-in";

type Phase = "starting" | "login" | "app";

export function App() {
  const [phase, setPhase] = useState<Phase>("starting");
  useEffect(() => {
    refreshWebSession()
      .then((grant) => {
        if (grant) {
          signedIn(grant);
          setPhase("app");
        } else setPhase("login");
      })
      .catch(() => setPhase("login"));
    // The server ending the session (signed out here or on the phone) brings the QR code back.
    return session.store.subscribe((s, before) => {
      if (before.accessToken && !s.accessToken) setPhase("login");
    });
  }, []);
  if (phase === "starting") return <div class="starting" />;
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
