// Contact cards: a member shares a friend (or themself) into a chat as a `card` message. The
// server stores the person's profile as it is then, so the card shows without another request;
// its picture can be fetched by the chat's members; the receiver opens it with the public
// profile and adds the person with a friend request.
import { describe, expect, it } from "vitest";
import type { CardMessageBody, ConversationSummary } from "../../schema/protocol";
import { deleteAccount } from "../../worker/services/deletion";
import { env } from "cloudflare:test";
import { solidPng } from "../support/pictures";
import { befriend, createGroup, history, makeUser, openDirect, type TestUser } from "./chat-helpers";
import { api, expectError } from "./helpers";
import { uploaded, urls } from "./media-helpers";

let n = 0;
const sendCard = (from: TestUser, conversationId: string, userId: unknown, clientId = `card-${++n}`) =>
  api("POST", `/conversations/${conversationId}/messages`, { token: from.token, body: { clientId, type: "card", body: { userId } } });

async function withPicture(user: TestUser): Promise<string> {
  const picture = await uploaded(user, await solidPng([20, 120, 220], 32, 32, 2));
  expect((await api("PATCH", "/me", { token: user.token, body: { avatarMediaId: picture.id } })).status).toBe(200);
  return picture.id;
}

async function lastSeq(user: TestUser, id: string) {
  return (await api<ConversationSummary>("GET", `/conversations/${id}`, { token: user.token })).body.lastSeq;
}

/** Alice, Bob (her friend, with their direct chat) and Carol (her friend, with a picture and a Qun ID). */
async function cast() {
  const [alice, bob, carol] = [await makeUser("alice"), await makeUser("bob"), await makeUser("carol")];
  const chat = await openDirect(alice, bob);
  await befriend(alice, carol);
  const avatar = await withPicture(carol);
  expect((await api("PATCH", "/me", { token: carol.token, body: { username: `carol${++n}x` } })).status).toBe(200);
  const username = (await api("GET", `/users/${carol.id}`, { token: alice.token })).body.username as string;
  return { alice, bob, carol, chat, avatar, username };
}

