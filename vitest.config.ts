import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { FAKE_APPID, FAKE_SECRET } from "./tests/support/fake-wechat.ts";

export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-characters-long";

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
                JWT_SECRET: TEST_JWT_SECRET,
                WECHAT_APPID: FAKE_APPID,
                WECHAT_SECRET: FAKE_SECRET,
                WECHAT_API_BASE: inject<string>("wechatApiBase"),
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
    ],
  },
});
