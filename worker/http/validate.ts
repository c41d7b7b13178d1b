// Validation at the edge: every JSON body and query string passes a zod schema from schema/.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { validator } from "hono/validator";
import type { z } from "zod";
import { LIMITS } from "../../schema/limits";
import { ApiError } from "../lib/errors";

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

// Not hono's validator("json"): it parses the whole body (lossy UTF-8, any size) before we could look.
export const jsonBody = <S extends z.ZodType>(schema: S, maxBytes: number = LIMITS.jsonBodyBytes): MiddlewareHandler<any, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> =>
  described(
    async (c, next) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/json") throw new ApiError("unsupported_media_type", "Send the body as application/json");
      // hono's bodyLimit refuses a declared Content-Length over the cap before reading, and a
      // streamed body as soon as it passes it (the runtime holds a body to its Content-Length).
      const limit = bodyLimit({
        maxSize: maxBytes,
        onError: () => {
          throw new ApiError("payload_too_large", `Body exceeds ${maxBytes} bytes`);
        },
      });
      let value: unknown;
      await limit(c, async () => {
        try {
          value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.raw.arrayBuffer()));
        } catch {
          throw new ApiError("invalid_request", "Body is not valid UTF-8 JSON");
        }
      });
      c.req.addValidatedData("json", parse(schema, value) as object);
      await next();
    },
    { target: "json", schema },
  );

export const queryParams = <S extends z.ZodType>(schema: S) =>
  described(
    validator("query", (value): z.output<S> => parse(schema, value)),
    { target: "query", schema },
  );

/**
 * Path parameters through a zod object. A key named in `notFound` answers 404 with its message
 * when it does not match (an id nobody could have: there is nothing there), any other key 400.
 * Put it last before the handler, so a bad body is still reported before a bad id.
 */
export const pathParams = <S extends z.ZodObject>(schema: S, notFound: Partial<Record<keyof z.output<S> & string, string>> = {}) =>
  described(
    validator("param", (value): z.output<S> => {
      const result = schema.safeParse(value);
      if (result.success) return result.data;
      for (const issue of result.error.issues) {
        const key = issue.path[0];
        const message = typeof key === "string" ? (notFound as Record<string, string | undefined>)[key] : undefined;
        if (message) throw new ApiError("not_found", message);
      }
      const { message, details } = describe(result.error);
      throw new ApiError("invalid_request", message, details);
    }),
    { target: "param", schema, notFound: Object.keys(notFound) },
  );
