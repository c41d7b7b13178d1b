// A group's row on the Chats list follows its system messages live: name, avatar, mute-all,
// dissolution and member count, without asking the server again; events the summary already
// counted (at or below its lastSeq) change nothing.
import { describe, expect, it } from "vitest";
import { withGroupEvents } from "../../../miniprogram/services/chats";
import type { ConversationSummary, Message, SystemEvent } from "../../../schema/protocol";

const GROUP = "c_hikinghikinghikinghi";
const ANN = "u_aaaaaaaaaaaaaaaaaaaa";

const summary: ConversationSummary = {
  id: GROUP,
  kind: "group",
  name: "Hiking",
  avatarMediaId: null,
  peer: null,
  memberCount: 3,
  lastSeq: 10,
  readSeq: 10,
  unread: 0,
  lastMessage: null,
  lastMessageAt: 0,
  pinned: false,
  doNotDisturb: false,
  muteAll: false,
  dissolved: false,
  role: "member",
};

/** A system event without its actor (Ann acts in every one here), one union member at a time. */
type EventOf<T> = T extends unknown ? Omit<T, "actorId"> : never;

function system(seq: number, event: EventOf<SystemEvent>): Message {
  return {
    conversationId: GROUP,
    seq,
    id: `m${seq}`,
    senderId: ANN,
    clientId: null,
    type: "system",
    body: { actorId: ANN, ...event },
    mentions: [],
    mentionAll: false,
    replyTo: null,
    forwarded: null,
    createdAt: seq,
    recalledAt: null,
    recalledBy: null,
  };
}

describe("a group's summary after its system messages", () => {
  it("takes a new name, avatar and mute-all", () => {
    const next = withGroupEvents(summary, [
      system(11, { event: "renamed", name: "Trail Runners" }),
      system(12, { event: "avatar_changed", avatarMediaId: "md_avataravataravatar" }),
      system(13, { event: "mute_all", on: true }),
    ]);
    expect(next).toMatchObject({ name: "Trail Runners", avatarMediaId: "md_avataravataravatar", muteAll: true, memberCount: 3 });
  });

  it("counts members who join, leave or are removed", () => {
    const next = withGroupEvents(summary, [system(11, { event: "joined", memberIds: ["u_b", "u_c"] }), system(12, { event: "left" }), system(13, { event: "removed", memberIds: ["u_d"] })]);
    expect(next.memberCount).toBe(3);
    expect(withGroupEvents(summary, [system(11, { event: "joined", memberIds: ["u_b", "u_c"] })]).memberCount).toBe(5);
  });

  it("marks the group dissolved", () => {
    expect(withGroupEvents(summary, [system(11, { event: "dissolved" })]).dissolved).toBe(true);
  });

  it("ignores events the summary already includes, and ordinary messages", () => {
    const old = [system(9, { event: "joined", memberIds: ["u_b"] }), system(10, { event: "renamed", name: "Old name" })];
    expect(withGroupEvents(summary, old)).toEqual(summary);
    const text = { ...system(11, { event: "renamed", name: "x" }), type: "text" as const, body: { text: "renamed" } };
    expect(withGroupEvents(summary, [text])).toEqual(summary);
  });
});
