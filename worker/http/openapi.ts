// The API's OpenAPI 3.1 document, built from the routes themselves: every route carries a
// doc({ … }) middleware (summary, answers and their schemas), and the request schemas come from
// the validators it already runs (jsonBody, queryParams, pathParams). Nothing is kept by hand
// beside the routes, so the document cannot drift from them; tests/worker/openapi.test.ts fails
// when a route has no doc and checks answers against what the doc says.
import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import { ERROR_STATUS } from "../../schema/errors";
import { REQUEST_SCHEMAS, type RequestSchema } from "./validate";
import { requireAuth } from "./middleware";

/** What a success answers: a JSON schema, no body (204), or bytes of a kind. */
export type Answer = z.core.$ZodType | null | { contentType: string; description: string };

export interface RouteDoc {
  summary: string;
  /** Success statuses and what each carries. */
  responses: Record<number, Answer>;
  /** Error statuses a client should expect beyond 400 (bad input) and 401 (signed-in routes). */
  errors?: number[];
  /** Where the route is described in words. */
  see?: string;
}

const DOCS = new WeakMap<object, RouteDoc>();

/** Describes the route it is put on; it does nothing when a request runs. */
export function doc(d: RouteDoc): MiddlewareHandler {
  const mw: MiddlewareHandler = async (_c, next) => {
    await next();
  };
  DOCS.set(mw, d);
  return mw;
}

export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]),
    message: z.string(),
    requestId: z.string().optional(),
    details: z.unknown().optional(),
  }),
});

export interface DescribedRoute {
  method: string;
  /** Hono's pattern, e.g. /groups/:id/join-requests/:requestId/:decision{approve|decline} */
  path: string;
  /** OpenAPI's, e.g. /groups/{id}/join-requests/{requestId}/{decision} */
  openApiPath: string;
  doc: RouteDoc | undefined;
  auth: boolean;
  requests: RequestSchema[];
  pattern: RegExp;
}

const toOpenApiPath = (path: string) => path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
const toPattern = (path: string) => new RegExp(`^${path.replace(/[.]/g, "\\.").replace(/:(\w+)(\{([^}]*)\})?/g, (_m, _n, _b, re: string | undefined) => (re ? `(?:${re})` : "[^/]+"))}$`);

/** Every route of the app (not the `.use` middleware), with what its handlers say about it. */
export function describedRoutes(app: Hono<any, any, any>): DescribedRoute[] {
  const byKey = new Map<string, DescribedRoute>();
  const wide = app.routes.filter((r) => r.method === "ALL");
  for (const r of app.routes) {
    if (r.method === "ALL") continue;
    const key = `${r.method} ${r.path}`;
    let route = byKey.get(key);
    if (!route) {
      const covering = wide.filter((w) => w.path === "/*" || r.path === w.path.slice(0, -2) || r.path.startsWith(w.path.slice(0, -1)));
      route = { method: r.method, path: r.path, openApiPath: toOpenApiPath(r.path), doc: undefined, auth: covering.some((w) => w.handler === requireAuth), requests: [], pattern: toPattern(r.path) };
      byKey.set(key, route);
    }
    route.doc ??= DOCS.get(r.handler);
    if (r.handler === requireAuth) route.auth = true;
    const request = REQUEST_SCHEMAS.get(r.handler);
    if (request) route.requests.push(request);
  }
  return [...byKey.values()];
}

/** The documented route a concrete request lands on, if any. */
export function routeFor(routes: DescribedRoute[], method: string, pathname: string): DescribedRoute | undefined {
  return routes.find((r) => r.method === method && r.pattern.test(pathname));
}

const jsonSchema = (schema: z.core.$ZodType, io: "input" | "output") => z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" });

function content(answer: Answer) {
  if (answer === null) return undefined;
  if (answer instanceof z.core.$ZodType) return { "application/json": { schema: jsonSchema(answer, "output") } };
  return { [answer.contentType]: { schema: { type: "string", contentMediaType: answer.contentType } } };
}

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No content",
  206: "Partial content",
  304: "Not modified",
  400: "Bad request",
  401: "Not signed in, or the token is bad",
  403: "Refused",
  404: "Not found",
  409: "Conflict",
  410: "Gone",
  413: "Too large",
  415: "Wrong content type",
  416: "Range not satisfiable",
  429: "Too many requests",
  502: "Upstream failed",
  503: "Not configured",
};

export function openApiDocument(app: Hono<any, any, any>) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of describedRoutes(app)) {
    const d = route.doc;
    if (!d) continue;
    const parameters: unknown[] = [];
    let requestBody: unknown;
    for (const req of route.requests) {
      if (req.target === "json") {
        requestBody = { required: true, content: { "application/json": { schema: jsonSchema(req.schema, "input") } } };
        continue;
      }
      const shape = jsonSchema(req.schema, "input") as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(shape.properties ?? {})) {
        parameters.push({ name, in: req.target === "param" ? "path" : "query", required: req.target === "param" || (shape.required ?? []).includes(name), schema });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(d.responses)) {
      const body = content(answer);
      responses[status] = { description: answer && !(answer instanceof z.core.$ZodType) ? answer.description : (REASONS[Number(status)] ?? "Answer"), ...(body ? { content: body } : {}) };
    }
    const errors = new Set(d.errors ?? []);
    if (route.requests.length > 0) errors.add(400);
    if (route.requests.some((r) => r.notFound?.length)) errors.add(404);
    if (route.auth) errors.add(401);
    for (const status of [...errors].sort()) responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
    const operation = {
      summary: d.summary,
      ...(d.see ? { externalDocs: { url: d.see } } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
      security: route.auth ? [{ bearer: [] }] : [],
    };
    (paths[route.openApiPath] ??= {})[route.method.toLowerCase()] = operation;
  }
  const errorStatuses = [...new Set(Object.values(ERROR_STATUS))].sort();
  return {
    openapi: "3.1.0",
    info: {
      title: "Qun API",
      version: "1",
      description: "Generated from the routes (worker/http/openapi.ts). Errors are { error: { code, message, requestId?, details? } }; codes in schema/errors.ts.",
    },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Error: jsonSchema(errorBodySchema, "output") },
      responses: Object.fromEntries(
        errorStatuses.map((s) => [
          `Error${s}`,
          {
            description: `${REASONS[s] ?? "Error"}: ${Object.entries(ERROR_STATUS)
              .filter(([, v]) => v === s)
              .map(([k]) => k)
              .join(", ")}`,
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
        ]),
      ),
    },
  };
}
