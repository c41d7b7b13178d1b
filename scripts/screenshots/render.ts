// `npm run screenshots`, step 1: renders every page of the mini-program with miniprogram-simulate
// from sample data (sample-data.ts and its neighbours), in the language SCREEN_LOCALE names (zh_CN,
// the default, or en; the sample people and messages are in that language too), and writes each as
// plain HTML under .build/screens/<locale>/ (html.ts); capture.ts photographs them.
import { afterAll, it } from "vitest";
import type * as I18n from "../../miniprogram/i18n/index";
import type * as Chats from "../../miniprogram/services/chats";
import type * as Session from "../../miniprogram/services/session";
import { clientModule, lifecycle, loadComponent, renderPage, settled, waitFor } from "../../tests/miniprogram/harness";
import { createWxAdapter, installWx } from "../../tests/miniprogram/wx-adapter";
import { useTabs, useTitles, writePage } from "./html.ts";
import { BOB_CHAT, photoDataUrl, qrDataUrl, server } from "./sample-data.ts";
import { DAVE, GROUP, LOCALE, ME, NAMES, now } from "./people.ts";
import { loadMorePages, renderMorePages, renderSignedOut } from "./pages-more.ts";

// ---- Rendering ------------------------------------------------------------------------------

const chats = () => clientModule<typeof Chats>("services/chats").chats;

afterAll(() => chats().socket.stop());

it("renders the main pages", async () => {
  const adapter = createWxAdapter({ fetch: server, language: LOCALE });
  useTitles(adapter.titles);
  useTabs(adapter);
  installWx(adapter);
  clientModule<typeof I18n>("i18n/index").setLocale(LOCALE);
  // Every page is loaded before any is rendered: a page loaded after another's WeUI dialogs were
  // rendered would draw its own dialogs empty (simulate shares WeUI's registrations).
  const more = await loadMorePages();
  const pages = {
    chats: await loadComponent("pages/chats/index"),
    chat: await loadComponent("pages/chat/index"),
    info: await loadComponent("pages/group-info/index"),
    profile: await loadComponent("pages/profile/index"),
  };
  await renderSignedOut(adapter, more);
  clientModule<typeof Session>("services/session").startSession({
    accessToken: "access-1",
    accessTokenExpiresAt: now + 60_000,
    refreshToken: "refresh-1-0123456789abcdef",
    refreshTokenExpiresAt: now + 86_400_000,
    user: { id: ME, username: "ann", nickname: NAMES.ann, avatarMediaId: null, signature: "", status: "", hasPassword: false, wechatLinked: false, allowStrangers: true, createdAt: 0 },
    created: false,
  });
  chats().start();
  chats().socket.stop(); // no live server here: the sample data comes through refresh()
  await chats().refresh();

  const list = renderPage(pages.chats);
  adapter.pageStack.splice(0, adapter.pageStack.length, "pages/chats/index");
  await lifecycle(list, "onLoad");
  await lifecycle(list, "onShow");
  chats().socket.stop();
  chats().store.set({ connection: "online" });
  await settled();
  writePage("chats", "pages/chats/index", list);
  adapter.titles.length = 0;

  const chat = renderPage(pages.chat);
  await lifecycle(chat, "onLoad", { id: GROUP });
  // An iPhone 14's bar (the screenshot's size): a 47 px status bar, the capsule 32 px tall 4 px below it.
  chat.instance.setData({ nav: { statusBar: 47, height: 40, bottom: 87, capsule: 93, windowWidth: 390 } });
  chats().setActive(null);
  await waitFor(() => chat.instance.data.members.length === 3 && chat.instance.data.bubbles.length === 9, "chat");
  await chats().loadReceipts(GROUP);
  await settled();
  // The chat fills an iPhone 14's 844 px; the sample photo stands in for the signed URL's picture.
  // Opened, a chat shows its newest messages: the list is drawn from the bottom up.
  const chatCss = `.main--chat { height: 844px; } .main--chat-messages { display: flex; flex-direction: column; justify-content: flex-end; overflow: hidden; } .main--bubble__image { background-image: url("${photoDataUrl}"); background-size: cover; }`;
  writePage("chat", "pages/chat/index", chat, chatCss);
  // The same chat with Bob's photo long-pressed: the dark menu over it. simulate lays nothing out,
  // so the finger is put where the photo is drawn on the screenshot (the middle of its top edge;
  // the last bubble, so the same in both languages).
  const finger = { clientX: 118, clientY: 625 };
  chat.querySelector("#b-s9")!.dispatchEvent("longpress", { touches: [finger], changedTouches: [finger] });
  await settled();
  writePage("chat-menu", "pages/chat/index", chat, chatCss);
  chat.instance.setData({ menu: { ...chat.instance.data.menu, show: false } });

  // The composer's panels, each open in place of the keyboard.
  chat.instance.onToggleEmoji();
  await settled();
  writePage("chat-emoji", "pages/chat/index", chat, chatCss);
  chat.instance.onTogglePlus();
  await settled();
  writePage("chat-plus", "pages/chat/index", chat, chatCss);
  chat.instance.onTogglePlus();

  // A direct chat with a contact card and face codes drawn as emoji, and the profile the card opens.
  const direct = renderPage(pages.chat);
  await lifecycle(direct, "onLoad", { id: BOB_CHAT });
  direct.instance.setData({ nav: { statusBar: 47, height: 40, bottom: 87, capsule: 93, windowWidth: 390 } });
  chats().setActive(null);
  await waitFor(() => direct.instance.data.bubbles.length === 3, "Bob's chat");
  await settled();
  writePage("chat-card", "pages/chat/index", direct, chatCss);
  const profile = renderPage(pages.profile);
  await lifecycle(profile, "onLoad", { userId: DAVE });
  await waitFor(() => profile.instance.data.loaded, "the profile");
  writePage("profile", "pages/profile/index", profile);

  const info = renderPage(pages.info);
  await lifecycle(info, "onLoad", { id: GROUP });
  await waitFor(() => info.instance.data.info !== null, "group info");
  // WeUI's half-screen dialog runs a 300 ms hide timer when it first renders closed; a dialog opened
  // before that fires is closed by it. A person taps later than that: so does this.
  await new Promise((resolve) => setTimeout(resolve, 400));
  info.instance.onShowQr();
  await waitFor(() => info.instance.data.qr !== null, "QR");
  await settled();
  // simulate keeps <image src> as a property, not an attribute: draw the QR as its background.
  writePage("group-info-qr", "pages/group-info/index", info, `.main--qr__image { background-image: url("${qrDataUrl}"); background-size: contain; background-repeat: no-repeat; }`);

  await renderMorePages(adapter, more);
});
