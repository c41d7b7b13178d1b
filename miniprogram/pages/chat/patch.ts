// What a redraw sends through setData. WeChat copies setData's payload from the logic layer to
// the view as JSON, so sending the whole bubble list per message costs ~456 bytes a bubble (about
// 456 KB per message at 1,000 loaded). Pure: path updates (`bubbles[i]`) for the bubbles that
// changed and the ones added at the end, and the whole list only when its order changed (older
// history above, a deletion). The page also draws only a window of the newest bubbles.
import type { Bubble } from "./bubbles";

/** Bubbles drawn at most, newest last; scrolling to the top widens the window by WINDOW_STEP. */
export const WINDOW = 200;
export const WINDOW_STEP = 100;

function same(a: Bubble, b: Bubble): boolean {
  for (const k of Object.keys(b) as Array<keyof Bubble>) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null || JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

/** The setData payload that turns `before` into `after` (an empty object when nothing changed). */
export function bubblesPatch(before: readonly Bubble[], after: readonly Bubble[]): Record<string, unknown> {
  const keptOrder = before.length <= after.length && before.every((b, i) => b.key === after[i]!.key);
  if (!keptOrder) return { bubbles: after };
  const patch: Record<string, unknown> = {};
  for (let i = 0; i < after.length; i++) {
    const b = before[i];
    if (!b || !same(b, after[i]!)) patch[`bubbles[${i}]`] = after[i];
  }
  return patch;
}
