// `npm run screenshots`, step 1: renders the main pages with miniprogram-simulate (which needs
// jsdom, hence vitest) into self-contained HTML files; step 2 (capture.ts) photographs them.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "screenshots",
    environment: "jsdom",
    include: ["scripts/screenshots/render.ts"],
    globalSetup: ["./tests/miniprogram/global-setup.ts"],
    // Every page in one run: far longer than a spec.
    testTimeout: 180_000,
  },
});
