// The read list behind "N read" under my message in a group: Read and Unread, each member with
// avatar and name, from the receipts route and the group's members, following read receipts live.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type { GroupInfo } from "../../../schema/groups";
import { clientModule, lifecycle, loadComponent, settled, tap, text, waitFor, type Rendered } from "../harness";
import { chats, groupInfo, groupMember, signIn, stopSocketAfterAll, unloadPagesAfterEach } from "./fixtures";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const i18n = () => clientModule<typeof I18n>("i18n/index");
const GROUP = "c_hikinghikinghikinghi";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const BOB = "u_bbbbbbbbbbbbbbbbbbbb";
const CAROL = "u_cccccccccccccccccccc";
const DAN = "u_dddddddddddddddddddd";

let adapter: WxAdapter;
let pageId: string;
let calls: string[];
const pages = unloadPagesAfterEach();

const member = groupMember;

const info: GroupInfo = groupInfo(GROUP, "Hiking", [
  member(ME, "Ann", { role: "owner" }),
  member(BOB, "Bob", { avatarMediaId: "md_bobavatarbobavatarb" }),
  member(CAROL, "Carol", { nickname: "Trail lead" }),
  member(DAN, "Dan"),
]);

async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  calls.push(url.pathname);
  if (url.pathname === `/conversations/${GROUP}/receipts`)
    return Response.json({
      reads: [
        { userId: ME, seq: 9 },
        { userId: BOB, seq: 5 },
        { userId: CAROL, seq: 4 },
        { userId: DAN, seq: 0 },
      ],
      lastSeq: 9,
    });
  if (url.pathname === `/groups/${GROUP}`) return Response.json(info);
  if (url.pathname === "/media/urls") {
    const { mediaIds } = (await req.json()) as { mediaIds: string[] };
    return Response.json({ urls: mediaIds.map((id) => ({ mediaId: id, url: `http://127.0.0.1:8787/media/${id}?e=1&s=sig`, expiresAt: Date.now() + 600_000 })), denied: [] });
  }
  return Response.json({ error: { code: "not_found", message: `no ${url.pathname}` } }, { status: 404 });
}

async function openList(seq: number): Promise<Rendered> {
  const comp = pages.render(pageId);
  await lifecycle(comp, "onLoad", { id: GROUP, seq: String(seq) });
  await waitFor(() => comp.instance.data.readTitle !== "", "the lists");
  await settled();
  return comp;
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pageId = await loadComponent("pages/read-list/index");
});

beforeEach(() => {
  calls = [];
  adapter = createWxAdapter({ fetch: server });
  installWx(adapter);
  chats().signOut();
  signIn({ id: ME });
});

stopSocketAfterAll();

describe("Read list", () => {
  it("lists who read my message and who has not, with avatars and names (a group alias first), from the receipts and the members", async () => {
    const comp = await openList(5);
    expect(calls).toContain(`/conversations/${GROUP}/receipts`);
    expect(text(comp, "#tab-read")).toBe("Read 1");
    expect(text(comp, "#tab-unread")).toBe("Unread 2");
    expect(text(comp, "#read-list")).toBe("Bob");
    await waitFor(() => comp.instance.data.read[0]?.avatar !== "", "Bob's avatar");
    expect(comp.instance.data.read[0].avatar).toBe("http://127.0.0.1:8787/media/md_bobavatarbobavatarb?e=1&s=sig");
    await tap(comp, "#tab-unread");
    // I sent it: I am on neither list.
    expect(text(comp, "#unread-list")).toBe("T Trail lead D Dan");
  });

  it("moves a member to Read when their read receipt arrives", async () => {
    const comp = await openList(4);
    expect(text(comp, "#tab-read")).toBe("Read 2");
    chats().store.set({ reads: { ...chats().store.get().reads, [GROUP]: { ...chats().store.get().reads[GROUP], [DAN]: 6 } } });
    await settled();
    expect(text(comp, "#tab-read")).toBe("Read 3");
    expect(text(comp, "#tab-unread")).toBe("Unread 0");
    await tap(comp, "#tab-unread");
    expect(text(comp, "#unread-list")).toBe("No one");
  });

  it("says Read and Unread in Chinese", async () => {
    i18n().setLocale("zh_CN");
    const comp = await openList(5);
    expect(text(comp, "#tab-read")).toBe("已读 1");
    expect(text(comp, "#tab-unread")).toBe("未读 2");
    await lifecycle(comp, "onShow");
    expect(adapter.titles.at(-1)).toBe("消息接收人列表");
  });
});
