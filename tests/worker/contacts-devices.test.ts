// Contacts across a user's devices: after any change, every device of that user hears which
// lists to refetch (a `contacts` frame); the other person hears only what WeChat would show
// them (a new friend), and a refused change is heard by no one. Real sockets over /ws.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ContactsList } from "../../schema/contacts";
import type { ServerFrame } from "../../schema/protocol";
import { db } from "../../worker/db";
import { startSession } from "../../worker/services/tokens";
import { makeUsers, SocketClient, type TestUser } from "./chat-helpers";
import { api, expectError } from "./helpers";

type Contacts = Extract<ServerFrame, { type: "contacts" }>;
const contactFrames = (c: SocketClient) => c.frames.filter((f): f is Contacts => f.type === "contacts").map((f) => f.changed);
const settle = () => new Promise((r) => setTimeout(r, 300));

async function connect(token: string): Promise<SocketClient> {
  const c = await SocketClient.connect(token);
  await c.next((f) => f.type === "ready");
  return c;
}

/** Runs an action and waits until the device has heard the lists it should refetch. */
async function expectHeard(device: SocketClient, action: () => Promise<{ status: number }>, changed: ContactsList[]) {
  const before = contactFrames(device).length;
  const res = await action();
  expect(res.status).toBeLessThan(300);
  await expect.poll(() => contactFrames(device).length).toBe(before + 1);
  expect(contactFrames(device).at(-1)).toEqual(changed);
}

describe("contacts on a user's other devices", () => {
  it("tell every device which lists changed after each action", async () => {
    const [alice, bob] = (await makeUsers(2)) as [TestUser, TestUser];
    const laptop = await connect((await startSession(env, db(env), alice.id, "laptop")).accessToken);
    const as =
      (path: string, method = "POST", body?: unknown) =>
      () =>
        api(method, path, { token: alice.token, body });

    await expectHeard(laptop, as("/contacts/requests", "POST", { userId: bob.id, greeting: "hi" }), ["requests"]);
    const id = (await api("GET", "/contacts/requests", { token: bob.token })).body.incoming[0].id;
    // Bob accepting on his device: Alice's laptop hears she has a new friend.
    await expectHeard(laptop, () => api("POST", `/contacts/requests/${id}/accept`, { token: bob.token, body: {} }), ["friends", "requests"]);
    await expectHeard(laptop, as(`/contacts/${bob.id}`, "PATCH", { remark: "Bobby" }), ["friends", "tags"]);
    await expectHeard(laptop, as("/contacts/tags", "POST", { name: "Climbing", userIds: [bob.id] }), ["tags", "friends"]);
    await expectHeard(laptop, as("/contacts/tags/Climbing", "PUT", { name: "Bouldering" }), ["tags", "friends"]);
    await expectHeard(laptop, as(`/contacts/tags/Bouldering/members/${bob.id}`, "DELETE"), ["tags", "friends"]);
    await expectHeard(laptop, as("/contacts/tags/Bouldering/members", "POST", { userIds: [bob.id] }), ["tags", "friends"]);
    await expectHeard(laptop, as("/contacts/tags/Bouldering", "DELETE"), ["tags", "friends"]);
    await expectHeard(laptop, as(`/contacts/blocks/${bob.id}`, "PUT"), ["blocks", "requests"]);
    await expectHeard(laptop, as(`/contacts/blocks/${bob.id}`, "DELETE"), ["blocks"]);
    await expectHeard(laptop, as(`/contacts/${bob.id}`, "DELETE"), ["friends"]);
    laptop.close();
    await laptop.waitClosed();
  });

  it("tell a declining user's devices, and both people when asking back accepts at once", async () => {
    const [alice, bob, carol] = (await makeUsers(3)) as [TestUser, TestUser, TestUser];
    const [aliceLaptop, bobPhone] = [await connect((await startSession(env, db(env), alice.id, "laptop")).accessToken), await connect(bob.token)];
    const fromCarol = await api("POST", "/contacts/requests", { token: carol.token, body: { userId: alice.id } });
    await expectHeard(aliceLaptop, () => api("POST", `/contacts/requests/${fromCarol.body.request.id}/decline`, { token: alice.token }), ["requests"]);

    await api("POST", "/contacts/requests", { token: bob.token, body: { userId: alice.id } });
    await expectHeard(aliceLaptop, () => api("POST", "/contacts/requests", { token: alice.token, body: { userId: bob.id } }), ["friends", "requests"]);
    await expect.poll(() => contactFrames(bobPhone).at(-1)).toEqual(["friends", "requests"]);
    for (const c of [aliceLaptop, bobPhone]) c.close();
    await Promise.all([aliceLaptop.waitClosed(), bobPhone.waitClosed()]);
  });

  it("are not told to anyone else, nor after a refused change", async () => {
    const [alice, bob] = (await makeUsers(2)) as [TestUser, TestUser];
    const sent = await api("POST", "/contacts/requests", { token: alice.token, body: { userId: bob.id } });
    await api("POST", `/contacts/requests/${sent.body.request.id}/accept`, { token: bob.token, body: {} });
    const [aliceLaptop, bobPhone] = [await connect((await startSession(env, db(env), alice.id, "laptop")).accessToken), await connect(bob.token)];

    await api("POST", "/contacts/tags", { token: alice.token, body: { name: "Work", userIds: [bob.id] } });
    await api("PATCH", `/contacts/${bob.id}`, { token: alice.token, body: { remark: "B" } });
    await api("PUT", `/contacts/blocks/${bob.id}`, { token: alice.token });
    await api("DELETE", `/contacts/${bob.id}`, { token: alice.token });
    await settle();
    expect(contactFrames(bobPhone)).toEqual([]);

    const heard = contactFrames(aliceLaptop).length;
    expectError(await api("POST", "/contacts/tags", { token: alice.token, body: { name: "Work" } }), 409, "tag_exists");
    expectError(await api("DELETE", `/contacts/${bob.id}`, { token: alice.token }), 404, "not_found");
    await settle();
    expect(contactFrames(aliceLaptop)).toHaveLength(heard);
    for (const c of [aliceLaptop, bobPhone]) c.close();
    await Promise.all([aliceLaptop.waitClosed(), bobPhone.waitClosed()]);
  });
});
