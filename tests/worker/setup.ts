import { applyD1Migrations, env, reset } from "cloudflare:test";
import { afterEach, beforeEach } from "vitest";
import { summaryShards } from "../../worker/data/summaries";
import { SocketClient } from "./chat-helpers";

// Storage is isolated per test file but shared by the tests in a file, so every test starts
// from empty, freshly migrated storage.
beforeEach(async () => {
  await reset();
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  for (const shard of summaryShards(env)) await applyD1Migrations(shard, env.TEST_SUMMARY_MIGRATIONS);
});

// A spec's sockets end with it: a gateway still pushing to a socket after the spec (or the file)
// ended is work the runner is no longer waiting for.
afterEach(async () => {
  await SocketClient.closeAll();
});
