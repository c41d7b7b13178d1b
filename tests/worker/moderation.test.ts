// Reports and moderation: users report messages (with the messages around them), users and
// groups; operators (OPERATOR_USER_IDS) list reports and flags and act, every action logged with
// who did it; every /ops route refuses a plain user. WeChat's media verdicts arrive as signed
// pushes at /wechat/push: a risky picture is withdrawn from the chat and its bytes deleted.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SystemEvent } from "../../schema/protocol";
import { app } from "../../worker/app";
import { api, count, expectError, rows } from "./helpers";
import { createGroup, history, makeUser, sendText, SocketClient, type TestUser } from "./chat-helpers";
import { png, r2Keys, uploaded } from "./media-helpers";
import { mediaCheckEvent, plainPush, safePush, type SignedPush } from "../support/wechat-push";

const asOperator = (op: TestUser) => ({ OPERATOR_USER_IDS: `u_someoneelse0000000000, ${op.id}` });
const ops = (op: TestUser, method: string, path: string, body?: unknown) => api(method, path, { token: op.token, body, env: asOperator(op) });
/** Calls the push endpoint directly (its answers are text, which the JSON helper would not read). */
async function raw(method: string, path: string, body?: string) {
  const res = await SELF.fetch(`https://qun.test${path}`, { method, body, headers: body ? { "content-type": "application/json" } : {} });
  const text = await res.text();
  return { status: res.status, body: /^application\/json/.test(res.headers.get("content-type") ?? "") ? JSON.parse(text) : text, headers: res.headers };
}
const deliver = (p: SignedPush) => raw("POST", p.path, p.body);

async function groupWithMessages(n: number) {
  const [owner, member] = [await makeUser("owner"), await makeUser("member")];
  const group = await createGroup(owner, [member]);
  const seqs: number[] = [];
  for (let i = 1; i <= n; i++) seqs.push((await sendText(i % 2 ? member : owner, group, `message ${i}`)).body.seq);
  return { owner, member, group, seqs };
}

describe("reports", () => {
  it("stores a message report with the messages around it as the reporter sees them, and tells the reported person nothing", async () => {
    const { owner, member, group, seqs } = await groupWithMessages(12);
    const socket = await SocketClient.connect(member.token);
    const target = seqs[6]!;
    const res = await api("POST", "/reports", { token: owner.token, body: { target: "message", conversationId: group, seq: target, reason: "harassment", detail: "rude" } });
    expect(res.status).toBe(201);
    const [report] = await rows<{ target_user_id: string; evidence: string; status: string }>("select target_user_id, evidence, status from reports where id = ?", res.body.id);
    expect(report!.target_user_id).toBe(member.id);
    expect(report!.status).toBe("open");
    const evidence = JSON.parse(report!.evidence) as { seq: number }[];
    expect(evidence.map((m) => m.seq)).toEqual(Array.from({ length: 11 }, (_, i) => target - 5 + i));
    await new Promise((r) => setTimeout(r, 200));
    expect(socket.frames.filter((f) => f.type !== "presence" && f.type !== "ready")).toEqual([]);
  });

  it("reports a user and a group; refuses a message or group the reporter is not a member of, and writes nothing", async () => {
    const { owner, member, group } = await groupWithMessages(1);
    const outsider = await makeUser("outsider");
    expect((await api("POST", "/reports", { token: outsider.token, body: { target: "user", userId: member.id, reason: "spam" } })).status).toBe(201);
    expect((await api("POST", "/reports", { token: member.token, body: { target: "group", conversationId: group, reason: "fraud" } })).status).toBe(201);
    expectError(await api("POST", "/reports", { token: outsider.token, body: { target: "message", conversationId: group, seq: 2, reason: "spam" } }), 403, "forbidden");
    expectError(await api("POST", "/reports", { token: outsider.token, body: { target: "group", conversationId: group, reason: "spam" } }), 403, "forbidden");
    expectError(await api("POST", "/reports", { token: owner.token, body: { target: "user", userId: owner.id, reason: "spam" } }), 400, "invalid_request");
    expectError(await api("POST", "/reports", { token: owner.token, body: { target: "user", userId: member.id, reason: "because" } }), 400, "invalid_request");
    expect(await count("reports", "reporter_id = ?", outsider.id)).toBe(1);
  });
});

