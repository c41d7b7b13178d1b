// The screenshots of every page besides Chats, Chat, Profile and Group info (render.ts draws
// those): Login signed out, then signed in Contacts, Me, Welcome, Join, Face-to-face, Search, Chat
// search, Message context, Read list, Privacy and the Moments pages, each reached the way a person
// reaches it (its onLoad query, then a tap or typing where the page needs one).
import type * as Chats from "../../miniprogram/services/chats";
import type * as Privacy from "../../miniprogram/services/privacy";
import { clientModule, lifecycle, loadComponent, renderPage, settled, waitFor, type Rendered } from "../../tests/miniprogram/harness";
import type { WxAdapter } from "../../tests/miniprogram/wx-adapter";
import { writePage } from "./html.ts";
import { GROUP, HIKING, ME, minutes, NAMES, say } from "./people.ts";
import { signedInDevices } from "./sample-data.ts";
import { faceToFaceRoom, invitePreview, picture, searchHits, searchQuery } from "./sample-social.ts";

export const PAGES = [
  "login",
  "welcome",
  "contacts",
  "me",
  "join",
  "web-login",
  "devices",
  "face-to-face",
  "search",
  "chat-search",
  "message-context",
  "read-list",
  "privacy",
  "discover",
  "moments",
  "moments-compose",
  "moments-album",
  "moments-notifications",
  "moments-settings",
] as const;
type Loaded = Record<(typeof PAGES)[number], string>;

/** Loads the pages (before any page is rendered: see render.ts). */
export async function loadMorePages(): Promise<Loaded> {
  const out = {} as Loaded;
  for (const p of PAGES) out[p] = await loadComponent(`pages/${p}/index`);
  return out;
}

const TABS = ["contacts", "me", "discover"];

