// Two mini-program clients against the real worker under `wrangler dev`: Alice and Bob sign in,
// Alice creates a group from the Chats tab and shows its QR code, Bob scans it on the Join page
// and joins, they chat on the Chat page over real sockets, Bob drops off the network while
// Alice keeps writing and his own message waits in the outbox, and when he is back his device
// catches up by seq and his message is stored exactly once; then they become friends through
// Me (Qun ID) and Contacts, and their direct chat shows "Read"; Alice starts a second group by
// picking Bob, sets its avatar and renames it, and Bob's screens follow. Every step goes through
// the pages and the client's own modules, with `wx` backed by fetch and real WebSockets. Bob finds
// Alice's message by 开会 on the Chats search and opens it with the messages around it. Alice's
// other phone marks the group unread and pins it, and her Chats tab here follows at once; she
// deletes the second group's chat with the long-press menu, and Bob's next message brings it back
// with that message only. Alice shares Carol's contact card with Bob, who opens it and asks Carol
// to be friends. Last,
// Bob deletes his account from Me, and Alice's screens show him as a deleted account.
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Auth from "../../../miniprogram/services/auth";
import type * as Chats from "../../../miniprogram/services/chats";
import type * as Api from "../../../miniprogram/services/api";
import type * as Session from "../../../miniprogram/services/session";
import { aac } from "../../support/media-files";
import { builtMiniprogram, clientModule, input, lifecycle, loadComponent, renderPage, settled, tap, tapPlus, text, waitFor, type Rendered } from "../harness";
import { closeSockets, createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";
import { SECOND_WX } from "./global-setup";

interface Client {
  name: string;
  root: string;
  adapter: WxAdapter;
  scanned: string;
  modalText: string;
  chats: Chats.ChatClient;
  api: typeof Api.api;
  page(path: string, query?: Record<string, string>): Promise<Rendered>;
}

const baseUrl = inject("e2eBaseUrl");
const loaded = new Map<string, string>();

/**
 * A real 200×200 PNG of noise, as the camera roll would hand it over: about 160 KB, so the client
 * makes a thumbnail for it (the adapter's compressImage copies the bytes, still a valid image).
 */
function picture(): Uint8Array {
  const png = new PNG({ width: 200, height: 200 });
  let seed = 7;
  for (let i = 0; i < png.data.length; i += 4) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    png.data.set([seed & 255, (seed >> 8) & 255, (seed >> 16) & 255, 255], i);
  }
  return new Uint8Array(PNG.sync.write(png));
}
const PICTURE = picture();
/** What Alice's microphone hears: 4.2 s, as ADTS AAC frames (the recorder's format "aac"). */
const VOICE = aac(180, 3);

function makeClient(name: string, root: string, install: (a: WxAdapter) => void): Client {
  const client = {} as Client;
  const adapter = createWxAdapter({
    scanResult: () => client.scanned,
    modalContent: () => client.modalText,
    chooseMedia: () => ({ type: "image", tempFilePath: "wxfile://tmp/trail.png", size: PICTURE.length, width: 200, height: 200 }),
    recording: () => ({ durationMs: 4_200, bytes: VOICE }),
  });
  adapter.files.set("wxfile://tmp/trail.png", PICTURE);
  adapter.storage.set("qun.apiBase", JSON.stringify(baseUrl));
  install(adapter);
  // This spec reads English, as the page specs do (setup.ts sets the first build; this sets either).
  clientModule<typeof I18n>("i18n/index", root).setLocale("en");
  Object.assign(client, {
    name,
    root,
    adapter,
    scanned: "",
    modalText: "",
    chats: clientModule<typeof Chats>("services/chats", root).chats,
    api: clientModule<typeof Api>("services/api", root).api,
    async page(path: string, query: Record<string, string> = {}) {
      const key = `${root}:${path}`;
      if (!loaded.has(key)) loaded.set(key, await loadComponent(path, root));
      const comp = renderPage(loaded.get(key)!);
      await lifecycle(comp, "onLoad", query);
      return comp;
    },
  });
  return client;
}

function readQr(dataUrl: string): string {
  const image = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ""), "base64"));
  const found = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  if (!found) throw new Error("no QR code in the image");
  return found.data;
}

const pageTextOf = (comp: Rendered) => (comp.instance.data.rows as Array<{ parts: { text: string }[] }>).map((r) => r.parts.map((p) => p.text).join("")).join("\n");

const bubbleTexts = (comp: Rendered) =>
  (comp.instance.data.bubbles as Array<{ type: string; recalled: boolean; parts: { text: string }[] }>).filter((b) => b.type === "text" && !b.recalled).map((b) => b.parts.map((p) => p.text).join(""));

let alice: Client;
let bob: Client;
let groupId = "";
let aliceChat: Rendered;
let bobChat: Rendered;
let aliceName = "";

