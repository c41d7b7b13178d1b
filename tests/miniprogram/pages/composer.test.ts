// The chat's composer as WeChat has it (voice | input | emoji | +) and contact cards end to end,
// against a small in-memory server: the emoji panel (face codes inserted and deleted as units,
// sent as text, drawn as emoji in bubbles), the "+" panel's tiles each doing their job through the
// wx adapter's recorded calls, a card sent from the friend picker and drawn as WeChat's, and the
// profile page a card opens (Send Message for a friend, Add to Contacts then "Sent" otherwise).
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type { PublicProfile } from "../../../schema/api";
import type { ConversationSummary, Message } from "../../../schema/protocol";
import { clientModule, input, lifecycle, loadComponent, settled, tap, tapPlus, text, waitFor, type Rendered } from "../harness";
import { chats, message, signIn, stopSocketAfterAll, unloadPagesAfterEach } from "./fixtures";
import { createWxAdapter, installWx, type Picked, type WxAdapter } from "../wx-adapter";

const i18n = () => clientModule<typeof I18n>("i18n/index");

const CHAT = "d_annbobannbobannbobann";
const ME = "u_aaaaaaaaaaaaaaaaaaaa";
const BOB = "u_bbbbbbbbbbbbbbbbbbbb";
const CAROL = "u_cccccccccccccccccccc";
const DAVE = "u_dddddddddddddddddddd";
const CAROL_AVATAR = "md_carolavatarcarolava";

let chatPage: string;
let profilePage: string;
let adapter: WxAdapter;
let messages: Message[];
let sent: Array<Record<string, unknown>>;
let friendRequests: Array<Record<string, unknown>>;
let directOpened: string[];
let profiles: Record<string, PublicProfile>;
let uploads: number;
/** Someone who has blocked me: the server refuses my friend request to them. */
let blockedBy: string;

const msg = (seq: number, senderId: string, type: Message["type"], body: Record<string, unknown>): Message => message(CHAT, seq, senderId, type, body);

const summary = (): ConversationSummary => ({
  id: CHAT,
  kind: "direct",
  name: "",
  avatarMediaId: null,
  peer: { id: BOB, nickname: "Bob", avatarMediaId: null },
  memberCount: 2,
  lastSeq: messages.length,
  readSeq: messages.length,
  unread: 0,
  lastMessage: null,
  lastMessageAt: Date.now(),
  pinned: false,
  doNotDisturb: false,
  muteAll: false,
  dissolved: false,
  role: "member",
});

const profile = (id: string, nickname: string, extra: Partial<PublicProfile> = {}): PublicProfile => ({ id, username: null, nickname, avatarMediaId: null, signature: "", status: "", ...extra });
const friend = (user: PublicProfile, conversationId: string, remark = "") => ({ user, remark, tags: [], online: false, since: 0, conversationId });

/** The server's copy of a sent card: the person's profile as it is when sent (worker/conversation). */
function stored(body: Record<string, unknown>, type: string): Record<string, unknown> {
  if (type !== "card") return body;
  const p = profiles[String(body.userId)]!;
  return { userId: p.id, nickname: p.nickname, avatarMediaId: p.avatarMediaId, username: p.username };
}

