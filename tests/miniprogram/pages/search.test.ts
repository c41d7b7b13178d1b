// The search pages: the box at the top of Chats (contacts, group chats, chat history grouped by
// chat, the match highlighted), search inside one chat (keyword, kind, day), and a chat opened at
// a result with the messages around it. A small fake server answers the search routes.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type * as I18n from "../../../miniprogram/i18n/index";
import type { Message } from "../../../schema/protocol";
import type { SearchHit, SearchResponse } from "../../../schema/search";
import { clientModule, lifecycle, loadComponent, renderPage, settled, tap, text, waitFor, type Rendered } from "../harness";
import { message, signIn } from "./fixtures";
import { createWxAdapter, installWx, type WxAdapter } from "../wx-adapter";

const i18n = () => clientModule<typeof I18n>("i18n/index");
const GROUP = "c_grouppppppppppppppppp";
const DIRECT = "d_directttttttttttttttt";
let pages: { search: string; chat: string; context: string };
let adapter: WxAdapter;
let answers: Record<string, (url: URL) => unknown>;
let asked: URL[];

/** A text message, Bob's at odd seqs and mine at even ones, at a fixed time. */
const textAt = (seq: number, text: string, conversationId = GROUP): Message => message(conversationId, seq, seq % 2 ? "u_bob" : "u_me", "text", { text }, { createdAt: 1_700_000_000_000 + seq });

function hit(seq: number, text: string, at: number, conversationId = GROUP): SearchHit {
  return { message: textAt(seq, text, conversationId), snippet: text, highlights: [[at, at + 2]] };
}

beforeAll(async () => {
  installWx(createWxAdapter());
  pages = { search: await loadComponent("pages/search/index"), chat: await loadComponent("pages/chat-search/index"), context: await loadComponent("pages/message-context/index") };
});

beforeEach(() => {
  answers = {};
  asked = [];
  adapter = createWxAdapter({
    fetch: async (req: Request) => {
      const url = new URL(req.url);
      asked.push(url);
      const answer = answers[url.pathname];
      return answer ? Response.json(answer(url)) : Response.json({ error: { code: "not_found", message: "no" } }, { status: 404 });
    },
  });
  installWx(adapter);
  signIn({ id: "u_me", nickname: "Me", allowStrangers: false });
});

async function open(id: string, options: Record<string, string> = {}): Promise<Rendered> {
  const comp = renderPage(id);
  await lifecycle(comp, "onLoad", options);
  await settled();
  return comp;
}

describe("the Chats search", () => {
  it("shows contacts, group chats and chat history for a query, grouped, with the match highlighted", async () => {
    const result: SearchResponse = {
      contacts: [{ userId: "u_zhang", nickname: "张三", remark: "张老师", username: null, avatarMediaId: null, matched: "remark" }],
      groups: [{ conversation: { id: GROUP, kind: "group", name: "开会小组", avatarMediaId: null }, memberCount: 3 }],
      messages: {
        chats: [
          { conversation: { id: DIRECT, kind: "direct", name: "Bob", avatarMediaId: null }, total: 1, hits: [hit(7, "明天开会吗", 2, DIRECT)] },
          { conversation: { id: GROUP, kind: "group", name: "开会小组", avatarMediaId: null }, total: 4, hits: [hit(9, "开会了", 0)] },
        ],
        cursor: null,
        searched: 2,
      },
    };
    answers["/search"] = () => result;
    const comp = await open(pages.search);
    comp.instance.setData({ query: "开会" });
    await comp.instance.onConfirm();
    await settled();
    expect(asked.at(-1)!.searchParams.get("q")).toBe("开会");
    expect(text(comp, "#contact-u_zhang")).toContain("张老师");
    expect(text(comp, `#group-${GROUP}`)).toContain("开会小组");
    expect(text(comp, "#history-title")).toBe("Chat History: 2 chats mention 开会");
    expect(text(comp, `#chat-${GROUP}`)).toContain("4 related messages");
    const hl = comp.querySelector(`#chat-${DIRECT} .search-hit`);
    expect(hl?.dom?.textContent).toBe("开会");
  });

  it("opens a chat with one match at that message, and a chat with several in its own search", async () => {
    answers["/search"] = () => ({
      contacts: [],
      groups: [],
      messages: {
        chats: [
          { conversation: { id: DIRECT, kind: "direct", name: "Bob", avatarMediaId: null }, total: 1, hits: [hit(7, "明天开会吗", 2, DIRECT)] },
          { conversation: { id: GROUP, kind: "group", name: "Team", avatarMediaId: null }, total: 2, hits: [hit(9, "开会了", 0)] },
        ],
        cursor: null,
        searched: 2,
      },
    });
    const comp = await open(pages.search);
    comp.instance.setData({ query: "开会" });
    await comp.instance.onConfirm();
    await settled();
    await tap(comp, `#chat-${DIRECT}`);
    expect(adapter.navigations.at(-1)!.url).toBe(`/pages/message-context/index?id=${DIRECT}&seq=7&q=${encodeURIComponent("开会")}`);
    await tap(comp, `#chat-${GROUP}`);
    expect(adapter.navigations.at(-1)!.url).toBe(`/pages/chat-search/index?id=${GROUP}&q=${encodeURIComponent("开会")}&name=Team`);
  });

  it("says so when nothing matches, and asks for more chats with the cursor", async () => {
    answers["/search"] = () => ({ contacts: [], groups: [], messages: { chats: [], cursor: null, searched: 5 } });
    const comp = await open(pages.search);
    comp.instance.setData({ query: "zzz" });
    await comp.instance.onConfirm();
    await settled();
    expect(text(comp, "#search-empty")).toBe('No results for "zzz"');

    answers["/search"] = () => ({
      contacts: [],
      groups: [],
      messages: { chats: [{ conversation: { id: GROUP, kind: "group", name: "Team", avatarMediaId: null }, total: 1, hits: [hit(3, "hello there", 0)] }], cursor: "next-page", searched: 50 },
    });
    answers["/search/messages"] = () => ({
      chats: [{ conversation: { id: DIRECT, kind: "direct", name: "Bob", avatarMediaId: null }, total: 1, hits: [hit(5, "hello bob", 0, DIRECT)] }],
      cursor: null,
      searched: 10,
    });
    comp.instance.setData({ query: "hello" });
    await comp.instance.onConfirm();
    await settled();
    await tap(comp, "#more-chats");
    await waitFor(() => comp.instance.data.chats.length === 2, "second page");
    expect(asked.at(-1)!.searchParams.get("cursor")).toBe("next-page");
    expect(text(comp, "#history-title")).toBe("Chat History: 2 chats mention hello");
    expect(comp.querySelector("#more-chats")).toBeFalsy();
  });
});

