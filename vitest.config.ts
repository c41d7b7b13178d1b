import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_readConfig } from "wrangler";
import { FAKE_APPID, FAKE_SECRET } from "./tests/support/fake-wechat.ts";
import { SAFETY_TEST_BINDINGS } from "./tests/support/safety-config.ts";

function deployedConfig() {
  const config = unstable_readConfig({ config: "./wrangler.toml" });
  return { vars: config.vars, crons: config.triggers.crons };
}

export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-characters-long";
export const TEST_PASSWORD_PEPPER = "test-pepper-that-is-at-least-32-characters-long";

export default defineConfig({
  test: {
    projects: [
      {
        // Worker tests run inside workerd with real D1, R2 and Durable Objects (isolated per test).
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./schema/migrations"),
                // Every summary shard (SUMMARIES_<i>) gets these (docs/scaling.md).
                TEST_SUMMARY_MIGRATIONS: await readD1Migrations("./schema/summary-migrations"),
                // A developer's .dev.vars (ENVIRONMENT=development) must not leak into the tests:
                // they run under the deployed configuration unless a test overrides it.
                ENVIRONMENT: String(deployedConfig().vars.ENVIRONMENT),
                JWT_SECRET: TEST_JWT_SECRET,
                PASSWORD_PEPPER: TEST_PASSWORD_PEPPER,
                WECHAT_APPID: FAKE_APPID,
                WECHAT_SECRET: FAKE_SECRET,
                WECHAT_API_BASE: inject<string>("wechatApiBase"),
                // A notice template as if chosen in the WeChat admin console (docs/notices.md).
                NOTICE_TEMPLATE_ID: "tmpl-new-message",
                ...SAFETY_TEST_BINDINGS,
                // wrangler.toml as wrangler parses it for deploy, so tests can pin ENVIRONMENT and the cron.
                TEST_WRANGLER_CONFIG: JSON.stringify(deployedConfig()),
                // The generated bad-input campaign's size, seed and filter (docs/reliability.md#bad-input).
                QUN_FUZZ_RUNS: process.env.QUN_FUZZ_RUNS ?? "",
                QUN_FUZZ_SEED: process.env.QUN_FUZZ_SEED ?? "",
                QUN_FUZZ_ONLY: process.env.QUN_FUZZ_ONLY ?? "",
                // Group grid avatars wait for a spec to run the object's alarm (runDurableObjectAlarm):
                // one firing on its own mid-spec would put an R2 object where other specs count them.
                GROUP_GRID_DELAY_MS: "600000",
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["tests/worker/**/*.test.ts"],
          globalSetup: ["./tests/worker/global-setup.ts"],
          setupFiles: ["./tests/worker/setup.ts"],
        },
      },
      {
        // Unit tests of the pure rules (worker/lib, schema/) in plain Node: the same files the
        // mutation run (vitest.mutation.config.ts) uses to judge them.
        test: {
          name: "unit",
          environment: "node",
          include: ["tests/unit/**/*.test.ts"],
        },
      },
      {
        // The layer and size rules of the source tree (docs/architecture.md), read from the files.
        test: {
          name: "architecture",
          environment: "node",
          include: ["tests/architecture/**/*.test.ts"],
        },
      },
      {
        // Mini-program pages rendered by miniprogram-simulate (needs a DOM), WXML/WXSS through
        // WeChat's compilers, and the client core against a `wx` adapter.
        test: {
          name: "miniprogram",
          environment: "jsdom",
          include: ["tests/miniprogram/**/*.test.ts"],
          exclude: ["tests/miniprogram/integration/**"],
          globalSetup: ["./tests/miniprogram/global-setup.ts"],
          setupFiles: ["./tests/miniprogram/setup.ts"],
        },
      },
      {
        // The mini-program's pages and client core, two clients at once, against the real worker
        // under `wrangler dev` (started by the e2e global setup) through the `wx` adapter.
        test: {
          name: "miniprogram-integration",
          environment: "jsdom",
          include: ["tests/miniprogram/integration/**/*.test.ts"],
          setupFiles: ["./tests/miniprogram/setup.ts"],
          globalSetup: ["./tests/miniprogram/global-setup.ts", "./tests/miniprogram/integration/global-setup.ts", "./tests/e2e/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 90_000,
        },
      },
      {
        // The web client's core: the mini-program's chat store on the browser platform
        // (web/src/platform/: IndexedDB through fake-indexeddb, fetch, Node's WebSocket) against the
        // real worker under `wrangler dev` (started by the e2e global setup).
        test: {
          name: "web-core",
          environment: "node",
          include: ["tests/web-core/**/*.test.ts"],
          globalSetup: ["./tests/e2e/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 90_000,
        },
      },
      {
        // End to end: the real worker under `wrangler dev` (local D1, R2 and Durable Objects in a
        // temporary state directory) driven over real HTTP and WebSockets from Node.
        test: {
          name: "e2e",
          environment: "node",
          include: ["tests/e2e/**/*.test.ts"],
          globalSetup: ["./tests/e2e/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 90_000,
        },
      },
      {
        // The browser client (docs/web.md#tests) in Debian's Chromium through playwright-core,
        // against one `wrangler dev` serving it: one browser, a context per client.
        test: {
          name: "web",
          environment: "node",
          include: ["tests/web/**/*.test.ts"],
          globalSetup: ["./tests/web/global-setup.ts"],
          // One file at a time: each drives a browser and the machine is small. In a full run it
          // goes after the other projects, so the browser's waits are not starved of CPU.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
      {
        // Reliability: each file starts (and kills) its own wrangler dev.
        test: {
          name: "reliability",
          environment: "node",
          include: ["tests/reliability/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
