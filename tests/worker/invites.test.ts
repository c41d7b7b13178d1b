// Joining by QR code: invites are unguessable codes with a 7-day life, an optional use limit and
// a revocation; their QR image encodes `${PUBLIC_BASE_URL}/j/<code>`.
import { env } from "cloudflare:test";
import jsQR from "jsqr";
import { describe, expect, it } from "vitest";
import { GROUP_LIMITS } from "../../schema/limits";
import type { ServerFrame } from "../../schema/protocol";
import { newInviteCode } from "../../worker/services/invites";
import { befriend, createGroup, history, makeUser, makeUsers, SocketClient, type TestUser } from "./chat-helpers";
import { call, conversationRow, patchGroup, rankedGroup, systemEvent } from "./group-helpers";
import { api, count, expectError, rows } from "./helpers";
import { readPng } from "./png";
import { png, uploaded } from "./media-helpers";

/** The QR code's text, read by jsQR from the decoded PNG pixels. */
async function decodePng(bytes: Uint8Array): Promise<string | null> {
  const { width, height, rgba } = await readPng(bytes);
  return jsQR(rgba, width, height)?.data ?? null;
}

async function invite(user: TestUser, groupId: string, body: Record<string, unknown> = {}) {
  const res = await call(user, "POST", `/groups/${groupId}/invites`, body);
  if (res.status !== 201) throw new Error(`invite: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { code: string; url: string; expiresAt: number; qrSvg: string; qrPngDataUrl: string; qrPngUrl: string; qrSvgUrl: string };
}

const accept = (user: TestUser, code: string, message?: string) => call(user, "POST", `/invites/${code}/accept`, message === undefined ? {} : { message });

describe("creating an invite", () => {
  it("gives a 22-character base62 code, a join URL on the public host, and QR images that decode back to it", async () => {
    const { id, owner } = await rankedGroup();
    const before = Date.now();
    const inv = await invite(owner, id);
    expect(inv.code).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(inv.url).toBe(`${env.PUBLIC_BASE_URL}/j/${inv.code}`);
    expect(inv.expiresAt).toBeGreaterThanOrEqual(before + GROUP_LIMITS.inviteTtlSeconds * 1000);
    expect(inv.expiresAt).toBeLessThanOrEqual(Date.now() + GROUP_LIMITS.inviteTtlSeconds * 1000);

    const inline = Uint8Array.from(atob(inv.qrPngDataUrl.replace(/^data:image\/png;base64,/, "")), (ch) => ch.charCodeAt(0));
    expect(await decodePng(inline)).toBe(inv.url);
    expect(inv.qrSvg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);

    // The image endpoints need no sign-in: a mini-program <image src> cannot send headers.
    const png = await fetchRaw(inv.qrPngUrl);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(await decodePng(new Uint8Array(await png.arrayBuffer()))).toBe(inv.url);
    const svg = await fetchRaw(inv.qrSvgUrl);
    expect(svg.headers.get("content-type")).toContain("image/svg+xml");
    expect(await svg.text()).toBe(inv.qrSvg);

    expect(await rows("select created_by as createdBy, uses, max_uses as maxUses, revoked_at as revokedAt from invites where code = ?", inv.code)).toEqual([
      { createdBy: owner.id, uses: 0, maxUses: null, revokedAt: null },
    ]);
  });

  it("never repeats a code", () => {
    const codes = new Set(Array.from({ length: 2000 }, () => newInviteCode()));
    expect(codes.size).toBe(2000);
  });

  it("lets the owner and admins invite, and members only while the group allows it", async () => {
    const { id, owner, admin, member, outsider } = await rankedGroup();
    expect((await call(member, "POST", `/groups/${id}/invites`, {})).status).toBe(201);
    expect((await patchGroup(owner, id, { membersCanInvite: false })).status).toBe(200);
    expectError(await call(member, "POST", `/groups/${id}/invites`, {}), 403, "forbidden");
    expectError(await call(outsider, "POST", `/groups/${id}/invites`, {}), 403, "forbidden");
    expect((await call(admin, "POST", `/groups/${id}/invites`, {})).status).toBe(201);
    expect((await call(owner, "POST", `/groups/${id}/invites`, {})).status).toBe(201);
    expect(await count("invites", "conversation_id = ?", id)).toBe(3);
  });

  it("refuses links for an invite-only group, and stops the links it had", async () => {
    const { id, owner, outsider } = await rankedGroup();
    const inv = await invite(owner, id);
    await patchGroup(owner, id, { joinPolicy: "invite_only" });
    expectError(await call(owner, "POST", `/groups/${id}/invites`, {}), 403, "join_closed");
    expectError(await accept(outsider, inv.code), 403, "join_closed");
    expect(await count("invites", "conversation_id = ?", id)).toBe(1);
  });

  it("refuses a bad use limit or a lifetime beyond 7 days, writing nothing", async () => {
    const { id, owner } = await rankedGroup();
    expectError(await call(owner, "POST", `/groups/${id}/invites`, { maxUses: 0 }), 400, "invalid_request");
    expectError(await call(owner, "POST", `/groups/${id}/invites`, { expiresInSeconds: GROUP_LIMITS.inviteTtlSeconds + 1 }), 400, "invalid_request");
    expectError(await call(owner, "POST", `/groups/${id}/invites`, { code: "chosen" }), 400, "invalid_request");
    expect(await count("invites")).toBe(0);
  });

  it("refuses invites to a direct chat", async () => {
    const [a, b] = await makeUsers(2);
    await befriend(a!, b!);
    const dm = (await api("POST", "/conversations/direct", { token: a!.token, body: { userId: b!.id } })).body.id;
    expectError(await call(a!, "POST", `/groups/${dm}/invites`, {}), 400, "invalid_request");
  });
});

describe("previewing an invite", () => {
  it("shows the group's name, avatar, size and whether approval is needed, without joining", async () => {
    const { id, owner, member, outsider } = await rankedGroup();
    const avatar = (await uploaded(owner, png())).id;
    expect((await patchGroup(owner, id, { avatarMediaId: avatar })).status).toBe(200);
    const inv = await invite(owner, id);
    const res = await call(outsider, "GET", `/invites/${inv.code}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: inv.code, conversationId: id, name: "Club", avatarMediaId: avatar, memberCount: 3, approvalRequired: false, alreadyMember: false, expiresAt: inv.expiresAt });
    expect(await count("memberships", "conversation_id = ? and user_id = ?", id, outsider.id)).toBe(0);

    await patchGroup(owner, id, { joinPolicy: "approval" });
    expect((await call(outsider, "GET", `/invites/${inv.code}`)).body.approvalRequired).toBe(true);
    expect((await call(member, "GET", `/invites/${inv.code}`)).body.alreadyMember).toBe(true);
  });

  it("needs sign-in, and answers unknown or malformed codes with not_found", async () => {
    const { id, owner } = await rankedGroup();
    const inv = await invite(owner, id);
    expectError(await api("GET", `/invites/${inv.code}`), 401, "unauthorized");
    expectError(await call(owner, "GET", `/invites/${newInviteCode()}`), 404, "not_found");
    expectError(await call(owner, "GET", "/invites/short"), 404, "not_found");
    expectError(await call(owner, "POST", `/invites/${newInviteCode()}/accept`, {}), 404, "not_found");
  });
});

