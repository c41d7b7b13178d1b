// Joining by invite code: preview, accept, the QR image, and the page a plain scanner opens.
import { Hono } from "hono";
import { z } from "zod";
import { acceptInviteBody, inviteCode, type AcceptInviteResult } from "../../schema/groups";
import { db } from "../db";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { qrPng, qrSvg } from "../lib/qr";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { jsonBody, pathParams } from "./validate";
import { requireAuth } from "./middleware";
import { joinUrl, previewInvite, usableInvite } from "../services/invites";
import { acceptInviteResult, invitePreview } from "../../schema/groups";
import { doc } from "./openapi";

const codeParams = pathParams(z.object({ code: inviteCode }), { code: "No such invite" });

// The code is the capability: whoever holds it may see its image, so these need no sign-in
// (a mini-program <image src> cannot send headers). Unusable invites get the JSON error.
const QR_CACHE = "private, max-age=60";

export const inviteRoutes = new Hono<AppEnv>()
  .get(
    "/:code/qr.svg",
    doc({ summary: "The invite's QR code (SVG); the code is the capability", responses: { 200: { contentType: "image/svg+xml", description: "The QR code" } }, errors: [410] }),
    codeParams,
    async (c) => {
      const { code } = c.req.valid("param");
      await usableInvite(db(c.env), code);
      return c.body(qrSvg(joinUrl(c.env, code)), 200, { "content-type": "image/svg+xml; charset=utf-8", "cache-control": QR_CACHE });
    },
  )
  .get("/:code/qr.png", doc({ summary: "The invite's QR code (PNG)", responses: { 200: { contentType: "image/png", description: "The QR code" } }, errors: [410] }), codeParams, async (c) => {
    const { code } = c.req.valid("param");
    await usableInvite(db(c.env), code);
    return c.body((await qrPng(joinUrl(c.env, code))) as Uint8Array<ArrayBuffer>, 200, { "content-type": "image/png", "cache-control": QR_CACHE });
  })
  .get("/:code", doc({ summary: "Preview an invite", responses: { 200: invitePreview }, errors: [410] }), requireAuth, codeParams, async (c) =>
    c.json(await previewInvite(db(c.env), c.get("auth").userId, c.req.valid("param").code)),
  )
  .post(
    "/:code/accept",
    doc({ summary: "Join by invite (or ask to, under approval)", responses: { 200: acceptInviteResult, 202: acceptInviteResult }, errors: [403, 409, 410] }),
    requireAuth,
    jsonBody(acceptInviteBody),
    codeParams,
    async (c) => {
      const { code } = c.req.valid("param");
      const { group } = await usableInvite(db(c.env), code);
      const result: AcceptInviteResult = unwrap(await conversationObject(c.env, group.id).acceptInvite(c.get("auth").userId, code, c.req.valid("json").message ?? ""));
      return c.json(result, result.status === "pending" ? 202 : 200);
    },
  );

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function page(title: string, body: string, status: 200 | 404 | 410) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111;text-align:center}h1{font-size:1.3rem}p{color:#555}</style></head>
<body>${body}</body></html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-robots-tag": "noindex" } });
}

/**
 * What a phone's camera or WeChat's plain scanner opens. WeChat maps this URL prefix to the
 * mini-program's join page (which receives it as `q`); anything else gets this explanation.
 */
export const joinPage = new Hono<AppEnv>().get(
  "/:code",
  doc({ summary: "The page a plain QR scanner opens (HTML, no sign-in)", responses: { 200: { contentType: "text/html", description: "How to join" } }, errors: [404, 410] }),
  async (c) => {
    const raw = c.req.param("code");
    if (!inviteCode.safeParse(raw).success) return page("Invite not found", "<h1>This invite does not exist</h1><p>Check the link, or ask for a new QR code.</p>", 404);
    try {
      const { group } = await usableInvite(db(c.env), raw);
      const name = escapeHtml(group.name);
      return page(
        `Join ${group.name} on Qun`,
        `<h1>Join “${name}”</h1><p>${group.memberCount} members${group.joinPolicy === "approval" ? " · the group's admins approve new members" : ""}</p>
<p>Scan this QR code with WeChat, or open the Qun mini-program and scan it there, to join.</p>`,
        200,
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return page("Invite unavailable", `<h1>This invite cannot be used</h1><p>${escapeHtml(e.message)}</p>`, e.code === "not_found" ? 404 : 410);
    }
  },
);
