// Group info (members grid, QR code, owner's join requests, leaving), the Join page (scanned URL,
// `q` parameter, requests under approval, codes that are not invites) and the Face-to-face pad,
// each against a small in-memory server speaking the shapes of schema/groups.ts.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Groups from "../../../miniprogram/services/groups";
import type { GroupInfo } from "../../../schema/groups";
import { clientModule, lifecycle, loadComponent, renderPage, settled, tap, text, waitFor } from "../harness";
import { chats, signIn, stopSocketAfterAll } from "./fixtures";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const i18n = () => clientModule<typeof I18n>("i18n/index");
const GROUP = "c_hikinghikinghikinghi";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const CODE = "AbCdEfGhIjKlMnOpQrStUv";
const INVITE_URL = `https://qun.example.com/j/${CODE}`;
const pages = { info: "", join: "", f2f: "" };
let adapter: WxAdapter;
let calls: Array<{ method: string; path: string; body: unknown }>;
let approval: boolean;
/** The fake group's state the page can change: the owner's alias, its avatar, whether additions need approval. */
let alias: string;
let groupAvatar: string | null;
let confirmation: boolean;
let refuseChanges: boolean;
/** The server's refusal of an addition (say Dora stopped being a friend meanwhile), if any. */
let refuseAdd: { code: string; message: string } | null;
const CAROL = "u_member00000000000001";
const DORA = "u_doradoradoradorador";
const CAROL_AVATAR = "md_carolcarolcarolcaro";
const NEW_AVATAR = "md_newavatarnewavatar";

function info(members: number): GroupInfo {
  return {
    id: GROUP,
    name: "Hiking",
    avatarMediaId: groupAvatar,
    announcement: "Meet at 8",
    announcementAt: 1,
    announcementBy: ME,
    muteAll: false,
    dissolvedAt: null,
    memberCount: members,
    joinPolicy: "open",
    inviteConfirmation: false,
    membersCanInvite: true,
    newMembersSeeHistory: false,
    members: Array.from({ length: members }, (_, i) => ({
      userId: i === 0 ? ME : `u_member${String(i).padStart(14, "0")}`,
      role: i === 0 ? ("owner" as const) : ("member" as const),
      nickname: i === 0 ? alias : "",
      profileNickname: i === 0 ? "Ann" : `Member ${i}`,
      avatarMediaId: i === 1 ? CAROL_AVATAR : null,
      joinedAt: 0,
      mutedUntil: null,
    })),
  };
}

let memberCount = 3;
let inviteExpiresAt = Date.UTC(2026, 10, 29);

