// Reporting a message to Qun's operators (WeChat's 投诉): pick a reason, send. The server keeps
// the messages around it as evidence; the reported person is not told (docs/moderation.md).
import { type MessageKey, t } from "../i18n/index";
import { api } from "./api";

/** The reasons in the order the action sheet lists them, with their catalogue keys. */
const REASONS = [
  ["spam", "report.spam"],
  ["fraud", "report.fraud"],
  ["harassment", "report.harassment"],
  ["pornography", "report.pornography"],
  ["violence", "report.violence"],
  ["illegal", "report.illegal"],
  ["other", "report.other"],
] as const satisfies ReadonlyArray<readonly [string, MessageKey]>;

export type ReportReason = (typeof REASONS)[number][0];

/** The report flow's words in the current language (labels in the order of the reasons). */
export const REPORT_TEXT = {
  get reasons(): ReadonlyArray<readonly [ReportReason, string]> {
    return REASONS.map(([id, key]) => [id, t(key)] as const);
  },
  get done(): string {
    return t("report.done");
  },
};

/** The reason picked from an action sheet, or null when the sheet was dismissed. */
export function chooseReason(): Promise<ReportReason | null> {
  return new Promise((resolve) => {
    wx.showActionSheet({
      itemList: REPORT_TEXT.reasons.map((r) => r[1]),
      success: (res) => resolve(REPORT_TEXT.reasons[res.tapIndex]?.[0] ?? null),
      fail: () => resolve(null),
    });
  });
}

/** Reports one message; true once the server has the report. */
export async function reportMessage(conversationId: string, seq: number): Promise<boolean> {
  const reason = await chooseReason();
  if (!reason) return false;
  await api.post("/reports", { target: "message", conversationId, seq, reason });
  wx.showToast({ title: REPORT_TEXT.done, icon: "success" });
  return true;
}
