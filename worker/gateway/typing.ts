// Typing frames are throttled here, before any call: one typing push per sender and
// conversation per FRAME_LIMITS.typingEveryMs, however many frames the device sends.
import { FRAME_LIMITS } from "../../schema/limits";

export class TypingThrottle {
  /** `${userId} ${conversationId}` → when that sender's last typing frame went on. */
  private sent = new Map<string, number>();

  /** Whether this typing frame goes on (and, if so, the window starts again). */
  due(userId: string, conversationId: string): boolean {
    const key = `${userId} ${conversationId}`;
    const now = Date.now();
    if (now - (this.sent.get(key) ?? -Infinity) < FRAME_LIMITS.typingEveryMs) return false;
    if (this.sent.size >= 10_000) this.sent.clear();
    this.sent.set(key, now);
    return true;
  }
}
