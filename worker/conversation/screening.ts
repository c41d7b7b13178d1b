// Content safety on the send path. A text message is screened (data/safety.ts: local word list,
// then WeChat's msgSecCheck) before it is stored; a refusal throws content_refused and stores
// nothing. Checks of one sender's messages run at the same time, but each message waits for the
// checks of the messages that sender sent before it, so a slow verdict cannot reorder them.
// Cheap refusals (not a member, dissolved, muted) come first, so they never cost a WeChat call.
// After the ack a "review" verdict is flagged for the operators, off the ack's path. (Pictures and
// voice are checked when they are uploaded, services/content-check.ts, not here.)
import type { SendInput } from "../../schema/protocol";
import { flagContent, screenText, type Verdict } from "../data/safety";
import { ApiError } from "../lib/errors";
import type { ConversationState } from "./state";

const queues = new WeakMap<ConversationState, Map<string, Promise<unknown>>>();

/** The verdict on a text message (null for other kinds and for a retry of a stored message). */
export async function screenSend(s: ConversationState, senderId: string, input: SendInput, isRetry: () => boolean): Promise<Verdict | null> {
  if (input.type !== "text") return null;
  // The conversation and membership first (as append does): an unknown conversation has no tables
  // to look a retry up in, and answers not_found. A retry of a stored message is not checked again.
  s.requireOpen();
  s.requireMember(senderId);
  if (isRetry()) return null;
  const conversationId = requireVoice(s, senderId, Date.now()).id;
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
export function afterSend(s: ConversationState, senderId: string, seq: number, input: SendInput, verdict: Verdict | null) {
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
}

/** Refuses a sender who may not post: not a member, dissolved, or muted. Answers the conversation. */
export function requireVoice(s: ConversationState, senderId: string, now: number) {
  const m = s.requireOpen();
  const member = s.requireMember(senderId);
  // A personal mute holds whatever the role (the owner may mute an admin); mute-all spares the owner and admins.
  if (member.mutedUntil !== null && member.mutedUntil > now) throw new ApiError("forbidden", "You are muted in this group");
  if (member.role === "member" && m.muteAll) throw new ApiError("forbidden", "Only the owner and admins can speak while the group is muted");
  return m;
}
