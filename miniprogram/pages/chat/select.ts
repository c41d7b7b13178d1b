// Multi-select on the chat page, as in WeChat: "Select" in a bubble's menu puts a check box beside
// every bubble; taps then pick or unpick messages, the bottom bar forwards them one by one or
// deletes them for me, and Cancel in the navigation bar leaves. Works on the page it is given.
import { chats } from "../../services/chats";
import { keyOf, type Bubble } from "./bubbles";

export interface SelectHost {
  readonly data: { id: string; bubbles: Bubble[]; selecting: boolean; selected: Record<string, boolean> };
  setData(patch: Record<string, unknown>): void;
  showError(err: unknown): void;
}

export const NOT_SELECTING = { selecting: false, selected: {}, selectedCount: 0 };

/** Picks or unpicks one bubble (system notes and recalled messages cannot be picked). */
export function toggleSelected(host: SelectHost, key: string): void {
  const bubble = host.data.bubbles.find((b) => b.key === key);
  if (!host.data.selecting || !bubble || bubble.system || bubble.recalled) return;
  const selected = { ...host.data.selected };
  if (selected[key]) delete selected[key];
  else selected[key] = true;
  host.setData({ selected, selectedCount: Object.keys(selected).length });
}

/** The messages picked, oldest first, that are still in the chat. */
function picked(host: SelectHost) {
  return (chats.store.get().messages[host.data.id] ?? []).filter((m) => host.data.selected[keyOf(m)]);
}

/** Forward one by one: the chat picker opens for the picked messages the server has (a seq). */
export function forwardSelected(host: SelectHost): void {
  const seqs = picked(host)
    .filter((m) => m.seq && !m.recalledAt)
    .map((m) => m.seq);
  if (seqs.length) host.setData({ ...NOT_SELECTING, forwardSeqs: seqs });
}

/** Deletes the picked messages for me (hidden on every device of mine), then leaves multi-select. */
export function deleteSelected(host: SelectHost): void {
  const messages = picked(host);
  host.setData(NOT_SELECTING);
  (async () => {
    for (const m of messages) await chats.deleteForMe(host.data.id, { seq: m.seq || undefined, clientId: m.clientId ?? undefined });
  })().catch((err: unknown) => host.showError(err));
}
