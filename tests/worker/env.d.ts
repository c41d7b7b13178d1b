import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../../worker/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      TEST_SUMMARY_MIGRATIONS: D1Migration[];
      TEST_WRANGLER_CONFIG: string;
      QUN_FUZZ_RUNS: string;
      QUN_FUZZ_SEED: string;
      QUN_FUZZ_ONLY: string;
    }
  }
}
