// Content safety end to end against `wrangler dev`: a picture that WeChat's asynchronous media
// check later judges risky disappears from the other member's chat (a recall by the system,
// pushed live), and its bytes can no longer be fetched. WeChat's verdict is a signed push built
// with the Token the worker is configured with (tests/support/wechat-push.ts).
import { describe, expect, it } from "vitest";
import type { AuthResponse } from "../../schema/api";
import type { MediaInfo, MediaUrlsResponse } from "../../schema/media";
import type { Message, ServerFrame, SystemEvent } from "../../schema/protocol";
import { multipartBody, MULTIPART_TYPE, png } from "../support/media-files";
import { mediaCheckEvent, plainPush } from "../support/wechat-push";
import { HttpClient, uniqueName } from "./harness";
import { Device } from "./socket";

const http = new HttpClient();

async function wechatUser(): Promise<AuthResponse> {
  const res = await http.post<AuthResponse>("/auth/wechat", { code: `ok-${uniqueName("wx")}` });
  expect([200, 201]).toContain(res.status);
  return res.body;
}

describe("a picture judged risky after it was delivered", () => {
  it("is withdrawn from the other member's chat by the system, live and in history, and its bytes are gone", async () => {
    const [alice, bob] = [await wechatUser(), await wechatUser()];
    await http.befriend(alice, bob);
    const group = await http.post("/conversations", { name: "Photos", memberIds: [bob.user.id] }, alice.accessToken);
    expect(group.status).toBe(201);
    const groupId = group.body.id as string;
    const bobPhone = await Device.connect(http.baseUrl, bob.accessToken);

    const upload = await fetch(`${http.baseUrl}/media`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.accessToken}`, "content-type": MULTIPART_TYPE },
      body: multipartBody(png(16, 16, 3), { fields: { kind: "image" }, filename: "wxfile://tmp.png", contentType: "image/png" }),
    });
    expect(upload.status).toBe(201);
    const photo = (await upload.json()) as MediaInfo;
    const sent = await http.post(`/conversations/${groupId}/messages`, { clientId: "risky-photo", type: "image", body: { mediaId: photo.id } }, alice.accessToken);
    expect(sent.status).toBe(201);
    await bobPhone.next((f) => f.type === "message" && f.message.seq === sent.body.seq);
    const before = await http.post<MediaUrlsResponse>("/media/urls", { conversationId: groupId, mediaIds: [photo.id] }, bob.accessToken);
    const url = before.body.urls[0]!.url;
    expect((await fetch(url)).status).toBe(200);

    // WeChat's verdict arrives by push.
    const push = await plainPush(mediaCheckEvent(`trace-media-${photo.id}`, "risky"));
    const res = await fetch(`${http.baseUrl}${push.path}`, { method: "POST", headers: { "content-type": "application/json" }, body: push.body });
    expect([res.status, await res.text()]).toEqual([200, "success"]);

    const notice = await bobPhone.next<Extract<ServerFrame, { type: "message" }>>(
      (f) => f.type === "message" && f.message.type === "system" && (f.message.body as unknown as SystemEvent).event === "recalled",
    );
    expect(notice.message.body as unknown as SystemEvent).toEqual({ event: "recalled", actorId: "system", targetSeq: sent.body.seq, senderId: alice.user.id, reason: "violation" });
    const history = await http.get<{ messages: Message[] }>(`/conversations/${groupId}/messages`, bob.accessToken);
    expect(history.body.messages.find((m) => m.seq === sent.body.seq)).toMatchObject({ body: null, recalledBy: "system" });
    expect((await fetch(url)).status).toBe(404);
    await bobPhone.close();
  });
});
