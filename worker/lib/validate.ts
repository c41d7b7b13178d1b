// Validation at the edge: every JSON body and query string passes a zod schema from schema/.
import type { MiddlewareHandler } from "hono";
import { validator } from "hono/validator";
import type { z } from "zod";
import { LIMITS } from "../../schema/limits";
import { ApiError } from "./errors";

/** Where a validator reads, and the schema it reads with: the OpenAPI document is built from these. */
export interface RequestSchema {
  target: "json" | "query" | "param";
  schema: z.ZodType;
  /** Path keys answered 404 when malformed (pathParams). */
  notFound?: readonly string[];
}
export const REQUEST_SCHEMAS = new WeakMap<object, RequestSchema>();
function described<T extends object>(mw: T, meta: RequestSchema): T {
  REQUEST_SCHEMAS.set(mw, meta);
  return mw;
}

function describe(error: z.ZodError) {
  const details = error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = details[0];
  const message = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : "Invalid input";
  return { message, details };
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const { message, details } = describe(result.error);
    throw new ApiError("invalid_request", message, details);
  }
  return result.data;
}

/** Reads at most maxBytes, so an oversized body is refused before it is buffered (declared or streamed). */
async function readCapped(req: Request, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new ApiError("payload_too_large", `Body exceeds ${maxBytes} bytes`);
  if (Number(req.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge();
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

// Not hono's validator("json"): it parses the whole body (lossy UTF-8, any size) before we could look.
export const jsonBody = <S extends z.ZodType>(schema: S, maxBytes: number = LIMITS.jsonBodyBytes): MiddlewareHandler<any, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> =>
  described(async (c, next) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") throw new ApiError("unsupported_media_type", "Send the body as application/json");
    const bytes = await readCapped(c.req.raw, maxBytes);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    } catch {
      throw new ApiError("invalid_request", "Body is not valid UTF-8 JSON");
    }
    c.req.addValidatedData("json", parse(schema, value) as object);
    await next();
  }, { target: "json", schema });

export const queryParams = <S extends z.ZodType>(schema: S) => described(validator("query", (value): z.output<S> => parse(schema, value)), { target: "query", schema });

/**
 * Path parameters through a zod object. A key named in `notFound` answers 404 with its message
 * when it does not match (an id nobody could have: there is nothing there), any other key 400.
 * Put it last before the handler, so a bad body is still reported before a bad id.
 */
export const pathParams = <S extends z.ZodObject>(schema: S, notFound: Partial<Record<keyof z.output<S> & string, string>> = {}) =>
  described(validator("param", (value): z.output<S> => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const key = issue.path[0];
      const message = typeof key === "string" ? (notFound as Record<string, string | undefined>)[key] : undefined;
      if (message) throw new ApiError("not_found", message);
    }
    const { message, details } = describe(result.error);
    throw new ApiError("invalid_request", message, details);
  }), { target: "param", schema, notFound: Object.keys(notFound) });
