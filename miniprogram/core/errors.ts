// Failed API calls as one error type, shared by every client: ApiError carries the server's
// `{ error: { code, message } }` (schema/errors.ts), or "network" when no answer came.
import type { ErrorBody, ErrorCode } from "../../schema/errors";

/** Codes the client adds to the server's own: the request never got an answer, or not a JSON one. */
export type ClientErrorCode = "network" | "unexpected_response";

/** Any failed API call. `code` is the server's error code when it sent one. */
export class ApiError extends Error {
  readonly isApiError = true;
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly status = 0,
    readonly requestId?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
    // WeChat DevTools may compile to ES5, where subclassing Error loses the prototype.
    Object.setPrototypeOf(this, ApiError.prototype);
  }
}

export function isApiError(e: unknown): e is ApiError {
  return typeof e === "object" && e !== null && (e as { isApiError?: unknown }).isApiError === true;
}

function isErrorBody(data: unknown): data is ErrorBody {
  if (typeof data !== "object" || data === null) return false;
  const error = (data as { error?: unknown }).error;
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string" && typeof (error as { message?: unknown }).message === "string";
}

/** Turns a non-2xx answer into an ApiError, whether or not it carries `{ error: { code, message } }`. */
export function errorFromResponse(statusCode: number, data: unknown, header?: Record<string, string>): ApiError {
  if (isErrorBody(data)) {
    const { code, message, requestId, details } = data.error;
    return new ApiError(code, message, statusCode, requestId ?? headerValue(header, "x-request-id"), details);
  }
  return new ApiError("unexpected_response", `The server answered ${statusCode} without an error message`, statusCode, headerValue(header, "x-request-id"));
}

export function headerValue(header: Record<string, string> | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const key of Object.keys(header)) if (key.toLowerCase() === name) return header[key];
  return undefined;
}