describe("accepting an invite", () => {
  it("joins at once under the open policy, counts the use once, and tells online members", async () => {
    const { id, owner, outsider } = await rankedGroup();
    const inv = await invite(owner, id);
    const ownerSocket = await SocketClient.connect(owner.token);
    await ownerSocket.next((f) => f.type === "ready");

    const res = await accept(outsider, inv.code);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "joined", conversationId: id });
    const frame = await ownerSocket.next<Extract<ServerFrame, { type: "message" }>>((f) => f.type === "message" && f.message.seq === res.body.seq);
    expect(systemEvent(frame.message)).toEqual({ event: "joined", actorId: outsider.id, memberIds: [outsider.id], via: "link" });
    expect((await history(outsider, id)).map((m) => m.seq)).toEqual([res.body.seq]);

    // Accepting again changes nothing.
    expect((await accept(outsider, inv.code)).body).toEqual({ status: "joined", conversationId: id, seq: null });
    expect(await rows("select uses from invites where code = ?", inv.code)).toEqual([{ uses: 1 }]);
    expect((await conversationRow(id))!.member_count).toBe(4);
    ownerSocket.close();
  });

  it("files one join request under the approval policy, which the owner and admins hear about live", async () => {
    const { id, owner, admin, member, outsider } = await rankedGroup();
    await patchGroup(owner, id, { joinPolicy: "approval" });
    const inv = await invite(member, id);
    const adminSocket = await SocketClient.connect(admin.token);
    await adminSocket.next((f) => f.type === "ready");

    const res = await accept(outsider, inv.code, "I'm Bob's friend");
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: "pending", conversationId: id });
    const frame = await adminSocket.next<Extract<ServerFrame, { type: "join_request" }>>((f) => f.type === "join_request");
    expect(frame.request).toMatchObject({ id: res.body.requestId, userId: outsider.id, invitedBy: member.id, inviteCode: inv.code, message: "I'm Bob's friend", status: "pending" });
    expectError(await api("GET", `/conversations/${id}/messages`, { token: outsider.token }), 403, "forbidden");

    // Asking twice keeps one request.
    expect((await accept(outsider, inv.code)).body.requestId).toBe(res.body.requestId);
    expect(await count("join_requests", "conversation_id = ?", id)).toBe(1);

    const approved = await call(owner, "POST", `/groups/${id}/join-requests/${res.body.requestId}/approve`);
    expect(approved.status).toBe(200);
    expect((await history(outsider, id)).map((m) => systemEvent(m))).toEqual([{ event: "joined", actorId: owner.id, memberIds: [outsider.id], via: "approval" }]);
    expect(await rows("select uses from invites where code = ?", inv.code)).toEqual([{ uses: 1 }]);
    adminSocket.close();
  });

  it("gives expired, revoked, used-up, invite-only and dissolved invites each their own error, and writes nothing", async () => {
    const { id, owner, admin, outsider } = await rankedGroup();
    const expired = await invite(owner, id);
    await env.DB.prepare("update invites set expires_at = ? where code = ?")
      .bind(Date.now() - 1, expired.code)
      .run();
    const revoked = await invite(owner, id);
    expect((await call(admin, "DELETE", `/groups/${id}/invites/${revoked.code}`)).body.revokedAt).toEqual(expect.any(Number));
    const once = await invite(owner, id, { maxUses: 1 });
    expect((await accept(await makeUser("first"), once.code)).status).toBe(200);

    const cases: [string, number, string][] = [
      [expired.code, 410, "invite_expired"],
      [revoked.code, 410, "invite_revoked"],
      [once.code, 410, "invite_used_up"],
    ];
    for (const [code, status, error] of cases) {
      expectError(await call(outsider, "GET", `/invites/${code}`), status, error);
      expectError(await accept(outsider, code), status, error);
      expectError(await api("GET", `/invites/${code}/qr.png`), status, error);
    }

    const live = await invite(owner, id);
    await patchGroup(owner, id, { joinPolicy: "invite_only" });
    expectError(await call(outsider, "GET", `/invites/${live.code}`), 403, "join_closed");
    await patchGroup(owner, id, { joinPolicy: "open" });
    expect((await call(owner, "POST", `/groups/${id}/dissolve`)).status).toBe(200);
    expectError(await call(outsider, "GET", `/invites/${live.code}`), 410, "group_dissolved");
    expectError(await accept(outsider, live.code), 410, "group_dissolved");

    expect(await count("memberships", "conversation_id = ? and user_id = ?", id, outsider.id)).toBe(0);
    expect(await count("join_requests")).toBe(0);
  });

  it("holds a use limit when many accept at the same moment", async () => {
    const { id, owner } = await rankedGroup();
    const inv = await invite(owner, id, { maxUses: 3 });
    const crowd = await makeUsers(8, "crowd");
    const results = await Promise.all(crowd.map((u) => accept(u, inv.code)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    for (const r of results.filter((r) => r.status !== 200)) expectError(r, 410, "invite_used_up");
    expect(await rows("select uses from invites where code = ?", inv.code)).toEqual([{ uses: 3 }]);
    expect((await conversationRow(id))!.member_count).toBe(6);
    expect(await count("memberships", "conversation_id = ?", id)).toBe(6);
  });
});

