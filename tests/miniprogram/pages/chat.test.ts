// The Chat page against a small in-memory server: a bubble for every message type, @mentions
// highlighted, recalled and system messages as centred notes, read counts, the long-press menu,
// the @ picker, and the outbox's sending / failed / retry per message.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type { GroupInfo } from "../../../schema/groups";
import type { ConversationSummary, Message } from "../../../schema/protocol";
import { clientModule, input, lifecycle, loadComponent, settled, tap, tapPlus, text, waitFor, type Rendered } from "../harness";
import { chats, groupInfo, groupMember, message, signIn, stopSocketAfterAll, unloadPagesAfterEach } from "./fixtures";
import { aac, concat } from "../../support/media-files";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const i18n = () => clientModule<typeof I18n>("i18n/index");
const GROUP = "c_hikinghikinghikinghi";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const BOB = "u_bbbbbbbbbbbbbbbbbbbb";
let pageId: string;
let adapter: WxAdapter;
let sent: Array<Record<string, unknown>>;
let refuseSends: boolean;
let recalls: number[];
let hides: number[];
let calls: string[];
/** Other chats on the list (forward targets), and what was forwarded. */
let others: ConversationSummary[];
/** Uploads the fake server took: their form fields and the id it gave. */
let uploads: Array<{ fields: Record<string, string>; id: string }>;
/** Whether Bob is my friend on the fake server, and friend requests it took. */
let bobIsFriend: boolean;
let friendRequests: unknown[];
let forwarded: Array<{ seq: number; body: unknown }>;
/** When set, signed media URLs answer 404 (the media was deleted). */
let goneMedia = false;
/** When set, the nine messages are seqs olderFrom… and 1…olderFrom-1 lie before them. */
let olderFrom = 0;
/** When set, Bob deleted his account: he is no longer a member and his profile is a tombstone. */
let bobDeleted = false;

const msg = (seq: number, senderId: string, type: Message["type"], body: Record<string, unknown> | null, extra: Partial<Message> = {}): Message => message(GROUP, seq, senderId, type, body, extra);

const MESSAGES: Message[] = [
  msg(1, ME, "system", { event: "created", actorId: ME, name: "Hiking", memberIds: [BOB] }),
  msg(2, BOB, "text", { text: "Hi @Ann are you coming?" }, { mentions: [ME] }),
  msg(3, ME, "text", { text: "Yes!" }),
  msg(4, BOB, "image", { mediaId: "md_imageimageimageimag", width: 800, height: 600 }),
  msg(5, BOB, "voice", { mediaId: "md_voicevoicevoicevoic", durationMs: 7_000 }),
  msg(6, BOB, "video", { mediaId: "md_videovideovideovide", durationMs: 12_000 }),
  msg(7, BOB, "file", { mediaId: "md_filefilefilefilefil", name: "route.gpx", size: 1_572_864 }),
  msg(8, BOB, "location", { latitude: 31.23, longitude: 121.47, name: "Trailhead", address: "1 Mountain Rd" }),
  msg(9, BOB, "text", null, { recalledAt: Date.now(), recalledBy: BOB }),
];

const summary: ConversationSummary = {
  id: GROUP,
  kind: "group",
  name: "Hiking",
  avatarMediaId: null,
  peer: null,
  memberCount: 2,
  lastSeq: 9,
  readSeq: 9,
  unread: 0,
  lastMessage: null,
  lastMessageAt: Date.now(),
  pinned: false,
  doNotDisturb: false,
  muteAll: false,
  dissolved: false,
  role: "owner",
};

const info: GroupInfo = groupInfo(GROUP, "Hiking", [groupMember(ME, "Ann", { role: "owner" }), groupMember(BOB, "Bob")]);

async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname;
  calls.push(path + url.search);
  if (olderFrom && path === `/conversations/${GROUP}/messages` && req.method === "GET") {
    const shifted = MESSAGES.map((m) => ({ ...m, seq: m.seq + olderFrom - 1 }));
    const before = Number(url.searchParams.get("before") ?? 0);
    if (!before) return Response.json({ messages: shifted, hasMore: false, lastSeq: shifted.at(-1)!.seq });
    const older = Array.from({ length: Math.min(30, before - 1) }, (_, i) => msg(before - 1 - i, BOB, "text", { text: `old ${before - 1 - i}` })).reverse();
    return Response.json({ messages: older, hasMore: older[0]!.seq > 1 });
  }
  if (path === "/conversations") return Response.json({ conversations: [summary, ...others] });
  if (path === "/contacts") {
    const bob = {
      user: { id: BOB, username: null, nickname: "Bob", avatarMediaId: null, signature: "", status: "" },
      remark: "",
      tags: [],
      online: false,
      since: 0,
      conversationId: "d_annbobannbobannbobann",
    };
    return Response.json({ friends: bobIsFriend ? [bob] : [], tags: [] });
  }
  if (path === "/contacts/requests" && req.method === "POST") {
    friendRequests.push(await req.json());
    return Response.json({ request: {} }, { status: 201 });
  }
  if (path === "/conversations/direct") {
    return Response.json({ ...summary, id: "d_annbobannbobannbobann", kind: "direct", name: "", peer: { id: BOB, nickname: "Bob", avatarMediaId: null }, memberCount: 2 });
  }
  if (path === "/media" && req.method === "POST") {
    const form = await req.formData();
    const fields: Record<string, string> = {};
    form.forEach((v, k) => {
      if (typeof v === "string") fields[k] = v;
    });
    const id = `md_upload${String(uploads.length + 1).padStart(12, "0")}`;
    uploads.push({ fields, id });
    return Response.json({ id, kind: fields.kind }, { status: 201 });
  }
  const forward = path.match(/\/messages\/(\d+)\/forward$/);
  if (forward) {
    const body = (await req.json()) as { to: string[] };
    forwarded.push({ seq: Number(forward[1]), body });
    return Response.json({ results: body.to.map((conversationId) => ({ conversationId, ok: true, seq: 1 })) });
  }
  if (others.some((o) => path === `/conversations/${o.id}/messages`)) return Response.json({ messages: [], hasMore: false, lastSeq: 0 });
  if (path === `/conversations/${GROUP}/messages` && req.method === "GET") {
    const after = Number(url.searchParams.get("after") ?? 0);
    return Response.json({ messages: MESSAGES.filter((m) => m.seq > after), hasMore: false, lastSeq: 9 });
  }
  if (path === `/conversations/${GROUP}/messages` && req.method === "POST") {
    const body = (await req.json()) as Record<string, unknown>;
    sent.push(body);
    if (refuseSends) return Response.json({ error: { code: "forbidden", message: "You are muted in this group" } }, { status: 403 });
    return Response.json({ conversationId: GROUP, clientId: body.clientId, seq: 9 + sent.length, id: `x${sent.length}`, createdAt: Date.now(), duplicate: false }, { status: 201 });
  }
  if (path === `/conversations/${GROUP}/receipts`)
    return Response.json({
      reads: [
        { userId: ME, seq: 9 },
        { userId: BOB, seq: 3 },
      ],
      lastSeq: 9,
    });
  if (path === `/groups/${GROUP}`) return Response.json(bobDeleted ? { ...info, memberCount: 1, members: info.members.slice(0, 1) } : info);
  if (path === `/users/${BOB}` && bobDeleted) return Response.json({ id: BOB, username: null, nickname: "已注销", avatarMediaId: null, signature: "", status: "", deleted: true });
  if (path.startsWith("/media/md_") && req.method === "GET") {
    // What a signed URL serves: the bytes, or 404 once the media is gone.
    if (goneMedia) return Response.json({ error: { code: "not_found", message: "No such media" } }, { status: 404 });
    return new Response(new Uint8Array(64).fill(7), { headers: { "content-type": "application/octet-stream" } });
  }
  if (path === "/media/urls") {
    const { mediaIds } = (await req.json()) as { mediaIds: string[] };
    return Response.json({ urls: mediaIds.map((id) => ({ mediaId: id, url: `http://127.0.0.1:8787/media/${id}?e=1&s=sig`, expiresAt: Date.now() + 600_000 })), denied: [] });
  }
  const recall = path.match(/\/messages\/(\d+)\/recall$/);
  if (recall) {
    recalls.push(Number(recall[1]));
    return Response.json({ seq: 99 });
  }
  const hide = path.match(/\/messages\/(\d+)\/hide$/);
  if (hide) {
    hides.push(Number(hide[1]));
    return Response.json({ seq: Number(hide[1]) });
  }
  if (path.endsWith("/read")) return Response.json({ seq: 9 });
  return Response.json({ error: { code: "not_found", message: `no ${path}` } }, { status: 404 });
}

