// The browser side of the web sign-in (docs/web.md#signing-in, the contract in docs/api.md):
// a reload first asks POST /auth/web/refresh (the HttpOnly session cookie decides); without a
// live web session it shows a QR code from POST /auth/web/qr and polls its state once a second
// until the phone confirms. Tokens stay in memory: the page never sees the refresh token.
import type { OwnProfile } from "../../../schema/api";

export interface WebSignedIn {
  accessToken: string;
  accessExpiresAt: number;
  user: OwnProfile;
}

export type QrState =
  | { state: "loading" }
  | { state: "failed" }
  | { state: "waiting"; qr: string; expiresAt: number }
  | { state: "scanned"; qr: string; expiresAt: number; user: { nickname: string; avatarUrl?: string | null } }
  | { state: "cancelled"; qr: string }
  | { state: "expired" };

type PollAnswer =
  | { state: "waiting" }
  | { state: "scanned"; user: { nickname: string; avatarUrl?: string | null } }
  | { state: "expired" }
  | { state: "cancelled" }
  | ({ state: "confirmed" } & WebSignedIn);

const JSON_HEADERS = { "content-type": "application/json", "x-qun-web": "1" };

/** A new access token from the web session cookie, or null when there is no live web session. */
export async function refreshWebSession(baseUrl = ""): Promise<WebSignedIn | null> {
  const res = await fetch(`${baseUrl}/auth/web/refresh`, { method: "POST", headers: JSON_HEADERS, body: "{}", credentials: "same-origin" });
  if (res.status === 401 || res.status === 403 || res.status === 404) return null;
  if (!res.ok) throw new Error(`refresh answered ${res.status}`);
  return (await res.json()) as WebSignedIn;
}

/**
 * Runs the QR sign-in until it is confirmed (resolves) or `signal` aborts: draws through
 * `onState`, takes a fresh ticket when one expires, and polls about once a second.
 */
export async function qrSignIn(onState: (s: QrState) => void, signal: AbortSignal, baseUrl = "", pollMs = 1000): Promise<WebSignedIn> {
  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  let failures = 0;
  for (;;) {
    signal.throwIfAborted();
    onState({ state: "loading" });
    let ticket: { ticket: string; qr: string; expiresAt: number };
    try {
      const res = await fetch(`${baseUrl}/auth/web/qr`, { method: "POST", headers: JSON_HEADERS, body: "{}", credentials: "same-origin", signal });
      if (!res.ok) throw new Error(`qr answered ${res.status}`);
      ticket = (await res.json()) as typeof ticket;
      failures = 0;
    } catch (e) {
      if (signal.aborted) throw e;
      onState({ state: "failed" });
      await sleep(Math.min(30_000, 2000 * 2 ** failures++));
      continue;
    }
    // The server's clock says when it expires; measure the rest on ours from now.
    const localExpiry = Date.now() + Math.max(0, ticket.expiresAt - Date.now());
    onState({ state: "waiting", qr: ticket.qr, expiresAt: ticket.expiresAt });
    let scannedBy: { nickname: string; avatarUrl?: string | null } | null = null;
    poll: for (;;) {
      await sleep(pollMs);
      let answer: PollAnswer;
      try {
        const res = await fetch(`${baseUrl}/auth/web/qr/${encodeURIComponent(ticket.ticket)}`, { headers: { "x-qun-web": "1" }, credentials: "same-origin", signal });
        if (res.status === 403 || res.status === 404 || res.status === 410) answer = { state: "expired" };
        else if (!res.ok) throw new Error(`poll answered ${res.status}`);
        else answer = (await res.json()) as PollAnswer;
      } catch (e) {
        if (signal.aborted) throw e;
        // A dropped poll is retried; the ticket's own expiry still ends the wait.
        if (Date.now() > localExpiry) break;
        continue;
      }
      switch (answer.state) {
        case "confirmed":
          return { accessToken: answer.accessToken, accessExpiresAt: answer.accessExpiresAt, user: answer.user };
        case "scanned":
          if (!scannedBy) onState({ state: "scanned", qr: ticket.qr, expiresAt: ticket.expiresAt, user: answer.user });
          scannedBy = answer.user;
          break;
        case "cancelled":
          // The phone said no: show it a moment, then a fresh code (the old ticket is dead).
          onState({ state: "cancelled", qr: ticket.qr });
          await sleep(2000);
          break poll;
        case "expired":
          onState({ state: "expired" });
          break poll;
        default:
          if (scannedBy) {
            scannedBy = null;
            onState({ state: "waiting", qr: ticket.qr, expiresAt: ticket.expiresAt });
          }
      }
      if (Date.now() > localExpiry + pollMs) {
        onState({ state: "expired" });
        break;
      }
    }
  }
}