describe("searching one chat", () => {
  it("searches by the keyword it was opened with, then by kind and by day", async () => {
    answers[`/conversations/${GROUP}/search`] = (url) => ({
      conversationId: GROUP,
      total: 2,
      hits: url.searchParams.get("kind") === "link" ? [] : [hit(9, "开会了", 0), hit(4, "明天开会", 2)],
      nextBefore: null,
    });
    const comp = await open(pages.chat, { id: GROUP, q: encodeURIComponent("开会"), name: "Team" });
    await waitFor(() => comp.instance.data.rows.length === 2, "results");
    expect(text(comp, "#count")).toBe("2 results");
    expect(comp.querySelector("#hit-4 .search-hit")?.dom?.textContent).toBe("开会");
    await tap(comp, "#hit-4");
    expect(adapter.navigations.at(-1)!.url).toBe(`/pages/message-context/index?id=${GROUP}&seq=4&q=${encodeURIComponent("开会")}`);

    await tap(comp, "#kind-3");
    expect(asked.at(-1)!.searchParams.get("kind")).toBe("link");
    expect(text(comp, "#search-empty")).toBe("No results");

    comp.instance.setData({ query: "", kind: 0 });
    await comp.instance.onDay({ detail: { value: "2026-11-30" } });
    const q = asked.at(-1)!.searchParams;
    expect(Number(q.get("until")) - Number(q.get("since"))).toBe(86_400_000);
    expect(new Date(Number(q.get("since"))).getDate()).toBe(30);
    expect(q.get("q")).toBeNull();
  });

  it("in a group, searches one member's messages picked from the member list", async () => {
    answers[`/groups/${GROUP}/members`] = () => ({ members: [{ userId: "u_bob", role: "member", nickname: "", profileNickname: "Bob", avatarMediaId: null, joinedAt: 0, mutedUntil: null }] });
    answers[`/conversations/${GROUP}/search`] = () => ({ conversationId: GROUP, total: 1, hits: [hit(9, "开会了", 0)], nextBefore: null });
    const comp = await open(pages.chat, { id: GROUP });
    expect(asked).toEqual([]);
    await tap(comp, "#by-member");
    await waitFor(() => comp.querySelector("#member-u_bob") !== undefined && comp.querySelector("#member-u_bob") !== null, "the member list");
    await tap(comp, "#member-u_bob");
    await waitFor(() => comp.instance.data.rows.length === 1, "Bob's messages");
    expect(asked.at(-1)!.searchParams.get("senderId")).toBe("u_bob");
    expect(asked.at(-1)!.searchParams.get("q")).toBeNull();
    expect(text(comp, "#by-member")).toBe("Bob");
  });
});

