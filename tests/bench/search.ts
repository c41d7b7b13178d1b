// The benchmark's search section (`npm run bench -- --only search [--quick]`): keyword query
// latency, p50/p99 over HTTP, for a 2-character Chinese word, a 4-character Chinese phrase and
// an English word, (a) in one conversation of 100,000 messages and (b) across one user's 200
// conversations of 1,000 messages each (plus a word only 2 of them contain, so every object is
// asked). Qun runs under `wrangler dev`; the baseline is the conventional single-server design:
// the same messages in one Node SQLite database with one FTS5 index (the same bigram terms, so
// the comparison is of where the index lives, not of tokenizers), answering the same questions
// over HTTP. Messages are stored through the development-only seeding route.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DatabaseSync } from "node:sqlite";
import { indexTerms, matchExpression } from "../../worker/lib/search-terms.ts";
import { startWorker } from "../support/wrangler-dev.ts";

const log = (...a: unknown[]) => console.error(`[bench search ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---- the corpus -----------------------------------------------------------------------------

const CJK_WORDS =
  "我们 你们 他们 今天 明天 昨天 上午 下午 晚上 时间 地点 开会 吃饭 工作 项目 客户 文件 图片 视频 电话 微信 地址 公司 学校 老师 同学 朋友 家里 周末 假期 出差 报告 方案 预算 合同 会议 讨论 问题 答案 消息 已经 还是 可以 需要 应该 知道 觉得 看看 发给 收到 谢谢 好的 没问题 辛苦 注意 安全 天气 下雨 出发 到达 北京 上海 深圳 广州 杭州 成都 咖啡 午饭 晚饭 超市 医院 银行 快递 包裹 孩子 父母 生日 礼物 照片 视频号 链接 价格 优惠 订单 发票 付款 退款 系统 上线 测试 版本 代码 设计 产品 用户 数据 服务器 手机 电脑 充电 网络 密码 账号 登录 注册 设置 通知 提醒 安排 计划 目标 进展 总结 反馈 意见 修改 确认 取消 延期 加班 请假 休息 运动 跑步 游泳 爬山 旅游 电影 音乐 项目进度 北京大学".split(
    " ",
  );
const EN_WORDS =
  "the a to of and in on for with at from by about meeting tomorrow today report budget client project deadline review design update release server phone address office lunch dinner coffee weekend travel flight hotel ticket invoice payment order price discount please thanks sure okay great good bad late early call email file photo video link share check send receive confirm cancel move plan team manager schedule agenda notes draft final version code bug fix test deploy launch customer feedback issue question answer".split(
    " ",
  );
const RARE = "火锅";

/** A small deterministic PRNG (mulberry32), so every run stores the same messages. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function corpus(count: number, seed: number, rare = false): string[] {
  const r = prng(seed);
  const pick = (list: string[]) => list[Math.floor(r() * list.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const n = 4 + Math.floor(r() * 9);
    const text = r() < 0.7 ? Array.from({ length: n }, () => pick(CJK_WORDS)).join(r() < 0.3 ? "，" : "") : Array.from({ length: n }, () => pick(EN_WORDS)).join(" ");
    return rare && i === Math.floor(count / 2) ? `${text} ${RARE}` : text;
  });
}

const QUERIES = { "cjk 2 chars (开会)": "开会", "cjk 4 chars (项目进度)": "项目进度", "english (meeting)": "meeting" } as const;

// ---- measuring ------------------------------------------------------------------------------

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

function percentiles(ms: number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => Math.round(s[Math.min(s.length - 1, Math.floor(p * s.length))]! * 10) / 10;
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

async function timed(url: string, headers: Record<string, string>, runs: number): Promise<{ latency: Latency; last: any }> {
  let last: any = null;
  const ms: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    last = await res.json();
    if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(last).slice(0, 200)}`);
    if (i >= 3) ms.push(performance.now() - t); // three warm-up queries
  }
  return { latency: percentiles(ms), last };
}

async function json(url: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json", ...(init.headers ?? {}) } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  return body;
}

// ---- the baseline: one database, one index --------------------------------------------------

