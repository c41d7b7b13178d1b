// The chat page's own navigation bar (index.json sets "navigationStyle": "custom", as WeChat's chat
// screen has its own): back, the conversation's name with the member count, and "…" to Chat Info.
// The bar is as tall as WeChat's would be: the status bar, then the capsule (WeChat's ··· ◎
// buttons, top right) centred in it with the same gap above and below; "…" sits left of the capsule.
import type { ConversationSummary } from "../../../schema/protocol";

export interface NavMetrics {
  /** The status bar's height: the bar's content starts below it. */
  statusBar: number;
  /** The bar's own height, below the status bar. */
  height: number;
  /** Where the bar ends, from the window's top: the menu must stay below it. */
  bottom: number;
  /** Room kept on the right for the capsule. */
  capsule: number;
  windowWidth: number;
}

/** Without the capsule's box (tests, old base libraries): iOS' usual status bar and bar. */
const FALLBACK = { statusBar: 20, height: 44, windowWidth: 375 };

function windowInfo(): { statusBarHeight: number; windowWidth: number } | null {
  try {
    if (typeof wx.getWindowInfo === "function") return wx.getWindowInfo();
    return wx.getSystemInfoSync();
  } catch {
    return null;
  }
}

export function navMetrics(): NavMetrics {
  const info = windowInfo();
  const statusBar = info?.statusBarHeight || FALLBACK.statusBar;
  const windowWidth = info?.windowWidth || FALLBACK.windowWidth;
  let capsuleBox: WechatMiniprogram.ClientRect | null = null;
  try {
    capsuleBox = typeof wx.getMenuButtonBoundingClientRect === "function" ? wx.getMenuButtonBoundingClientRect() : null;
  } catch {
    capsuleBox = null;
  }
  const fits = capsuleBox && capsuleBox.height > 0 && capsuleBox.top >= statusBar;
  const height = fits ? capsuleBox!.height + 2 * (capsuleBox!.top - statusBar) : FALLBACK.height;
  const capsule = fits ? Math.max(0, windowWidth - capsuleBox!.left) : 0;
  return { statusBar, height, bottom: statusBar + height, capsule, windowWidth };
}

/** Chat Info: the group's page for a group; for a direct chat the peer's profile. */
export function chatInfoUrl(id: string, summary: ConversationSummary | undefined): string | null {
  if (!summary || summary.kind === "group") return `/pages/group-info/index?id=${id}`;
  return summary.peer ? `/pages/profile/index?userId=${summary.peer.id}` : null;
}
