// A user's notice settings and bank: what GET /notices shows, what Me changes, and what the
// mini-program reports after wx.requestSubscribeMessage. The sender is notice-sender.ts.
import { and, eq, sql } from "drizzle-orm";
import { noticeBanks, noticeSettings, users, type NoticeSettingsRow } from "../../schema/d1";
import { NOTICE_LIMITS, type NoticeSettings, type NoticesResponse } from "../../schema/notices";
import type { Db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { pushToUser } from "../lib/shards";
import type { ServerFrame } from "../../schema/protocol";
import { wechatConfigured } from "./wechat";

const DEFAULTS: NoticeSettings = { enabled: true, preview: false, dnd: null, utcOffset: 480 };

export const toSettings = (r: NoticeSettingsRow | undefined): NoticeSettings =>
  r ? { enabled: r.enabled, preview: r.preview, dnd: r.dndStart === null || r.dndEnd === null ? null : { start: r.dndStart, end: r.dndEnd }, utcOffset: r.utcOffset } : DEFAULTS;

/** The template ids this server sends with; empty when notices are not configured. */
export const noticeTemplates = (env: Env): string[] => (env.NOTICE_TEMPLATE_ID && wechatConfigured(env) ? [env.NOTICE_TEMPLATE_ID] : []);

export async function notices(env: Env, d: Db, userId: string): Promise<NoticesResponse> {
  const [user, settings, banks] = await Promise.all([
    d.select({ openid: users.openid }).from(users).where(eq(users.id, userId)).get(),
    d.select().from(noticeSettings).where(eq(noticeSettings.userId, userId)).get(),
    d.select().from(noticeBanks).where(eq(noticeBanks.userId, userId)).all(),
  ]);
  return { settings: toSettings(settings), banked: Object.fromEntries(banks.map((b) => [b.templateId, b.count])), templateIds: noticeTemplates(env), reachable: Boolean(user?.openid) };
}

export async function updateSettings(env: Env, d: Db, userId: string, patch: Partial<NoticeSettings>): Promise<NoticesResponse> {
  const set = {
    ...(patch.enabled === undefined ? {} : { enabled: patch.enabled }),
    ...(patch.preview === undefined ? {} : { preview: patch.preview }),
    ...(patch.dnd === undefined ? {} : { dndStart: patch.dnd?.start ?? null, dndEnd: patch.dnd?.end ?? null }),
    ...(patch.utcOffset === undefined ? {} : { utcOffset: patch.utcOffset }),
    updatedAt: Date.now(),
  };
  await d
    .insert(noticeSettings)
    .values({ userId, ...set })
    .onConflictDoUpdate({ target: noticeSettings.userId, set });
  const now = await notices(env, d, userId);
  // Every device of the user shows the same settings: the others hear them at once.
  const frame: ServerFrame = { type: "notice_settings", settings: now.settings };
  try {
    await pushToUser(env, userId, [JSON.stringify(frame)]);
  } catch (e) {
    console.error(JSON.stringify({ msg: "notice settings push failed", userId, error: String(e) })); // devices read them on their next visit to Me
  }
  return now;
}

/**
 * Banks what the user accepted. Only this server's templates count (an unknown id is a bad
 * request, so nothing is half-stored); "reject", "ban" and "filter" bank nothing, and "ban" (the
 * user turned this app's notices off in WeChat) empties the bank, since WeChat would refuse them.
 */
export async function reportSubscriptions(env: Env, d: Db, userId: string, results: { templateId: string; status: "accept" | "reject" | "ban" | "filter"; count: number }[]): Promise<NoticesResponse> {
  const known = noticeTemplates(env);
  if (known.length === 0) throw new ApiError("not_configured", "Notices are not configured on this server");
  const unknown = results.find((r) => !known.includes(r.templateId));
  if (unknown) throw new ApiError("invalid_request", `templateId ${unknown.templateId} is not one of this server's notice templates`);
  const now = Date.now();
  const stmts = [d.insert(noticeSettings).values({ userId, seenUntil: now }).onConflictDoNothing()];
  for (const r of results) {
    if (r.status === "accept") {
      stmts.push(
        d
          .insert(noticeBanks)
          .values({ userId, templateId: r.templateId, count: r.count, updatedAt: now })
          .onConflictDoUpdate({ target: [noticeBanks.userId, noticeBanks.templateId], set: { count: sql`min(${noticeBanks.count} + ${r.count}, ${NOTICE_LIMITS.bankMax})`, updatedAt: now } }) as never,
      );
    } else if (r.status === "ban") {
      stmts.push(
        d
          .update(noticeBanks)
          .set({ count: 0, updatedAt: now })
          .where(and(eq(noticeBanks.userId, userId), eq(noticeBanks.templateId, r.templateId))) as never,
      );
    }
  }
  await d.batch(stmts as [(typeof stmts)[0], ...(typeof stmts)[0][]]);
  return notices(env, d, userId);
}