describe("managing invites", () => {
  it("lists active invites: all of them for the owner and admins, their own for members", async () => {
    const { id, owner, admin, member } = await rankedGroup();
    const mine = await invite(member, id);
    const ownerInvite = await invite(owner, id);
    const gone = await invite(admin, id);
    await call(admin, "DELETE", `/groups/${id}/invites/${gone.code}`);
    const codes = async (u: TestUser) => ((await call(u, "GET", `/groups/${id}/invites`)).body.invites as { code: string }[]).map((i) => i.code).sort();
    expect(await codes(owner)).toEqual([mine.code, ownerInvite.code].sort());
    expect(await codes(admin)).toEqual([mine.code, ownerInvite.code].sort());
    expect(await codes(member)).toEqual([mine.code]);
  });

  it("is revoked by its creator, the owner or an admin, but not by another member or an outsider", async () => {
    const { id, owner, member, outsider, others } = await rankedGroup(1);
    const inv = await invite(owner, id);
    expectError(await call(member, "DELETE", `/groups/${id}/invites/${inv.code}`), 403, "forbidden");
    expectError(await call(outsider, "DELETE", `/groups/${id}/invites/${inv.code}`), 403, "forbidden");
    expect(await rows("select revoked_at as r from invites where code = ?", inv.code)).toEqual([{ r: null }]);
    const own = await invite(others[0]!, id);
    expect((await call(others[0]!, "DELETE", `/groups/${id}/invites/${own.code}`)).status).toBe(200);
    expectError(await call(owner, "DELETE", `/groups/${id}/invites/${newInviteCode()}`), 404, "not_found");
  });
});

