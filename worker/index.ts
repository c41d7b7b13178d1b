import { app } from "./app";
import { db } from "./db";
import type { Env } from "./env";
import { purgeOld } from "./services/ratelimit";
import { purgeExpired } from "./services/tokens";

export default {
  fetch: app.fetch,
  // Daily housekeeping: expired refresh tokens, old sessions and rate-limit windows.
  async scheduled(_controller, env, _ctx) {
    const d = db(env);
    await purgeExpired(d);
    await purgeOld(d);
  },
} satisfies ExportedHandler<Env>;