const pages = unloadPagesAfterEach();

async function openChat(): Promise<Rendered> {
  const comp = pages.render(pageId);
  await lifecycle(comp, "onLoad", { id: GROUP });
  await chats().refresh();
  await waitFor(() => comp.instance.data.members.length === 2 && comp.instance.data.bubbles.length === 9, "messages and members");
  await settled();
  return comp;
}

const bubble = (comp: Rendered, seq: number) => `#m-s${seq}`;

/** Long-presses a bubble; the dark menu opens over it. */
async function longPress(comp: Rendered, seq: number, touch = { clientX: 200, clientY: 400 }): Promise<void> {
  comp.querySelector(`#b-s${seq}`)!.dispatchEvent("longpress", { touches: [touch], changedTouches: [touch] });
  await settled();
}

/** The labels of the open bubble menu, as drawn; [] when it is closed. */
function menuLabels(comp: Rendered): string[] {
  if (!comp.querySelector("#bubble-menu >>> #bubble-menu-panel")) return [];
  return (comp.instance.data.menu.items as Array<{ id: string; label: string }>).map((i) => {
    expect(text(comp, `#bubble-menu >>> #menu-${i.id}`)).toBe(i.label);
    return i.label;
  });
}

/** Taps an item of the open bubble menu by its action ("Reply", "Delete", …). */
async function pickFromMenu(comp: Rendered, action: string): Promise<void> {
  await tap(comp, `#bubble-menu >>> #menu-${action}`);
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pageId = await loadComponent("pages/chat/index");
});

beforeEach(() => {
  sent = [];
  recalls = [];
  hides = [];
  calls = [];
  olderFrom = 0;
  bobDeleted = false;
  goneMedia = false;
  refuseSends = false;
  info.members[1]!.avatarMediaId = null;
  others = [];
  forwarded = [];
  uploads = [];
  bobIsFriend = false;
  friendRequests = [];
  adapter = createWxAdapter({ fetch: server });
  adapter.setOffline(false);
  installWx(adapter);
  chats().signOut();
  signIn({ id: ME });
});

stopSocketAfterAll();

