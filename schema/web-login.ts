// Web sign-in by QR code (docs/api.md#web-sign-in): the browser's and the phone's bodies and
// answers, and the ticket's limits. The browser holds no refresh token of its own: cookies carry
// the ticket's secret and the web session's refresh token.
import { z } from "zod";
import { ownProfile } from "./api";

export const WEB_LOGIN_LIMITS = {
  /** How long a QR code can be scanned and confirmed. */
  ticketTtlSeconds: 120,
  /**
   * A ticket confirmed just before it expired can still be collected this long after: the
   * browser polls once a second, so a confirmation in the last second is not lost.
   */
  collectGraceSeconds: 30,
  /** Tickets per IP address and window: a browser left open makes one per 2 minutes. */
  ticketsPerIp: 30,
  ticketWindowSeconds: 10 * 60,
} as const;

export const WEB_TICKET_COOKIE = "qun_web_ticket";
export const WEB_SESSION_COOKIE = "qun_web_session";
/** Both cookies are sent only to the web sign-in routes. */
export const WEB_COOKIE_PATH = "/auth/web";
/** The header the browser app sends on cookie-authorised calls (a cross-site form cannot). */
export const WEB_CLIENT_HEADER = "x-qun-web";

/** Ticket ids: "wt_" and 32 base36 characters (about 165 bits). */
export const webTicketId = z.string().regex(/^wt_[0-9a-z]{32}$/, "Not a web sign-in ticket");
/** Where a web-login QR code points: <PUBLIC_BASE_URL>/w/<ticket>. */
export const WEB_LOGIN_PATH = "/w/";

export const webQrBody = z.strictObject({});
export const webQrAnswer = z.object({ ticket: z.string(), qr: z.string(), expiresAt: z.number() });

export const webScanner = z.object({ nickname: z.string(), avatarUrl: z.string().nullable() });
export const webTicketState = z.discriminatedUnion("state", [
  z.object({ state: z.literal("waiting") }),
  z.object({ state: z.literal("scanned"), user: webScanner }),
  z.object({ state: z.literal("expired") }),
  z.object({ state: z.literal("cancelled") }),
  z.object({ state: z.literal("confirmed"), accessToken: z.string(), accessExpiresAt: z.number(), user: ownProfile }),
]);
export type WebTicketState = z.infer<typeof webTicketState>;

export const webSessionAnswer = z.object({ accessToken: z.string(), accessExpiresAt: z.number(), user: ownProfile });

export const webScanAnswer = z.object({ device: z.string(), expiresAt: z.number() });
export type WebScanAnswer = z.infer<typeof webScanAnswer>;

export const sessionKind = z.enum(["miniprogram", "web"]);
export const sessionInfo = z.object({
  id: z.string(),
  kind: sessionKind,
  device: z.string(),
  createdAt: z.number(),
  lastSeenAt: z.number(),
  current: z.boolean(),
});
export type SessionInfo = z.infer<typeof sessionInfo>;
export const sessionList = z.object({ sessions: z.array(sessionInfo) });
export type SessionList = z.infer<typeof sessionList>;
export const sessionId = z.string().regex(/^s_[0-9a-z]{20}$/, "Not a session id");