async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const json = req.headers.get("content-type")?.startsWith("application/json");
  const body = req.method === "GET" ? undefined : await req.text().then((t) => (t && json ? JSON.parse(t) : undefined));
  calls.push({ method: req.method, path: url.pathname, body });
  const p = url.pathname;
  if (p === `/groups/${GROUP}` && req.method === "GET") return Response.json(info(memberCount));
  if (p === `/groups/${GROUP}/join-requests`) {
    return Response.json({
      requests: [
        {
          id: "jr_aaaaaaaaaaaaaaaaaaaa",
          conversationId: GROUP,
          userId: "u_member00000000000001",
          invitedBy: null,
          inviteCode: CODE,
          message: "Hi, I'm Carol",
          status: "pending",
          createdAt: 0,
          decidedBy: null,
          decidedAt: null,
        },
      ],
    });
  }
  if (p.startsWith(`/groups/${GROUP}/join-requests/`)) return Response.json({ seq: 5 });
  if (p === `/invites/${CODE}/qr.png`) return new Response(new Uint8Array([137, 80, 78, 71]), { headers: { "content-type": "image/png" } });
  if (p === `/groups/${GROUP}/members/me`) {
    alias = body.nickname;
    return Response.json({ seq: 9 });
  }
  if (p === "/contacts") {
    const friend = (id: string, nickname: string, remark = "") => ({
      user: { id, username: null, nickname, avatarMediaId: null, signature: "", status: "" },
      remark,
      tags: [],
      online: false,
      since: 0,
      conversationId: "d_x",
      sortKey: (remark || nickname).toLowerCase(),
    });
    return Response.json({ friends: [friend(CAROL, "Member 1", "Carol"), friend(DORA, "Dora")], tags: [] });
  }
  if (p === `/groups/${GROUP}/members` && refuseAdd) return Response.json({ error: refuseAdd }, { status: 403 });
  if (p === `/groups/${GROUP}/members`) {
    const ids = body.userIds as string[];
    return Response.json(confirmation ? { added: [], requested: ids, seq: null } : { added: ids, requested: [], seq: 8 });
  }
  if (p === "/media" && req.method === "POST") return Response.json({ id: NEW_AVATAR, kind: "image" }, { status: 201 });
  if (p === "/media/urls") {
    const ids = body.mediaIds as string[];
    return Response.json({ urls: ids.map((mediaId) => ({ mediaId, url: `https://media.example/${mediaId}?sig=1`, expiresAt: Date.now() + 3_600_000 })), denied: [] });
  }
  if (p.startsWith(`/groups/${GROUP}/members/`) || p.startsWith(`/groups/${GROUP}/admins/`)) return Response.json({ seq: 7 });
  if (p === `/groups/${GROUP}` && req.method !== "GET" && refuseChanges) {
    return Response.json({ error: { code: "forbidden", message: "Only the owner and admins can change the group" } }, { status: 403 });
  }
  if (p === `/groups/${GROUP}` && req.method !== "GET") {
    if (body.avatarMediaId !== undefined) groupAvatar = body.avatarMediaId;
    return Response.json({ ...info(memberCount), ...body });
  }
  if (p === `/groups/${GROUP}/invites`) {
    return Response.json(
      {
        code: CODE,
        url: INVITE_URL,
        conversationId: GROUP,
        createdBy: ME,
        createdAt: 0,
        expiresAt: inviteExpiresAt,
        revokedAt: null,
        maxUses: null,
        uses: 0,
        qrSvgUrl: `/invites/${CODE}/qr.svg`,
        qrPngUrl: `/invites/${CODE}/qr.png`,
        qrSvg: "<svg/>",
        qrPngDataUrl: "data:image/png;base64,iVBORw0KGgo=",
      },
      { status: 201 },
    );
  }
  if (p === `/invites/${CODE}`)
    return Response.json({ code: CODE, conversationId: GROUP, name: "Hiking", avatarMediaId: null, memberCount: 3, approvalRequired: approval, alreadyMember: false, expiresAt: 0 });
  if (p === `/invites/${CODE}/accept`) {
    return approval
      ? Response.json({ status: "pending", conversationId: GROUP, requestId: "jr_bbbbbbbbbbbbbbbbbbbb" }, { status: 202 })
      : Response.json({ status: "joined", conversationId: GROUP, seq: 4 });
  }
  if (p === "/conversations") return Response.json({ conversations: [] });
  if (p === `/groups/${GROUP}/leave` || p === `/groups/${GROUP}/dissolve`) return Response.json({ seq: 6 });
  if (p === "/face-to-face/rooms") {
    return Response.json({
      roomId: "f2f_1234_abcdefghijkl",
      code: "1234",
      expiresAt: Date.now() + 300_000,
      conversationId: null,
      members: [{ userId: ME, nickname: "Ann", avatarMediaId: null, joinedAt: 0, entered: false }],
    });
  }
  if (p === "/face-to-face/rooms/f2f_1234_abcdefghijkl/enter") {
    return Response.json({
      roomId: "f2f_1234_abcdefghijkl",
      code: "1234",
      expiresAt: Date.now() + 300_000,
      conversationId: GROUP,
      members: [{ userId: ME, nickname: "Ann", avatarMediaId: null, joinedAt: 0, entered: true }],
    });
  }
  return Response.json({ error: { code: "not_found", message: `no ${p}` } }, { status: 404 });
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pages.info = await loadComponent("pages/group-info/index");
  pages.join = await loadComponent("pages/join/index");
  pages.f2f = await loadComponent("pages/face-to-face/index");
});