describe("Chat page", () => {
  it("draws a bubble for every message type", async () => {
    const comp = await openChat();
    expect(text(comp, `${bubble(comp, 1)} .msg-system`)).toBe('You created the group "Hiking"');
    expect(text(comp, `${bubble(comp, 2)} .msg__sender`)).toBe("Bob");
    expect(text(comp, `${bubble(comp, 2)} .bubble__mention`)).toBe("@Ann");
    expect(text(comp, `${bubble(comp, 3)} .bubble--mine`)).toBe("Yes!");
    expect(comp.querySelector(`${bubble(comp, 4)} .bubble__image`)).toBeDefined();
    // <image> cannot send a token: the picture is shown by the signed URL the server grants.
    await waitFor(() => comp.instance.data.bubbles[3].image !== "", "signed URL");
    expect(comp.instance.data.bubbles[3].image).toBe("http://127.0.0.1:8787/media/md_imageimageimageimag?e=1&s=sig");
    expect(calls.filter((c) => c === "/media/urls")).toHaveLength(1);
    expect(text(comp, `${bubble(comp, 5)} .bubble__duration`)).toBe('7"');
    expect(comp.querySelector(`${bubble(comp, 6)} .bubble__video`)).toBeDefined();
    expect(text(comp, `${bubble(comp, 7)} .bubble__file-name`)).toBe("route.gpx");
    expect(text(comp, `${bubble(comp, 7)} .bubble__file-size`)).toBe("1.5 MB");
    expect(text(comp, `${bubble(comp, 8)} .bubble__location-name`)).toBe("Trailhead");
    expect(text(comp, `${bubble(comp, 9)} .msg-system`)).toBe("Bob recalled a message");
  });

  it("draws each sender's avatar by signed URL beside their bubbles, and initials without one", async () => {
    info.members[1]!.avatarMediaId = "md_bobavatarbobavatarb";
    const comp = await openChat();
    await waitFor(() => comp.instance.data.bubbles[1].avatar !== "", "Bob's avatar");
    expect(comp.instance.data.bubbles[1].avatar).toBe("http://127.0.0.1:8787/media/md_bobavatarbobavatarb?e=1&s=sig");
    expect(text(comp, `${bubble(comp, 2)} .msg__avatar`)).toBe("");
    // Mine has no avatar: my initial stays.
    expect(comp.instance.data.bubbles[2].avatar).toBe("");
    expect(text(comp, `${bubble(comp, 3)} .msg__avatar`)).toBe("A");
  });

  it("counts who read my messages in a group", async () => {
    const comp = await openChat();
    expect(text(comp, `${bubble(comp, 3)} .msg__read`)).toBe("1 read");
  });

  it("shows a message as sending at once, then sent with the server's seq", async () => {
    const comp = await openChat();
    await input(comp, "#draft-input", "On my way");
    await tap(comp, "#send");
    await waitFor(() => chats().pending().length === 0, "ack");
    await settled();
    expect(sent).toMatchObject([{ type: "text", body: { text: "On my way" } }]);
    expect(String(sent[0]!.clientId)).toMatch(/^m-/);
    expect(text(comp, "#m-s10 .bubble--mine")).toBe("On my way");
    expect(comp.instance.data.draft).toBe("");
  });

  it("marks a refused message failed with a retry that resends the same clientId", async () => {
    refuseSends = true;
    const comp = await openChat();
    await input(comp, "#draft-input", "Let me talk");
    await tap(comp, "#send");
    await waitFor(() => chats().pending()[0]?.status === "failed", "refusal");
    await settled();
    expect(comp.querySelector(".msg__state--failed")).toBeDefined();
    refuseSends = false;
    await tap(comp, ".msg__state--failed");
    await waitFor(() => chats().pending().length === 0, "retry acked");
    expect(sent).toHaveLength(2);
    expect(sent[1]!.clientId).toBe(sent[0]!.clientId);
  });

  it("keeps a message queued as sending while the network is down, and sends it when asked again", async () => {
    const comp = await openChat();
    adapter.setOffline(true);
    await input(comp, "#draft-input", "Anyone?");
    await tap(comp, "#send");
    await settled();
    expect(text(comp, ".msg__state--sending")).toBe("Sending");
    expect(JSON.parse(adapter.storage.get("qun.outbox")!)).toMatchObject([{ draft: { body: { text: "Anyone?" } }, status: "sending" }]);
    adapter.setOffline(false);
    await chats().flushOutbox();
    expect(sent.map((s) => (s.body as { text: string }).text)).toEqual(["Anyone?"]);
    expect(JSON.parse(adapter.storage.get("qun.outbox")!)).toEqual([]);
  });

  it("opens the @ picker on @ in a group and sends the chosen member as a mention", async () => {
    const comp = await openChat();
    await input(comp, "#draft-input", "Ready @");
    expect(comp.instance.data.pickingMention).toBe(true);
    // Everyone but me; as the owner I may also mention all members.
    expect(text(comp, "#mention-picker")).toBe("@ All Members B Bob");
    await tap(comp, `#mention-${BOB}`);
    expect(comp.instance.data.draft).toBe("Ready @Bob ");
    await tap(comp, "#send");
    await waitFor(() => sent.length === 1, "send");
    expect(sent[0]).toMatchObject({ body: { text: "Ready @Bob" }, mentions: [BOB] });
  });

  it("lets the owner mention all members with @All", async () => {
    const comp = await openChat();
    await input(comp, "#draft-input", "Leaving at 8 @");
    await tap(comp, "#mention-all");
    expect(comp.instance.data.draft).toBe("Leaving at 8 @All ");
    await tap(comp, "#send");
    await waitFor(() => sent.length === 1, "send");
    expect(sent[0]).toMatchObject({ body: { text: "Leaving at 8 @All" }, mentionAll: true });
    expect(sent[0]!.mentions).toBeUndefined();
  });

  it("offers @All only to the owner and admins", async () => {
    info.members[0]!.role = "member";
    info.members[1]!.role = "owner";
    try {
      const comp = await openChat();
      await input(comp, "#draft-input", "@");
      expect(text(comp, "#mention-picker")).toBe("B Bob");
    } finally {
      info.members[0]!.role = "owner";
      info.members[1]!.role = "member";
    }
  });

  it("long-press opens the dark menu over the bubble: copy, forward, quote, select, recall (mine, within two minutes) and delete", async () => {
    const comp = await openChat();
    await longPress(comp, 3);
    expect(menuLabels(comp)).toEqual(["Copy", "Forward", "Quote", "Select", "Recall", "Delete"]);
    // Not an action sheet any more.
    expect(adapter.actionSheets).toEqual([]);
    // A tap beside the menu closes it and does nothing.
    await tap(comp, "#bubble-menu >>> #bubble-menu-mask");
    expect(menuLabels(comp)).toEqual([]);
    await longPress(comp, 2);
    // As the owner I may recall Bob's message too, and report it.
    expect(menuLabels(comp)).toEqual(["Copy", "Forward", "Quote", "Select", "Recall", "Report", "Delete"]);
    await pickFromMenu(comp, "Reply");
    expect(menuLabels(comp)).toEqual([]);
    expect(text(comp, "#reply-preview")).toContain("Bob: Hi @Ann are you coming?");
    await longPress(comp, 2);
    await pickFromMenu(comp, "Copy");
    expect(adapter.clipboard).toBe("Hi @Ann are you coming?");
    await longPress(comp, 3);
    await pickFromMenu(comp, "Recall");
    await waitFor(() => recalls.length === 1, "recall");
    expect(recalls).toEqual([3]);
    // A picture has no Copy.
    await longPress(comp, 4);
    expect(menuLabels(comp)).toEqual(["Forward", "Quote", "Select", "Recall", "Report", "Delete"]);
  });

  it("sends a big photo with a compressed thumbnail, a small one as it is, and a video with its cover as poster", async () => {
    let picked: { type: "image" | "video"; tempFilePath: string; size: number; width?: number; height?: number; duration?: number; thumbTempFilePath?: string };
    adapter = createWxAdapter({ fetch: server, chooseMedia: () => picked });
    installWx(adapter);
    adapter.files.set("wxfile://tmp/big.jpg", new Uint8Array(300 * 1024).fill(1));
    adapter.files.set("wxfile://tmp/small.png", new Uint8Array(2 * 1024).fill(2));
    adapter.files.set("wxfile://tmp/clip.mp4", new Uint8Array(4 * 1024).fill(3));
    adapter.files.set("wxfile://tmp/clip-cover.jpg", new Uint8Array(1024).fill(4));
    const comp = await openChat();
    const sendAndWait = async (n: number) => {
      await tapPlus(comp, "album");
      await waitFor(() => sent.length === n && chats().pending().length === 0, `send ${n}`);
    };

    picked = { type: "image", tempFilePath: "wxfile://tmp/big.jpg", size: 300 * 1024, width: 4000, height: 3000 };
    await sendAndWait(1);
    expect(adapter.compressed).toEqual([{ src: "wxfile://tmp/big.jpg", quality: 60, compressedWidth: 480 }]);
    expect(uploads.map((u) => u.fields)).toEqual([
      { kind: "image", size: String(300 * 1024), width: "4000", height: "3000" },
      { kind: "image", previewOf: uploads[0]!.id },
    ]);
    expect(sent[0]).toMatchObject({ type: "image", body: { mediaId: uploads[0]!.id, thumbMediaId: uploads[1]!.id, width: 4000, height: 3000 } });

    picked = { type: "image", tempFilePath: "wxfile://tmp/small.png", size: 2 * 1024, width: 24, height: 16 };
    await sendAndWait(2);
    expect(adapter.compressed).toHaveLength(1);
    expect(sent[1]).toMatchObject({ type: "image", body: { mediaId: uploads[2]!.id } });
    expect((sent[1]!.body as Record<string, unknown>).thumbMediaId).toBeUndefined();

    picked = { type: "video", tempFilePath: "wxfile://tmp/clip.mp4", size: 4 * 1024, width: 640, height: 360, duration: 3.5, thumbTempFilePath: "wxfile://tmp/clip-cover.jpg" };
    await sendAndWait(3);
    expect(uploads[4]!.fields).toEqual({ kind: "image", previewOf: uploads[3]!.id });
    // The size WeChat's picker gives goes with the message, so every bubble draws it at its ratio.
    expect(sent[2]).toMatchObject({ type: "video", body: { mediaId: uploads[3]!.id, posterMediaId: uploads[4]!.id, durationMs: 3500, width: 640, height: 360 } });
  });

  it("picks up to nine pictures that upload at once, each bubble with its own progress, and keeps a failed upload with a retry", async () => {
    const picks = ["a", "b", "c"].map((n) => ({ type: "image" as const, tempFilePath: `wxfile://tmp/${n}.png`, size: 2 * 1024, width: 24, height: 16 }));
    adapter = createWxAdapter({ fetch: server, chooseMedia: () => picks, holdUploads: true });
    installWx(adapter);
    adapter.files.set("wxfile://tmp/a.png", new Uint8Array(2 * 1024).fill(1));
    adapter.files.set("wxfile://tmp/b.png", new Uint8Array(2 * 1024).fill(2));
    // c.png is gone from the phone's temp folder: its upload fails.
    const comp = await openChat();
    await tapPlus(comp, "album");
    expect(adapter.mediaPicks).toEqual([9]);
    const local = () => (comp.instance.data.bubbles as Array<{ clientId: string; status: string; progress: number; image: string }>).filter((b) => b.status !== "sent");
    await waitFor(() => local().filter((b) => b.progress === 50).length === 2 && local().some((b) => b.status === "failed"), "two uploads in flight, one failed");
    // Each bubble shows its own picture and progress; none overwrites another's.
    expect(local().map((b) => b.image)).toEqual(picks.map((p) => p.tempFilePath));
    const [a, b, c] = local();
    expect(comp.querySelector(`#progress-${a!.clientId}`)).toBeDefined();
    expect(comp.querySelector(`#progress-${b!.clientId}`)).toBeDefined();
    expect(text(comp, `#state-${a!.clientId}`)).toBe("50%");
    expect(c).toMatchObject({ status: "failed", progress: -1 });
    expect(sent).toHaveLength(0);
    adapter.releaseUploads();
    await waitFor(() => sent.length === 2, "the two pictures");
    expect(chats().pending()).toEqual([{ clientId: c!.clientId, status: "failed" }]);
    // The file is back (say, chosen again): the ! retries the same message.
    adapter.files.set("wxfile://tmp/c.png", new Uint8Array(2 * 1024).fill(3));
    await tap(comp, `.msg__state--failed`);
    await waitFor(() => sent.length === 3 && chats().pending().length === 0, "the retried picture");
    expect(sent[2]!.clientId).toBe(c!.clientId);
    expect(uploads).toHaveLength(3);
  });

  it("sends only the new bubble through setData per incoming message, and draws a window of the newest in a long chat", async () => {
    const comp = await openChat();
    const bytes: number[] = [];
    const instance = comp.instance as unknown as { setData(patch: Record<string, unknown>): void };
    const setData = instance.setData.bind(instance);
    instance.setData = (patch) => {
      bytes.push(JSON.stringify(patch).length);
      setData(patch);
    };
    const local = (seq: number) => ({ ...msg(seq, BOB, "text", { text: `message number ${seq} in a long chat` }), status: "sent" as const, error: "" });
    const figures: Record<number, number> = {};
    for (const loaded of [100, 5_000]) {
      const list = Array.from({ length: loaded }, (_, i) => local(i + 1));
      chats().store.set({ messages: { ...chats().store.get().messages, [GROUP]: list } });
      await settled();
      expect(comp.instance.data.bubbles).toHaveLength(Math.min(loaded, 200));
      bytes.length = 0;
      chats().store.set({ messages: { ...chats().store.get().messages, [GROUP]: [...list, local(loaded + 1)] } });
      await settled();
      figures[loaded] = bytes.reduce((a, b) => a + b, 0);
      expect(comp.instance.data.bubbles.at(-1).key).toBe(`s${loaded + 1}`);
    }
    console.log(`[setData] bytes per incoming message: ${JSON.stringify(figures)}`);
    // About one bubble's worth (and the old last bubble's time/read mark at most), whatever is loaded.
    expect(figures[100]).toBeLessThan(2_000);
    expect(figures[5_000]).toBeLessThan(2_000);
    // Scrolling to the top widens the window from what is held before asking the server.
    const asked = calls.length;
    await (comp.instance as unknown as { onScrollTop(): Promise<void> }).onScrollTop();
    await settled();
    expect(comp.instance.data.bubbles).toHaveLength(300); // the newest 200 and 100 more
    expect(calls.slice(asked).filter((c) => c.includes("before="))).toEqual([]);
  });

  it("taps a member's avatar to mention them, or to add them with a greeting naming the group", async () => {
    const comp = await openChat();
    adapter.actionSheetChoice = 0;
    await tap(comp, `${bubble(comp, 2)} .msg__avatar`);
    await waitFor(() => comp.instance.data.draft === "@Bob ", "the mention");
    expect(adapter.actionSheets.at(-1)).toEqual(["Mention @Bob", "Add to Contacts"]);
    expect(comp.instance.data.mentions).toEqual([BOB]);
    adapter.actionSheetChoice = 1;
    await tap(comp, `${bubble(comp, 2)} .msg__avatar`);
    await waitFor(() => friendRequests.length === 1, "the friend request");
    expect(friendRequests[0]).toEqual({ userId: BOB, greeting: 'Hi, I\'m Ann from "Hiking"' });
    await waitFor(() => adapter.toasts.length > 0, "toast");
    expect(adapter.toasts.at(-1)).toEqual({ title: "Request sent", icon: "success" });
    // My own avatar does nothing.
    await tap(comp, `${bubble(comp, 3)} .msg__avatar`);
    expect(adapter.actionSheets).toHaveLength(2);
  });

  it("taps a friend's avatar to open our direct chat", async () => {
    bobIsFriend = true;
    const comp = await openChat();
    adapter.actionSheetChoice = 1;
    await tap(comp, `${bubble(comp, 2)} .msg__avatar`);
    await waitFor(() => adapter.navigations.length > 0, "navigation");
    expect(adapter.actionSheets.at(-1)).toEqual(["Mention @Bob", "Send Message"]);
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: "/pages/chat/index?id=d_annbobannbobannbobann" });
  });

  it("forwards a message to the chats picked, up to nine, leaving dissolved groups out", async () => {
    const other = (i: number, patch: Partial<ConversationSummary> = {}): ConversationSummary => ({
      ...summary,
      id: `c_other${String(i).padStart(15, "0")}`,
      name: `Group ${i}`,
      lastSeq: 0,
      lastMessageAt: Date.now() - i * 1000,
      ...patch,
    });
    others = [...Array.from({ length: 10 }, (_, i) => other(i + 1)), other(11, { name: "Old club", dissolved: true })];
    const comp = await openChat();
    await longPress(comp, 2);
    await pickFromMenu(comp, "Forward");
    await waitFor(() => comp.instance.data.forwarding === 2, "the chat picker");
    await settled();
    const listed = text(comp, "#forward-picker >>> #chat-picker-list")!;
    expect(listed).toContain("H Hiking");
    expect(listed).toContain("G Group 10");
    expect(listed).not.toContain("Old club");
    for (let i = 1; i <= 10; i++) await tap(comp, `#forward-picker >>> #pick-${others[i - 1]!.id}`);
    // The tenth is refused: nine is the limit.
    expect(text(comp, "#forward-picker >>> #chat-picker-done")).toBe("Send (9)");
    await tap(comp, "#forward-picker >>> #chat-picker-done");
    await waitFor(() => forwarded.length === 1, "forward");
    expect(forwarded[0]).toMatchObject({ seq: 2, body: { to: others.slice(0, 9).map((o) => o.id) } });
    await waitFor(() => adapter.toasts.length > 0, "toast");
    expect(adapter.toasts.at(-1)).toEqual({ title: "Sent", icon: "success" });
    expect(comp.instance.data.forwarding).toBe(0);
  });

  describe("when I may not write", () => {
    afterEach(() => {
      summary.muteAll = false;
      info.members[0]!.role = "owner";
      info.members[0]!.mutedUntil = null;
    });

    it("closes the input bar while all members are muted, for members but not the owner", async () => {
      summary.muteAll = true;
      const owner = await openChat();
      expect(owner.querySelector("#muted")).toBeUndefined();
      expect(owner.querySelector("#draft-input")).toBeDefined();
      await lifecycle(owner, "onUnload");
      info.members[0]!.role = "member";
      const comp = await openChat();
      expect(text(comp, "#muted")).toBe("All members are muted");
      expect(comp.querySelector("#draft-input")).toBeUndefined();
      comp.instance.setData({ draft: "Let me talk" });
      await (comp.instance as unknown as { onSend(): void }).onSend();
      expect(sent).toEqual([]);
    });

    it("closes it while I am muted, and opens it again when the mute ends", async () => {
      info.members[0]!.role = "member";
      info.members[0]!.mutedUntil = Date.now() + 600;
      const comp = await openChat();
      expect(text(comp, "#muted")).toMatch(/^You are muted until \d\d:\d\d$/);
      await waitFor(() => comp.querySelector("#muted") === undefined, "the mute to end", 3_000);
      expect(comp.querySelector("#draft-input")).toBeDefined();
    });
  });

  it("reads the member list again when a member event arrives, and not for ordinary messages", async () => {
    const comp = await openChat();
    const memberLoads = () => calls.filter((c) => c === `/groups/${GROUP}`).length;
    const before = memberLoads();
    MESSAGES.push(msg(10, BOB, "text", { text: "hello again" }));
    summary.lastSeq = 10;
    try {
      await chats().refresh();
      await waitFor(() => comp.instance.data.bubbles.length === 10, "the text message");
      await settled();
      expect(memberLoads()).toBe(before);
      info.members[1]!.mutedUntil = Date.now() + 3_600_000;
      MESSAGES.push(msg(11, ME, "system", { event: "muted", actorId: ME, memberId: BOB, until: info.members[1]!.mutedUntil }));
      summary.lastSeq = 11;
      await chats().refresh();
      await waitFor(() => memberLoads() === before + 1, "the member list read again");
      await waitFor(() => comp.instance.data.members.find((m: { userId: string }) => m.userId === BOB).mutedUntil !== null, "Bob's mute");
    } finally {
      MESSAGES.splice(9);
      summary.lastSeq = 9;
      info.members[1]!.mutedUntil = null;
    }
  });

  it("shows who is typing for a few seconds", async () => {
    const comp = await openChat();
    chats().store.set({ typing: { [GROUP]: { userId: BOB, until: Date.now() + 200 } } });
    await settled();
    expect(text(comp, "#typing")).toBe("Bob is typing…");
    await waitFor(() => comp.querySelector("#typing") === undefined, "typing to end", 2_000);
  });

  it("loads older messages when scrolled to the top, and says where the chat begins", async () => {
    olderFrom = 32;
    const comp = await openChat();
    expect(comp.instance.data.hasOlder).toBe(true);
    expect(comp.querySelector("#history-start")).toBeUndefined();
    comp.querySelector("#messages")!.dispatchEvent("scrolltoupper");
    await waitFor(() => comp.instance.data.bubbles.length === 9 + 30 && !comp.instance.data.loadingOlder, "older page", 10_000);
    expect(calls.filter((c) => c.includes("before="))).toEqual([`/conversations/${GROUP}/messages?before=32&limit=30`]);
    expect(comp.instance.data.hasOlder).toBe(true);
    comp.querySelector("#messages")!.dispatchEvent("scrolltoupper");
    await waitFor(() => comp.instance.data.hasOlder === false, "start of history", 10_000);
    await settled();
    expect(text(comp, "#history-start")).toBe("Beginning of the chat");
  }, 15_000); // renders 40 bubbles a few times: slow on a busy machine, not a wait on anything

  describe("voice, files and locations", () => {
    /** A fresh adapter whose pickers and microphone answer what the test sets, installed before the page opens. */
    function withPickers(opts: Parameters<typeof createWxAdapter>[0]): WxAdapter {
      adapter = createWxAdapter({ fetch: server, ...opts });
      installWx(adapter);
      return adapter;
    }
    const touch = async (comp: Rendered, event: "touchstart" | "touchend" | "touchcancel") => {
      comp.querySelector("#hold-to-talk")!.dispatchEvent(event);
      await settled();
    };
    const signed = (id: string) => `http://127.0.0.1:8787/media/${id}?e=1&s=sig`;

    it("asks for the microphone when switching to voice, before any touch; once refused, says why and offers Settings", async () => {
      withPickers({});
      const first = await openChat();
      await tap(first, "#toggle-voice");
      await waitFor(() => first.instance.data.voiceMode === true, "voice mode");
      expect(adapter.prompts).toEqual(["scope.record"]);
      expect(adapter.recordings).toEqual([]);

      // Refused before: WeChat no longer prompts; the page explains and opens Settings, where it is turned on.
      withPickers({ permissions: { "scope.record": false }, turnOnInSettings: true });
      const second = await openChat();
      await tap(second, "#toggle-voice");
      await waitFor(() => second.instance.data.voiceMode === true, "voice mode after Settings");
      expect(adapter.prompts).toEqual([]);
      expect(adapter.modals.at(-1)).toEqual({ title: "Permission needed", content: "Qun needs the microphone to record voice messages. Turn it on in Settings." });
      expect(adapter.settingsOpened).toBe(1);

      // Left off in Settings: no voice mode.
      withPickers({ permissions: { "scope.record": false }, turnOnInSettings: false });
      const third = await openChat();
      await tap(third, "#toggle-voice");
      await waitFor(() => adapter.settingsOpened === 1, "settings");
      await settled();
      expect(third.instance.data.voiceMode).toBe(false);
    });

    it("hold to talk records AAC and sends a voice message with its duration; under a second is too short", async () => {
      let heard: { durationMs: number; bytes: Uint8Array } = { durationMs: 3_400, bytes: aac(150) };
      withPickers({ recording: () => heard });
      const comp = await openChat();
      await tap(comp, "#toggle-voice");
      expect(text(comp, "#hold-to-talk")).toBe("Hold to Talk");
      expect(comp.querySelector("#draft-input")).toBeUndefined();

      await touch(comp, "touchstart");
      expect(text(comp, "#hold-to-talk")).toBe("Release to Send");
      expect(adapter.recordings).toEqual([{ format: "aac", duration: 60_000, sampleRate: undefined }]);
      await touch(comp, "touchend");
      await waitFor(() => sent.length === 1 && chats().pending().length === 0, "the voice message");
      expect(text(comp, "#hold-to-talk")).toBe("Hold to Talk");
      // The upload says what it is, how long and how big; the message carries the id and the length.
      expect(uploads.map((u) => u.fields)).toEqual([{ kind: "voice", durationMs: "3400", size: String(heard.bytes.length) }]);
      expect(sent[0]).toEqual({ clientId: sent[0]!.clientId, type: "voice", body: { mediaId: uploads[0]!.id, durationMs: 3_400 } });
      await waitFor(() => chats().pending().length === 0, "ack");
      await settled();
      // The length stands beside my bubble (WeChat's 3"), with no unplayed dot on my own.
      expect(comp.querySelector("#m-s10 .bubble--mine.bubble--voice")).toBeDefined();
      expect(text(comp, "#m-s10 .bubble__duration")).toBe('3"');
      expect(comp.querySelector("#m-s10 .msg__unplayed")).toBeUndefined();
      expect(comp.instance.data.bubbles[9].voiceWidth).toBe(70 + 3 * 6);

      heard = { durationMs: 600, bytes: aac(20) };
      await touch(comp, "touchstart");
      await touch(comp, "touchend");
      await waitFor(() => adapter.toasts.length === 1, "the toast");
      expect(adapter.toasts).toEqual([{ title: "Too short", icon: "none" }]);
      expect(comp.instance.data.recording).toBe(false);

      // A touch taken away by the system drops the recording without a word.
      heard = { durationMs: 5_000, bytes: aac(200) };
      await touch(comp, "touchstart");
      await touch(comp, "touchcancel");
      await settled();
      expect(comp.instance.data.recording).toBe(false);

      // The next recording is sent once: the recorder's listener is not added again per recording.
      heard = { durationMs: 12_300, bytes: aac(500) };
      await touch(comp, "touchstart");
      await touch(comp, "touchend");
      await waitFor(() => sent.length === 2 && chats().pending().length === 0, "the second voice message");
      await settled(10);
      expect(adapter.recordings).toHaveLength(4);
      expect(uploads).toHaveLength(2);
      expect(sent).toHaveLength(2);
      expect(sent[1]!.body).toEqual({ mediaId: uploads[1]!.id, durationMs: 12_300 });
      expect(adapter.toasts).toHaveLength(1);
    });

    it("sliding up off the talk button arms a cancel: letting go there drops the recording, sliding back sends it", async () => {
      withPickers({ recording: () => ({ durationMs: 4_000, bytes: aac(150) }) });
      const comp = await openChat();
      await tap(comp, "#toggle-voice");
      const press = async (event: "touchstart" | "touchmove" | "touchend", y: number) => {
        comp.querySelector("#hold-to-talk")!.dispatchEvent(event, event === "touchend" ? { changedTouches: [{ x: 100, y }] } : { touches: [{ x: 100, y }], changedTouches: [{ x: 100, y }] });
        await settled();
      };
      expect(comp.querySelector("#voice-tip")).toBeUndefined();
      await press("touchstart", 600);
      expect(text(comp, "#voice-tip")).toBe("Swipe up to cancel");
      await press("touchmove", 570); // a wobble is not a cancel
      expect(text(comp, "#hold-to-talk")).toBe("Release to Send");
      await press("touchmove", 500);
      expect(text(comp, "#hold-to-talk")).toBe("Release to Cancel");
      expect(text(comp, "#voice-tip")).toBe("Release to cancel");
      expect(comp.querySelector(".chat-voice-tip--cancel")).toBeDefined();
      await press("touchend", 500);
      await settled(5);
      expect(comp.instance.data.recording).toBe(false);
      expect(comp.querySelector("#voice-tip")).toBeUndefined();
      expect(uploads).toHaveLength(0);
      expect(sent).toHaveLength(0);
      expect(adapter.toasts).toEqual([]);

      // Changing one's mind: up, then back down, then letting go sends.
      await press("touchstart", 600);
      await press("touchmove", 480);
      await press("touchmove", 590);
      expect(text(comp, "#hold-to-talk")).toBe("Release to Send");
      await press("touchend", 590);
      await waitFor(() => sent.length === 1 && chats().pending().length === 0, "the voice message");
      expect(sent[0]!.body).toEqual({ mediaId: uploads[0]!.id, durationMs: 4_000 });
      expect(adapter.recordings).toHaveLength(2);
    });

    it("sends a file picked from a chat with its name and size, and the bubble shows both", async () => {
      const bytes = concat("%PDF-1.7\n", new Uint8Array(2_560 - 16).fill(32), "\n%%EOF\n");
      withPickers({ chooseMessageFile: () => ({ path: "wxfile://tmp/minutes.pdf", size: bytes.length, name: "Trip minutes.pdf" }) });
      adapter.files.set("wxfile://tmp/minutes.pdf", bytes);
      const comp = await openChat();
      await tapPlus(comp, "file");
      await waitFor(() => sent.length === 1 && chats().pending().length === 0, "the file message");
      expect(uploads.map((u) => u.fields)).toEqual([{ kind: "file", name: "Trip minutes.pdf", size: "2560" }]);
      expect(sent[0]).toEqual({ clientId: sent[0]!.clientId, type: "file", body: { mediaId: uploads[0]!.id, name: "Trip minutes.pdf", size: 2_560 } });
      expect(adapter.progress).toEqual([100]);
      await waitFor(() => chats().pending().length === 0, "ack");
      await settled();
      expect(text(comp, "#m-s10 .bubble--mine .bubble__file-name")).toBe("Trip minutes.pdf");
      expect(text(comp, "#m-s10 .bubble__file-size")).toBe("2.5 KB");
    });

    it("sends the location chosen on the map, and the bubble shows its name, address and map", async () => {
      let pin: { name: string; address: string; latitude: number; longitude: number } | undefined;
      withPickers({ chooseLocation: () => pin });
      const comp = await openChat();
      await tapPlus(comp, "location"); // cancelled: nothing is sent
      await settled();
      expect(sent).toEqual([]);
      pin = { name: "West Lake", address: "Xihu District, Hangzhou, Zhejiang", latitude: 30.2431, longitude: 120.1503 };
      await tapPlus(comp, "location");
      await waitFor(() => sent.length === 1, "the location message");
      expect(sent[0]).toEqual({ clientId: sent[0]!.clientId, type: "location", body: { latitude: 30.2431, longitude: 120.1503, name: "West Lake", address: "Xihu District, Hangzhou, Zhejiang" } });
      await waitFor(() => chats().pending().length === 0, "ack");
      await settled();
      expect(text(comp, "#m-s10 .bubble--mine .bubble__location-name")).toBe("West Lake");
      expect(text(comp, "#m-s10 .bubble__location-address")).toBe("Xihu District, Hangzhou, Zhejiang");
      expect(comp.querySelector("#m-s10 .bubble__map")).toBeDefined();
      expect(comp.instance.data.bubbles[9].location).toEqual({ latitude: 30.2431, longitude: 120.1503, name: "West Lake", address: "Xihu District, Hangzhou, Zhejiang" });
    });

    it("taps a voice bubble to play its signed URL, again to stop it, and leaving the chat stops it", async () => {
      const comp = await openChat();
      await tap(comp, `${bubble(comp, 5)} .bubble__voice`);
      await waitFor(() => comp.instance.data.playing === 5 && adapter.audio.length === 1, "playing");
      expect(adapter.audio).toEqual([{ src: signed("md_voicevoicevoicevoic"), calls: ["play"] }]);
      // The audio came from the signed URL (an <audio> cannot send the token).
      await waitFor(() => calls.includes("/media/md_voicevoicevoicevoic?e=1&s=sig"), "the audio fetched");

      await tap(comp, `${bubble(comp, 5)} .bubble__voice`);
      expect(comp.instance.data.playing).toBe(0);
      expect(adapter.audio[0]!.calls).toEqual(["play", "stop", "destroy"]);
      expect(adapter.audio).toHaveLength(1);

      await tap(comp, `${bubble(comp, 5)} .bubble__voice`);
      await waitFor(() => comp.instance.data.playing === 5 && adapter.audio.length === 2, "playing again");
      await settled();
      adapter.endAudio();
      await settled();
      expect(comp.instance.data.playing).toBe(0);

      await tap(comp, `${bubble(comp, 5)} .bubble__voice`);
      await waitFor(() => adapter.audio.length === 3 && comp.instance.data.playing === 5, "a third time");
      await lifecycle(comp, "onUnload");
      expect(adapter.audio[2]!.calls).toEqual(["play", "stop", "destroy"]);
    });

    it("taps a file bubble to download it by its signed URL and open it, with the type from its name", async () => {
      const file = MESSAGES[6]!.body as { name: string };
      file.name = "Trail map.pdf";
      try {
        const comp = await openChat();
        await tap(comp, `${bubble(comp, 7)} .bubble__file`);
        await waitFor(() => adapter.documents.length === 1, "the document");
        expect(adapter.downloads).toEqual([signed("md_filefilefilefilefil")]);
        expect(adapter.documents).toEqual([{ filePath: "wxfile://tmp/download-1", showMenu: true, fileType: "pdf" }]);
        expect(adapter.files.get("wxfile://tmp/download-1")).toEqual(new Uint8Array(64).fill(7));
        expect(comp.instance.data.error).toBe("");
      } finally {
        file.name = "route.gpx";
      }
    });

    it("says so when a file cannot be opened here, or is gone", async () => {
      const comp = await openChat();
      await tap(comp, `${bubble(comp, 7)} .bubble__file`);
      await waitFor(() => comp.instance.data.error !== "", "the error");
      // route.gpx: not a kind wx.openDocument opens.
      expect(adapter.documents).toEqual([{ filePath: "wxfile://tmp/download-1", showMenu: true }]);
      expect(comp.instance.data.error).toBe("This type of file cannot be opened here");
      comp.instance.setData({ error: "" });
      goneMedia = true;
      await tap(comp, `${bubble(comp, 7)} .bubble__file`);
      await waitFor(() => comp.instance.data.error !== "", "the second error");
      expect(comp.instance.data.error).toBe("This file is no longer available");
      expect(adapter.documents).toHaveLength(1);
    });

    it("taps a picture to preview every picture of the chat from it, and a video to play it", async () => {
      const yes = MESSAGES[2]!;
      MESSAGES[2] = msg(3, ME, "image", { mediaId: "md_secondsecondsecond", width: 400, height: 300 });
      try {
        const comp = await openChat();
        await tap(comp, `${bubble(comp, 4)} .bubble__image`);
        await waitFor(() => adapter.previews.length === 1, "the picture preview");
        // Swiping in the viewer goes through the chat's pictures in order, starting at the one tapped.
        expect(adapter.previews[0]).toEqual({ urls: [signed("md_secondsecondsecond"), signed("md_imageimageimageimag")], current: signed("md_imageimageimageimag") });
        await tap(comp, `${bubble(comp, 6)} .bubble__video`);
        await waitFor(() => adapter.previews.length === 2, "the video");
        expect(adapter.previews[1]).toEqual({ sources: [{ url: signed("md_videovideovideovide"), type: "video" }] });
        expect(comp.instance.data.error).toBe("");
      } finally {
        MESSAGES[2] = yes;
      }
    });

    it("taps a location bubble to open it on WeChat's map", async () => {
      const comp = await openChat();
      await tap(comp, `${bubble(comp, 8)} .bubble__location`);
      expect(adapter.maps).toEqual([{ latitude: 31.23, longitude: 121.47, name: "Trailhead", address: "1 Mountain Rd" }]);
    });
  });

  it("deletes a message for me: hidden on the server (every device), then gone from the page", async () => {
    const comp = await openChat();
    await longPress(comp, 3);
    await pickFromMenu(comp, "Delete");
    await waitFor(() => hides.length === 1, "the hide");
    await settled();
    expect(hides).toEqual([3]);
    expect(comp.querySelector(bubble(comp, 3))).toBeUndefined();
    expect(sent).toEqual([]);
  });
});

