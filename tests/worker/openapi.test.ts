// The OpenAPI document is generated from the routes: every route must carry a description, and
// GET /openapi.json serves it. (helpers.ts checks every answer the suites see against it.)
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import committedReference from "../../docs/api-reference.md?raw";
import { renderApiReference } from "../../scripts/api-reference";
import { describedRoutes, openApiDocument } from "../../worker/http/openapi";
import { api } from "./helpers";

describe("the API description", () => {
  it("describes every route in app.routes", () => {
    const routes = describedRoutes(app);
    expect(routes.length).toBeGreaterThan(60);
    const missing = routes.filter((r) => !r.doc).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it("serves an OpenAPI 3.1 document with every route, publicly", async () => {
    const res = await api("GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    for (const r of describedRoutes(app)) {
      const op = res.body.paths[r.openApiPath]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.path}`).toBeDefined();
      expect(op.summary).toMatch(/\S/);
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    // A signed-in route says so, with its request body schema and the 401 it may answer.
    const send = res.body.paths["/conversations/{id}/messages"].post;
    expect(send.security).toEqual([{ bearer: [] }]);
    expect(send.requestBody.content["application/json"].schema).toEqual(expect.any(Object));
    expect(send.responses["401"]).toEqual({ $ref: "#/components/responses/Error401" });
    expect(send.parameters).toEqual([expect.objectContaining({ name: "id", in: "path", required: true })]);
  });

  it("has docs/api-reference.md as the routes describe them now (else run npm run docs:api)", () => {
    expect(committedReference).toBe(renderApiReference(openApiDocument(app)));
  });
});
