// Content safety on the send path. A text message is screened (data/safety.ts: local word list,
// then WeChat's msgSecCheck) before it is stored; a refusal throws content_refused and stores
// nothing. Checks of one sender's messages run at the same time, but each message waits for the
// checks of the messages that sender sent before it, so a slow verdict cannot reorder them.
// After the ack: a "review" verdict is flagged for the operators, and pictures and voice are
// handed to WeChat's asynchronous media check; neither delays the ack.
import type { SendInput } from "../../schema/protocol";
import { flagContent, remoteChecks, screenText, type Verdict } from "../data/safety";
import type { ConversationState } from "./state";

const queues = new WeakMap<ConversationState, Map<string, Promise<unknown>>>();

/** The verdict on a text message (null for other kinds and for a retry of a stored message). */
export async function screenSend(s: ConversationState, senderId: string, input: SendInput, isRetry: () => boolean): Promise<Verdict | null> {
  if (input.type !== "text" || isRetry()) return null;
  const conversationId = s.requireMeta().id;
  const check = screenText(s.env, { userId: senderId, text: input.body.text, kind: "message", conversationId });
  let byUser = queues.get(s);
  if (!byUser) queues.set(s, (byUser = new Map()));
  const before = byUser.get(senderId);
  const turn = (before ? before.then(() => check) : check).catch(() => undefined);
  byUser.set(senderId, turn);
  try {
    if (before) await before;
    return await check;
  } finally {
    if (byUser.get(senderId) === turn) byUser.delete(senderId);
  }
}

/** Work after a message is stored, off the ack's path. */
export function afterSend(s: ConversationState, senderId: string, seq: number, input: SendInput, verdict: Verdict | null, mediaIds: string[]) {
  const conversationId = s.requireMeta().id;
  if (verdict?.suggest === "review" && input.type === "text") {
    s.ctx.waitUntil(
      flagContent(s.env, {
        userId: senderId,
        kind: "message",
        text: input.body.text,
        conversationId,
        seq,
        suggest: "review",
        source: verdict.source,
        label: verdict.label,
        status: "open",
        ...(verdict.traceId ? { traceId: verdict.traceId } : {}),
      }).catch((e) => console.error(JSON.stringify({ msg: "flag failed", conversationId, seq, error: String(e) }))),
    );
  }
  const remote = remoteChecks();
  if (remote && mediaIds.length > 0) {
    s.ctx.waitUntil(
      remote
        .mediaSent(s.env, { userId: senderId, conversationId, seq, mediaIds })
        .catch((e) => console.error(JSON.stringify({ msg: "media check request failed", conversationId, seq, error: String(e) }))),
    );
  }
}
