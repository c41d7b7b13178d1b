import { defineConfig } from "drizzle-kit";

// Migrations for the summary D1 databases (SUMMARIES_0 … SUMMARIES_{n-1}): every shard gets the
// same schema (docs/scaling.md).
export default defineConfig({
  dialect: "sqlite",
  schema: "./schema/summaries.ts",
  out: "./schema/summary-migrations",
});