beforeEach(() => {
  calls = [];
  approval = false;
  memberCount = 3;
  alias = "";
  groupAvatar = null;
  confirmation = false;
  refuseChanges = false;
  inviteExpiresAt = Date.UTC(2026, 10, 29);
  refuseAdd = null;
  adapter = createWxAdapter({
    fetch: server,
    scanResult: () => INVITE_URL,
    modalContent: () => "Trail Boss",
    chooseMedia: () => ({ type: "image", tempFilePath: "wxfile://tmp/avatar.png", size: 4, width: 64, height: 64 }),
  });
  adapter.files.set("wxfile://tmp/avatar.png", new Uint8Array([137, 80, 78, 71]));
  installWx(adapter);
  chats().signOut();
  signIn({ id: ME });
  chats().start();
});

stopSocketAfterAll();

describe("Group info page", () => {
  async function open() {
    const comp = renderPage(pages.info);
    await lifecycle(comp, "onLoad", { id: GROUP });
    await waitFor(() => comp.instance.data.info !== null && comp.instance.data.requests.length > 0, "group info");
    await settled();
    return comp;
  }

  it("shows the members grid with roles, the name and the notice", async () => {
    const comp = await open();
    expect(text(comp, `#member-${ME}`)).toBe("A Ann Owner");
    expect(comp.querySelectorAll(".member")).toHaveLength(4); // three people and "+"
    expect(text(comp, "#group-name")).toContain("Hiking");
    expect(text(comp, "#group-notice")).toContain("Meet at 8");
  });

  it("shows at most 19 members and how many more there are", async () => {
    memberCount = 25;
    const comp = await open();
    expect(comp.querySelectorAll(".member")).toHaveLength(21); // 19 people, the "+6" tile and "+"
    expect(text(comp, ".member--more")).toBe("+6");
  });

  it("opens every member from the +n tile, with the same actions on tap", async () => {
    memberCount = 25;
    const comp = await open();
    await tap(comp, "#show-all");
    expect(comp.querySelectorAll("#all-members .member")).toHaveLength(25);
    expect(text(comp, "#all-u_member00000000000024")).toBe("M Member 24");
    adapter.actionSheetChoice = null;
    await tap(comp, "#all-u_member00000000000024");
    expect(adapter.actionSheets.at(-1)).toEqual(["Make Admin", "Make Group Owner", "Mute for 1 Hour", "Remove from Group"]);
  });

  it("draws members' avatars from signed URLs, asked for in one call, and initials for the rest", async () => {
    const comp = await open();
    const carol = () => comp.instance.data.tiles.find((t: { userId: string }) => t.userId === CAROL);
    await waitFor(() => carol().avatar !== "", "Carol's avatar");
    expect(carol().avatar).toBe(`https://media.example/${CAROL_AVATAR}?sig=1`);
    // Her tile is now a picture (no initial); the others keep theirs.
    expect(comp.dom!.querySelector(`[data-id="${CAROL}"] wx-image`)).not.toBeNull();
    expect(text(comp, `#member-${CAROL}`)).toBe("Member 1");
    expect(text(comp, `#member-${ME}`)).toBe("A Ann Owner");
    expect(calls.filter((c) => c.path === "/media/urls").map((c) => c.body)).toEqual([{ mediaIds: [CAROL_AVATAR] }]);
  });

  it("adds friends picked from Contacts with +; friends already in the group cannot be picked", async () => {
    const comp = await open();
    await tap(comp, "#add-members");
    await waitFor(() => text(comp, "#friend-picker >>> #picker") === "✓ C Carol D Dora", "friends in the picker");
    await tap(comp, `#friend-picker >>> #pick-${CAROL}`);
    expect(text(comp, "#friend-picker >>> #picker-done")).toBe("Done");
    await tap(comp, `#friend-picker >>> #pick-${DORA}`);
    expect(text(comp, "#friend-picker >>> #picker-done")).toBe("Done (1)");
    await tap(comp, "#friend-picker >>> #picker-done");
    await waitFor(() => !comp.instance.data.picking, "picker to close");
    expect(calls.find((c) => c.path === `/groups/${GROUP}/members`)).toMatchObject({ method: "POST", body: { userIds: [DORA] } });
    expect(adapter.toasts.at(-1)).toEqual({ title: "Added", icon: "success" });
  });

  it("says an addition waits for approval when the group confirms members' invitations", async () => {
    confirmation = true;
    const comp = await open();
    await tap(comp, "#add-members");
    await waitFor(() => text(comp, "#friend-picker >>> #picker") !== "", "friends in the picker");
    await tap(comp, `#friend-picker >>> #pick-${DORA}`);
    await tap(comp, "#friend-picker >>> #picker-done");
    await waitFor(() => adapter.toasts.length > 0, "toast");
    expect(adapter.toasts.at(-1)).toEqual({ title: "Sent for approval", icon: "none" });
  });

  it("shows the server's refusal of an addition and keeps the picker open", async () => {
    refuseAdd = { code: "not_friends", message: "You can add only your friends to a group: 1 person is not your friend. They can join with an invitation to the group" };
    const comp = await open();
    await tap(comp, "#add-members");
    await waitFor(() => text(comp, "#friend-picker >>> #picker") !== "", "friends in the picker");
    await tap(comp, `#friend-picker >>> #pick-${DORA}`);
    await tap(comp, "#friend-picker >>> #picker-done");
    await waitFor(() => comp.instance.data.error !== "", "the refusal");
    expect(comp.instance.data.error).toBe(refuseAdd.message);
    expect(comp.instance.data.picking).toBe(true);
    expect(adapter.toasts.map((t) => t.title)).not.toContain("Added");
  });

  it("lets the owner set the group avatar from a chosen picture", async () => {
    const comp = await open();
    expect(text(comp, "#group-avatar")).toBe("Group Avatar Set");
    await tap(comp, "#group-avatar");
    await waitFor(() => comp.instance.data.avatar !== "", "group avatar");
    expect(calls.find((c) => c.path === `/groups/${GROUP}` && c.method === "POST")).toMatchObject({ body: { avatarMediaId: NEW_AVATAR } });
    expect(comp.instance.data.avatar).toBe(`https://media.example/${NEW_AVATAR}?sig=1`);
    expect(comp.querySelector("#group-avatar-image")).toBeDefined();
    expect(text(comp, "#group-avatar")).toBe("Group Avatar");
  });

  it("sets my alias in the group, shown in the grid", async () => {
    const comp = await open();
    expect(text(comp, "#group-alias")).toBe("My Alias in Group Not set");
    await tap(comp, "#group-alias");
    await waitFor(() => text(comp, "#group-alias") === "My Alias in Group Trail Boss", "alias");
    expect(adapter.modals.at(-1)!.title).toBe("My Alias in Group");
    expect(calls.find((c) => c.path === `/groups/${GROUP}/members/me`)).toMatchObject({ method: "POST", body: { nickname: "Trail Boss" } });
    expect(text(comp, `#member-${ME}`)).toBe("T Trail Boss Owner");
  });

  it("gives the owner the group's management switches, each saved as it is flipped", async () => {
    const comp = await open();
    expect(text(comp, "#management")).toBe("Group Management Mute All Members Approval Required to Join Confirm Members' Invitations Members Can Invite New Members See History");
    for (const [id, field] of [
      ["#toggle-invite-confirmation", "inviteConfirmation"],
      ["#toggle-history", "newMembersSeeHistory"],
      ["#toggle-members-can-invite", "membersCanInvite"],
    ] as const) {
      const value = !comp.instance.data.info[field];
      comp.querySelector(id)!.dispatchEvent("change", { detail: { value } });
      await waitFor(() => comp.instance.data.info[field] === value, field);
      expect(calls.at(-1)).toMatchObject({ method: "POST", path: `/groups/${GROUP}`, body: { [field]: value } });
    }
  });

  it("puts a refused switch back and says why", async () => {
    const comp = await open();
    refuseChanges = true;
    comp.querySelector("#toggle-history")!.dispatchEvent("change", { detail: { value: true } });
    await waitFor(() => comp.instance.data.error !== "", "the refusal");
    expect(comp.instance.data.error).toBe("Only the owner and admins can change the group");
    expect(comp.instance.data.info.newMembersSeeHistory).toBe(false);
    comp.querySelector("#toggle-approval")!.dispatchEvent("change", { detail: { value: true } });
    await waitFor(() => calls.filter((c) => c.method === "POST" && c.path === `/groups/${GROUP}`).length === 2, "the second refusal");
    await settled();
    expect(comp.instance.data.info.joinPolicy).toBe("open");
  });

  it("makes an invite and shows its QR code, valid for 7 days", async () => {
    const comp = await open();
    await tap(comp, "#group-qr");
    await waitFor(() => comp.instance.data.qr !== null, "QR");
    expect(calls.at(-1)).toMatchObject({ method: "POST", path: `/groups/${GROUP}/invites` });
    expect(comp.instance.data.qr).toMatchObject({ image: "data:image/png;base64,iVBORw0KGgo=", url: INVITE_URL, pngUrl: `http://127.0.0.1:8787/invites/${CODE}/qr.png` });
    expect(text(comp, "#qr")).toContain("Valid until 11/29");
  });

  it("saves the QR code to the album and shares it as an image", async () => {
    const comp = await open();
    await tap(comp, "#group-qr");
    await waitFor(() => comp.instance.data.qr !== null, "QR");
    await tap(comp, "#qr-save");
    await waitFor(() => adapter.album.length === 1, "saved");
    expect(adapter.prompts).toEqual(["scope.writePhotosAlbum"]); // asked before saving
    expect(adapter.downloads).toEqual([`http://127.0.0.1:8787/invites/${CODE}/qr.png`]);
    expect(adapter.toasts.at(-1)).toEqual({ title: "Saved to Album", icon: "success" });
    await tap(comp, "#qr-share");
    await waitFor(() => adapter.sharedImages.length === 1, "shared");
    expect(adapter.sharedImages[0]).toMatch(/^wxfile:\/\/tmp\//);
    expect(comp.instance.onShareAppMessage()).toEqual({ title: 'Join "Hiking" on Qun', path: `/pages/join/index?q=${encodeURIComponent(INVITE_URL)}` });
  });

  it("gives the owner a member's actions: admin, ownership, mute, remove", async () => {
    const comp = await open();
    const member = "u_member00000000000001";
    adapter.actionSheetChoice = 2;
    await tap(comp, `#member-${member}`);
    expect(adapter.actionSheets.at(-1)).toEqual(["Make Admin", "Make Group Owner", "Mute for 1 Hour", "Remove from Group"]);
    await waitFor(() => calls.some((c) => c.path.endsWith("/mute")), "mute");
    expect(calls.find((c) => c.path.endsWith("/mute"))).toMatchObject({ method: "PUT", path: `/groups/${GROUP}/members/${member}/mute`, body: { durationSeconds: 3600 } });
    // Nothing to do with yourself.
    await tap(comp, `#member-${ME}`);
    expect(adapter.actionSheets).toHaveLength(1);
  });

  it("asks before making someone owner or removing them, and does nothing when cancelled", async () => {
    adapter = createWxAdapter({ fetch: server, confirmModals: false });
    installWx(adapter);
    const comp = await open();
    const member = "u_member00000000000001";
    adapter.actionSheetChoice = 3;
    await tap(comp, `#member-${member}`);
    await waitFor(() => adapter.modals.length === 1, "the question");
    await settled();
    expect(adapter.modals[0]!.content).toMatch(/^Remove .+ from the group\?$/);
    expect(calls.filter((c) => c.method === "DELETE")).toEqual([]);
    adapter.actionSheetChoice = 1;
    await tap(comp, `#member-${member}`);
    await waitFor(() => adapter.modals.length === 2, "the second question");
    await settled();
    expect(adapter.modals[1]!.content).toMatch(/group owner\? You will become an ordinary member\.$/);
    expect(calls.filter((c) => c.path.endsWith("/transfer"))).toEqual([]);
  });

  it("opens the QR code again on the same live invite instead of making a new one", async () => {
    inviteExpiresAt = Date.now() + 7 * 24 * 3600 * 1000;
    const comp = await open();
    await tap(comp, "#group-qr");
    await waitFor(() => comp.instance.data.qr !== null, "QR");
    comp.instance.onCloseQr();
    await tap(comp, "#group-qr");
    await waitFor(() => comp.instance.data.qr !== null, "QR again");
    expect(calls.filter((c) => c.method === "POST" && c.path === `/groups/${GROUP}/invites`)).toHaveLength(1);
  });

  it("lets the owner require approval to join", async () => {
    const comp = await open();
    comp.querySelector("#toggle-approval")!.dispatchEvent("change", { detail: { value: true } });
    await waitFor(() => comp.instance.data.info.joinPolicy === "approval", "policy");
    expect(calls.at(-1)).toMatchObject({ method: "POST", path: `/groups/${GROUP}`, body: { joinPolicy: "approval" } });
  });

  it("lets the owner accept a join request", async () => {
    const comp = await open();
    expect(text(comp, "#join-requests")).toContain("Hi, I'm Carol");
    await tap(comp, "#join-requests .request__approve");
    await waitFor(() => calls.some((c) => c.path.endsWith("/approve")), "approve");
    expect(calls.find((c) => c.path.endsWith("/approve"))!.path).toBe(`/groups/${GROUP}/join-requests/jr_aaaaaaaaaaaaaaaaaaaa/approve`);
  });

  it("offers the owner of a group with others to dissolve it, after confirmation", async () => {
    const comp = await open();
    expect(text(comp, "#leave")).toBe("Dissolve Group");
    await tap(comp, "#leave");
    await waitFor(() => adapter.navigations.length > 0, "back to chats");
    expect(adapter.modals.at(-1)!.title).toBe("Dissolve Group");
    expect(calls.some((c) => c.path === `/groups/${GROUP}/dissolve`)).toBe(true);
    expect(adapter.navigations.at(-1)).toEqual({ api: "reLaunch", url: "/pages/chats/index" });
  });
});

describe("Join page", () => {
  it("reads the invite code from a scanned URL and from a printed code's q parameter", () => {
    const { inviteCodeFrom } = clientModule<typeof Groups>("services/groups");
    expect(inviteCodeFrom(INVITE_URL)).toBe(CODE);
    expect(inviteCodeFrom(encodeURIComponent(INVITE_URL))).toBe(CODE);
    expect(inviteCodeFrom("https://example.com/somewhere")).toBeNull();
    expect(inviteCodeFrom(`${INVITE_URL}x`)).toBeNull();
  });

  it("scans, previews the group and joins it", async () => {
    const comp = renderPage(pages.join);
    await lifecycle(comp, "onLoad", { scan: "1" });
    await waitFor(() => comp.instance.data.state === "ready", "preview");
    expect(text(comp, "#group-name")).toBe("Hiking");
    expect(text(comp, "#group-count")).toBe("3 members");
    await tap(comp, "#join");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.navigations).toEqual([{ api: "redirectTo", url: `/pages/chat/index?id=${GROUP}` }]);
  });

  it("files a request to join when the group needs approval", async () => {
    approval = true;
    const comp = renderPage(pages.join);
    await lifecycle(comp, "onLoad", { q: encodeURIComponent(INVITE_URL) });
    await waitFor(() => comp.instance.data.state === "ready", "preview");
    expect(text(comp, "#join")).toBe("Request to Join");
    await tap(comp, "#join");
    await waitFor(() => comp.instance.data.state === "pending", "pending");
    expect(text(comp, "#join-pending")).toContain("Request sent");
  });

  it("says so when the code is not a Qun invite", async () => {
    const comp = renderPage(pages.join);
    await lifecycle(comp, "onLoad", { q: encodeURIComponent("https://example.com/menu") });
    expect(text(comp, "#join-invalid")).toBe("This QR code is not a Qun group invite");
    expect(calls.filter((c) => c.path.startsWith("/invites"))).toEqual([]);
  });
});

