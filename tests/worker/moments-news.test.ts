// Live Moments news: a post lights the Discover dot of exactly the friends who may see it (the
// `moments` frame, event "post"), and a like, comment or reply reaches the people whose
// notifications it adds to (event "notification"). The frame is only a hint; each of these
// devices then asks /moments/badge, which this spec also checks agrees.
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../schema/protocol";
import { befriend, makeUsers, SocketClient, type TestUser } from "./chat-helpers";
import { api } from "./helpers";
import { post, tag } from "./moment-helpers";

type News = Extract<ServerFrame, { type: "moments" }>;
const news = (s: SocketClient) => s.frames.filter((f): f is News => f.type === "moments");

async function online(...users: TestUser[]): Promise<SocketClient[]> {
  return Promise.all(
    users.map(async (u) => {
      const s = await SocketClient.connect(u.token);
      await s.next((f) => f.type === "ready");
      return s;
    }),
  );
}

/** A ping's pong: everything pushed to this socket before the ping was asked for has arrived. */
async function drained(s: SocketClient) {
  const pongs = s.frames.filter((f) => f.type === "pong").length;
  s.send({ type: "ping" });
  await s.next(() => s.frames.filter((f) => f.type === "pong").length > pongs);
}

async function badge(u: TestUser) {
  const res = await api("GET", "/moments/badge?since=0", { token: u.token });
  expect(res.status).toBe(200);
  return res.body as { newPosts: boolean; unreadNotifications: number };
}

describe("live Moments news", () => {
  it("tells only the friends who may see a post: not one left out of its audience, not one who muted the author, not a stranger", async () => {
    const [alice, bob, carol, dave, erin] = (await makeUsers(5)) as [TestUser, TestUser, TestUser, TestUser, TestUser];
    await befriend(alice, bob, carol, dave);
    await tag(alice, "Family", [bob, dave]);
    // Dave muted Alice (不看她的朋友圈): her posts stay off his timeline, so no dot either.
    expect((await api("PUT", "/moments/settings/muted", { token: dave.token, body: { userIds: [alice.id] } })).status).toBe(200);
    const [sa, sb, sc, sd, se] = await online(alice, bob, carol, dave, erin);

    await post(alice, { text: "family only", visibility: "include", tags: ["Family"] });
    const first = await sb!.next<News>((f) => f.type === "moments");
    expect(first).toEqual({ type: "moments", event: "post" });
    for (const s of [sa!, sc!, sd!, se!]) await drained(s);
    expect([news(sa!), news(sc!), news(sd!), news(se!)]).toEqual([[], [], [], []]);

    // A post to all friends reaches Carol too, and still not the author, Dave or the stranger Erin.
    await post(alice, { text: "for everyone" });
    await sc!.next((f) => f.type === "moments");
    await sb!.next(() => news(sb!).length === 2);
    for (const s of [sa!, sd!, se!]) await drained(s);
    expect([news(sa!).length, news(sb!).length, news(sc!).length, news(sd!).length, news(se!).length]).toEqual([0, 2, 1, 0, 0]);
    // The hint agrees with what the badge then says.
    expect((await badge(carol)).newPosts).toBe(true);
    expect((await badge(dave)).newPosts).toBe(false);
  });

  it("tells the author of a like and a comment, and the person answered by a reply, once each", async () => {
    const [alice, bob, carol] = (await makeUsers(3)) as [TestUser, TestUser, TestUser];
    await befriend(alice, bob, carol);
    await befriend(bob, carol);
    const m = await post(alice, { text: "lunch" });
    const [sa, sb, sc] = await online(alice, bob, carol);

    expect((await api("PUT", `/moments/${m.id}/like`, { token: bob.token })).status).toBe(200);
    expect(await sa!.next((f) => f.type === "moments")).toEqual({ type: "moments", event: "notification" });
    // Liking again changes nothing, so it says nothing.
    expect((await api("PUT", `/moments/${m.id}/like`, { token: bob.token })).status).toBe(200);

    const c = await api("POST", `/moments/${m.id}/comments`, { token: carol.token, body: { text: "looks good" } });
    expect(c.status).toBe(201);
    await sa!.next(() => news(sa!).length === 2);
    const carolsComment = (c.body as { comments: { id: string; user: { id: string } }[] }).comments.find((x) => x.user.id === carol.id)!;
    const r = await api("POST", `/moments/${m.id}/comments`, { token: bob.token, body: { text: "agreed", replyTo: carolsComment.id } });
    expect(r.status).toBe(201);
    await sc!.next<News>((f) => f.type === "moments");
    await sa!.next(() => news(sa!).length === 3);

    for (const s of [sa!, sb!, sc!]) await drained(s);
    expect([news(sa!).length, news(sb!).length, news(sc!).length]).toEqual([3, 0, 1]);
    expect(news(sc!)[0]).toEqual({ type: "moments", event: "notification" });
    expect((await badge(alice)).unreadNotifications).toBe(3);
    expect((await badge(carol)).unreadNotifications).toBe(1);
  });

  it("does not tell the person answered when they can no longer see the post", async () => {
    const [alice, bob, carol] = (await makeUsers(3)) as [TestUser, TestUser, TestUser];
    await befriend(alice, bob, carol);
    await befriend(bob, carol);
    const m = await post(alice, { text: "before" });
    const c = await api("POST", `/moments/${m.id}/comments`, { token: carol.token, body: { text: "first" } });
    const carolsComment = (c.body as { comments: { id: string; user: { id: string } }[] }).comments.find((x) => x.user.id === carol.id)!;
    // Alice hides her Moments from Carol (不让她看) after Carol commented.
    expect((await api("PUT", "/moments/settings/hidden", { token: alice.token, body: { userIds: [carol.id] } })).status).toBe(200);
    const [sc, sa] = await online(carol, alice);
    expect((await api("POST", `/moments/${m.id}/comments`, { token: bob.token, body: { text: "reply", replyTo: carolsComment.id } })).status).toBe(201);
    await sa!.next((f) => f.type === "moments");
    await drained(sc!);
    expect(news(sc!)).toEqual([]);
    expect((await badge(carol)).unreadNotifications).toBe(0);
  });
});
