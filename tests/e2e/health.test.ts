import { expect, it } from "vitest";
import { HttpClient } from "./harness";

it("answers /health from wrangler dev with a D1 round trip, in development", async () => {
  const res = await new HttpClient().get("/health");
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: "ok", environment: "development", db: { ok: true } });
});