async function server(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const path = url.pathname;
  if (path === "/conversations") return Response.json({ conversations: [summary()] });
  if (path === `/conversations/${CHAT}/messages` && req.method === "GET") {
    const after = Number(url.searchParams.get("after") ?? 0);
    return Response.json({ messages: messages.filter((m) => m.seq > after), hasMore: false, lastSeq: messages.length });
  }
  if (path === `/conversations/${CHAT}/messages` && req.method === "POST") {
    const body = (await req.json()) as { clientId: string; type: Message["type"]; body: Record<string, unknown> };
    sent.push(body);
    const m = { ...msg(messages.length + 1, ME, body.type, stored(body.body, body.type)), clientId: body.clientId };
    messages.push(m);
    return Response.json({ conversationId: CHAT, clientId: body.clientId, seq: m.seq, id: m.id, createdAt: m.createdAt, duplicate: false }, { status: 201 });
  }
  if (path === `/conversations/${CHAT}/receipts`) return Response.json({ reads: [], lastSeq: messages.length });
  if (path.endsWith("/read")) return Response.json({ seq: messages.length });
  if (path === "/contacts") return Response.json({ friends: [friend(profiles[BOB]!, CHAT), friend(profiles[CAROL]!, "d_anncarolanncarolannc", "Carol from work")], tags: [] });
  if (path === "/contacts/blocks") return Response.json({ users: [] });
  const contact = path.match(/^\/contacts\/(u_\w+)$/);
  if (contact) {
    const found = [friend(profiles[BOB]!, CHAT), friend(profiles[CAROL]!, "d_anncarolanncarolannc", "Carol from work")].find((f) => f.user.id === contact[1]);
    return found ? Response.json(found) : Response.json({ error: { code: "not_found", message: "Not in your contacts" } }, { status: 404 });
  }
  if (path === "/contacts/requests" && req.method === "POST") {
    const body = (await req.json()) as Record<string, unknown>;
    if (body.userId === blockedBy) return Response.json({ error: { code: "blocked", message: "Blocked" } }, { status: 403 });
    friendRequests.push(body);
    return Response.json({ request: {} }, { status: 201 });
  }
  if (path === "/conversations/direct") {
    const { userId } = (await req.json()) as { userId: string };
    directOpened.push(userId);
    return Response.json({ ...summary(), id: "d_newnewnewnewnewnewnew", peer: { id: userId, nickname: profiles[userId]!.nickname, avatarMediaId: null } });
  }
  const user = path.match(/^\/users\/(u_\w+)$/);
  if (user) {
    const p = profiles[user[1]!];
    return p ? Response.json(p) : Response.json({ error: { code: "not_found", message: "No such user" } }, { status: 404 });
  }
  if (path === "/media" && req.method === "POST") {
    uploads++;
    return Response.json({ id: `md_upload${String(uploads).padStart(12, "0")}`, kind: "image" }, { status: 201 });
  }
  if (path === "/media/urls") {
    const { mediaIds } = (await req.json()) as { mediaIds: string[] };
    return Response.json({ urls: mediaIds.map((id) => ({ mediaId: id, url: `http://127.0.0.1:8787/media/${id}?e=1&s=sig`, expiresAt: Date.now() + 600_000 })), denied: [] });
  }
  return Response.json({ error: { code: "not_found", message: `no ${path}` } }, { status: 404 });
}

const pages = unloadPagesAfterEach();

async function openChat(): Promise<Rendered> {
  const comp = pages.render(chatPage);
  await lifecycle(comp, "onLoad", { id: CHAT });
  await chats().refresh();
  await waitFor(() => comp.instance.data.bubbles.length === messages.length, "messages");
  await settled();
  return comp;
}

async function openProfile(userId: string): Promise<Rendered> {
  const comp = pages.render(profilePage);
  await lifecycle(comp, "onLoad", { userId });
  await waitFor(() => comp.instance.data.loaded, "the profile");
  await settled();
  return comp;
}

function useAdapter(opts: Parameters<typeof createWxAdapter>[0] = {}): WxAdapter {
  adapter = createWxAdapter({ fetch: server, ...opts });
  adapter.setOffline(false);
  installWx(adapter);
  return adapter;
}

/** The catalogue strings a panel component holds (its labels and aria-labels). */
const panelStrings = (comp: Rendered, selector: string) => (comp.querySelector(selector) as unknown as { instance: { data: { s: Record<string, unknown> } } }).instance.data.s;
const draft = (comp: Rendered) => comp.instance.data.draft as string;
const inEmoji = (comp: Rendered, selector: string) => tap(comp, `#emoji >>> ${selector}`);
/** The face cell of a code, by its place in the panel. */
const face = (comp: Rendered, code: string) => {
  const faces = clientModule<typeof import("../../../miniprogram/services/emoji")>("services/emoji").FACE_CODES;
  return inEmoji(comp, `#face-${faces.findIndex((f) => f.code === code)}`);
};

beforeAll(async () => {
  installWx(createWxAdapter());
  chatPage = await loadComponent("pages/chat/index");
  profilePage = await loadComponent("pages/profile/index");
});

beforeEach(() => {
  messages = [msg(1, BOB, "text", { text: "Hi Ann" })];
  sent = [];
  friendRequests = [];
  directOpened = [];
  uploads = 0;
  blockedBy = "";
  profiles = {
    [BOB]: profile(BOB, "Bob"),
    [CAROL]: profile(CAROL, "Carol", { username: "carol88", avatarMediaId: CAROL_AVATAR, signature: "Hiking on weekends" }),
    [DAVE]: profile(DAVE, "Dave", { username: "dave_d" }),
  };
  useAdapter();
  chats().signOut();
  signIn({ id: ME });
});

stopSocketAfterAll();

