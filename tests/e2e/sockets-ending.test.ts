// Sockets ending, over real TCP to `wrangler dev` with `ws` clients, where timing is real: the
// server says why in a `session_ended` frame at once, because a standard client's close event
// comes only when workerd ends the connection, about 10 s after the close frame
// (docs/protocol.md); a reused refresh token ends its session's socket; a flooding socket is
// cut off and its typing frames reach the peer once.
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { FRAME_LIMITS } from "../../schema/limits";
import { CLOSE, type ServerFrame } from "../../schema/protocol";
import { HttpClient, uniqueName } from "./harness";
import { Device } from "./socket";

const http = new HttpClient();

/** Resolves when the close frame has arrived (ws moves to CLOSING then), not the close event. */
async function closeFrameIn(device: Device, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (device.ws.readyState === WebSocket.OPEN) {
    if (performance.now() - started > timeoutMs) throw new Error("no close frame");
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now();
}

describe("sockets ending, against wrangler dev", () => {
  it("a signed-out device hears session_ended and the close frame within a second of the sign-out, then the close event with 4403", async () => {
    const me = await http.devLogin(uniqueName("out"));
    const device = await Device.connect(http.baseUrl, me.accessToken);
    const closed = device.whenClosed();
    expect((await http.post("/auth/logout", undefined, me.accessToken)).status).toBe(204);
    const answered = performance.now();
    await device.next((f) => f.type === "session_ended" && f.reason === "signed_out", 1_000);
    expect((await closeFrameIn(device, 1_000)) - answered).toBeLessThan(1_000);
    expect((await closed).code).toBe(CLOSE.revoked);
  }, 30_000);

  it("a reused refresh token ends its session's open socket at once with session_ended revoked", async () => {
    const me = await http.devLogin(uniqueName("reuse"));
    const rotated = await http.post("/auth/refresh", { refreshToken: me.refreshToken });
    expect(rotated.status).toBe(200);
    const device = await Device.connect(http.baseUrl, rotated.body.accessToken);
    // The successor is used, so presenting the first token again is a reuse, not a lost answer's retry.
    expect((await http.post("/auth/refresh", { refreshToken: rotated.body.refreshToken })).status).toBe(200);
    const reused = await http.post("/auth/refresh", { refreshToken: me.refreshToken });
    expect([reused.status, reused.body.error.code]).toEqual([401, "token_revoked"]);
    await device.next((f) => f.type === "session_ended" && f.reason === "revoked", 2_000);
    await closeFrameIn(device, 2_000);
    expect((await device.whenClosed()).code).toBe(CLOSE.revoked);
  }, 30_000);

  it("1,000 typing frames reach the peer as one typing push, and the sender is refused, then closed with 4429", async () => {
    const [a, b] = await Promise.all([http.devLogin(uniqueName("flood")), http.devLogin(uniqueName("peer"))]);
    await http.befriend(a, b);
    const direct = await http.post("/conversations/direct", { userId: b.user.id }, a.accessToken);
    const conversationId = direct.body.id as string;
    const [sender, peer] = await Promise.all([Device.connect(http.baseUrl, a.accessToken), Device.connect(http.baseUrl, b.accessToken)]);
    let pushes = 0;
    peer.onFrame((f) => void (f.type === "typing" && pushes++));
    for (let i = 0; i < 1000; i++) sender.send({ type: "typing", conversationId });
    await closeFrameIn(sender, 10_000);
    const refused = sender.frames.filter((f): f is Extract<ServerFrame, { type: "error" }> => f.type === "error" && f.code === "rate_limited");
    expect(refused.length).toBeGreaterThanOrEqual(FRAME_LIMITS.refusedBeforeClose);
    expect(refused.length).toBeLessThan(FRAME_LIMITS.refusedBeforeClose + 10);
    expect((await sender.whenClosed()).code).toBe(CLOSE.rateLimited);
    await new Promise((r) => setTimeout(r, 300));
    expect(pushes).toBe(1);
    peer.close();
  }, 30_000);
});
