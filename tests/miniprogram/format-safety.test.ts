// How the chat shows a message withdrawn for breaking the rules (a recall by the system after
// WeChat's media check, or by an operator): not as the actor's own recall.
import { describe, expect, it } from "vitest";
import { systemText } from "../../miniprogram/services/format";

describe("a message withdrawn for violating the rules", () => {
  it("reads as removed for violating the rules, whoever withdrew it", () => {
    expect(systemText({ event: "recalled", actorId: "system", targetSeq: 3, senderId: "u_a", reason: "violation" }, () => "Ops")).toBe("A message was removed for violating the rules");
    expect(systemText({ event: "recalled", actorId: "u_op", targetSeq: 3, senderId: "u_a", reason: "violation" }, () => "Ops")).toBe("A message was removed for violating the rules");
    expect(systemText({ event: "recalled", actorId: "u_a", targetSeq: 3, senderId: "u_a" }, () => "Bob")).toBe("Bob recalled a message");
  });
});