describe("Two chat pages open one over the other", () => {
  // WeChat keeps every chat page of the stack alive: what one holds (its recording, its player,
  // its unmute timer) must not be touched by another chat's page.
  const SECOND = "c_secondsecondsecondsec";
  const signed = (id: string) => `http://127.0.0.1:8787/media/${id}?e=1&s=sig`;

  /** The second chat (another group) opened over the first, as navigateTo would. */
  async function openSecond(): Promise<Rendered> {
    const comp = pages.render(pageId);
    await lifecycle(comp, "onLoad", { id: SECOND });
    await waitFor(() => comp.instance.data.title === "Second (2)", "the second chat");
    await settled();
    return comp;
  }

  beforeEach(() => {
    others = [{ ...summary, id: SECOND, name: "Second", lastSeq: 0 }];
  });

  afterEach(() => {
    info.members[0]!.role = "owner";
    info.members[0]!.mutedUntil = null;
  });

  it("a recording on one chat is sent there even when a touch on the other chat is cancelled", async () => {
    adapter = createWxAdapter({ fetch: server, recording: () => ({ durationMs: 2_500, bytes: aac(100) }) });
    installWx(adapter);
    const first = await openChat();
    await tap(first, "#toggle-voice");
    const second = await openSecond();
    await tap(second, "#toggle-voice");
    first.querySelector("#hold-to-talk")!.dispatchEvent("touchstart");
    await settled();
    expect(first.instance.data.recording).toBe(true);
    expect(second.instance.data.recording).toBe(false);
    // The system takes a touch away from the other chat's talk button, which is not recording.
    second.querySelector("#hold-to-talk")!.dispatchEvent("touchcancel");
    await settled();
    first.querySelector("#hold-to-talk")!.dispatchEvent("touchend");
    await waitFor(() => sent.length === 1 && chats().pending().length === 0, "the first chat's voice message");
    expect(sent[0]!.body).toEqual({ mediaId: uploads[0]!.id, durationMs: 2_500 });
    expect(second.instance.data.recording).toBe(false);
    expect((second.instance.data.bubbles as Array<{ status: string }>).filter((b) => b.status !== "sent")).toEqual([]);
  });

  it("closing the other chat does not stop the voice playing on this one", async () => {
    const first = await openChat();
    await tap(first, `${bubble(first, 5)} .bubble__voice`);
    await waitFor(() => first.instance.data.playing === 5 && adapter.audio.length === 1, "playing");
    const second = await openSecond();
    await lifecycle(second, "onUnload");
    pages.forget(second);
    expect(adapter.audio).toEqual([{ src: signed("md_voicevoicevoicevoic"), calls: ["play"] }]);
    expect(first.instance.data.playing).toBe(5);
  });

  it("a mute on one chat ends by itself there, though the other chat was opened and closed meanwhile", async () => {
    info.members[0]!.role = "member";
    info.members[0]!.mutedUntil = Date.now() + 1_500;
    const first = await openChat();
    expect(text(first, "#muted")).toMatch(/^You are muted until/);
    const second = await openSecond();
    expect(second.querySelector("#muted")).toBeUndefined();
    await lifecycle(second, "onUnload");
    pages.forget(second);
    // Nothing else redraws the first chat: its own timer has to open the input bar.
    await waitFor(() => first.querySelector("#muted") === undefined, "the mute to end", 3_000);
    expect(first.querySelector("#draft-input")).toBeDefined();
  });
});

