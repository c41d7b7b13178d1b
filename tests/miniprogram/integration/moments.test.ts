// Moments with two mini-program clients and a third person on the real worker under `wrangler
// dev`: Alice posts from the composer to her tag "Close" (Bob only), so Carol, also her friend,
// is left out; Bob sees it on his timeline, likes it and comments through the page; Alice's
// notifications list both. Carol (a plain HTTP client here: the integration setup builds two
// clients) sees nothing of it on any route. Then Alice posts to all friends, Bob and Carol (who
// are not friends) both comment, and Bob's timeline shows his comment but never Carol's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type * as Auth from "../../../miniprogram/services/auth";
import type * as I18n from "../../../miniprogram/i18n/index";
import type * as Session from "../../../miniprogram/services/session";
import { befriend } from "../../support/friends";
import { builtMiniprogram, clientModule, lifecycle, loadComponent, renderPage, settled, tap, text, waitFor, type Rendered } from "../harness";
import { closeSockets, createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";
import { SECOND_WX } from "./global-setup";

const baseUrl = inject("e2eBaseUrl");
const loaded = new Map<string, string>();

interface Client {
  root: string;
  adapter: WxAdapter;
  id: string;
  token: string;
  page(path: string, query?: Record<string, string>): Promise<Rendered>;
}

function makeClient(root: string, install: (a: WxAdapter) => void): Client {
  const adapter = createWxAdapter();
  adapter.storage.set("qun.apiBase", JSON.stringify(baseUrl));
  install(adapter);
  clientModule<typeof I18n>("i18n/index", root).setLocale("en");
  return {
    root,
    adapter,
    id: "",
    token: "",
    async page(path, query = {}) {
      const key = `${root}:${path}`;
      if (!loaded.has(key)) loaded.set(key, await loadComponent(path, root));
      const comp = renderPage(loaded.get(key)!);
      const inst = comp.instance as unknown as Record<string, unknown>;
      if (inst.onLoad) await lifecycle(comp, "onLoad", query);
      if (inst.onShow) await lifecycle(comp, "onShow");
      return comp;
    },
  };
}

async function http(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

let alice: Client;
let bob: Client;
const carol = { id: "", token: "" };
let postId = "";

beforeAll(async () => {
  alice = makeClient(builtMiniprogram(), (a) => installWx(a));
  bob = makeClient(inject("miniprogramBuildB"), (a) => {
    (globalThis as Record<string, unknown>)[SECOND_WX] = a.wx;
  });
  const suffix = Date.now().toString(36).slice(-6);
  for (const [c, name] of [
    [alice, `malice-${suffix}`],
    [bob, `mbob-${suffix}`],
  ] as const) {
    await clientModule<typeof Auth>("services/auth", c.root).loginDev(name);
    const s = clientModule<typeof Session>("services/session", c.root).session.get();
    c.id = s.user!.id;
    c.token = s.tokens!.accessToken;
  }
  const c = await fetch(`${baseUrl}/auth/dev`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: `mcarol-${suffix}` }) }).then(
    (r) => r.json() as Promise<{ accessToken: string; user: { id: string } }>,
  );
  Object.assign(carol, { id: c.user.id, token: c.accessToken });
  const a = { id: alice.id, token: alice.token };
  await befriend(baseUrl, { id: bob.id, token: bob.token }, a);
  await befriend(baseUrl, carol, a);
  expect((await http(alice.token, "POST", "/contacts/tags", { name: "Close", userIds: [bob.id] })).status).toBe(201);
});

afterAll(() => {
  for (const c of [alice, bob]) if (c) closeSockets(c.adapter);
});

describe("Moments between two clients and a third person", () => {
  it("Alice posts from the composer to her tag Close, which leaves Carol out", async () => {
    const compose = await alice.page("pages/moments-compose/index");
    compose.querySelector("#compose-text")!.dispatchEvent("input", { detail: { value: "dinner with the close ones" } });
    await (compose.instance as unknown as { onVisibility: (e: unknown) => Promise<void> }).onVisibility({ detail: { value: 2 } });
    await waitFor(() => compose.instance.data.tags.length > 0, "Alice's tags");
    await tap(compose, "#audience-tag-0");
    await tap(compose, "#post-moment");
    await waitFor(() => alice.adapter.navigations.some((n) => n.api === "navigateBack"), "the post", 10_000);
    const mine = await http(alice.token, "GET", "/moments/timeline");
    postId = mine.body.moments[0].id;
    expect(mine.body.moments[0]).toMatchObject({ text: "dinner with the close ones", audience: { visibility: "include", tags: ["Close"], userIds: [] } });
  });

  it("Bob sees it on his timeline, likes it and comments from the page", async () => {
    const page = await bob.page("pages/moments/index");
    await waitFor(() => page.instance.data.rows.length > 0, "Bob's timeline", 10_000);
    expect(text(page, "#moment-0 .moment__text")).toBe("dinner with the close ones");
    await tap(page, "#moment-0 .moment__more");
    await tap(page, "#moment-0 .like-button");
    await waitFor(() => page.instance.data.rows[0].likedByMe === true, "the like", 10_000);
    await tap(page, "#moment-0 .moment__more"); // liking closed the menu
    await tap(page, "#moment-0 .comment-button");
    page.querySelector("#comment-input")!.dispatchEvent("input", { detail: { value: "count me in" } });
    await settled();
    await tap(page, "#send-comment");
    await waitFor(() => (text(page, "#moment-0 .moment__activity") ?? "").includes("count me in"), "the comment", 10_000);
  });

  it("Alice's notifications list Bob's like and comment", async () => {
    const page = await alice.page("pages/moments-notifications/index");
    await waitFor(() => page.instance.data.rows.length === 2, "two notifications", 10_000);
    expect(page.instance.data.rows.map((r: { kind: string }) => r.kind)).toEqual(["comment", "like"]);
    expect(text(page, "#notification-0")).toContain("commented: count me in");
  });

  it("Carol sees nothing of it: not on her timeline, not in Alice's album, not by id, not in notifications", async () => {
    const answers = await Promise.all([
      http(carol.token, "GET", "/moments/timeline"),
      http(carol.token, "GET", `/moments/users/${alice.id}`),
      http(carol.token, "GET", `/moments/${postId}`),
      http(carol.token, "GET", "/moments/notifications"),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 200]);
    for (const a of answers) expect(a.text).not.toMatch(/dinner with the close ones|count me in/);
    expect(answers[0]!.body.moments).toEqual([]);
  });

  it("on a post to all friends, Bob never sees the comment of Carol, who is not his friend", async () => {
    const open = await http(alice.token, "POST", "/moments", { text: "open house" });
    expect((await http(carol.token, "POST", `/moments/${open.body.id}/comments`, { text: "carol was here" })).status).toBe(201);
    expect((await http(bob.token, "POST", `/moments/${open.body.id}/comments`, { text: "bob was here" })).status).toBe(201);
    const page = await bob.page("pages/moments/index");
    await waitFor(() => page.instance.data.rows.some((r: { text: string }) => r.text === "open house"), "the open post", 10_000);
    expect(text(page, "#moment-0 .moment__activity")).toContain("bob was here");
    expect(JSON.stringify(page.instance.data.rows)).not.toContain("carol was here");
    // Alice, friends with both, sees both.
    const asAlice = await http(alice.token, "GET", `/moments/${open.body.id}`);
    expect(asAlice.body.comments.map((c: { text: string }) => c.text)).toEqual(["carol was here", "bob was here"]);
  });
});
