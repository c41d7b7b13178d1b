// Notices through WeChat subscribe messages: the settings a user keeps on Me, what the
// mini-program reports after wx.requestSubscribeMessage, and what GET /me/notices answers.
import { z } from "zod";

export const NOTICE_LIMITS = {
  /** One report may bank at most this many acceptances of one template (one request asks for at most 3 templates, once each). */
  acceptedPerReport: 3,
  /** A bank holds at most this many notices: WeChat does not say, and a generous cap stops a looping client. */
  bankMax: 50,
  /** `thing` values of a subscribe message are at most 20 characters. */
  thingChars: 20,
} as const;

const minuteOfDay = z.number().int().min(0).max(1439);
const templateId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w-]+$/, "templateId is a WeChat template id");

export const noticeSettingsView = z.object({
  enabled: z.boolean(),
  preview: z.boolean(),
  /** Do-not-disturb hours as minutes after local midnight, e.g. 1380 to 480 for 23:00–08:00; null: none. */
  dnd: z.object({ start: minuteOfDay, end: minuteOfDay }).nullable(),
  /** The user's offset from UTC in minutes (Beijing: 480), for the do-not-disturb hours. */
  utcOffset: z.number().int().min(-720).max(840),
});
export type NoticeSettings = z.infer<typeof noticeSettingsView>;

export const noticesResponse = z.object({
  settings: noticeSettingsView,
  /** Notices banked per template id: each accepted one-time subscription allows one notice. */
  banked: z.record(z.string(), z.number()),
  /** Template ids the mini-program asks wx.requestSubscribeMessage for; empty when notices are not configured. */
  templateIds: z.array(z.string()),
  /** False for accounts without a WeChat openid (password-only): WeChat cannot reach them. */
  reachable: z.boolean(),
});
export type NoticesResponse = z.infer<typeof noticesResponse>;

export const updateNoticeSettingsBody = z
  .strictObject({ enabled: z.boolean(), preview: z.boolean(), dnd: noticeSettingsView.shape.dnd, utcOffset: noticeSettingsView.shape.utcOffset })
  .partial()
  .refine((b) => Object.keys(b).length > 0, "Nothing to update")
  .refine((b) => !b.dnd || b.dnd.start !== b.dnd.end, "dnd: start and end must differ");

/** What wx.requestSubscribeMessage answered, per template: only "accept" banks a notice. */
export const subscriptionReport = z.strictObject({
  results: z
    .array(z.strictObject({ templateId, status: z.enum(["accept", "reject", "ban", "filter"]), count: z.number().int().min(1).max(NOTICE_LIMITS.acceptedPerReport).default(1) }))
    .min(1)
    .max(3),
});
