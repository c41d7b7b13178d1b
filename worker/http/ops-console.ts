// GET /ops-console: the operators' page, so moderation needs no SQL. A static page (no data in
// it, so it needs no sign-in to load): the operator signs in on it with their Qun account, and
// every call it makes goes to /ops/… with that token, where the operator role is checked.
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { doc } from "./openapi";

const PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Qun moderation · 审核</title>
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#f5f5f5;color:#222}header{background:#07c160;color:#fff;padding:10px 16px}
main{padding:12px 16px}section{background:#fff;border-radius:6px;padding:12px;margin:0 0 12px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}button{margin:2px}pre{white-space:pre-wrap;margin:0;font-size:12px}
.err{color:#c00}input,select{margin:2px}
</style></head><body>
<header><b>Qun moderation · 内容审核</b> <span id="who"></span></header>
<main>
<section id="signin"><form id="login">Qun ID <input name="username" required> Password <input name="password" type="password" required> <button>Sign in</button></form></section>
<section><b>Reports</b> <select id="rstatus"><option>open</option><option>resolved</option><option>all</option></select> <button data-load="reports">Load</button><table id="reports"></table></section>
<section><b>Flagged content</b> <select id="fstatus"><option>open</option><option>refused</option><option>resolved</option><option>all</option></select> <button data-load="flags">Load</button><table id="flags"></table></section>
<section><b>Act</b><br>
User <input id="uid" placeholder="u_…" size="26"> <button data-user="warn">Warn</button><button data-user="suspend">Suspend</button><button data-user="ban">Ban</button><button data-user="reinstate">Reinstate</button><br>
Message <input id="cid" placeholder="conversation c_… / d_…" size="30"> seq <input id="seq" size="6"> <button id="remove">Remove message</button> <button id="dissolve">Dissolve group</button><br>
Note <input id="note" size="60"></section>
<section><b>Log</b> <button data-load="log">Load</button> <button data-load="users">Suspended accounts</button><table id="log"></table></section>
<p id="msg"></p>
</main>
<script>
let token = sessionStorage.getItem("opsToken") || "";
const $ = (id) => document.getElementById(id);
const say = (t, bad) => { $("msg").textContent = t; $("msg").className = bad ? "err" : ""; };
async function call(method, path, body) {
  const res = await fetch(path, { method, headers: { "content-type": "application/json", authorization: "Bearer " + token }, body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  if (!res.ok) { say(res.status + " " + (data && data.error ? data.error.code + ": " + data.error.message : ""), true); throw new Error(); }
  return data;
}
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const when = (ms) => (ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "");
function rows(id, items, cols) {
  $(id).innerHTML = "<tr>" + cols.map((c) => "<th>" + c[0] + "</th>").join("") + "</tr>" + items.map((it) => "<tr>" + cols.map((c) => "<td>" + c[1](it) + "</td>").join("") + "</tr>").join("");
}
const pick = (u, c, s) => '<button onclick="fill(\\'' + esc(u) + "','" + esc(c) + "','" + esc(s) + "')\\">use</button>";
window.fill = (u, c, s) => { if (u) $("uid").value = u; if (c) $("cid").value = c; if (s) $("seq").value = s; };
window.resolve = async (kind, id) => { await call("POST", "/ops/" + kind + "/" + id + "/resolve", { note: $("note").value }); say("resolved " + id); };
const loaders = {
  reports: async () => rows("reports", (await call("GET", "/ops/reports?status=" + $("rstatus").value)).reports, [
    ["when", (r) => when(r.createdAt)], ["target", (r) => esc(r.target) + "<br>" + esc(r.targetUserId) + "<br>" + esc(r.conversationId) + " " + esc(r.seq)],
    ["reason", (r) => esc(r.reason) + "<br>" + esc(r.detail)], ["evidence", (r) => "<pre>" + r.evidence.map((m) => (m.seq === r.seq ? "▶ " : "  ") + m.seq + " " + esc(m.senderId) + ": " + esc(JSON.stringify(m.body))).join("\\n") + "</pre>"],
    ["", (r) => pick(r.targetUserId, r.conversationId, r.seq) + (r.status === "open" ? "<button onclick=\\"resolve('reports','" + r.id + "')\\">close</button>" : esc(r.resolvedBy))],
  ]),
  flags: async () => rows("flags", (await call("GET", "/ops/flags?status=" + $("fstatus").value)).flags, [
    ["when", (f) => when(f.createdAt)], ["kind", (f) => esc(f.kind) + " · " + esc(f.suggest) + " · " + esc(f.source)], ["text", (f) => esc(f.text) + "<br><i>" + esc(f.label) + "</i>"],
    ["who", (f) => esc(f.userId) + "<br>" + esc(f.conversationId) + " " + esc(f.seq)],
    ["", (f) => pick(f.userId, f.conversationId, f.seq) + (f.status === "open" ? "<button onclick=\\"resolve('flags','" + f.id + "')\\">close</button>" : "")],
  ]),
  log: async () => rows("log", (await call("GET", "/ops/log")).entries, [["when", (e) => when(e.createdAt)], ["operator", (e) => esc(e.operatorId)], ["action", (e) => esc(e.action)], ["target", (e) => esc(e.targetUserId) + " " + esc(e.conversationId) + " " + esc(e.seq)], ["note", (e) => esc(e.note)]]),
  users: async () => rows("log", (await call("GET", "/ops/users")).users, [["user", (u) => esc(u.id) + " " + esc(u.nickname)], ["state", (u) => esc(u.moderation)], ["since", (u) => when(u.moderatedAt)], ["", (u) => pick(u.id, "", "")]]),
};
document.querySelectorAll("[data-load]").forEach((b) => (b.onclick = () => loaders[b.dataset.load]().catch(() => {})));
document.querySelectorAll("[data-user]").forEach((b) => (b.onclick = () => call("POST", "/ops/users/" + $("uid").value.trim() + "/" + b.dataset.user, { note: $("note").value }).then(() => say(b.dataset.user + " done")).catch(() => {})));
$("remove").onclick = () => call("POST", "/ops/messages/remove", { conversationId: $("cid").value.trim(), seq: Number($("seq").value), note: $("note").value }).then(() => say("removed")).catch(() => {});
$("dissolve").onclick = () => confirm("Dissolve this group?") && call("POST", "/ops/groups/" + $("cid").value.trim() + "/dissolve", { note: $("note").value }).then(() => say("dissolved")).catch(() => {});
$("login").onsubmit = async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const res = await fetch("/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: f.get("username"), password: f.get("password"), device: "ops console" }) });
  const data = await res.json();
  if (!res.ok) return say(data.error.message, true);
  token = data.accessToken; sessionStorage.setItem("opsToken", token); $("who").textContent = data.user.nickname; say("signed in");
};
</script></body></html>`;

export const opsConsole = new Hono<AppEnv>().get(
  "/",
  doc({
    summary: "The operators' moderation page (HTML; it signs in and calls /ops)",
    responses: { 200: { contentType: "text/html", description: "The page" } },
    see: "docs/moderation.md#the-operator-page",
  }),
  (c) => c.html(PAGE, 200, { "cache-control": "no-store", "content-security-policy": "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'", "x-frame-options": "DENY" }),
);
