// Durable Object RPC results. Errors thrown across RPC lose their class and fields, so objects
// return failures as values and routes turn them back into ApiErrors.
import type { ErrorCode } from "../../schema/errors";
import { ApiError } from "./errors";

/** Details an object's refusal carries: lists of ids, such as the people who are not your friends. */
export type ResultDetails = Record<string, string[]>;

// `headers` carries what the refusal tells HTTP clients beyond the body (Retry-After on a 429).
export type Result<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; details?: ResultDetails; headers?: Record<string, string> };

export async function guard<T>(fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof ApiError) {
      return { ok: false, code: e.code, message: e.message, ...(e.details === undefined ? {} : { details: e.details as ResultDetails }), ...(e.headers ? { headers: e.headers } : {}) };
    }
    throw e;
  }
}

export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new ApiError(r.code, r.message, r.details, r.headers);
}
