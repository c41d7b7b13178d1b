// Validation at the edge: every JSON body and query string passes a zod schema from schema/.
import { validator } from "hono/validator";
import type { z } from "zod";
import { LIMITS } from "../../schema/limits";
import { ApiError } from "./errors";

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

export const jsonBody = <S extends z.ZodType>(schema: S, maxBytes: number = LIMITS.jsonBodyBytes) =>
  validator("json", async (_value, c): Promise<z.output<S>> => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "application/json") throw new ApiError("unsupported_media_type", "Send the body as application/json");
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > maxBytes) throw new ApiError("payload_too_large", `Body exceeds ${maxBytes} bytes`);
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw new ApiError("payload_too_large", `Body exceeds ${maxBytes} bytes`);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    } catch {
      throw new ApiError("invalid_request", "Body is not valid UTF-8 JSON");
    }
    return parse(schema, value);
  });

export const queryParams = <S extends z.ZodType>(schema: S) =>
  validator("query", (value): z.output<S> => parse(schema, value));
