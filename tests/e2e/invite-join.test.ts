// Joining by QR code end to end, against `wrangler dev`: Alice creates a group and an invite,
// the QR image is decoded back to its URL (as a phone's scanner would), Bob joins through it at
// once, Carol through it after Alice approves her request, and the three chat on real sockets.
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuthResponse } from "../../schema/api";
import type { CreatedInvite, InvitePreview } from "../../schema/groups";
import type { Ack, Message, ServerFrame } from "../../schema/protocol";
import { HttpClient, uniqueName } from "./harness";
import { Device } from "./socket";

const http = new HttpClient();

function readQr(png: Buffer): string {
  const image = PNG.sync.read(png);
  const found = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!found) throw new Error("no QR code found in the image");
  return found.data;
}

/** What the mini-program does with a scanned URL (or WeChat's `q` launch parameter). */
const codeFrom = (url: string) => new URL(url).pathname.match(/^\/j\/([0-9A-Za-z]+)$/)![1]!;

const isMessage = (conversationId: string, pred: (m: Message) => boolean) => (f: ServerFrame) => f.type === "message" && f.message.conversationId === conversationId && pred(f.message);

async function say(device: Device, conversationId: string, clientId: string, text: string): Promise<Ack> {
  device.send({ type: "send", ref: clientId, conversationId, message: { clientId, type: "text", body: { text } } });
  const frame = await device.next<Extract<ServerFrame, { type: "ack" | "error" }>>((f) => (f.type === "ack" || f.type === "error") && f.ref === clientId);
  if (frame.type === "error") throw new Error(`send refused: ${frame.code} ${frame.message}`);
  return frame.ack;
}

describe("joining a group by QR code", () => {
  let alice: AuthResponse, bob: AuthResponse, carol: AuthResponse;

  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([http.devLogin(uniqueName("alice")), http.devLogin(uniqueName("bob")), http.devLogin(uniqueName("carol"))]);
  });

  it("lets two people join through a scanned invite, one by approval, and all three chat live", async () => {
    const created = await http.post("/conversations", { name: "Book club", memberIds: [] }, alice.accessToken);
    expect(created.status).toBe(201);
    const groupId: string = created.body.id;

    const inviteRes = await http.post<CreatedInvite>(`/groups/${groupId}/invites`, { maxUses: 10 }, alice.accessToken);
    expect(inviteRes.status).toBe(201);
    const invite = inviteRes.body;

    // Both the inline PNG and the served one decode to the join URL on the public host.
    const inline = readQr(Buffer.from(invite.qrPngDataUrl.split(",")[1]!, "base64"));
    const served = await fetch(`${http.baseUrl}${invite.qrPngUrl}`);
    expect(served.headers.get("content-type")).toBe("image/png");
    const scanned = readQr(Buffer.from(await served.arrayBuffer()));
    expect(scanned).toBe(inline);
    expect(scanned).toBe(invite.url);
    const code = codeFrom(scanned);
    expect(code).toBe(invite.code);

    // A plain browser opening the URL gets a page pointing at the mini-program.
    const page = await fetch(`${http.baseUrl}/j/${code}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Book club");

    const alicePhone = await Device.connect(http.baseUrl, alice.accessToken);
    const bobPhone = await Device.connect(http.baseUrl, bob.accessToken);

    // Bob: the group is open, so accepting joins him at once.
    const preview = await http.get<InvitePreview>(`/invites/${code}`, bob.accessToken);
    expect(preview.body).toMatchObject({ conversationId: groupId, name: "Book club", memberCount: 1, approvalRequired: false, alreadyMember: false });
    const bobJoin = await http.post(`/invites/${code}/accept`, {}, bob.accessToken);
    expect(bobJoin.status).toBe(200);
    expect(bobJoin.body).toMatchObject({ status: "joined", conversationId: groupId });
    for (const device of [alicePhone, bobPhone]) {
      const { message } = await device.next<Extract<ServerFrame, { type: "message" }>>(isMessage(groupId, (m) => m.seq === bobJoin.body.seq));
      expect(message.body).toEqual({ event: "joined", actorId: bob.user.id, memberIds: [bob.user.id], via: "link" });
    }

    // Alice switches the group to approval; Carol's accept becomes a request Alice hears about.
    expect((await http.patch(`/groups/${groupId}`, { joinPolicy: "approval" }, alice.accessToken)).status).toBe(200);
    const carolPhone = await Device.connect(http.baseUrl, carol.accessToken);
    expect((await http.get<InvitePreview>(`/invites/${code}`, carol.accessToken)).body.approvalRequired).toBe(true);
    const carolAsk = await http.post(`/invites/${code}/accept`, { message: "Bob said I'd like it" }, carol.accessToken);
    expect(carolAsk.status).toBe(202);
    const request = await alicePhone.next<Extract<ServerFrame, { type: "join_request" }>>((f) => f.type === "join_request" && f.conversationId === groupId);
    expect(request.request).toMatchObject({ id: carolAsk.body.requestId, userId: carol.user.id, message: "Bob said I'd like it" });
    expect((await http.get(`/conversations/${groupId}/messages`, carol.accessToken)).status).toBe(403);

    const approved = await http.post(`/groups/${groupId}/join-requests/${carolAsk.body.requestId}/approve`, undefined, alice.accessToken);
    expect(approved.status).toBe(200);
    const { message: welcome } = await carolPhone.next<Extract<ServerFrame, { type: "message" }>>(isMessage(groupId, (m) => m.seq === approved.body.seq));
    expect(welcome.body).toEqual({ event: "joined", actorId: alice.user.id, memberIds: [carol.user.id], via: "approval" });

    const members = await http.get(`/groups/${groupId}/members`, carol.accessToken);
    expect(members.body.members.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
      [alice.user.id, "owner"],
      [bob.user.id, "member"],
      [carol.user.id, "member"],
    ]);

    // Everyone talks; everyone else hears it.
    const lines: [Device, string, string][] = [
      [alicePhone, "a-1", "Welcome, both of you"],
      [bobPhone, "b-1", "Thanks! Reading anything good?"],
      [carolPhone, "c-1", "Just started Dream of the Red Chamber"],
    ];
    for (const [device, clientId, text] of lines) {
      const ack = await say(device, groupId, clientId, text);
      for (const other of [alicePhone, bobPhone, carolPhone].filter((d) => d !== device)) {
        const { message } = await other.next<Extract<ServerFrame, { type: "message" }>>(isMessage(groupId, (m) => m.seq === ack.seq));
        expect(message.body).toEqual({ text });
      }
    }
    const uses = await http.get(`/groups/${groupId}/invites`, alice.accessToken);
    expect(uses.body.invites.find((i: { code: string }) => i.code === code).uses).toBe(2);

    await Promise.all([alicePhone, bobPhone, carolPhone].map((d) => d.close()));
  });
});
