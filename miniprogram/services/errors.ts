import { errorText, locale, t } from "../i18n/index";
import { isApiError } from "../core/errors";

// The error type is the client core's (core/errors.ts); the user's sentence for it is the catalogue's.
export { ApiError, type ClientErrorCode, errorFromResponse, headerValue, isApiError } from "../core/errors";

/**
 * A sentence to show the user for any thrown value. The server's messages are English and name
 * the exact problem, so English shows them; other languages say the error code's sentence from
 * the catalogue (an unknown code, from a newer server, falls back to the server's words).
 */
export function errorMessage(e: unknown): string {
  if (isApiError(e)) {
    if (locale() === "en") return e.code === "network" ? "Network unavailable. Check the connection and the server address." : e.message;
    const text = errorText(e.code);
    return text.startsWith("error.") ? e.message : text;
  }
  if (e instanceof Error) return e.message;
  return t("error.unknown");
}
