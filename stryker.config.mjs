// @ts-check
// Mutation testing of the code that runs in plain Node: the client core and services, the
// worker's pure helpers and the shared schemas (docs/testing.md). Durable Object code runs only
// in the Workers pool, which Stryker cannot drive: scripts/mutants.ts covers it by hand.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts" },
  mutate: [
    "miniprogram/core/*.ts",
    "miniprogram/services/{chats,cache,store,errors,media,session}.ts",
    "worker/lib/{media-url,preview,result,shards,ids,method-override,errors}.ts",
    "schema/{errors,protocol}.ts",
  ],
  coverageAnalysis: "perTest",
  // Two cores shared by the whole team.
  concurrency: 2,
  timeoutMS: 10_000,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 75, break: null },
  // Stryker rewrites tsconfig `extends`/`references` for its sandbox with TypeScript's JS API,
  // which TypeScript 7 no longer has; ours have neither, so point it at no file at all.
  tsconfigFile: "no-tsconfig-to-rewrite.json",
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
export default config;