describe("The composer", () => {
  it("shows voice, input, emoji and + in WeChat's order, and Send in place of + while there is text", async () => {
    const comp = await openChat();
    const bar = (...ids: string[]) => {
      const children = [...comp.querySelector(".chat-bar")!.dom!.children];
      return ids.map((id) => children.indexOf(comp.querySelector(id)?.dom as Element));
    };
    expect(bar("#toggle-voice", "#draft-input", "#toggle-emoji", "#toggle-plus")).toEqual([0, 1, 2, 3]);
    expect(comp.querySelector("#send")).toBeUndefined();
    await input(comp, "#draft-input", "Hello");
    expect(bar("#toggle-voice", "#draft-input", "#toggle-emoji", "#send")).toEqual([0, 1, 2, 3]);
    expect(comp.querySelector("#toggle-plus")).toBeUndefined();
  });

  it("swaps the keyboard for the emoji panel and back, and a tap in the input closes it", async () => {
    const comp = await openChat();
    await tap(comp, "#toggle-emoji");
    expect(comp.querySelector("#emoji")).toBeDefined();
    // The button shows the keyboard icon, and says so.
    expect(comp.instance.data.panel).toBe("emoji");
    expect(comp.instance.data.s.keyboardMode).toBe("Keyboard");
    await tap(comp, "#toggle-emoji");
    expect(comp.querySelector("#emoji")).toBeUndefined();
    await tap(comp, "#toggle-emoji");
    comp.querySelector("#draft-input")!.dispatchEvent("focus");
    await settled();
    expect(comp.querySelector("#emoji")).toBeUndefined();
  });

  it("inserts face codes and emoji as text, deletes a code or an emoji as one unit, and sends the codes as typed", async () => {
    const comp = await openChat();
    await input(comp, "#draft-input", "ok");
    await tap(comp, "#toggle-emoji");
    await face(comp, "[微笑]");
    await face(comp, "[捂脸]");
    expect(draft(comp)).toBe("ok[微笑][捂脸]");
    await inEmoji(comp, "#emoji-delete");
    expect(draft(comp)).toBe("ok[微笑]");
    // 👍 with a skin tone, and ❤️ with its variation selector: each goes as one.
    await input(comp, "#draft-input", "ok[微笑]👍🏽");
    await inEmoji(comp, "#emoji-delete");
    expect(draft(comp)).toBe("ok[微笑]");
    await inEmoji(comp, "#emoji-0"); // 😀
    expect(draft(comp)).toBe("ok[微笑]😀");
    await inEmoji(comp, "#emoji-delete");
    await inEmoji(comp, "#emoji-delete");
    expect(draft(comp)).toBe("ok");
    // An unknown bracketed word is ordinary text: one character at a time.
    await input(comp, "#draft-input", "[hi]");
    await inEmoji(comp, "#emoji-delete");
    expect(draft(comp)).toBe("[hi");
    await input(comp, "#draft-input", "Nice[强][OK]");
    await inEmoji(comp, "#emoji-send");
    await waitFor(() => sent.length === 1 && chats().pending().length === 0, "the text");
    expect(sent[0]).toMatchObject({ type: "text", body: { text: "Nice[强][OK]" } });
    expect(draft(comp)).toBe("");
    // Nothing to send: the panel's Send does nothing.
    await inEmoji(comp, "#emoji-send");
    await settled();
    expect(sent).toHaveLength(1);
  });

  it("draws a received text's face codes as emoji, keeping unknown codes and the message as sent", async () => {
    messages.push(msg(2, BOB, "text", { text: "See you[偷笑] [强][强] [nope]" }));
    const comp = await openChat();
    expect(text(comp, "#m-s2 .bubble")).toBe("See you🤭 👍👍 [nope]");
    expect(
      chats()
        .store.get()
        .messages[CHAT]!.find((m) => m.seq === 2)!.body,
    ).toEqual({ text: "See you[偷笑] [强][强] [nope]" });
  });
});

