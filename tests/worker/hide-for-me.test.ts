// "Delete for me": POST /conversations/:id/messages/:seq/hide hides one message from the caller on
// every device (history pages both ways, catch-up and GET …/messages/:seq leave it out), tells the
// caller's other sockets with a `hidden` frame, and changes nothing for anyone else.
import { describe, expect, it } from "vitest";
import { api, expectError } from "./helpers";
import { createGroup, history, makeUsers, openDirect, sendText, SocketClient } from "./chat-helpers";

describe("delete for me", () => {
  it("leaves the message out of the caller's history, catch-up and single reads, and only theirs", async () => {
    const [alice, bob] = await makeUsers(2);
    const group = await createGroup(alice!, [bob!]);
    const seqs: number[] = [];
    for (const t of ["one", "two", "three"]) seqs.push((await sendText(bob!, group, t)).body.seq);
    const res = await api("POST", `/conversations/${group}/messages/${seqs[1]}/hide`, { token: alice!.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ seq: seqs[1] });
    const texts = (ms: { body: unknown }[]) => ms.map((m) => (m.body as { text?: string } | null)?.text).filter(Boolean);
    expect(texts(await history(alice!, group, "?after=0"))).toEqual(["one", "three"]);
    expect(texts(await history(alice!, group, `?before=${seqs[2]! + 1}`))).toEqual(["one", "three"]);
    expectError(await api("GET", `/conversations/${group}/messages/${seqs[1]}`, { token: alice!.token }), 404, "not_found");
    // Bob still has it.
    expect(texts(await history(bob!, group, "?after=0"))).toEqual(["one", "two", "three"]);
    // Hiding again is the same answer and changes nothing.
    const again = await api("POST", `/conversations/${group}/messages/${seqs[1]}/hide`, { token: alice!.token });
    expect(again.status).toBe(200);
  });

  it("counts the page limit in messages the caller can see, so a page of hidden ones does not end catch-up early", async () => {
    const [alice, bob] = await makeUsers(2);
    const dm = await openDirect(alice!, bob!);
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) seqs.push((await sendText(bob!, dm, `m${i}`)).body.seq);
    for (const seq of seqs.slice(0, 3)) await api("POST", `/conversations/${dm}/messages/${seq}/hide`, { token: alice!.token });
    const page = await api<{ messages: { seq: number }[]; hasMore: boolean }>("GET", `/conversations/${dm}/messages?after=${seqs[0]! - 1}&limit=2`, { token: alice!.token });
    expect(page.body.messages.map((m) => m.seq)).toEqual([seqs[3], seqs[4]]);
    expect(page.body.hasMore).toBe(false);
  });

  it("tells the caller's other devices with a hidden frame", async () => {
    const [alice, bob] = await makeUsers(2);
    const dm = await openDirect(alice!, bob!);
    const seq = (await sendText(bob!, dm, "oops")).body.seq;
    const phone = await SocketClient.connect(alice!.token);
    await phone.next((f) => f.type === "ready");
    await api("POST", `/conversations/${dm}/messages/${seq}/hide`, { token: alice!.token });
    expect(await phone.next((f) => f.type === "hidden")).toEqual({ type: "hidden", conversationId: dm, seqs: [seq] });
    phone.close();
  });

  it("refuses a message that does not exist, a seq that is not one, and a conversation the caller is not in", async () => {
    const [alice, bob, carol] = await makeUsers(3);
    const group = await createGroup(alice!, [bob!]);
    const seq = (await sendText(bob!, group, "before carol")).body.seq;
    expectError(await api("POST", `/conversations/${group}/messages/999/hide`, { token: alice!.token }), 404, "not_found");
    expectError(await api("POST", `/conversations/${group}/messages/${seq}/hide`, { token: carol!.token }), 403, "forbidden");
    expectError(await api("POST", `/conversations/${group}/messages/0/hide`, { token: alice!.token }), 400, "invalid_request");
  });
});