describe("operator routes", () => {
  const opsRoutes = app.routes.filter((r) => r.path.startsWith("/ops/") && r.method !== "ALL");

  it("answer 403 forbidden to a signed-in user who is not an operator, on every /ops route, and change nothing", async () => {
    const { member, group, seqs } = await groupWithMessages(2);
    const plain = await makeUser("plain");
    expect(opsRoutes.length).toBeGreaterThanOrEqual(10);
    const sample: Record<string, string> = { ":id": "rep_aaaaaaaaaaaaaaaaaaaa", ":userId": member.id, ":action": "ban" };
    for (const r of opsRoutes) {
      const path = r.path.replace(/:[A-Za-z]+/g, (p) => (r.path.startsWith("/ops/groups") && p === ":id" ? group : (sample[p] ?? "x")));
      const res = await api(r.method, path, { token: plain.token, body: r.method === "GET" ? undefined : { conversationId: group, seq: seqs[0], note: "" }, env: { OPERATOR_USER_IDS: member.id } });
      expect([r.method, r.path, res.status, res.body?.error?.code]).toEqual([r.method, r.path, 403, "forbidden"]);
    }
    expect((await history(member, group)).every((m) => m.recalledAt === null)).toBe(true);
    expect(await rows("select moderation from users where id = ?", member.id)).toEqual([{ moderation: null }]);
    expect(await count("moderation_log")).toBe(0);
    // Nobody is an operator unless configured.
    expectError(await api("GET", "/ops/reports", { token: member.token }), 403, "forbidden");
  });

  it("serve the operator page as static HTML that calls /ops with the operator's own token", async () => {
    const page = await raw("GET", "/ops-console");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.body).toContain("/ops/reports");
    expect(page.body).toContain("/auth/login");
  });

  it("list reports with their evidence and close them, logging who did it", async () => {
    const { owner, group, seqs } = await groupWithMessages(3);
    const op = await makeUser("op");
    const { body } = await api("POST", "/reports", { token: owner.token, body: { target: "message", conversationId: group, seq: seqs[1], reason: "spam" } });
    const list = await ops(op, "GET", "/ops/reports");
    expect(list.status).toBe(200);
    const mine = list.body.reports.find((r: { id: string }) => r.id === body.id);
    expect(mine.evidence.map((m: { seq: number }) => m.seq)).toContain(seqs[1]);
    expect((await ops(op, "GET", `/ops/reports/${body.id}`)).body.reason).toBe("spam");
    expect((await ops(op, "POST", `/ops/reports/${body.id}/resolve`, { note: "handled" })).status).toBe(200);
    expect((await ops(op, "GET", "/ops/reports")).body.reports.some((r: { id: string }) => r.id === body.id)).toBe(false);
    expect(await rows("select operator_id, action, report_id, note from moderation_log")).toEqual([{ operator_id: op.id, action: "resolve_report", report_id: body.id, note: "handled" }]);
    expectError(await ops(op, "GET", "/ops/reports/rep_bbbbbbbbbbbbbbbbbbbb"), 404, "not_found");
  });

  it("remove a message: every member sees it withdrawn for violating the rules, its picture's bytes are deleted", async () => {
    const [owner, member, op] = [await makeUser("owner"), await makeUser("member"), await makeUser("op")];
    const group = await createGroup(owner, [member]);
    const photo = await uploaded(member, png(8, 8, 7));
    const sent = await api("POST", `/conversations/${group}/messages`, { token: member.token, body: { clientId: "p1", type: "image", body: { mediaId: photo.id } } });
    expect(sent.status).toBe(201);
    const res = await ops(op, "POST", "/ops/messages/remove", { conversationId: group, seq: sent.body.seq, note: "nudity" });
    expect(res.status).toBe(200);
    const seen = await history(owner, group);
    expect(seen.find((m) => m.seq === sent.body.seq)).toMatchObject({ body: null, recalledBy: op.id });
    expect(seen.at(-1)!.body as unknown as SystemEvent).toEqual({ event: "recalled", actorId: op.id, targetSeq: sent.body.seq, senderId: member.id, reason: "violation" });
    expect(await r2Keys()).not.toContain(`media/${photo.id}`);
    expect(await rows("select operator_id, action, target_user_id from moderation_log")).toEqual([{ operator_id: op.id, action: "remove_message", target_user_id: member.id }]);
  });

  it("suspend signs the account out everywhere and refuses sign-in; reinstate lets it back; ban and warn are logged", async () => {
    const [user, op] = [await makeUser("user"), await makeUser("op")];
    const socket = await SocketClient.connect(user.token);
    expect((await ops(op, "POST", `/ops/users/${user.id}/warn`, { note: "first warning" })).status).toBe(200);
    expect((await ops(op, "POST", `/ops/users/${user.id}/suspend`, { note: "spam" })).status).toBe(200);
    expectError(await api("GET", "/me", { token: user.token }), 401, "token_revoked");
    await expect.poll(() => socket.closed?.code).toBe(4403);
    const { startSession } = await import("../../worker/services/tokens");
    const { db } = await import("../../worker/db");
    await expect(startSession(env, db(env), user.id)).rejects.toMatchObject({ code: "account_suspended" });
    expect((await ops(op, "GET", "/ops/users")).body.users).toEqual([expect.objectContaining({ id: user.id, moderation: "suspended" })]);
    expect((await ops(op, "POST", `/ops/users/${user.id}/reinstate`, {})).status).toBe(200);
    await expect(startSession(env, db(env), user.id)).resolves.toHaveProperty("accessToken");
    expect((await ops(op, "POST", `/ops/users/${user.id}/ban`, { note: "again" })).status).toBe(200);
    expect(await rows("select moderation from users where id = ?", user.id)).toEqual([{ moderation: "banned" }]);
    expect((await rows<{ action: string }>("select action from moderation_log where operator_id = ? order by created_at", op.id)).map((r) => r.action)).toEqual([
      "warn",
      "suspend",
      "reinstate",
      "ban",
    ]);
    expectError(await ops(op, "POST", `/ops/users/${op.id}/ban`, {}), 400, "invalid_request");
  });

  it("dissolve a group, and list flagged content and close a flag", async () => {
    const { owner, group } = await groupWithMessages(1);
    const op = await makeUser("op");
    expect((await ops(op, "POST", `/ops/groups/${group}/dissolve`, { note: "scam group" })).status).toBe(200);
    expect((await history(owner, group)).at(-1)!.body as unknown as SystemEvent).toEqual({ event: "dissolved", actorId: op.id });
    expectError(await sendText(owner, group, "still here?"), 410, "group_dissolved");
    await sendText(owner, group, "x"); // refused, nothing flagged
    expectError(await api("PATCH", "/me", { token: owner.token, body: { status: "wx-risky" } }), 422, "content_refused");
    const flags = (await ops(op, "GET", "/ops/flags?status=refused")).body.flags;
    const flag = flags.find((f: { userId: string }) => f.userId === owner.id);
    expect(flag).toMatchObject({ kind: "status", suggest: "risky", status: "refused" });
    expect((await ops(op, "POST", `/ops/flags/${flag.id}/resolve`, {})).status).toBe(200);
    expect((await ops(op, "GET", "/ops/log")).body.entries.map((e: { action: string }) => e.action)).toEqual(["resolve_flag", "dissolve_group"]);
  });
});