describe("Chat page quotes", () => {
  it("quotes a reply's message, or says the quoted message is from before I joined when the server withholds it", async () => {
    MESSAGES[2]!.replyTo = { seq: 2, senderId: BOB, type: "text", preview: "Hi @Ann are you coming?", recalled: false };
    MESSAGES[7]!.replyTo = { seq: 1, unavailable: true };
    try {
      const comp = await openChat();
      expect(text(comp, `${bubble(comp, 3)} .msg__quote`)).toBe("Bob: Hi @Ann are you coming?");
      expect(text(comp, `${bubble(comp, 8)} .msg__quote`)).toBe("A message from before you joined");
    } finally {
      MESSAGES[2]!.replyTo = null;
      MESSAGES[7]!.replyTo = null;
    }
  });
});

// Last in the file: the page remembers which media URLs it asked for across tests, and the first
// spec above counts that request.
describe("Chat page: people who are gone", () => {
  it("shows the messages of someone who deleted their account under 已注销, asking their profile once", async () => {
    bobDeleted = true;
    const comp = pages.render(pageId);
    await lifecycle(comp, "onLoad", { id: GROUP });
    await chats().refresh();
    await waitFor(() => comp.instance.data.members.length === 1 && comp.instance.data.bubbles.length === 9, "messages and members");
    await waitFor(() => text(comp, `${bubble(comp, 2)} .msg__sender`) === "已注销", "the deleted sender's name");
    expect(text(comp, `${bubble(comp, 9)} .msg-system`)).toBe("已注销 recalled a message");
    expect(calls.filter((c) => c === `/users/${BOB}`)).toHaveLength(1);
  });
});

