// Reporting a message from the chat: a reason picked from an action sheet, one POST /reports with
// the message's conversation and seq; dismissing the sheet sends nothing.
import { beforeEach, describe, expect, it } from "vitest";
import { bubbleActions } from "../../miniprogram/pages/chat/menu";
import { REPORT_TEXT, reportMessage } from "../../miniprogram/services/reports";
import { endSession, startSession } from "../../miniprogram/services/session";
import { createFakeApi, type FakeApi } from "./fake-api";
import { createWxAdapter, installWx, type WxAdapter } from "./wx-adapter";

let server: FakeApi;
let adapter: WxAdapter;
let reports: unknown[];

beforeEach(() => {
  server = createFakeApi();
  reports = [];
  adapter = createWxAdapter({
    fetch: async (req) => {
      if (new URL(req.url).pathname !== "/reports") return server.fetch(req);
      reports.push(await req.json());
      return Response.json({ id: "rep_1", status: "open" }, { status: 201 });
    },
  });
  installWx(adapter);
  endSession("user");
  const user = server.user("u-me");
  startSession({ ...server.tokensFor(user.id), user, created: false });
});

describe("reporting a message", () => {
  it("sends the reason picked with the message's conversation and seq", async () => {
    adapter.actionSheetChoice = 2;
    expect(await reportMessage("c_abc", 7)).toBe(true);
    expect(adapter.actionSheets.at(-1)).toEqual(REPORT_TEXT.reasons.map((r) => r[1]));
    expect(reports).toEqual([{ target: "message", conversationId: "c_abc", seq: 7, reason: "harassment" }]);
    expect(adapter.toasts.at(-1)).toMatchObject({ title: "Reported" });
  });

  it("sends nothing when the sheet is dismissed", async () => {
    expect(await reportMessage("c_abc", 7)).toBe(false);
    expect(reports).toEqual([]);
  });

  it("is offered for other people's stored messages, never for your own", () => {
    const opts = { summary: undefined, senderRole: "member", now: Date.now() };
    const message = { seq: 3, createdAt: Date.now() } as never;
    expect(bubbleActions({ type: "text", mine: false } as never, message, opts)).toContain("Report");
    expect(bubbleActions({ type: "text", mine: true } as never, message, opts)).not.toContain("Report");
  });
});