describe("sending a contact card", () => {
  it("stores the friend's profile as it is then, and previews as [名片] and their name", async () => {
    const { alice, bob, carol, chat, avatar, username } = await cast();
    const res = await sendCard(alice, chat, carol.id);
    expect(res.status).toBe(201);
    const [card] = (await history(bob, chat)).filter((m) => m.type === "card");
    expect(card!.body as CardMessageBody).toEqual({ userId: carol.id, nickname: carol.nickname, avatarMediaId: avatar, username });
    const summary = (await api<ConversationSummary>("GET", `/conversations/${chat}`, { token: bob.token })).body;
    expect(summary.lastMessage).toMatchObject({ type: "card", text: `[名片] ${carol.nickname}` });

    // A later change of name does not change the card already sent.
    await api("PATCH", "/me", { token: carol.token, body: { nickname: "Caz" } });
    expect(((await history(bob, chat)).find((m) => m.seq === card!.seq)!.body as CardMessageBody).nickname).toBe(carol.nickname);
  });

  it("lets a member share their own card, in a group too", async () => {
    const { alice, bob, carol } = await cast();
    const group = await createGroup(alice, [bob, carol]);
    expect((await sendCard(bob, group, bob.id)).status).toBe(201);
    const card = (await history(carol, group)).find((m) => m.type === "card")!;
    expect(card.body).toMatchObject({ userId: bob.id, nickname: bob.nickname, avatarMediaId: null });
  });

  it("refuses the card of someone who is not the sender's friend, and stores nothing", async () => {
    const { bob, chat } = await cast();
    const stranger = await makeUser("stranger");
    const before = await lastSeq(bob, chat);
    expectError(await sendCard(bob, chat, stranger.id), 403, "not_friends");
    expect(await lastSeq(bob, chat)).toBe(before);
  });

  it("refuses a card when either of the two has blocked the other", async () => {
    const { alice, carol, chat } = await cast();
    expect((await api("PUT", `/contacts/blocks/${carol.id}`, { token: alice.token })).status).toBe(204);
    expectError(await sendCard(alice, chat, carol.id), 403, "blocked");
    await api("DELETE", `/contacts/blocks/${carol.id}`, { token: alice.token });
    expect((await api("PUT", `/contacts/blocks/${alice.id}`, { token: carol.token })).status).toBe(204);
    expectError(await sendCard(alice, chat, carol.id), 403, "blocked");
  });

  it("refuses an unknown or deleted person and a malformed body", async () => {
    const { alice, carol, chat } = await cast();
    expectError(await sendCard(alice, chat, "u_00000000000000000000"), 404, "not_found");
    expectError(await sendCard(alice, chat, "nobody"), 400, "invalid_request");
    const extra = await api("POST", `/conversations/${chat}/messages`, {
      token: alice.token,
      body: { clientId: "card-extra", type: "card", body: { userId: carol.id, nickname: "Someone else" } },
    });
    expectError(extra, 400, "invalid_request");
    await deleteAccount(env, carol.id);
    expectError(await sendCard(alice, chat, carol.id), 410, "account_deleted");
  });

  it("answers a retry with the first ack, even after the person changed their profile, and refuses the clientId for another person", async () => {
    const { alice, bob, carol, chat } = await cast();
    const first = await sendCard(alice, chat, carol.id, "card-retry");
    await api("PATCH", "/me", { token: carol.token, body: { nickname: "Renamed" } });
    const again = await sendCard(alice, chat, carol.id, "card-retry");
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ seq: first.body.seq, duplicate: true });
    expectError(await sendCard(alice, chat, bob.id, "card-retry"), 409, "client_id_reused");
  });

  it("lets the chat's members fetch the card's picture, also once the person has another", async () => {
    const { alice, bob, carol, chat, avatar } = await cast();
    const outsider = await makeUser("outsider");
    await sendCard(alice, chat, carol.id);
    await withPicture(carol); // the card's picture is no longer anyone's current avatar
    expect((await urls(bob, [avatar], chat)).body.denied).toEqual([]);
    expect((await urls(outsider, [avatar])).body.denied).toEqual([avatar]);
  });

  it("is forwarded as it was sent, picture and all", async () => {
    const { alice, bob, carol, chat, avatar } = await cast();
    const dave = await makeUser("dave");
    const other = await openDirect(bob, dave);
    const { seq } = (await sendCard(alice, chat, carol.id)).body;
    const fwd = await api("POST", `/conversations/${chat}/messages/${seq}/forward`, { token: bob.token, body: { to: [other], clientId: "fwd-card" } });
    expect(fwd.body.results[0].ok).toBe(true);
    const copy = (await history(dave, other)).find((m) => m.type === "card")!;
    expect(copy.body).toMatchObject({ userId: carol.id, nickname: carol.nickname, avatarMediaId: avatar });
    expect(copy.forwarded).toMatchObject({ conversationId: chat, seq, senderId: alice.id });
    expect((await urls(dave, [avatar], other)).body.denied).toEqual([]);
  });
});

describe("opening a card", () => {
  it("shows the receiver the person's public profile, and lets them ask to be friends", async () => {
    const { alice, bob, carol, chat, username } = await cast();
    await sendCard(alice, chat, carol.id);
    const profile = await api("GET", `/users/${carol.id}`, { token: bob.token });
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ id: carol.id, username, nickname: carol.nickname });
    const asked = await api("POST", "/contacts/requests", { token: bob.token, body: { userId: carol.id, greeting: "Alice shared your card" } });
    expect(asked.status).toBe(201);
    const incoming = (await api("GET", "/contacts/requests", { token: carol.token })).body.incoming;
    expect(incoming.map((r: { from: { id: string } }) => r.from.id)).toEqual([bob.id]);
  });

  it("lets the receiver message the person only as their stranger setting allows", async () => {
    const { alice, bob, carol, chat } = await cast();
    await sendCard(alice, chat, carol.id);
    expectError(await api("POST", "/conversations/direct", { token: bob.token, body: { userId: carol.id } }), 403, "not_friends");
    await api("PATCH", "/me", { token: carol.token, body: { allowStrangers: true } });
    expect((await api("POST", "/conversations/direct", { token: bob.token, body: { userId: carol.id } })).status).toBe(201);
  });
});
