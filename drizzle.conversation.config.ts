import { defineConfig } from "drizzle-kit";

// Migrations for the conversation Durable Object's SQLite, bundled into the worker and
// applied by the object when it starts.
export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./schema/conversation.ts",
  out: "./schema/conversation-migrations",
});