function baseline(single: string[], chats: string[][]): { server: Server; url: () => string } {
  const db = new DatabaseSync(":memory:");
  db.exec(`create table messages (rowid integer primary key, conversation_id text not null, seq integer not null, sender_id text not null, body text not null, created_at integer not null);
    create index messages_conv on messages (conversation_id, seq);
    create table conversations (id text primary key, last_message_at integer not null);
    create table memberships (user_id text not null, conversation_id text not null, primary key (user_id, conversation_id));
    create virtual table message_search using fts5(terms, tokenize = 'unicode61 remove_diacritics 2');`);
  const insert = db.prepare("insert into messages (conversation_id, seq, sender_id, body, created_at) values (?, ?, 'u', ?, ?)");
  const index = db.prepare("insert into message_search (rowid, terms) values (?, ?)");
  const store = (id: string, texts: string[], at: number) => {
    db.exec("begin");
    texts.forEach((t, i) => {
      const { lastInsertRowid } = insert.run(id, i + 1, JSON.stringify({ text: t }), at + i);
      index.run(lastInsertRowid, indexTerms(t));
    });
    db.prepare("insert into conversations values (?, ?)").run(id, at + texts.length);
    db.prepare("insert into memberships values ('me', ?)").run(id);
    db.exec("commit");
  };
  store("single", single, 1);
  chats.forEach((texts, i) => store(`c${i}`, texts, 1_000_000 + i * 10_000));

  // CROSS JOIN keeps the index as the outer loop (SQLite otherwise may walk the chat's messages and test each against MATCH).
  const page = db.prepare(`select m.* from message_search cross join messages m on m.rowid = message_search.rowid
    where message_search match ? and m.conversation_id = ? order by message_search.rowid desc limit ?`);
  const count = db.prepare(`select count(*) as n from (select 1 from message_search cross join messages m on m.rowid = message_search.rowid
    where message_search match ? and m.conversation_id = ? limit 999)`);
  const perChat = db.prepare(`select m.conversation_id as id, count(*) as n from message_search cross join messages m on m.rowid = message_search.rowid
    where message_search match ? and m.conversation_id in (select conversation_id from memberships where user_id = ?) group by m.conversation_id`);
  const activity = db.prepare("select c.id as id from conversations c join memberships s on s.conversation_id = c.id where s.user_id = ? order by c.last_message_at desc");
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const match = matchExpression(u.searchParams.get("q") ?? "")!;
    let body: unknown;
    if (u.pathname === "/chat") {
      const c = u.searchParams.get("c")!;
      body = { hits: page.all(match, c, 21), total: (count.get(match, c) as { n: number }).n };
    } else {
      // The same answer as Qun's first page: up to 20 chats with matches, most recently active first, 3 newest hits each.
      const counts = new Map((perChat.all(match, "me") as { id: string; n: number }[]).map((r) => [r.id, r.n]));
      const chatsWith = (activity.all("me") as { id: string }[]).filter((c) => counts.has(c.id)).slice(0, 20);
      body = { chats: chatsWith.map((c) => ({ id: c.id, total: counts.get(c.id), hits: page.all(match, c.id, 3) })) };
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  server.listen(0, "127.0.0.1");
  return { server, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// ---- the run --------------------------------------------------------------------------------

export async function searchSection(quick: boolean) {
  const sizes = quick ? { single: 10_000, chats: 50, perChat: 200, runs: 20 } : { single: 100_000, chats: 200, perChat: 1_000, runs: 100 };
  log(`corpus: ${sizes.single} messages in one chat; ${sizes.chats} chats of ${sizes.perChat}; ${sizes.runs} queries per figure`);
  const single = corpus(sizes.single, 1);
  const chats = Array.from({ length: sizes.chats }, (_, i) => corpus(sizes.perChat, 100 + i, i === 3 || i === sizes.chats - 10));

  const worker = await startWorker({ ENVIRONMENT: "development", JWT_SECRET: `bench-${crypto.randomUUID()}` }, 90_000, undefined, { snapshot: true });
  const base = worker.url;
  const results: Record<string, any> = { sizes, qun: {}, baseline: {} };
  try {
    const me = await json(`${base}/auth/dev`, { method: "POST", body: JSON.stringify({ name: "searcher" }) });
    const auth = { authorization: `Bearer ${me.accessToken}` };
    const newChat = async (name: string) => (await json(`${base}/conversations`, { method: "POST", headers: auth, body: JSON.stringify({ name, memberIds: [] }) })).id as string;
    const fill = async (id: string, texts: string[], at: number) => {
      for (let i = 0; i < texts.length; i += 250) {
        await json(`${base}/dev/conversations/${id}/seed`, { method: "POST", headers: auth, body: JSON.stringify({ messages: texts.slice(i, i + 250).map((text, k) => ({ text, at: at + i + k })) }) });
      }
    };
    let t = Date.now();
    const big = await newChat("big");
    await fill(big, single, 1);
    log(`qun: ${sizes.single} messages stored and indexed in ${Math.round((Date.now() - t) / 100) / 10} s`);
    t = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < sizes.chats; i += 4) {
      await Promise.all(
        chats.slice(i, i + 4).map(async (texts, k) => {
          const id = await newChat(`chat ${i + k}`);
          ids[i + k] = id;
          await fill(id, texts, 1_000_000 + (i + k) * 10_000);
        }),
      );
    }
    log(`qun: ${sizes.chats} chats of ${sizes.perChat} stored in ${Math.round((Date.now() - t) / 100) / 10} s`);
    // The summary flush (last seq, last message time) reaches D1 in the background: let it land.
    await new Promise((r) => setTimeout(r, 2000));

    t = Date.now();
    const b = baseline(single, chats);
    await new Promise((r) => b.server.once("listening", r));
    log(`baseline: the same messages in one SQLite database in ${Math.round((Date.now() - t) / 100) / 10} s`);

    // The stack's floor: a one-message history page takes the same path (HTTP, auth, the D1
    // membership check, one RPC) without searching.
    const floor = await timed(`${base}/conversations/${big}/messages?limit=1`, auth, sizes.runs);
    results.qun.floor = floor.latency;
    log(`qun floor (history page of 1): ${floor.latency.p50}/${floor.latency.p99} ms`);
    for (const [label, q] of Object.entries(QUERIES)) {
      const enc = encodeURIComponent(q);
      const qOne = await timed(`${base}/conversations/${big}/search?q=${enc}`, auth, sizes.runs);
      const bOne = await timed(`${b.url()}/chat?c=single&q=${enc}`, {}, sizes.runs);
      const qAll = await timed(`${base}/search/messages?q=${enc}`, auth, sizes.runs);
      const bAll = await timed(`${b.url()}/all?q=${enc}`, {}, sizes.runs);
      if (qOne.last.total !== bOne.last.total) throw new Error(`${label}: Qun counted ${qOne.last.total}, the baseline ${bOne.last.total}`);
      results.qun[label] = { oneChat: qOne.latency, allChats: qAll.latency, matches: qOne.last.total, chatsSearched: qAll.last.searched };
      results.baseline[label] = { oneChat: bOne.latency, allChats: bAll.latency };
      log(
        `${label}: one chat ${qOne.latency.p50}/${qOne.latency.p99} ms (baseline ${bOne.latency.p50}/${bOne.latency.p99}); all chats ${qAll.latency.p50}/${qAll.latency.p99} ms (baseline ${bAll.latency.p50}/${bAll.latency.p99})`,
      );
    }
    // A word in 2 chats only: every conversation object is asked.
    const rare = await timed(`${base}/search/messages?q=${encodeURIComponent(RARE)}`, auth, sizes.runs);
    const rareB = await timed(`${b.url()}/all?q=${encodeURIComponent(RARE)}`, {}, sizes.runs);
    // The searcher's chats are the 200 and the big one.
    if (rare.last.chats.length !== 2 || rare.last.searched !== sizes.chats + 1)
      throw new Error(`rare word: ${rare.last.chats.map((c: any) => c.conversation.name).join(", ")} found, ${rare.last.searched} searched`);
    results.qun["rare cjk (火锅), every chat asked"] = { allChats: rare.latency, chatsSearched: rare.last.searched };
    results.baseline["rare cjk (火锅), every chat asked"] = { allChats: rareB.latency };
    b.server.close();
  } finally {
    await worker.stop();
  }
  results.ratios = Object.fromEntries(
    Object.keys(results.baseline).map((label) => {
      const q = results.qun[label];
      const b = results.baseline[label];
      const r = (x?: Latency, y?: Latency) => (x && y ? { p50: Math.round((x.p50 / y.p50) * 100) / 100, p99: Math.round((x.p99 / y.p99) * 100) / 100 } : null);
      return [label, { oneChat: r(q.oneChat, b.oneChat), allChats: r(q.allChats, b.allChats) }];
    }),
  );
  return results;
}

export function searchTable(s: Record<string, any>): string {
  const cell = (l?: Latency) => (l ? `${l.p50} / ${l.p99}` : "–");
  const rows = Object.keys(s.baseline).map((label) => {
    const q = s.qun[label];
    const b = s.baseline[label];
    const r = s.ratios[label];
    return `| ${label} | ${cell(q.oneChat)} | ${cell(b.oneChat)} | ${r.oneChat ? `${r.oneChat.p50} / ${r.oneChat.p99}` : "–"} | ${cell(q.allChats)} | ${cell(b.allChats)} | ${r.allChats ? `${r.allChats.p50} / ${r.allChats.p99}` : "–"} |`;
  });
  return [
    `search: one chat of ${s.sizes.single}, and ${s.sizes.chats} chats of ${s.sizes.perChat}; p50 / p99 ms over HTTP`,
    "| query | qun, one chat | baseline, one chat | ratio | qun, all chats | baseline, all chats | ratio |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    `| the stack's floor: a history page of 1 | ${cell(s.qun.floor)} | | | | | |`,
  ].join("\n");
}
