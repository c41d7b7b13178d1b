// Bigram terms in unicode61 (what Qun indexes) beside FTS5's trigram tokenizer (and its LIKE
// scan for 1- and 2-character queries) and a plain LIKE scan, on 100,000 Chinese messages in one
// SQLite database: the measurement behind docs/search.md#matching. Plain Node, no worker:
//   npm exec -- node --no-warnings tests/bench/search-tokenizers.ts
import { DatabaseSync } from "node:sqlite";
import { indexTerms, matchExpression } from "../../worker/lib/search-terms.ts";

const CJK =
  "我们 你们 今天 明天 下午 开会 吃饭 工作 项目 客户 文件 图片 电话 地址 公司 老师 朋友 周末 出差 报告 方案 预算 合同 会议 讨论 问题 消息 已经 可以 需要 知道 谢谢 好的 注意 天气 北京 上海 咖啡 超市 医院 快递 孩子 生日 照片 链接 价格 订单 发票 系统 测试 版本 代码 设计 产品 用户 数据 手机 电脑 网络 密码 通知 提醒 安排 计划 目标 总结 反馈 修改 确认 取消 加班 请假 运动 旅游 电影 音乐 项目进度".split(
    " ",
  );
let seed = 1;
const r = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const texts = Array.from({ length: 100_000 }, () => Array.from({ length: 4 + Math.floor(r() * 9) }, () => CJK[Math.floor(r() * CJK.length)]).join(""));
const db = new DatabaseSync(":memory:");
db.exec(
  "create table m (seq integer primary key, text text); create virtual table bi using fts5(terms, tokenize='unicode61 remove_diacritics 2'); create virtual table tri using fts5(text, tokenize='trigram');",
);
db.exec("begin");
const a = db.prepare("insert into m values (?, ?)"),
  b = db.prepare("insert into bi(rowid, terms) values (?, ?)"),
  c = db.prepare("insert into tri(rowid, text) values (?, ?)");
texts.forEach((t, i) => {
  a.run(i + 1, t);
  b.run(i + 1, indexTerms(t));
  c.run(i + 1, t);
});
db.exec("commit");
const time = (label: string, sql: string, arg: string) => {
  const st = db.prepare(sql);
  const ms: number[] = [];
  let n = 0;
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    n = st.all(arg).length;
    ms.push(performance.now() - t);
  }
  ms.sort((x, y) => x - y);
  console.log(label.padEnd(44), `p50 ${ms[15]!.toFixed(2)} ms  p99 ${ms[29]!.toFixed(2)} ms  rows ${n}`);
};
for (const q of ["开会", "项目进度"]) {
  time(`bigram MATCH ${q}`, "select rowid from bi where bi match ? order by rowid desc limit 20", matchExpression(q)!);
  time(
    `trigram ${q.length >= 3 ? "MATCH" : "LIKE (scan)"} ${q}`,
    q.length >= 3 ? "select rowid from tri where tri match ? order by rowid desc limit 20" : "select rowid from tri where text like ? order by rowid desc limit 20",
    q.length >= 3 ? `"${q}"` : `%${q}%`,
  );
  time(`plain LIKE scan of messages ${q}`, "select seq from m where text like ? order by seq desc limit 20", `%${q}%`);
}
// a rarer 2-char word: worst case for a scan that must reach 20 matches
time("bigram MATCH 火锅 (absent)", "select rowid from bi where bi match ? order by rowid desc limit 20", matchExpression("火锅")!);
time("trigram LIKE (scan) 火锅 (absent)", "select rowid from tri where text like ? order by rowid desc limit 20", "%火锅%");
const size = (t: string) => (db.prepare(`select sum(pgsize) as s from dbstat where name like '${t}%'`).get() as { s: number } | undefined)?.s;
try {
  console.log("index bytes: bigram", size("bi_"), "trigram", size("tri_"));
} catch (e) {
  console.log("no dbstat", String(e).slice(0, 60));
}
