// Checks an answer against the route's description (worker/http/openapi.ts): a success must
// have a documented status and a body its schema accepts; an error must have the one error shape
// with a code whose status (schema/errors.ts) is the answer's.
import type { Hono } from "hono";
import { z } from "zod";
import { ERROR_STATUS } from "../../schema/errors";
import { type DescribedRoute, describedRoutes, errorBodySchema, routeFor } from "../../worker/http/openapi";

let routes: DescribedRoute[] | undefined;

export function conformanceProblem(app: Hono<any, any, any>, method: string, pathname: string, status: number, contentType: string, body: unknown): string | null {
  routes ??= describedRoutes(app);
  // HEAD is answered by the GET route.
  const route = routeFor(routes, method === "HEAD" ? "GET" : method, pathname);
  if (status >= 400) {
    if (status === 426 || !/^application\/json/i.test(contentType)) return null; // the socket route and the HTML join page
    const r = errorBodySchema.safeParse(body);
    if (!r.success) return `error body does not match { error: { code, message } }: ${JSON.stringify(body)}`;
    if (ERROR_STATUS[r.data.error.code] !== status) return `code ${r.data.error.code} answered with ${status}, but schema/errors.ts maps it to ${ERROR_STATUS[r.data.error.code]}`;
    return null;
  }
  if (!route) return `no documented route answers ${method} ${pathname}`;
  if (!route.doc) return `route ${route.method} ${route.path} has no doc`;
  if (!(status in route.doc.responses)) return `status ${status} is not documented for ${route.method} ${route.path} (documented: ${Object.keys(route.doc.responses).join(", ")})`;
  const answer = route.doc.responses[status];
  if (answer instanceof z.ZodType) {
    const r = answer.safeParse(body);
    if (!r.success) return `body does not match the documented ${status} schema of ${route.method} ${route.path}: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
  }
  return null;
}