// Notices (docs/notices.md): sending is a moment to ask WeChat for one more, inside the tap.
describe("Chat page: asking for notices", () => {
  it("asks wx.requestSubscribeMessage after a send while few notices are banked, and not before the templates are known", async () => {
    const asked: string[][] = [];
    (globalThis as unknown as { wx: Record<string, unknown> }).wx.requestSubscribeMessage = (opts: { tmplIds: string[]; fail?: (e: unknown) => void }) => {
      asked.push(opts.tmplIds);
      opts.fail?.({ errMsg: "requestSubscribeMessage:fail cancel" });
    };
    const comp = await openChat();
    await input(comp, "#draft-input", "first");
    await tap(comp, "#send");
    expect(asked).toEqual([]); // nothing known yet: GET /notices has not been read
    adapter.storage.set("qun.notices", JSON.stringify({ templateIds: ["tmpl-new-message"], banked: 0, reachable: true }));
    await input(comp, "#draft-input", "second");
    await tap(comp, "#send");
    expect(asked).toEqual([["tmpl-new-message"]]);
    await waitFor(() => chats().pending().length === 0, "acks");
  });
  it("asks when leaving the chat while another conversation has unread messages, and not when nothing is unread", async () => {
    const asked: string[][] = [];
    (globalThis as unknown as { wx: Record<string, unknown> }).wx.requestSubscribeMessage = (opts: { tmplIds: string[]; fail?: (e: unknown) => void }) => {
      asked.push(opts.tmplIds);
      opts.fail?.({ errMsg: "requestSubscribeMessage:fail cancel" });
    };
    adapter.storage.set("qun.notices", JSON.stringify({ templateIds: ["tmpl-new-message"], banked: 0, reachable: true }));
    const quiet = await openChat();
    chats().store.set({
      conversations: chats()
        .store.get()
        .conversations.map((c) => ({ ...c, unread: 0 })),
    });
    await lifecycle(quiet, "onUnload");
    expect(asked).toEqual([]);
    const busy = await openChat();
    chats().store.set({ conversations: [...chats().store.get().conversations, { ...summary, id: "c_otherotherotherother", unread: 2 }] });
    await lifecycle(busy, "onUnload");
    expect(asked).toEqual([["tmpl-new-message"]]);
  });
});