describe("The + panel", () => {
  const photo: Picked = { type: "image", tempFilePath: "wxfile://tmp/a.png", size: 2 * 1024, width: 24, height: 16 };
  const clip: Picked = { type: "video", tempFilePath: "wxfile://tmp/clip.mp4", size: 4 * 1024, width: 640, height: 360, duration: 2 };

  it("offers Album, Camera, Video, Location, File and Contact Card, each with its label", async () => {
    const comp = await openChat();
    await tap(comp, "#toggle-plus");
    expect(text(comp, "#plus")).toBe("Album Camera Video Location File Contact Card");
    // The tiles' aria-labels are their labels; the + button's is "More".
    expect(panelStrings(comp, "#plus").items).toEqual(["Album", "Camera", "Video", "Location", "File", "Contact Card"]);
    expect(comp.instance.data.s.plusPanel).toBe("More");
    await tap(comp, "#toggle-plus");
    expect(comp.querySelector("#plus")).toBeUndefined();
  });

  it("picks up to nine from the album, one photo or video from the camera, and a video, then sends each", async () => {
    let picked: Picked | Picked[] = photo;
    useAdapter({ chooseMedia: () => picked });
    adapter.files.set(photo.tempFilePath, new Uint8Array(2 * 1024).fill(1));
    adapter.files.set(clip.tempFilePath, new Uint8Array(4 * 1024).fill(2));
    const comp = await openChat();
    await tapPlus(comp, "album");
    await waitFor(() => sent.length === 1 && chats().pending().length === 0, "the album's photo");
    expect(comp.querySelector("#plus")).toBeUndefined(); // the panel closes for the picker
    await tapPlus(comp, "camera");
    await waitFor(() => sent.length === 2 && chats().pending().length === 0, "the camera's photo");
    picked = clip;
    await tapPlus(comp, "video");
    await waitFor(() => sent.length === 3 && chats().pending().length === 0, "the video");
    expect(adapter.mediaPickOptions).toEqual([
      { count: 9, mediaType: ["image", "video"], sourceType: ["album"] },
      { count: 1, mediaType: ["image", "video"], sourceType: ["camera"] },
      { count: 1, mediaType: ["video"], sourceType: ["album", "camera"] },
    ]);
    expect(sent.map((s) => s.type)).toEqual(["image", "image", "video"]);
  });

  it("sends the place chosen on the map, and the file chosen from a chat", async () => {
    useAdapter({
      chooseLocation: () => ({ name: "West Lake", address: "Hangzhou", latitude: 30.24, longitude: 120.15 }),
      chooseMessageFile: () => ({ path: "wxfile://tmp/plan.pdf", size: 16, name: "plan.pdf" }),
    });
    adapter.files.set("wxfile://tmp/plan.pdf", new Uint8Array(16).fill(3));
    const comp = await openChat();
    await tapPlus(comp, "location");
    await waitFor(() => sent.length === 1, "the location");
    await tapPlus(comp, "file");
    await waitFor(() => sent.length === 2, "the file");
    expect(sent[0]).toMatchObject({ type: "location", body: { name: "West Lake", latitude: 30.24 } });
    expect(sent[1]).toMatchObject({ type: "file", body: { name: "plan.pdf", size: 16 } });
  });

  it("says its tiles, the emoji panel and their buttons in Chinese", async () => {
    i18n().setLocale("zh_CN");
    const comp = await openChat();
    await tap(comp, "#toggle-plus");
    expect(text(comp, "#plus")).toBe("相册 拍摄 视频 位置 文件 个人名片");
    expect(comp.instance.data.s).toMatchObject({ plusPanel: "更多功能", emojiPanel: "表情" });
    await tap(comp, "#toggle-emoji");
    expect(comp.querySelector("#plus")).toBeUndefined();
    expect(text(comp, "#emoji >>> .emoji-panel__title")).toBe("默认表情");
    expect(text(comp, "#emoji >>> #emoji-send")).toBe("发送");
    expect(panelStrings(comp, "#emoji").delete).toBe("删除");
    expect(text(comp, "#emoji >>> #face-0")).toBe("🙂"); // labelled by its code, [微笑]
    // Switching back redraws the open panel in English.
    i18n().setLocale("en");
    await settled();
    expect(text(comp, "#emoji >>> #emoji-send")).toBe("Send");
  });
});

describe("Contact cards", () => {
  it("sends the card of a friend picked from Contacts, drawn with their picture, name and Contact Card", async () => {
    const comp = await openChat();
    await tapPlus(comp, "card");
    await waitFor(() => text(comp, "#card-picker >>> #picker") === "B Bob Carol from work", "friends to pick", 2_000);
    await tap(comp, `#card-picker >>> #pick-${CAROL}`);
    await tap(comp, "#card-picker >>> #picker-done");
    expect(comp.instance.data.pickingCard).toBe(false);
    await waitFor(() => sent.length === 1 && chats().pending().length === 0, "the card");
    expect(sent[0]).toEqual({ clientId: sent[0]!.clientId, type: "card", body: { userId: CAROL } });
    // The bubble shows the server's copy: the profile as it was sent, its picture by signed URL.
    await waitFor(() => comp.instance.data.bubbles[1]?.card?.avatar !== "", "the card's picture");
    expect(text(comp, "#m-s2 .bubble__card-name")).toBe("Carol");
    expect(text(comp, "#m-s2 .bubble__card-label")).toBe("Contact Card");
    expect(comp.instance.data.bubbles[1].card).toMatchObject({ userId: CAROL, avatar: `http://127.0.0.1:8787/media/${CAROL_AVATAR}?e=1&s=sig` });
    await tap(comp, "#m-s2 .bubble__card");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: `/pages/profile/index?userId=${CAROL}` });
  });

  it("draws a received card in Chinese as 个人名片", async () => {
    messages.push(msg(2, BOB, "card", { userId: DAVE, nickname: "Dave", avatarMediaId: null, username: "dave_d" }));
    i18n().setLocale("zh_CN");
    const comp = await openChat();
    expect(text(comp, "#m-s2 .bubble__card")).toBe("D Dave 个人名片");
  });
});

