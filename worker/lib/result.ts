// Durable Object RPC results. Errors thrown across RPC lose their class and fields, so objects
// return failures as values and routes turn them back into ApiErrors.
import type { ErrorCode } from "../../schema/errors";
import { ApiError } from "./errors";

export type Result<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

export async function guard<T>(fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new ApiError(r.code, r.message);
}