describe("WeChat's message push", () => {
  async function pictureUnderCheck() {
    const [owner, member] = [await makeUser("owner"), await makeUser("member")];
    const group = await createGroup(owner, [member]);
    const photo = await uploaded(member, png(8, 8, 9));
    const sent = await api("POST", `/conversations/${group}/messages`, { token: member.token, body: { clientId: "p1", type: "image", body: { mediaId: photo.id } } });
    await expect.poll(() => count("media_checks", "media_id = ?", photo.id)).toBe(1);
    const [check] = await rows<{ trace_id: string }>("select trace_id from media_checks where media_id = ?", photo.id);
    return { owner, member, group, photo, seq: sent.body.seq as number, traceId: check!.trace_id };
  }

  it("asks WeChat to check an uploaded picture with a signed URL it can fetch", async () => {
    const { photo } = await pictureUnderCheck();
    const url = new URL("/__fake/calls", env.WECHAT_API_BASE);
    url.searchParams.set("path", "/wxa/media_check_async");
    url.searchParams.set("match", photo.id);
    const [call] = ((await (await fetch(url)).json()) as { calls: { body: { media_url: string; media_type: number; version: number; scene: number } }[] }).calls;
    expect(call!.body).toMatchObject({ media_type: 2, version: 2, scene: 4 });
    const mediaUrl = new URL(call!.body.media_url);
    const fetched = await raw("GET", `${mediaUrl.pathname}${mediaUrl.search}`);
    expect(fetched.status).toBe(200);
  });

  it("deletes a picture judged risky before it was sent, so it cannot be sent afterwards", async () => {
    const [owner, member] = [await makeUser("owner"), await makeUser("member")];
    const group = await createGroup(owner, [member]);
    const photo = await uploaded(member, png(8, 8, 11));
    await expect.poll(() => count("media_checks", "media_id = ?", photo.id)).toBe(1);
    const [check] = await rows<{ trace_id: string }>("select trace_id from media_checks where media_id = ?", photo.id);
    expect((await deliver(await plainPush(mediaCheckEvent(check!.trace_id, "risky")))).status).toBe(200);
    expect(await r2Keys()).not.toContain(`media/${photo.id}`);
    expectError(await api("POST", `/conversations/${group}/messages`, { token: member.token, body: { clientId: "late", type: "image", body: { mediaId: photo.id } } }), 403, "forbidden");
  });

  it("answers the console's URL check with echostr only when the signature holds", async () => {
    const good = await plainPush({});
    const echo = await raw("GET", `${good.path}&echostr=hello123`);
    expect([echo.status, echo.body]).toEqual([200, "hello123"]);
    const forged = await plainPush({}, { token: "wrong-token" });
    expectError(await raw("GET", `${forged.path}&echostr=x`), 403, "forbidden");
  });

  it("withdraws a picture WeChat judges risky (plain mode): a system recall for every member, its bytes gone", async () => {
    const { owner, member, group, photo, seq, traceId } = await pictureUnderCheck();
    const res = await deliver(await plainPush(mediaCheckEvent(traceId, "risky")));
    expect([res.status, res.body]).toEqual([200, "success"]);
    const seen = await history(owner, group);
    expect(seen.find((m) => m.seq === seq)).toMatchObject({ body: null, recalledBy: "system" });
    expect(seen.at(-1)!.body as unknown as SystemEvent).toEqual({ event: "recalled", actorId: "system", targetSeq: seq, senderId: member.id, reason: "violation" });
    expect(await r2Keys()).not.toContain(`media/${photo.id}`);
    expect(await rows("select status from media_checks where trace_id = ?", traceId)).toEqual([{ status: "risky" }]);
    // The same verdict pushed again (a new nonce: WeChat retries) changes nothing.
    const before = (await history(owner, group)).length;
    expect((await deliver(await plainPush(mediaCheckEvent(traceId, "risky")))).status).toBe(200);
    expect((await history(owner, group)).length).toBe(before);
  });

  it("decrypts a safe-mode push, keeps a passed picture, and flags a 'review' one", async () => {
    const pass = await pictureUnderCheck();
    expect((await deliver(await safePush(mediaCheckEvent(pass.traceId, "pass")))).status).toBe(200);
    expect(await rows("select status from media_checks where trace_id = ?", pass.traceId)).toEqual([{ status: "pass" }]);
    expect((await history(pass.owner, pass.group)).find((m) => m.seq === pass.seq)?.body).not.toBeNull();
    const review = await pictureUnderCheck();
    expect((await deliver(await safePush(mediaCheckEvent(review.traceId, "review")))).status).toBe(200);
    expect(await count("content_flags", "media_id = ? and suggest = 'review' and status = 'open'", review.photo.id)).toBe(1);
    expect(await r2Keys()).toContain(`media/${review.photo.id}`);
  });

  it("refuses forged, replayed, stale and foreign pushes, and applies none of them", async () => {
    const { owner, group, seq, traceId } = await pictureUnderCheck();
    const risky = mediaCheckEvent(traceId, "risky");
    expectError(await deliver(await plainPush(risky, { token: "not-the-token" })), 403, "forbidden");
    expectError(await deliver(await plainPush(risky, { timestamp: Math.floor(Date.now() / 1000) - 3600 })), 403, "forbidden");
    const safe = await safePush(risky);
    const tampered = { ...safe, path: safe.path.replace(/msg_signature=[0-9a-f]+/, "msg_signature=0000000000000000000000000000000000000000") };
    expectError(await deliver(tampered), 403, "forbidden");
    expectError(await deliver(await safePush(risky, { appid: "wx-another-app" })), 403, "forbidden");
    // A valid push of something harmless, then the same bytes again: the replay is refused.
    const once = await plainPush({ MsgType: "event", Event: "other" });
    expect((await deliver(once)).status).toBe(200);
    expectError(await deliver(once), 403, "forbidden");
    expect((await history(owner, group)).find((m) => m.seq === seq)?.body).not.toBeNull();
    expect(await rows("select status from media_checks where trace_id = ?", traceId)).toEqual([{ status: "pending" }]);
  });
});