describe("Face-to-face page", () => {
  it("joins the room once four digits are typed, shows who is there, and enters the group", async () => {
    const comp = renderPage(pages.f2f);
    await lifecycle(comp, "onLoad");
    for (const d of ["1", "2", "5", "del", "3", "4"]) await tap(comp, `#key-${d}`);
    await waitFor(() => comp.instance.data.room !== null, "room");
    expect(calls.find((c) => c.path === "/face-to-face/rooms")!.body).toEqual({ code: "1234", latitude: 31.2304, longitude: 121.4737 });
    expect(text(comp, "#digits")).toBe("1 2 3 4");
    expect(text(comp, `#person-${ME}`)).toBe("A Ann");
    await tap(comp, "#enter");
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.navigations).toEqual([{ api: "redirectTo", url: `/pages/chat/index?id=${GROUP}` }]);
  });
});

describe("the group pages in Chinese", () => {
  it("Group info says its cells, roles, member actions, QR code and leaving in Chinese, with a Chinese title", async () => {
    i18n().setLocale("zh_CN");
    const comp = renderPage(pages.info);
    await lifecycle(comp, "onLoad", { id: GROUP });
    await waitFor(() => comp.instance.data.info !== null && comp.instance.data.requests.length > 0, "group info");
    await settled();
    expect(adapter.titles.at(-1)).toBe("聊天信息(3)");
    expect(text(comp, `#member-${ME}`)).toBe("A Ann 群主");
    expect(text(comp, "#add-members")).toBe("+ 添加");
    expect(comp.instance.data.s.addMembers).toBe("添加成员"); // the + tile's aria-label
    expect(text(comp, "#group-name")).toBe("群聊名称 Hiking");
    expect(text(comp, "#group-qr")).toBe("群二维码");
    expect(text(comp, "#group-notice")).toBe("群公告 Meet at 8");
    expect(text(comp, "#search-history")).toBe("查找聊天记录");
    expect(text(comp, "#management")).toContain("全员禁言");
    expect(text(comp, "#leave")).toBe("解散群聊");
    adapter.actionSheetChoice = null;
    await tap(comp, "#member-u_member00000000000001");
    expect(adapter.actionSheets.at(-1)).toEqual(["设为管理员", "转让群主", "禁言1小时", "移出群聊"]);
    await tap(comp, "#group-qr");
    await waitFor(() => comp.instance.data.qr !== null, "QR");
    expect(text(comp, "#qr")).toContain("前有效，用微信扫一扫加入群聊。");
    expect(text(comp, "#qr-save")).toBe("保存到相册");
    expect(comp.instance.onShareAppMessage().title).toBe("加入群聊“Hiking”");
    comp.instance.onCloseQr();

    // The friend picker (a component) speaks Chinese too.
    await tap(comp, "#add-members");
    await waitFor(() => text(comp, "#friend-picker >>> #picker") === "✓ C Carol D Dora", "friends in the picker");
    expect(text(comp, "#friend-picker >>> #picker-done")).toBe("完成");
    await tap(comp, `#friend-picker >>> #pick-${DORA}`);
    expect(text(comp, "#friend-picker >>> #picker-done")).toBe("完成(1)");
  });

  it("Join and Face-to-face speak Chinese", async () => {
    i18n().setLocale("zh_CN");
    approval = true;
    const join = renderPage(pages.join);
    await lifecycle(join, "onLoad", { q: encodeURIComponent(INVITE_URL) });
    await waitFor(() => join.instance.data.state === "ready", "preview");
    expect(adapter.titles.at(-1)).toBe("加入群聊");
    expect(text(join, "#group-count")).toBe("3人");
    expect(text(join, "#join")).toBe("申请加入");
    const invalid = renderPage(pages.join);
    await lifecycle(invalid, "onLoad", { q: encodeURIComponent("https://example.com/menu") });
    expect(text(invalid, "#join-invalid")).toBe("这不是 Qun 群聊的二维码");
    expect(text(invalid, "#scan")).toBe("扫描二维码");

    const f2f = renderPage(pages.f2f);
    await lifecycle(f2f, "onLoad");
    expect(adapter.titles.at(-1)).toBe("面对面建群");
    expect(text(f2f, ".f2f__hint")).toBe("和身边的朋友输入同样的四个数字，进入同一个群聊");
    expect(f2f.instance.data.s.delete).toBe("删除"); // the delete key's aria-label
    for (const d of ["1", "2", "3", "4"]) await tap(f2f, `#key-${d}`);
    await waitFor(() => f2f.instance.data.room !== null, "room");
    expect(text(f2f, "#enter")).toBe("进入该群");
  });
});