beforeAll(async () => {
  alice = makeClient("alice", builtMiniprogram(), (a) => installWx(a));
  bob = makeClient("bob", inject("miniprogramBuildB"), (a) => {
    (globalThis as Record<string, unknown>)[SECOND_WX] = a.wx;
  });
  const suffix = Date.now().toString(36).slice(-6);
  aliceName = `alice-${suffix}`;
  await clientModule<typeof Auth>("services/auth", alice.root).loginDev(aliceName);
  await clientModule<typeof Auth>("services/auth", bob.root).loginDev(`bob-${suffix}`);
});

afterAll(() => {
  alice?.chats.socket.stop();
  bob?.chats.socket.stop();
  if (alice) closeSockets(alice.adapter);
  if (bob) closeSockets(bob.adapter);
});

describe("two mini-program clients on the real worker", () => {
  it("each client connects its socket from the Chats tab and starts with an empty list", async () => {
    for (const c of [alice, bob]) {
      const chatsTab = await c.page("pages/chats/index");
      await lifecycle(chatsTab, "onShow");
      await waitFor(() => c.chats.store.get().connection === "online" && c.chats.store.get().synced, `${c.name} online`, 15_000);
      await settled();
      expect(text(chatsTab, "#chats-empty")).toContain("No chats yet");
    }
  });

  it("Alice creates a group from the + menu and opens its QR code on the Group info page", async () => {
    const chatsTab = await alice.page("pages/chats/index");
    alice.adapter.actionSheetChoice = 0;
    alice.modalText = "Hiking";
    await tap(chatsTab, "#plus");
    // No friends yet: the picker says so, and the group starts with Alice alone.
    await waitFor(() => (text(chatsTab, "#new-group-picker >>> #picker") ?? "").startsWith("No friends yet"), "the friend picker");
    await tap(chatsTab, "#new-group-picker >>> #picker-done");
    await waitFor(() => alice.adapter.navigations.some((n) => n.url.startsWith("/pages/chat/index?id=")), "navigation to the new group");
    groupId = alice.adapter.navigations.at(-1)!.url.split("id=")[1]!;
    expect(groupId).toMatch(/^c_/);
    await waitFor(() => text(chatsTab, `#row-${groupId} .chat-row__name`) === "Hiking (1)", "the group in Alice's list");

    const info = await alice.page("pages/group-info/index", { id: groupId });
    await waitFor(() => info.instance.data.info !== null, "group info");
    expect(text(info, "#members")).toContain(`alice-`);
    expect(text(info, "#members")).toContain("Owner");
    await tap(info, "#group-qr");
    await waitFor(() => info.instance.data.qr !== null, "QR code");
    expect(info.querySelector("#qr-image")).toBeDefined();
    const src = info.instance.data.qr.image as string; // what the <image> shows
    // The image on screen decodes to the invite URL, which is what Bob's camera will read.
    bob.scanned = readQr(src);
    expect(bob.scanned).toBe(info.instance.data.qr.url);
    expect(bob.scanned).toMatch(/\/j\/[0-9A-Za-z]{22}$/);
  });

  it("Bob scans the code on the Join page, sees the preview, joins and lands in the chat", async () => {
    const join = await bob.page("pages/join/index", { scan: "1" });
    await waitFor(() => join.instance.data.state === "ready", "invite preview");
    expect(text(join, "#group-name")).toBe("Hiking");
    expect(text(join, "#group-count")).toBe("1 members");
    expect(text(join, "#join")).toBe("Join Group Chat");
    await tap(join, "#join");
    await waitFor(() => bob.adapter.navigations.length > 0, "navigation to the chat");
    expect(bob.adapter.navigations.at(-1)).toEqual({ api: "redirectTo", url: `/pages/chat/index?id=${groupId}` });
    expect(bob.chats.conversation(groupId)?.name).toBe("Hiking");
  });

  it("a printed code's `q` launch parameter opens the same preview", async () => {
    const join = await bob.page("pages/join/index", { q: encodeURIComponent(bob.scanned) });
    await waitFor(() => join.instance.data.state === "ready", "invite preview");
    expect(text(join, "#join")).toBe("Open Chat");
  });

  it("they exchange text on the Chat page over real sockets, with read counts", async () => {
    aliceChat = await alice.page("pages/chat/index", { id: groupId });
    bobChat = await bob.page("pages/chat/index", { id: groupId });
    await waitFor(() => aliceChat.instance.data.members.length === 2, "members in Alice's chat");

    await input(aliceChat, "#draft-input", "Hi Bob, welcome!");
    await tap(aliceChat, "#send");
    await waitFor(() => bubbleTexts(bobChat).includes("Hi Bob, welcome!"), "Alice's message on Bob's screen");

    await input(bobChat, "#draft-input", "Thanks Alice");
    await tap(bobChat, "#send");
    await waitFor(() => bubbleTexts(aliceChat).includes("Thanks Alice"), "Bob's message on Alice's screen");
    expect(bubbleTexts(aliceChat)).toEqual(["Hi Bob, welcome!", "Thanks Alice"]);
    expect(bubbleTexts(bobChat)).toEqual(["Hi Bob, welcome!", "Thanks Alice"]);
    // Bob has the chat open, so he read Alice's message; Alice's bubble counts him.
    await waitFor(() => (aliceChat.instance.data.bubbles as Array<{ readLabel: string; mine: boolean }>).some((b) => b.mine && b.readLabel === "1 read"), "read count");
    // Alice's Chats tab shows the group's latest message; Bob's has no badge: he read it in the chat.
    const aliceList = await alice.page("pages/chats/index");
    await waitFor(() => text(aliceList, `#row-${groupId} .chat-row__preview`) === "Thanks Alice", "preview in Alice's list");
    const bobList = await bob.page("pages/chats/index");
    expect(bobList.querySelector(`#row-${groupId} .chat-row__badge`)).toBeUndefined();
    // The sender's name shows above others' bubbles in a group.
    const fromAlice = (bobChat.instance.data.bubbles as Array<{ sender: string; mine: boolean }>).find((b) => !b.mine && b.sender)!;
    expect(fromAlice.sender).toMatch(/^alice-/);
  });

  it("Alice marks the group unread and pins it on her other phone: her Chats tab here shows the dot and the pin at once, and opening the chat here clears the mark there", async () => {
    // Her other phone: a second session of Alice's, over plain HTTP.
    const signIn = await fetch(`${baseUrl}/auth/dev`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: aliceName, device: "other phone" }) });
    const { accessToken } = (await signIn.json()) as { accessToken: string };
    const otherPhone = (method: string, path: string, body?: unknown) =>
      fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    alice.chats.setActive(null); // Alice is back on the Chats tab (the chat page's onHide)
    const aliceList = await alice.page("pages/chats/index");
    expect(aliceList.querySelector(`#row-${groupId} .chat-row__dot`)).toBeUndefined();

    expect((await otherPhone("PUT", `/conversations/${groupId}/unread`)).status).toBe(200);
    await waitFor(() => aliceList.querySelector(`#row-${groupId} .chat-row__dot`) !== undefined, "the dot from her other phone");
    expect(aliceList.querySelector(`#row-${groupId} .chat-row__badge`)).toBeUndefined();

    expect((await otherPhone("PATCH", `/conversations/${groupId}/settings`, { pinned: true })).status).toBe(200);
    await waitFor(() => aliceList.querySelector(`#row-${groupId}`)!.dom!.className.includes("chat-row--pinned"), "the pin from her other phone");

    // She opens the chat here: the dot goes at once, and the server (so the other phone) has it read.
    alice.chats.setActive(groupId);
    await settled();
    expect(aliceList.querySelector(`#row-${groupId} .chat-row__dot`)).toBeUndefined();
    await waitFor(() => alice.chats.conversation(groupId)?.markedUnread === false, "mark off here");
    let there: { markedUnread?: boolean; unread: number } = { markedUnread: true, unread: 1 };
    // The mark goes at once; the read position reaches the summary shard with the next message or
    // within a second (docs/protocol.md), so the other phone may see both a moment apart.
    const pending = () => there.markedUnread !== false || there.unread !== 0;
    for (let i = 0; i < 50 && pending(); i++) {
      there = (await (await otherPhone("GET", `/conversations/${groupId}`)).json()) as typeof there;
      if (pending()) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(there).toMatchObject({ markedUnread: false, unread: 0 });
    // Unpinned again from the other phone, as the rest of this story expects.
    await otherPhone("PATCH", `/conversations/${groupId}/settings`, { pinned: false });
    await waitFor(() => !aliceList.querySelector(`#row-${groupId}`)!.dom!.className.includes("chat-row--pinned"), "unpinned");
    await otherPhone("POST", "/auth/logout");
  });

  it("Alice sends a picture: it uploads with progress and a thumbnail, and Bob's chat shows the thumbnail from a signed URL", async () => {
    expect(PICTURE.length).toBeGreaterThan(100 * 1024);
    await tapPlus(aliceChat, "album");
    await waitFor(() => alice.adapter.progress.length === 2 && alice.chats.pending().length === 0, "upload and send");
    expect(alice.adapter.compressed).toHaveLength(1);
    const image = () => (bobChat.instance.data.bubbles as Array<{ type: string; image: string; mine: boolean }>).find((b) => b.type === "image");
    await waitFor(() => Boolean(image()?.image), "the picture on Bob's screen", 10_000);
    expect(image()!.mine).toBe(false);
    expect(image()!.image).toMatch(new RegExp(`^${baseUrl}/media/md_[0-9a-z]{20}\\?e=\\d+&s=`));
    const res = await fetch(image()!.image);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PICTURE);
    // The message carries both: the bubble shows the thumbnail, and the original is there for the preview.
    const page = await bob.api.get<"/conversations/:id/messages">(`/conversations/${groupId}/messages`, { after: 0 });
    const body = page.messages.find((m) => m.type === "image")!.body as { mediaId: string; thumbMediaId?: string };
    expect(body.thumbMediaId).toMatch(/^md_/);
    expect(body.thumbMediaId).not.toBe(body.mediaId);
    expect(image()!.image).toContain(`/media/${body.thumbMediaId}?`);
    const original = await bob.api.post<"/media/urls">("/media/urls", { mediaIds: [body.mediaId], conversationId: groupId });
    expect(new Uint8Array(await (await fetch(original.urls[0]!.url)).arrayBuffer())).toEqual(PICTURE);
  });

  it("Alice holds to talk: the recording uploads as voice, and Bob's chat shows a voice bubble with its length that plays the same bytes", async () => {
    await tap(aliceChat, "#toggle-voice");
    await waitFor(() => aliceChat.instance.data.voiceMode === true, "voice mode (the microphone asked first)");
    aliceChat.querySelector("#hold-to-talk")!.dispatchEvent("touchstart");
    await settled();
    aliceChat.querySelector("#hold-to-talk")!.dispatchEvent("touchend");
    await waitFor(() => alice.adapter.progress.length === 3 && alice.chats.pending().length === 0, "voice upload and send");
    await tap(aliceChat, "#toggle-voice");
    const voice = () => (bobChat.instance.data.bubbles as Array<{ type: string; seq: number; voice: string; mine: boolean }>).find((b) => b.type === "voice");
    await waitFor(() => Boolean(voice()), "the voice bubble on Bob's screen", 10_000);
    await settled();
    expect(voice()!.mine).toBe(false);
    expect(text(bobChat, `#m-s${voice()!.seq} .bubble__duration`)).toBe('4"');
    const page = await bob.api.get<"/conversations/:id/messages">(`/conversations/${groupId}/messages`, { after: 0 });
    const body = page.messages.find((m) => m.type === "voice")!.body as { mediaId: string; durationMs: number };
    expect(body).toEqual({ mediaId: expect.stringMatching(/^md_[0-9a-z]{20}$/), durationMs: 4_200 });
    // Bob taps it: the player gets a signed URL serving Alice's recording as AAC.
    await tap(bobChat, `#m-s${voice()!.seq} .bubble__voice`);
    await waitFor(() => bob.adapter.audio.length === 1 && bobChat.instance.data.playing === voice()!.seq, "Bob playing it");
    const src = bob.adapter.audio[0]!.src;
    expect(src).toMatch(new RegExp(`^${baseUrl}/media/${body.mediaId}\\?e=\\d+&s=`));
    const res = await fetch(src);
    expect(res.headers.get("content-type")).toBe("audio/aac");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(VOICE);
    bob.adapter.endAudio();
  });

  it("Bob drops off the network: his message waits as sending, and on return he catches up and it is stored once", async () => {
    bob.adapter.setOffline(true);
    await waitFor(() => bob.chats.store.get().connection !== "online", "Bob offline");

    for (const t of ["one", "two", "three"]) {
      await input(aliceChat, "#draft-input", t);
      await tap(aliceChat, "#send");
    }
    await waitFor(() => bubbleTexts(aliceChat).slice(-3).join() === "one,two,three" && alice.chats.pending().length === 0, "Alice's messages stored");

    await input(bobChat, "#draft-input", "In a tunnel");
    await tap(bobChat, "#send");
    await waitFor(() => (bobChat.instance.data.bubbles as Array<{ status: string }>).some((b) => b.status === "sending"), "Bob's message waiting");
    expect(text(bobChat, ".msg__state--sending")).toBe("Sending");
    expect(bubbleTexts(bobChat)).not.toContain("one");

    // Bob has left the chat: what Alice wrote counts as unread on his Chats tab once he is back,
    // until his queued message goes out (sending reads the chat, as in WeChat). Which comes first
    // is a race between the list's fetch and the outbox, so the badge is 3 or gone, never else.
    await lifecycle(bobChat, "onHide");
    bob.adapter.setOffline(false);
    await waitFor(() => bob.chats.store.get().connection === "online", "Bob back online", 20_000);
    const bobList = await bob.page("pages/chats/index");
    await waitFor(() => (text(bobList, `#row-${groupId} .chat-row__preview`) ?? "") !== "", "the group on Bob's list", 10_000);
    expect(["3", ""]).toContain(text(bobList, `#row-${groupId} .chat-row__badge`) ?? "");
    await lifecycle(bobChat, "onShow");
    // The outbox lets go of the message at its ack, and its stored copy may reach the store only
    // after a pull of the seqs before it: wait for the copy, then check there is only one.
    await waitFor(() => bob.chats.pending().length === 0 && bubbleTexts(bobChat).includes("three") && bubbleTexts(bobChat).includes("In a tunnel"), "Bob caught up", 10_000);
    const texts = bubbleTexts(bobChat);
    expect(texts.slice(0, 5)).toEqual(["Hi Bob, welcome!", "Thanks Alice", "one", "two", "three"]);
    expect(texts.filter((t) => t === "In a tunnel")).toHaveLength(1);
    await waitFor(() => bubbleTexts(aliceChat).includes("In a tunnel"), "Bob's queued message on Alice's screen");

    // The server holds it once, whatever the retries.
    const page = await alice.api.get<"/conversations/:id/messages">(`/conversations/${groupId}/messages`, { after: 0 });
    expect(page.messages.filter((m) => (m.body as { text?: string } | null)?.text === "In a tunnel")).toHaveLength(1);
    expect(page.messages.map((m) => m.seq)).toEqual(page.messages.map((_, i) => i + 1));
  });

  it("Bob's phone loses the network and gets it back: it reconnects at once, not after the backoff, and catches up by seq", async () => {
    // What App.onLaunch registers.
    (bob.adapter.wx.onNetworkStatusChange as (l: (r: { isConnected: boolean }) => void) => void)((r) => bob.chats.networkChanged(r.isConnected));
    bob.adapter.setOffline(true);
    await waitFor(() => bob.chats.store.get().connection !== "online", "Bob offline");
    for (const t of ["while you were away", "still away?"]) {
      await input(aliceChat, "#draft-input", t);
      await tap(aliceChat, "#send");
    }
    await waitFor(() => alice.chats.pending().length === 0, "Alice's messages stored");
    // Long enough for failed attempts to push the backoff past a second.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const back = Date.now();
    bob.adapter.setOffline(false);
    await waitFor(() => bob.chats.store.get().connection === "online", "Bob back online", 10_000);
    const took = Date.now() - back;
    await waitFor(() => bubbleTexts(bobChat).includes("still away?"), "Bob caught up", 10_000);
    expect(took).toBeLessThan(1_500);
    expect(bubbleTexts(bobChat).filter((t) => t === "while you were away")).toHaveLength(1);
  }, 30_000);

  it("Bob's device opens from its cache with no network at all", async () => {
    bob.chats.saveNow();
    bob.adapter.setOffline(true);
    const { ChatClient } = clientModule<typeof Chats>("services/chats", bob.root);
    const fresh = new ChatClient();
    fresh.start();
    try {
      expect(fresh.conversation(groupId)?.name).toBe("Hiking");
      const cached = (fresh.store.get().messages[groupId] ?? []).map((m) => (m.body as { text?: string } | null)?.text).filter(Boolean);
      expect(cached).toEqual(expect.arrayContaining(["Hi Bob, welcome!", "three", "In a tunnel"]));
    } finally {
      fresh.socket.stop();
      bob.adapter.setOffline(false);
    }
  });

  it("Alice sets her Qun ID on Me, Bob finds and adds her on Contacts, she accepts, and their direct chat shows Read", async () => {
    const qunId = `alice_${Date.now().toString(36).slice(-6)}`;
    const me = await alice.page("pages/me/index");
    await lifecycle(me, "onShow");
    await tap(me, "#edit-username");
    await input(me, "#edit-input", qunId);
    await tap(me, "#edit-save");
    await waitFor(() => text(me, "#profile-qun-id") === `Qun ID: ${qunId}`, "Qun ID saved");

    const bobContacts = await bob.page("pages/contacts/index");
    await lifecycle(bobContacts, "onShow");
    await tap(bobContacts, "#add-friend");
    await input(bobContacts, "#search-input", qunId);
    await tap(bobContacts, "#search");
    await waitFor(() => bobContacts.instance.data.found.length === 1, "Alice found");
    await tap(bobContacts, ".found__add");
    await waitFor(() => bobContacts.instance.data.found[0].sent === true, "request sent");

    const aliceContacts = await alice.page("pages/contacts/index");
    await lifecycle(aliceContacts, "onShow");
    await waitFor(() => aliceContacts.instance.data.requests.length === 1, "Bob's request");
    expect(aliceContacts.instance.data.requests[0].greeting).toMatch(/^Hi, I'm bob-/);
    await tap(aliceContacts, "#new-friends");
    await tap(aliceContacts, ".request__accept");
    await waitFor(() => aliceContacts.instance.data.count === 1, "Bob is a friend");
    // Bob's Contacts tab, still open, hears of the acceptance over his socket and lists Alice.
    await waitFor(() => bobContacts.instance.data.count === 1, "Alice on Bob's list, live", 10_000);
    const bobId = bob.chats.me!;
    await tap(aliceContacts, `#friend-${bobId}`);
    await tap(aliceContacts, "#card-message");
    const directId = alice.adapter.navigations.at(-1)!.url.split("id=")[1]!;
    expect(directId).toMatch(/^d_/);

    // Bob's list learns of the direct chat live; he writes, Alice has it open and reads it.
    await waitFor(() => bob.chats.conversation(directId) !== undefined, "direct chat on Bob's device", 10_000);
    const aliceDirect = await alice.page("pages/chat/index", { id: directId });
    const bobDirect = await bob.page("pages/chat/index", { id: directId });
    await input(bobDirect, "#draft-input", "Now we are friends");
    await tap(bobDirect, "#send");
    await waitFor(() => bubbleTexts(aliceDirect).includes("Now we are friends"), "message on Alice's screen");
    await waitFor(() => (bobDirect.instance.data.bubbles as Array<{ mine: boolean; readLabel: string }>).some((b) => b.mine && b.readLabel === "Read"), "Read on Bob's screen");
  });

  it("Alice sends Bob Carol's contact card from the + panel; Bob opens it on the profile page and asks Carol to be friends", async () => {
    // Carol signs in elsewhere (over HTTP: no third client is needed) and becomes Alice's friend.
    const call = async <T>(path: string, token: string | null, body?: unknown): Promise<T> => {
      const res = await fetch(`${baseUrl}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status, path).toBeLessThan(300);
      return (await res.json()) as T;
    };
    type Requests = { incoming: Array<{ id: string; from: { id: string }; greeting: string }> };
    const carol = await call<{ accessToken: string; user: { id: string; nickname: string } }>("/auth/dev", null, { name: `carol-${Date.now().toString(36).slice(-6)}`, device: "test" });
    const carolId = carol.user.id as string;
    await alice.api.post<"/contacts/requests">("/contacts/requests", { userId: carolId });
    const { incoming } = await call<Requests>("/contacts/requests", carol.accessToken);
    await call(`/contacts/requests/${incoming[0]!.id}/accept`, carol.accessToken, {});

    const bobId = bob.chats.me!;
    const directId = alice.chats.store.get().conversations.find((c) => c.kind === "direct" && c.peer?.id === bobId)!.id;
    const aliceDirect = await alice.page("pages/chat/index", { id: directId });
    await tapPlus(aliceDirect, "card");
    await waitFor(() => aliceDirect.querySelector(`#card-picker >>> #pick-${carolId}`) !== undefined, "Carol among Alice's friends");
    await tap(aliceDirect, `#card-picker >>> #pick-${carolId}`);
    await tap(aliceDirect, "#card-picker >>> #picker-done");

    const bobDirect = await bob.page("pages/chat/index", { id: directId });
    const cardOf = (comp: Rendered) => (comp.instance.data.bubbles as Array<{ card: { userId: string; name: string } | null }>).find((b) => b.card?.userId === carolId)?.card;
    await waitFor(() => cardOf(bobDirect)?.name === carol.user.nickname, "the card on Bob's screen", 10_000);
    await settled();
    const cards = bobDirect.querySelectorAll(".bubble__card");
    cards.at(-1)!.dispatchEvent("tap");
    await settled();
    expect(bob.adapter.navigations.at(-1)).toEqual({ api: "navigateTo", url: `/pages/profile/index?userId=${carolId}` });

    const profile = await bob.page("pages/profile/index", { userId: carolId });
    await waitFor(() => profile.instance.data.loaded, "Carol's profile");
    await settled();
    expect(text(profile, "#profile-name")).toBe(carol.user.nickname);
    expect(profile.querySelector("#send-message")).toBeUndefined();
    await tap(profile, "#add-contact");
    await waitFor(() => profile.querySelector("#request-sent") !== undefined, "Sent");
    const asked = (await call<Requests>("/contacts/requests", carol.accessToken)).incoming;
    expect(asked.map((r) => r.from.id)).toEqual([bobId]);
    expect(asked[0]!.greeting).toMatch(/^I'm bob-/);
  });

  it("Alice starts a second group by picking Bob among her friends and sets its avatar; Bob sees both", async () => {
    const chatsTab = await alice.page("pages/chats/index");
    const bobId = bob.chats.me!;
    alice.adapter.actionSheetChoice = 0;
    alice.modalText = "Book Club";
    const before = alice.adapter.navigations.length;
    await tap(chatsTab, "#plus");
    await waitFor(() => chatsTab.querySelector(`#new-group-picker >>> #pick-${bobId}`) !== undefined, "Bob in the friend picker");
    await tap(chatsTab, `#new-group-picker >>> #pick-${bobId}`);
    await tap(chatsTab, "#new-group-picker >>> #picker-done");
    await waitFor(() => alice.adapter.navigations.length > before, "navigation to the new group");
    const clubId = alice.adapter.navigations.at(-1)!.url.split("id=")[1]!;
    expect(alice.adapter.modals.at(-1)!.content).toMatch(/^alice-\w+, bob-\w+$/);
    await waitFor(() => bob.chats.conversation(clubId)?.name === "Book Club", "the group on Bob's device", 10_000);
    expect(bob.chats.conversation(clubId)?.memberCount).toBe(2);

    const info = await alice.page("pages/group-info/index", { id: clubId });
    await waitFor(() => info.instance.data.info !== null, "group info");
    await tap(info, "#group-avatar");
    await waitFor(() => info.instance.data.avatar !== "", "the avatar on Alice's Group info");

    const bobInfo = await bob.page("pages/group-info/index", { id: clubId });
    await waitFor(() => bobInfo.instance.data.avatar !== "", "the avatar on Bob's Group info");
    expect(text(bobInfo, "#group-avatar")).toBe("Group Avatar");
    const res = await fetch(bobInfo.instance.data.avatar as string);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PICTURE);

    // Bob's Chats list follows the group's system messages live, without asking for the list again.
    const bobList = await bob.page("pages/chats/index");
    const row = () => (bobList.instance.data.rows as Array<{ id: string; name: string; avatar: string }>).find((r) => r.id === clubId);
    await waitFor(() => Boolean(row()?.avatar), "the avatar on Bob's Chats list");
    const listCalls = () => bob.adapter.requests.filter((r) => new URL(r.url).pathname === "/conversations").length;
    const calls = listCalls();
    await tap(info, "#group-name");
    await input(info, "#edit-input", "Reading Club");
    await tap(info, "#edit-save");
    await waitFor(() => text(bobList, `#row-${clubId} .chat-row__name`) === "Reading Club (2)", "the new name on Bob's Chats list");
    expect(listCalls()).toBe(calls);
  });

  it("Alice deletes the second group's chat from her Chats tab: it leaves her list and history, Bob's stays, and Bob's next message brings it back with that message only", async () => {
    // The rename reaches Alice's own store as the group's system message, which may still be on its way.
    const renamed = () => alice.chats.store.get().conversations.find((c) => c.name === "Reading Club");
    await waitFor(() => renamed() !== undefined, "the renamed club in Alice's store");
    const club = renamed()!;
    const aliceList = await alice.page("pages/chats/index");
    await waitFor(() => aliceList.querySelector(`#row-${club.id}`) !== undefined, "the club on Alice's list");
    const bobHeld = (bob.chats.store.get().messages[club.id] ?? []).length;
    expect(bobHeld).toBeGreaterThan(0);

    aliceList.querySelector(`#row-${club.id}`)!.dispatchEvent("longpress", { touches: [{ clientX: 120, clientY: 300 }] } as never);
    await settled();
    expect(text(aliceList, "#row-menu")).toBe("Mark as Unread Pin to Top Mute Notifications Delete Chat");
    await tap(aliceList, "#menu-delete"); // and confirms WeChat's question
    await waitFor(() => aliceList.querySelector(`#row-${club.id}`) === undefined, "the club gone from Alice's list");
    expect(alice.chats.store.get().messages[club.id] ?? []).toEqual([]);
    const listed = await alice.api.get<"/conversations">("/conversations");
    expect(listed.conversations.map((c) => c.id)).not.toContain(club.id);
    expect((await alice.api.get<"/conversations/:id/messages">(`/conversations/${club.id}/messages`, { after: 0 })).messages).toEqual([]);
    // Bob's chat is as it was.
    expect((bob.chats.store.get().messages[club.id] ?? []).length).toBe(bobHeld);
    expect((await bob.api.get<"/conversations">("/conversations")).conversations.map((c) => c.id)).toContain(club.id);

    bob.chats.send(club.id, { type: "text", body: { text: "Chapter 3 for Friday" } });
    await waitFor(() => aliceList.querySelector(`#row-${club.id}`) !== undefined, "the club back on Alice's list");
    expect(text(aliceList, `#row-${club.id} .chat-row__preview`)).toBe("Chapter 3 for Friday");
    expect(text(aliceList, `#row-${club.id} .chat-row__badge`)).toBe("1");
    expect((alice.chats.store.get().messages[club.id] ?? []).map((m) => (m.body as { text?: string } | null)?.text)).toEqual(["Chapter 3 for Friday"]);
  });

  it("Bob finds Alice's message by a two-character Chinese word on the Chats search and opens it with the messages around it", async () => {
    const chat = await alice.page("pages/chat/index", { id: groupId });
    await input(chat, "#draft-input", "明天下午三点开会，别迟到");
    await tap(chat, "#send");
    await waitFor(
      () => alice.chats.store.get().messages[groupId]?.some((m) => m.status === "sent" && (m.body as { text?: string } | null)?.text === "明天下午三点开会，别迟到") ?? false,
      "Alice's message stored",
    );

    const chatsTab = await bob.page("pages/chats/index");
    await tap(chatsTab, "#open-search");
    expect(bob.adapter.navigations.at(-1)!.url).toBe("/pages/search/index");
    const search = await bob.page("pages/search/index");
    await input(search, "#search-input", "开会");
    await search.instance.onConfirm();
    await waitFor(() => search.instance.data.chats.length === 1, "the group in Bob's results", 10_000);
    expect(text(search, "#history-title")).toBe("Chat History: 1 chat mentions 开会");
    expect(search.querySelector(`#chat-${groupId} .search-hit`)?.dom?.textContent).toBe("开会");
    await tap(search, `#chat-${groupId}`);
    const opened = bob.adapter.navigations.at(-1)!.url;
    expect(opened).toMatch(new RegExp(`^/pages/message-context/index\\?id=${groupId}&seq=\\d+&q=`));
    const query = Object.fromEntries(new URLSearchParams(opened.split("?")[1]));
    const context = await bob.page("pages/message-context/index", query);
    await waitFor(() => context.instance.data.rows.length > 1, "the messages around it", 10_000);
    const target = (context.instance.data.rows as Array<{ seq: number; target: boolean; parts: { text: string }[] }>).find((r) => r.target)!;
    expect(target.seq).toBe(Number(query.seq));
    expect(target.parts.map((p) => p.text).join("")).toBe("明天下午三点开会，别迟到");
    // Earlier messages of the group are loaded around it too.
    expect(context.instance.data.rows[0].seq).toBeLessThan(target.seq);
    expect(pageTextOf(context)).toContain("Thanks Alice");
  });

  it("a 2,000-message chat: Bob's chat page draws a window of the newest, each new message costs one bubble through setData, and scrolling up draws more", async () => {
    // 2,000 messages stored at once through the development seeding route (sending them one by one
    // over HTTP takes minutes on this machine and measures the send path, not the chat page), then
    // one sent live: Bob's client sees the gap and catches up all of it by seq.
    for (let batch = 0; batch < 4; batch++) {
      const messages = Array.from({ length: 500 }, (_, k) => ({ text: `crowd ${batch * 500 + k}`, at: Date.now() }));
      await alice.api.post<"/dev/conversations/:id/seed">(`/dev/conversations/${groupId}/seed`, { messages });
    }
    await input(aliceChat, "#draft-input", "2,000 later");
    await tap(aliceChat, "#send");
    await waitFor(() => bubbleTexts(bobChat).includes("2,000 later") && (bob.chats.store.get().messages[groupId]?.length ?? 0) > 2_000, "2,000 more on Bob's screen", 60_000);
    await settled();
    const held = bob.chats.store.get().messages[groupId]!.length;
    expect(held).toBeGreaterThan(2_000);
    expect((bobChat.instance.data.bubbles as unknown[]).length).toBeLessThanOrEqual(300);
    // One more message: what goes through setData is about one bubble.
    const bytes: number[] = [];
    const instance = bobChat.instance as unknown as { setData(patch: Record<string, unknown>): void };
    const setData = instance.setData.bind(instance);
    instance.setData = (patch) => {
      bytes.push(JSON.stringify(patch).length);
      setData(patch);
    };
    await input(aliceChat, "#draft-input", "that was a lot");
    await tap(aliceChat, "#send");
    await waitFor(() => bubbleTexts(bobChat).includes("that was a lot"), "one more on Bob's screen", 10_000);
    await settled();
    const total = bytes.reduce((a, b) => a + b, 0);
    console.log(`[setData] Bob's chat with ${held} messages: ${total} bytes for one incoming message`);
    expect(total).toBeLessThan(3_000);
    instance.setData = setData;
    // Scrolling to the top draws more of what Bob holds before asking the server.
    const before = (bobChat.instance.data.bubbles as unknown[]).length;
    bobChat.querySelector("#messages")!.dispatchEvent("scrolltoupper");
    await waitFor(() => (bobChat.instance.data.bubbles as unknown[]).length === before + 100 || (bobChat.instance.data.bubbles as unknown[]).length >= 300, "a wider window");
    // The cache keeps the newest 50 of it, under its own key.
    bob.chats.saveNow();
    const cached = JSON.parse(bob.adapter.storage.get(`qun.cache.c.${groupId}`)!) as unknown[];
    expect(cached).toHaveLength(50);
  }, 300_000);

  it("Bob deletes his account from Me: he lands on the login page signed out, and Alice sees 已注销 in the group and in their chat, which refuses her message", async () => {
    const bobId = bob.chats.me!;
    const directId = alice.chats.store.get().conversations.find((c) => c.kind === "direct")!.id;
    // A last word in the group, so one of Bob's messages is among the newest Alice's page draws
    // (the chat above it holds 2,000 more, and the page draws a window of the newest).
    await input(bobChat, "#draft-input", "Goodbye everyone");
    await tap(bobChat, "#send");
    await waitFor(() => bubbleTexts(aliceChat).includes("Goodbye everyone"), "Bob's goodbye on Alice's screen", 10_000);
    const me = await bob.page("pages/me/index");
    await lifecycle(me, "onShow");
    await waitFor(() => me.instance.data.user?.id === bobId, "Bob's profile");
    await tap(me, "#delete-account");
    await waitFor(() => bob.adapter.navigations.at(-1)?.url === "/pages/login/index", "Bob on the login page", 10_000);
    expect(bob.adapter.modals.at(-1)!.title).toBe("Delete Account");
    expect(clientModule<typeof Session>("services/session", bob.root).isSignedIn()).toBe(false);
    await waitFor(() => bob.chats.store.get().connection !== "online", "Bob's socket stopped");

    // The group's earlier messages from Bob now name a deleted account.
    const groupChat = await alice.page("pages/chat/index", { id: groupId });
    await waitFor(
      () => (groupChat.instance.data.bubbles as Array<{ sender: string; mine: boolean; senderId: string }>).some((b) => b.senderId === bobId && b.sender === "已注销"),
      "已注销 in the group",
      10_000,
    );
    await alice.chats.refresh();
    expect(alice.chats.conversation(directId)?.peer?.nickname).toBe("已注销");
    const direct = await alice.page("pages/chat/index", { id: directId });
    await input(direct, "#draft-input", "Are you still there?");
    await tap(direct, "#send");
    await waitFor(() => (direct.instance.data.bubbles as Array<{ status: string; error: string }>).some((b) => b.status === "failed"), "the refused message");
    const refused = (direct.instance.data.bubbles as Array<{ status: string; error: string }>).find((b) => b.status === "failed")!;
    expect(refused.error).toBe("This account has been deleted: messages to it are not delivered");
  });
});
