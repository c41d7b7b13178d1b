// The notice settings and bank as the mini-program sees them: GET /notices, PATCH
// /notices/settings, POST /notices/subscriptions (what wx.requestSubscribeMessage answered).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { reportSubscriptions } from "../../worker/services/notices";
import { db } from "../../worker/db";
import { startSession } from "../../worker/services/tokens";
import { api, count, expectError } from "./helpers";
import { makeUser, SocketClient } from "./chat-helpers";
import { serverFrame } from "../../schema/protocol";
import { TEMPLATE, workerEnv } from "./notice-helpers";

const report = (token: string, results: unknown[]) => api("POST", "/notices/subscriptions", { token, body: { results } });

describe("notice settings and the bank of subscriptions", () => {
  it("starts with notices on, previews off, no quiet hours, nothing banked, and the template to ask for", async () => {
    const u = await makeUser("fresh");
    const res = await api("GET", "/notices", { token: u.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ settings: { enabled: true, preview: false, dnd: null, utcOffset: 480 }, banked: {}, templateIds: [TEMPLATE], reachable: true });
  });

  it("banks what the user accepted and nothing for reject or filter; ban empties the bank", async () => {
    const u = await makeUser("subscriber");
    expect((await report(u.token, [{ templateId: TEMPLATE, status: "accept" }])).body.banked).toEqual({ [TEMPLATE]: 1 });
    expect((await report(u.token, [{ templateId: TEMPLATE, status: "accept", count: 3 }])).body.banked).toEqual({ [TEMPLATE]: 4 });
    expect((await report(u.token, [{ templateId: TEMPLATE, status: "reject" }])).body.banked).toEqual({ [TEMPLATE]: 4 });
    expect((await report(u.token, [{ templateId: TEMPLATE, status: "filter" }])).body.banked).toEqual({ [TEMPLATE]: 4 });
    expect((await report(u.token, [{ templateId: TEMPLATE, status: "ban" }])).body.banked).toEqual({ [TEMPLATE]: 0 });
  });

  it("caps the bank at 50", async () => {
    const u = await makeUser("looping");
    for (let i = 0; i < 18; i++) await report(u.token, [{ templateId: TEMPLATE, status: "accept", count: 3 }]);
    expect((await api("GET", "/notices", { token: u.token })).body.banked[TEMPLATE]).toBe(50);
  });

  it("refuses templates this server does not send, bad statuses and counts, storing nothing", async () => {
    const u = await makeUser("bad");
    expectError(await report(u.token, [{ templateId: "someone-elses", status: "accept" }]), 400, "invalid_request");
    expectError(await report(u.token, [{ templateId: TEMPLATE, status: "maybe" }]), 400, "invalid_request");
    expectError(await report(u.token, [{ templateId: TEMPLATE, status: "accept", count: 4 }]), 400, "invalid_request");
    expectError(await report(u.token, []), 400, "invalid_request");
    expect(await count("notice_banks", "user_id = ?", u.id)).toBe(0);
    expect(await count("notice_settings", "user_id = ?", u.id)).toBe(0);
  });

  it("answers not_configured when the server has no notice template", async () => {
    const u = await makeUser("unconfigured");
    await expect(reportSubscriptions({ ...workerEnv, NOTICE_TEMPLATE_ID: "" }, db(env), u.id, [{ templateId: TEMPLATE, status: "accept", count: 1 }])).rejects.toMatchObject({
      code: "not_configured",
    });
  });

  it("keeps the settings on the server, so every device of the user reads the same", async () => {
    const u = await makeUser("two-devices");
    const patched = await api("PATCH", "/notices/settings", { token: u.token, body: { preview: true, dnd: { start: 1380, end: 480 }, utcOffset: -300 } });
    expect(patched.status).toBe(200);
    const other = await startSession(env, db(env), u.id, "second phone");
    const seen = await api("GET", "/notices", { token: other.accessToken });
    expect(seen.body.settings).toEqual({ enabled: true, preview: true, dnd: { start: 1380, end: 480 }, utcOffset: -300 });
    const cleared = await api("PATCH", "/notices/settings", { token: other.accessToken, body: { dnd: null } });
    expect(cleared.body.settings.dnd).toBeNull();
  });

  it("tells the user's other devices the new settings at once (a notice_settings frame)", async () => {
    const u = await makeUser("live");
    const other = await startSession(env, db(env), u.id, "tablet");
    const tablet = await SocketClient.connect(other.accessToken);
    await tablet.next((f) => f.type === "ready");
    expect((await api("PATCH", "/notices/settings", { token: u.token, body: { enabled: false } })).status).toBe(200);
    const frame = await tablet.next((f) => f.type === "notice_settings");
    expect(frame).toEqual({ type: "notice_settings", settings: { enabled: false, preview: false, dnd: null, utcOffset: 480 } });
    expect(serverFrame.parse(frame)).toEqual(frame);
  });

  it("refuses settings it cannot use", async () => {
    const u = await makeUser("settings");
    for (const body of [{}, { dnd: { start: 600, end: 600 } }, { dnd: { start: 1440, end: 0 } }, { utcOffset: 900 }, { enabled: "yes" }, { sound: true }]) {
      expectError(await api("PATCH", "/notices/settings", { token: u.token, body }), 400, "invalid_request");
    }
    expect(await count("notice_settings", "user_id = ?", u.id)).toBe(0);
  });

  it("forgets the bank and settings when the account is deleted", async () => {
    const u = await makeUser("leaving");
    await report(u.token, [{ templateId: TEMPLATE, status: "accept" }]);
    await api("PATCH", "/notices/settings", { token: u.token, body: { preview: true } });
    expect((await api("DELETE", "/me", { token: u.token, body: { confirm: "DELETE" } })).status).toBe(200);
    expect(await count("notice_banks", "user_id = ?", u.id)).toBe(0);
    expect(await count("notice_settings", "user_id = ?", u.id)).toBe(0);
  });

  it("asks who is calling", async () => {
    expectError(await api("GET", "/notices"), 401, "unauthorized");
    expectError(await api("PATCH", "/notices/settings", { body: { enabled: false } }), 401, "unauthorized");
    expectError(await report("not-a-token", [{ templateId: TEMPLATE, status: "accept" }]), 401, "token_invalid");
  });
});
