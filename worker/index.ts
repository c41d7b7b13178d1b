import { app } from "./app";
import { installRemoteChecks } from "./data/safety";
import { wechatContentChecks } from "./services/content-check";
import { db } from "./db";
import type { Env } from "./env";
import { withMethodOverride } from "./http/method-override";
import { socketUpgrade } from "./http/socket";
import { webAppPage } from "./http/web-app";
import { finishDeletions } from "./services/deletion";
import { purgeUnsentMedia } from "./services/media";
import { NOTICE_CRON, sendNotices } from "./services/notice-sender";
import { purgeOld } from "./services/ratelimit";
import { purgeExpired } from "./services/tokens";
import { purgeTickets } from "./services/web-login";
import { useShardLayout } from "./lib/shards";
import { meterEnv } from "./lib/meter";

// The conversation objects reach WeChat's content checks only through this port (the layer rule).
installRemoteChecks(wechatContentChecks);

export { ConversationObject } from "./conversation/object";
export { GatewayObject } from "./gateway/object";
export { FaceToFaceObject } from "./face-to-face/object";
export { WechatObject } from "./wechat/object";

export default {
  // The socket upgrade bypasses the Hono app: its 101 response must pass through untouched.
  async fetch(request, rawEnv, ctx) {
    // D1 statements counted per binding (lib/meter.ts; read at GET /dev/meter in development).
    const env = meterEnv(rawEnv);
    useShardLayout(env);
    const { pathname } = new URL(request.url);
    if (pathname === "/ws") return socketUpgrade(request, env);
    // The browser client's page (docs/web.md); / is no API route.
    if (pathname === "/") {
      const page = await webAppPage(request, env);
      if (page) return page;
    }
    return app.fetch(withMethodOverride(request), env, ctx);
  },
  // Daily housekeeping: expired refresh tokens, old sessions, web sign-in tickets, rate-limit
  // windows, unsent uploads, and account deletions that stopped midway.
  async scheduled(controller, env, _ctx) {
    useShardLayout(env);
    if (controller.cron === NOTICE_CRON) {
      const run = await sendNotices(env, controller.scheduledTime);
      if (run.sent > 0 || run.failed > 0 || run.stopped) console.log(JSON.stringify({ msg: "notices", ...run }));
      return;
    }
    const d = db(env);
    await finishDeletions(env);
    await purgeExpired(d);
    await purgeTickets(d);
    await purgeOld(d);
    await purgeUnsentMedia(env);
  },
} satisfies ExportedHandler<Env>;
