// Notices through WeChat subscribe messages (docs/notices.md). A one-time subscription lets the
// server send one notice while the mini-program is closed, so the app asks again at moments
// that make sense (after sending, when leaving a chat with unread activity, from the switch on
// Me), never on launch. wx.requestSubscribeMessage only works inside a tap, so the template ids
// are kept locally and the call is made before any await. What WeChat answers is respected: a
// "ban" (notices turned off in WeChat) stops automatic asks; a "reject" pauses them for a day.
import type { NoticeSettings, NoticesResponse } from "../../schema/notices";
import { api } from "./api";
import { readStorage, STORAGE_KEYS, writeStorage } from "./storage";

export type AskMoment = "sent" | "left" | "switch";
type Status = "accept" | "reject" | "ban" | "filter";

interface Kept {
  templateIds: string[];
  banked: number;
  reachable: boolean;
  /** What the dialog last answered and when (ms). */
  last?: { status: Status; at: number };
  /** When the app last asked on its own (not from the switch). */
  askedAt?: number;
}

/** Automatic asks stop while this many notices are banked: enough to cover a while away. */
export const ENOUGH_BANKED = 3;
/** At most one automatic ask in this long (WeChat shows a dialog each time unless the user ticked "always"). */
export const ASK_EVERY_MS = 10 * 60_000;
/** After "reject", no automatic asks for this long. */
export const AFTER_REJECT_MS = 24 * 60 * 60_000;

const kept = (): Kept => readStorage<Kept>(STORAGE_KEYS.notices) ?? { templateIds: [], banked: 0, reachable: true };
const keep = (k: Kept) => writeStorage(STORAGE_KEYS.notices, k);
const total = (banked: Record<string, number>) => Object.values(banked).reduce((a, b) => a + b, 0);

function remember(r: NoticesResponse) {
  keep({ ...kept(), templateIds: r.templateIds, banked: total(r.banked), reachable: r.reachable });
}

/** GET /notices: settings, bank and templates (kept for the next ask). */
export async function loadNotices(): Promise<NoticesResponse> {
  const r = await api.get<"/notices">("/notices");
  remember(r);
  return r;
}

export async function updateNoticeSettings(patch: Partial<NoticeSettings>): Promise<NoticesResponse> {
  const r = await api.patch<"/notices/settings">("/notices/settings", patch);
  remember(r);
  return r;
}

/** Whether the app may ask on its own now (the switch on Me always asks). */
export function mayAsk(moment: AskMoment, now = Date.now()): boolean {
  const k = kept();
  if (k.templateIds.length === 0 || !k.reachable) return false;
  if (moment === "switch") return true;
  if (k.last?.status === "ban") return false;
  if (k.last?.status === "reject" && now - k.last.at < AFTER_REJECT_MS) return false;
  if (k.banked >= ENOUGH_BANKED) return false;
  return !k.askedAt || now - k.askedAt >= ASK_EVERY_MS;
}

/**
 * Asks WeChat for one more notice and reports the answer. Call it straight from a tap handler
 * (WeChat refuses the dialog otherwise). Resolves to the server's answer, or null when nothing
 * was asked or WeChat refused to show the dialog.
 */
export function askForNotices(moment: AskMoment): Promise<NoticesResponse | null> {
  if (!mayAsk(moment)) return Promise.resolve(null);
  const k = kept();
  const tmplIds = k.templateIds;
  if (moment !== "switch") keep({ ...k, askedAt: Date.now() });
  return new Promise<Record<string, unknown> | null>((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => resolve(res as unknown as Record<string, unknown>),
      fail: () => resolve(null), // no tap, dialog refused by WeChat, or notices off for the app
    });
  }).then(async (res) => {
    if (!res) return null;
    const results = tmplIds.flatMap((templateId): { templateId: string; status: Status }[] => {
      const status = res[templateId];
      return status === "accept" || status === "reject" || status === "ban" || status === "filter" ? [{ templateId, status }] : [];
    });
    if (results.length === 0) return null;
    const worst = results.find((r) => r.status === "ban") ?? results.find((r) => r.status === "reject") ?? results[0]!;
    keep({ ...kept(), last: { status: worst.status, at: Date.now() } });
    const r = await api.post<"/notices/subscriptions">("/notices/subscriptions", { results });
    remember(r);
    return r;
  });
}