describe("the join page a plain scanner opens", () => {
  it("names the group (escaped) and says how to join in the mini-program", async () => {
    const owner = await makeUser("owner");
    const id = await createGroup(owner, [], "<b>Ski</b> & co");
    const inv = await invite(owner, id);
    const res = await fetchRaw(`/j/${inv.code}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const html = await res.text();
    expect(html).toContain("&#60;b&#62;Ski&#60;/b&#62; &#38; co");
    expect(html).not.toContain("<b>Ski</b>");
    expect(html).toContain("mini-program");
  });

  it("explains a dead invite with 410 and an unknown one with 404", async () => {
    const { id, owner } = await rankedGroup();
    const inv = await invite(owner, id);
    await call(owner, "DELETE", `/groups/${id}/invites/${inv.code}`);
    const dead = await fetchRaw(`/j/${inv.code}`);
    expect(dead.status).toBe(410);
    expect(await dead.text()).toContain("revoked");
    expect((await fetchRaw(`/j/${newInviteCode()}`)).status).toBe(404);
    expect((await fetchRaw("/j/nonsense")).status).toBe(404);
  });
});

async function fetchRaw(path: string): Promise<Response> {
  const { SELF } = await import("cloudflare:test");
  return SELF.fetch(`https://qun.test${path}`);
}
