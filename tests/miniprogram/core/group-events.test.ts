// A group's row on the Chats list follows its system messages live: name, avatar, mute-all,
// dissolution and member count, without asking the server again; events the summary already
// counted (at or below its lastSeq) change nothing.
import { describe, expect, it } from "vitest";
import type * as Chats from "../../../miniprogram/services/chats";
import type { ConversationSummary, Message, SystemEvent } from "../../../schema/protocol";
import { clientModule } from "../harness";

const { withGroupEvents } = clientModule<typeof Chats>("services/chats");
const GROUP = "c_hikinghikinghikinghi";
const ANN = "u_aaaaaaaaaaaaaaaaaaaa";

const summary: ConversationSummary = {
  id: GROUP, kind: "group", name: "Hiking", avatarMediaId: null, peer: null, memberCount: 3, lastSeq: 10, readSeq: 10, unread: 0,
  lastMessage: null, lastMessageAt: 0, pinned: false, doNotDisturb: false, muteAll: false, dissolved: false, role: "member",
};

function system(seq: number, event: Omit<SystemEvent, "actorId"> & { event: SystemEvent["event"] }): Message {
  return { conversationId: GROUP, seq, id: `m${seq}`, senderId: ANN, clientId: null, type: "system", body: { actorId: ANN, ...event }, mentions: [], mentionAll: false, replyTo: null, forwarded: null, createdAt: seq, recalledAt: null, recalledBy: null };
}

describe("a group's summary after its system messages", () => {
  it("takes a new name, avatar and mute-all", () => {
    const next = withGroupEvents(summary, [
      system(11, { event: "renamed", name: "Trail Runners" }),
      system(12, { event: "avatar_changed", avatarMediaId: "md_avataravataravatar" }),
      system(13, { event: "mute_all", on: true }),
    ] as Message[]);
    expect(next).toMatchObject({ name: "Trail Runners", avatarMediaId: "md_avataravataravatar", muteAll: true, memberCount: 3 });
  });

  it("counts members who join, leave or are removed", () => {
    const next = withGroupEvents(summary, [
      system(11, { event: "joined", memberIds: ["u_b", "u_c"] }),
      system(12, { event: "left" }),
      system(13, { event: "removed", memberIds: ["u_d"] }),
    ] as Message[]);
    expect(next.memberCount).toBe(3);
    expect(withGroupEvents(summary, [system(11, { event: "joined", memberIds: ["u_b", "u_c"] })] as Message[]).memberCount).toBe(5);
  });

  it("marks the group dissolved", () => {
    expect(withGroupEvents(summary, [system(11, { event: "dissolved" })] as Message[]).dissolved).toBe(true);
  });

  it("ignores events the summary already includes, and ordinary messages", () => {
    const old = [system(9, { event: "joined", memberIds: ["u_b"] }), system(10, { event: "renamed", name: "Old name" })] as Message[];
    expect(withGroupEvents(summary, old)).toEqual(summary);
    const text = { ...system(11, { event: "renamed", name: "x" }), type: "text" as const, body: { text: "renamed" } };
    expect(withGroupEvents(summary, [text])).toEqual(summary);
  });
});
