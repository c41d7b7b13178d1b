// Signed-in devices and web sign-in by QR code (docs/miniprogram.md#web-sign-in-and-devices):
// reading a web-login code, answering it, the devices list, and whether a web session is live
// (the Chats list's "Web Qun signed in" bar), asked at most once a minute unless something changed.
import type { SessionInfo, WebScanAnswer } from "../../schema/web-login";
import { api } from "./api";
import { session } from "./session";

// schema/web-login.ts's webTicketId and WEB_LOGIN_PATH, without zod in the bundle.
const TICKET_IN_URL = /\/w\/(wt_[0-9a-z]{32})(?:[/?#]|$)/;

/** The ticket in a scanned web-login QR code (`https://<host>/w/<ticket>`), or null. */
export function webLoginTicketFrom(text: string | undefined | null): string | null {
  if (!text) return null;
  let value = text.trim();
  // A code opened from WeChat's own scanner arrives as the `q` launch parameter, encoded.
  for (let i = 0; i < 2 && /%2F/i.test(value); i++) value = decodeURIComponent(value);
  return TICKET_IN_URL.exec(value)?.[1] ?? null;
}

/** Where a scanned code leads: the web sign-in page for a web-login code, otherwise the Join page (which tells an invite from anything else). */
export function pageForScanned(text: string): string {
  const ticket = webLoginTicketFrom(text);
  return ticket ? `/pages/web-login/index?ticket=${ticket}` : `/pages/join/index?q=${encodeURIComponent(text)}`;
}

export const scanWebLogin = (ticket: string): Promise<WebScanAnswer> => api.post<"/auth/web/qr/:ticket/scan">(`/auth/web/qr/${ticket}/scan`, {});

export async function confirmWebLogin(ticket: string): Promise<void> {
  await api.post<"/auth/web/qr/:ticket/confirm">(`/auth/web/qr/${ticket}/confirm`, {});
  webSessionChanged();
}

export const cancelWebLogin = (ticket: string): Promise<void> => api.post<"/auth/web/qr/:ticket/cancel">(`/auth/web/qr/${ticket}/cancel`, {});

/** The last answer, for whom and when (another account signing in on this phone asks again). */
let known: { webLive: boolean; at: number; userId: string | undefined } | null = null;
const RECHECK_MS = 60_000;

export async function listDevices(): Promise<SessionInfo[]> {
  const { sessions } = await api.get<"/me/sessions">("/me/sessions");
  known = { webLive: sessions.some((s) => s.kind === "web"), at: Date.now(), userId: session.get().user?.id };
  return sessions;
}

export async function signOutDevice(id: string): Promise<void> {
  await api.del<"/me/sessions/:id">(`/me/sessions/${id}`);
  webSessionChanged();
}

/** Something changed the web sessions (a confirmation, a sign-out): the next check asks the server. */
export function webSessionChanged(): void {
  known = null;
}

/**
 * Whether a web session is signed in, for the Chats list's bar: the server's list, at most once a
 * minute (the Chats tab shows often), sooner after this phone changed something. A failure
 * answers what was known before (no bar when nothing was).
 */
export async function webSessionLive(now = Date.now()): Promise<boolean> {
  if (known && now - known.at < RECHECK_MS && known.userId === session.get().user?.id) return known.webLive;
  try {
    return (await listDevices()).some((s) => s.kind === "web");
  } catch {
    return known?.webLive ?? false;
  }
}