describe("Chat page in Chinese", () => {
  it("says the notes, read counts, menus, input bar and title in Chinese, and redraws after a switch", async () => {
    i18n().setLocale("zh_CN");
    const comp = await openChat();
    expect(adapter.titles.at(-1)).toBe("Hiking(2)");
    expect(text(comp, `${bubble(comp, 1)} .msg-system`)).toBe("你创建了群聊“Hiking”");
    expect(text(comp, `${bubble(comp, 9)} .msg-system`)).toBe("Bob撤回了一条消息");
    expect(text(comp, `${bubble(comp, 3)} .msg__read`)).toBe("1人已读");
    // The icon buttons' aria-labels.
    expect(comp.instance.data.s).toMatchObject({ voiceMode: "切换到按住说话", plusPanel: "更多功能", emojiPanel: "表情", info: "聊天信息", retry: "重新发送" });
    await input(comp, "#draft-input", "好的 @");
    expect(text(comp, "#mention-picker")).toBe("@ 所有人 B Bob");
    await input(comp, "#draft-input", "好的");
    expect(text(comp, "#send")).toBe("发送");
    await longPress(comp, 2);
    expect(menuLabels(comp)).toEqual(["复制", "转发", "引用", "多选", "撤回", "投诉", "删除"]);
    await tap(comp, "#bubble-menu >>> #bubble-menu-mask");
    chats().store.set({ typing: { [GROUP]: { userId: BOB, until: Date.now() + 5_000 } } });
    await settled();
    expect(text(comp, "#typing")).toBe("Bob正在输入…");
    // Forward opens the chat picker (a component), in Chinese too.
    await longPress(comp, 2);
    await pickFromMenu(comp, "Forward");
    await waitFor(() => comp.instance.data.forwarding === 2, "the chat picker");
    await settled();
    expect(text(comp, "#forward-picker >>> .picker__hint")).toBe("最多选择9个聊天");
    expect(text(comp, "#forward-picker >>> #chat-picker-done")).toBe("发送");
    comp.instance.setData({ forwarding: 0 });

    i18n().setLocale("en");
    await settled();
    expect(text(comp, `${bubble(comp, 9)} .msg-system`)).toBe("Bob recalled a message");
    expect(text(comp, `${bubble(comp, 3)} .msg__read`)).toBe("1 read");
    expect(text(comp, "#typing")).toBe("Bob is typing…");
    expect(text(comp, "#send")).toBe("Send");
  });
});