describe("a chat opened at a result", () => {
  it("loads the messages around it, marks it, and pages older and newer", async () => {
    answers[`/conversations/${GROUP}/messages`] = (url) => {
      const p = url.searchParams;
      if (p.get("around")) return { messages: [8, 9, 10, 11].map((s) => textAt(s, s === 10 ? "我们开会吧" : `m${s}`)), hasMore: true, lastSeq: 14 };
      if (p.get("before")) return { messages: [6, 7].map((s) => textAt(s, `m${s}`)), hasMore: false, lastSeq: 14 };
      return { messages: [12, 13, 14].map((s) => textAt(s, `m${s}`)), hasMore: false, lastSeq: 14 };
    };
    answers[`/groups/${GROUP}/members`] = () => ({ members: [{ userId: "u_bob", role: "member", nickname: "老鲍", profileNickname: "Bob", avatarMediaId: null, joinedAt: 0, mutedUntil: null }] });
    const comp = await open(pages.context, { id: GROUP, seq: "10", q: encodeURIComponent("开会") });
    await waitFor(() => comp.instance.data.rows.length === 4, "around");
    expect(asked.find((u) => u.searchParams.has("around"))!.searchParams.get("around")).toBe("10");
    await waitFor(() => (text(comp, "#m-9") ?? "").startsWith("老鲍"), "the sender's group alias");
    expect(text(comp, "#m-10")).toContain("Me ·");
    expect(comp.querySelector("#m-10")?.dom?.className).toContain("context__target");
    expect(comp.querySelector("#m-10 .search-hit")?.dom?.textContent).toBe("开会");
    expect(comp.instance.data.scrollInto).toBe("m-10");
    await comp.instance.onOlder();
    await comp.instance.onNewer();
    expect(comp.instance.data.rows.map((r: { seq: number }) => r.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(comp.instance.data).toMatchObject({ hasOlder: false, hasNewer: false });
    await tap(comp, "#open-chat");
    expect(adapter.navigations.at(-1)!.url).toBe(`/pages/chat/index?id=${GROUP}`);
  });
});

describe("the search pages in Chinese", () => {
  it("say the sections, counts and buttons in Chinese, with Chinese titles", async () => {
    i18n().setLocale("zh_CN");
    answers["/search"] = () => ({
      contacts: [{ userId: "u_zhang", nickname: "张三", remark: "", username: null, avatarMediaId: null, matched: "nickname" }],
      groups: [{ conversation: { id: GROUP, kind: "group", name: "开会小组", avatarMediaId: null }, memberCount: 3, member: { userId: "u_bob", name: "鲍勃" } }],
      messages: { chats: [{ conversation: { id: GROUP, kind: "group", name: "开会小组", avatarMediaId: null }, total: 4, hits: [hit(9, "开会了", 0)] }], cursor: "next", searched: 2 },
    });
    const search = await open(pages.search);
    expect(adapter.titles.at(-1)).toBe("搜索");
    expect(search.instance.data.s.placeholder).toBe("搜索"); // the search field's placeholder
    search.instance.setData({ query: "开会" });
    await search.instance.onConfirm();
    await settled();
    expect(text(search, "#contacts .search-section__title")).toBe("联系人");
    expect(text(search, "#groups")).toBe("群聊 开 开会小组 包含：鲍勃");
    expect(text(search, "#history-title")).toBe("聊天记录：1个聊天包含“开会”");
    expect(text(search, `#chat-${GROUP}`)).toContain("4条相关聊天记录");
    expect(text(search, "#more-chats")).toBe("更多聊天记录");

    answers[`/conversations/${GROUP}/search`] = () => ({ conversationId: GROUP, total: 2, hits: [hit(9, "开会了", 0), hit(4, "明天开会", 2)], nextBefore: null });
    const chat = await open(pages.chat, { id: GROUP, q: encodeURIComponent("开会") });
    await waitFor(() => chat.instance.data.rows.length === 2, "results");
    expect(adapter.titles.at(-1)).toBe("查找聊天记录");
    expect(text(chat, ".search-kinds")).toBe("全部 图片及视频 文件 链接 日期 群成员");
    expect(text(chat, "#count")).toBe("2条结果");

    answers[`/conversations/${GROUP}/messages`] = () => ({ messages: [9, 10].map((seq) => textAt(seq, seq === 10 ? "我们开会吧" : "好")), hasMore: false, lastSeq: 10 });
    answers[`/groups/${GROUP}/members`] = () => ({ members: [] });
    const context = await open(pages.context, { id: GROUP, seq: "10", q: encodeURIComponent("开会") });
    await waitFor(() => context.instance.data.rows.length === 2, "around");
    expect(adapter.titles.at(-1)).toBe("聊天记录");
    expect(text(context, "#m-10")).toContain("我 ·");
    expect(text(context, "#open-chat")).toBe("进入聊天");
  });
});