/** Opens a page as WeChat does (on the page stack, onLoad with its query, onShow), with no title yet. */
async function open(adapter: WxAdapter, loaded: Loaded, page: (typeof PAGES)[number], query: Record<string, string> = {}): Promise<Rendered> {
  adapter.titles.length = 0;
  const route = `pages/${page}/index`;
  if (TABS.includes(page)) adapter.pageStack.splice(0, adapter.pageStack.length, route);
  else adapter.pageStack.push(route);
  const comp = renderPage(loaded[page]);
  const instance = comp.instance as unknown as Record<string, unknown>;
  if (instance.onLoad) await lifecycle(comp, "onLoad", query);
  if (instance.onShow) await lifecycle(comp, "onShow");
  await settled(6);
  return comp;
}
const call = (comp: Rendered, method: string, ...args: unknown[]) => (comp.instance as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
const data = (comp: Rendered) => comp.instance.data as Record<string, unknown>;

/** Login: drawn before the session starts (a signed-in user is sent on to Chats). */
export async function renderSignedOut(adapter: WxAdapter, loaded: Loaded): Promise<void> {
  const login = await open(adapter, loaded, "login");
  writePage("login", "pages/login/index", login);
}

export async function renderMorePages(adapter: WxAdapter, loaded: Loaded): Promise<void> {
  const chats = clientModule<typeof Chats>("services/chats").chats;

  const contacts = await open(adapter, loaded, "contacts");
  await waitFor(() => (data(contacts).sections as unknown[] | undefined)?.length !== 0 || (data(contacts).friends as unknown[] | undefined)?.length !== 0, "contacts");
  await settled(6);
  writePage("contacts", "pages/contacts/index", contacts);

  writePage("me", "pages/me/index", await open(adapter, loaded, "me"));

  // First sign-in: the avatar WeChat handed over, the nickname typed.
  const welcome = await open(adapter, loaded, "welcome");
  comp(welcome).setData({ avatarPath: picture("md_avatar_welcome"), nickname: NAMES.ann });
  await settled();
  writePage("welcome", "pages/welcome/index", welcome);

  const join = await open(adapter, loaded, "join", { q: encodeURIComponent(`https://qun.example.com/j/${invitePreview.code}`) });
  await waitFor(() => Boolean(data(join).preview), "the invite");
  writePage("join", "pages/join/index", join);

  // Web sign-in: a browser's QR code scanned, the question asked (the sample server has no
  // tickets, so the page is given what the scan answers).
  const webLogin = await open(adapter, loaded, "web-login", { ticket: "wt_0123456789abcdefghijklmnopqrstuv" });
  comp(webLogin).setData({ state: "ready", device: "Chrome on macOS", why: "", error: "" });
  await settled();
  writePage("web-login", "pages/web-login/index", webLogin);

  // Signed-in devices: this phone and a browser signed in an hour ago.
  signedInDevices.sessions.push({ id: "s_webwebwebwebwebwebw", kind: "web", device: "Chrome on macOS", createdAt: minutes(60), lastSeenAt: minutes(60), current: false });
  const devices = await open(adapter, loaded, "devices");
  await waitFor(() => data(devices).loaded === true, "the devices");
  writePage("devices", "pages/devices/index", devices);

  // Face-to-face with its four digits typed and the people who typed them too.
  const face = await open(adapter, loaded, "face-to-face");
  for (const key of faceToFaceRoom.code) call(face, "onKey", { currentTarget: { dataset: { key } } });
  await waitFor(() => data(face).room !== null, "the room");
  await settled();
  writePage("face-to-face", "pages/face-to-face/index", face);

  const search = await open(adapter, loaded, "search");
  call(search, "onInput", { detail: { value: searchQuery } });
  await call(search, "onConfirm");
  await settled();
  writePage("search", "pages/search/index", search);

  const chatSearch = await open(adapter, loaded, "chat-search", { id: GROUP, q: encodeURIComponent(searchQuery), name: encodeURIComponent(HIKING) });
  await settled(6);
  writePage("chat-search", "pages/chat-search/index", chatSearch);

  const hit = searchHits[0]!.message;
  const context = await open(adapter, loaded, "message-context", { id: GROUP, seq: String(hit.seq), q: encodeURIComponent(searchQuery) });
  await settled(6);
  writePage("message-context", "pages/message-context/index", context);

  // Who read my message 3 in the group: Bob has, Carol has not.
  await chats.loadReceipts(GROUP);
  const reads = await open(adapter, loaded, "read-list", { id: GROUP, seq: "6" });
  await settled(6);
  writePage("read-list", "pages/read-list/index", reads);
  call(reads, "onTab", { currentTarget: { dataset: { tab: "unread" } } });
  await settled();
  writePage("read-list-unread", "pages/read-list/index", reads);

  writePage("privacy", "pages/privacy/index", await open(adapter, loaded, "privacy"));
  // WeChat asking before a privacy-scoped API (the first location, say): the guide with Agree / Decline.
  let ask: ((resolve: (answer: unknown) => void) => void) | undefined;
  (globalThis as unknown as { wx: Record<string, unknown> }).wx.onNeedPrivacyAuthorization = (listener: typeof ask) => {
    ask = listener;
  };
  clientModule<typeof Privacy>("services/privacy").watchPrivacyAuthorization();
  ask?.(() => undefined);
  writePage("privacy-ask", "pages/privacy/index", await open(adapter, loaded, "privacy", { ask: "1" }));

  writePage("discover", "pages/discover/index", await open(adapter, loaded, "discover"));
  const moments = await open(adapter, loaded, "moments");
  await settled(6);
  writePage("moments", "pages/moments/index", moments);

  const compose = await open(adapter, loaded, "moments-compose");
  const picked = ["md_new0", "md_new1", "md_new2"].map((id) => ({ path: picture(id), kind: "image", size: 200_000, width: 1200, height: 1200, thumb: null }));
  comp(compose).setData({ text: say("Hiking again this Saturday, who is in?", "这周六再去爬山，谁一起？"), picked, canAdd: true });
  await settled();
  writePage("moments-compose", "pages/moments-compose/index", compose);

  const album = await open(adapter, loaded, "moments-album", { userId: ME });
  await settled(6);
  writePage("moments-album", "pages/moments-album/index", album);
  writePage("moments-notifications", "pages/moments-notifications/index", await open(adapter, loaded, "moments-notifications"));
  writePage("moments-settings", "pages/moments-settings/index", await open(adapter, loaded, "moments-settings"));
}
const comp = (c: Rendered) => c.instance as unknown as { setData: (d: Record<string, unknown>) => void };
