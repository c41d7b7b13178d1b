// Reporting a message to Qun's operators (WeChat's 投诉): pick a reason, send. The server keeps
// the messages around it as evidence; the reported person is not told (docs/moderation.md).
import { api } from "./api";

// Every string of the report flow, in one place (labels in the order of the reasons).
export const REPORT_TEXT = {
  reasons: [
    ["spam", "Spam"],
    ["fraud", "Fraud or scam"],
    ["harassment", "Harassment"],
    ["pornography", "Pornography"],
    ["violence", "Violence"],
    ["illegal", "Illegal content"],
    ["other", "Something else"],
  ] as const,
  done: "Reported",
};

export type ReportReason = (typeof REPORT_TEXT.reasons)[number][0];

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
