// Contacts end to end over `wrangler dev`: find someone by Qun ID, become friends, see each
// other come and go, tag them, and block them, on real sockets from separate devices.
import { beforeAll, describe, expect, it } from "vitest";
import type { AuthResponse } from "../../schema/api";
import type { FriendView } from "../../schema/contacts";
import type { ServerFrame } from "../../schema/protocol";
import { HttpClient, uniqueName } from "./harness";
import { Device } from "./socket";

const http = new HttpClient();
const presence = (userId: string, online: boolean) => (f: ServerFrame) => f.type === "presence" && f.userId === userId && f.online === online;

describe("two people becoming friends on real sockets", () => {
  let alice: AuthResponse, bob: AuthResponse;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([http.devLogin(uniqueName("alice")), http.devLogin(uniqueName("bob"))]);
  });

  it("finds a person by Qun ID, befriends them, sees them come and go, tags and blocks them, live on the other device", async () => {
    const qunId = uniqueName("bob").toLowerCase();
    expect((await http.patch("/me", { username: qunId }, bob.accessToken)).status).toBe(200);
    const found = await http.get(`/users/search?q=${qunId.toUpperCase()}`, alice.accessToken);
    expect(found.body.users.map((u: { id: string }) => u.id)).toEqual([bob.user.id]);

    const [alicePhone, bobPhone] = await Promise.all([Device.connect(http.baseUrl, alice.accessToken), Device.connect(http.baseUrl, bob.accessToken)]);
    const asked = await http.post("/contacts/requests", { userId: bob.user.id, greeting: "From the climbing gym" }, alice.accessToken);
    expect(asked.status).toBe(201);
    const live = await bobPhone.next<Extract<ServerFrame, { type: "friend_request" }>>((f) => f.type === "friend_request");
    expect(live.request.greeting).toBe("From the climbing gym");

    const accepted = await http.post(`/contacts/requests/${asked.body.request.id}/accept`, { remark: "Alice (gym)" }, bob.accessToken);
    expect(accepted.status).toBe(200);
    const chat: string = accepted.body.conversationId;
    for (const phone of [alicePhone, bobPhone]) {
      await phone.next((f) => f.type === "message" && f.message.conversationId === chat && f.message.type === "system");
    }
    await alicePhone.next(presence(bob.user.id, true));
    await alicePhone.next((f) => f.type === "contacts" && f.changed.includes("friends"));

    expect((await http.post("/contacts/tags", { name: "Climbing", userIds: [bob.user.id] }, alice.accessToken)).status).toBe(201);
    const list = (await http.get<{ friends: FriendView[]; tags: string[] }>("/contacts", alice.accessToken)).body;
    expect(list.tags).toEqual(["Climbing"]);
    expect(list.friends).toEqual([expect.objectContaining({ user: expect.objectContaining({ id: bob.user.id }), tags: ["Climbing"], online: true, conversationId: chat })]);

    // Bob's only device leaves, then comes back.
    await bobPhone.close();
    await alicePhone.next(presence(bob.user.id, false));
    const bobAgain = await Device.connect(http.baseUrl, bob.accessToken);
    await alicePhone.next(presence(bob.user.id, true));

    // Alice blocks Bob: he is shown offline to her at once, and his sends are refused.
    expect((await http.request("PUT", `/contacts/blocks/${bob.user.id}`, { token: alice.accessToken })).status).toBe(204);
    await alicePhone.next(presence(bob.user.id, false));
    bobAgain.send({ type: "send", ref: "r1", conversationId: chat, message: { clientId: "after-block", type: "text", body: { text: "hello?" } } });
    const refused = await bobAgain.next<Extract<ServerFrame, { type: "error" }>>((f) => f.type === "error" && f.ref === "r1");
    expect(refused.code).toBe("blocked");
    await new Promise((r) => setTimeout(r, 300));
    expect(alicePhone.frames.filter((f) => f.type === "message" && f.message.conversationId === chat && f.message.clientId === "after-block")).toEqual([]);

    await Promise.all([alicePhone.close(), bobAgain.close()]);
  });
});