describe("Profile page", () => {
  it("shows a stranger's picture, name and Qun ID with Add to Contacts, which asks to be friends and then says Sent", async () => {
    const comp = await openProfile(DAVE);
    expect(text(comp, "#profile-name")).toBe("Dave");
    expect(text(comp, "#profile-qun-id")).toBe("Qun ID: dave_d");
    expect(comp.querySelector("#send-message")).toBeUndefined();
    await tap(comp, "#add-contact");
    await waitFor(() => comp.querySelector("#request-sent") !== undefined, "Sent");
    expect(friendRequests).toEqual([{ userId: DAVE, greeting: "I'm Ann" }]);
    expect(text(comp, "#request-sent")).toBe("Sent");
    expect(comp.querySelector("#add-contact")).toBeUndefined();
  });

  it("shows a friend under my remark for them, their name and What's Up, with Send Message opening our chat", async () => {
    const comp = await openProfile(CAROL);
    expect(text(comp, "#profile-name")).toBe("Carol from work");
    expect(text(comp, "#profile-nickname")).toBe("Carol");
    expect(text(comp, "#profile-signature")).toBe("Hiking on weekends");
    await waitFor(() => comp.instance.data.avatar !== "", "the picture");
    expect(comp.querySelector("#add-contact")).toBeUndefined();
    await tap(comp, "#send-message");
    await waitFor(() => adapter.navigations.length > 0, "the chat");
    expect(adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: "/pages/chat/index?id=d_anncarolanncarolannc" });
    expect(friendRequests).toEqual([]);
  });

  it("offers nothing on my own profile or a deleted account's, and says the account is gone", async () => {
    profiles[ME] = profile(ME, "Ann");
    profiles[DAVE] = profile(DAVE, "已注销", { deleted: true });
    const mine = await openProfile(ME);
    expect(mine.querySelector("#add-contact") ?? mine.querySelector("#send-message")).toBeUndefined();
    const gone = await openProfile(DAVE);
    expect(text(gone, "#profile-deleted")).toBe("This account has been deleted");
    expect(gone.querySelector("#add-contact") ?? gone.querySelector("#send-message")).toBeUndefined();
  });

  it("says why when the server refuses the request, and keeps Add to Contacts", async () => {
    blockedBy = DAVE;
    const comp = await openProfile(DAVE);
    await tap(comp, "#add-contact");
    await waitFor(() => comp.instance.data.error !== "", "the refusal");
    expect(comp.instance.data.error).toBe("Blocked"); // English shows the server's sentence (services/errors.ts)
    expect(comp.querySelector("#request-sent")).toBeUndefined();
    expect(text(comp, "#add-contact")).toBe("Add to Contacts");
    expect(friendRequests).toEqual([]);
  });

  it("says so when the person cannot be found", async () => {
    const missing = pages.render(profilePage);
    await lifecycle(missing, "onLoad", { userId: "u_zzzzzzzzzzzzzzzzzzzz" });
    await waitFor(() => missing.instance.data.error !== "", "the error");
    expect(missing.instance.data.loaded).toBe(false);
    expect(missing.instance.data.error).toBe("No such user");
  });

  it("says its title and buttons in Chinese", async () => {
    i18n().setLocale("zh_CN");
    const comp = await openProfile(DAVE);
    expect(adapter.titles.at(-1)).toBe("详细资料");
    expect(text(comp, "#profile-qun-id")).toBe("Qun 号：dave_d");
    expect(text(comp, "#add-contact")).toBe("添加到通讯录");
    await tap(comp, "#add-contact");
    await waitFor(() => comp.querySelector("#request-sent") !== undefined, "已发送");
    expect(text(comp, "#request-sent")).toBe("已发送");
    expect(friendRequests).toEqual([{ userId: DAVE, greeting: "我是Ann" }]);
    const friendPage = await openProfile(BOB);
    expect(text(friendPage, "#send-message")).toBe("发消息");
  });
});
