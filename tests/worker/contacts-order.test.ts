// Contacts in WeChat's order: Chinese names by pinyin (张三 under Z), a remark before the
// nickname, Latin names without case, everything else under "#" at the end.
import { describe, expect, it } from "vitest";
import type { FriendView } from "../../schema/contacts";
import { befriend, makeUser, type TestUser } from "./chat-helpers";
import { api } from "./helpers";

async function named(nickname: string): Promise<TestUser> {
  const u = await makeUser();
  const res = await api("PATCH", "/me", { token: u.token, body: { nickname } });
  expect(res.status).toBe(200);
  return { ...u, nickname };
}

describe("the contacts list's order", () => {
  it("sorts Chinese names by pinyin, reads surnames as surnames, puts remarks first and '#' last", async () => {
    const me = await makeUser("me");
    const people = await Promise.all(["张三", "李四", "alice", "曾小贤", "Émile", "42号", "王五", "Bob"].map(named));
    const aunt = await named("zoe");
    await befriend(me, ...people, aunt);
    expect((await api("PATCH", `/contacts/${aunt.id}`, { token: me.token, body: { remark: "阿姨" } })).status).toBe(200);

    const res = await api<{ friends: FriendView[] }>("GET", "/contacts", { token: me.token });
    expect(res.status).toBe(200);
    const shown = res.body.friends.map((f) => [f.remark || f.user.nickname, f.sortKey]);
    expect(shown).toEqual([
      ["阿姨", "a yi"],
      ["alice", "alice"],
      ["Bob", "bob"],
      ["Émile", "emile"],
      ["李四", "li si"],
      ["王五", "wang wu"],
      ["曾小贤", "zeng xiao xian"], // 曾 as a surname is zeng, not ceng
      ["张三", "zhang san"],
      ["42号", "42 hao"],
    ]);
  });

  it("moves a friend when their remark changes, and when they rename themselves", async () => {
    const me = await makeUser("me");
    const friend = await named("张三");
    await befriend(me, friend);
    const keyOf = async () => (await api<{ friends: FriendView[] }>("GET", "/contacts", { token: me.token })).body.friends[0]!.sortKey;
    expect(await keyOf()).toBe("zhang san");
    await api("PATCH", `/contacts/${friend.id}`, { token: me.token, body: { remark: "老板" } });
    expect(await keyOf()).toBe("lao ban");
    await api("PATCH", `/contacts/${friend.id}`, { token: me.token, body: { remark: "" } });
    await api("PATCH", "/me", { token: friend.token, body: { nickname: "钱七" } });
    expect(await keyOf()).toBe("qian qi");
  });
});
