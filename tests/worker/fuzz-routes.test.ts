// The generated bad-input campaign over HTTP. Every route the Hono app registers (walked from
// app.routes, so a route added later is in the campaign the day it lands) gets requests generated
// by fast-check from its real valid body: mutated bodies, arbitrary JSON, malformed and
// mislabelled bodies, odd path parameters, queries, methods and callers. A seed makes a run
// reproducible and a failure shrinks to the smallest input that still fails.
// Property: no 5xx; every 4xx is `{ error: { code, message } }` with a known code and its status;
// a refused request writes nothing (D1 triggers, the world's Durable Objects, what listings show).
// A generated request can be valid and change state: a 2xx is then accepted and only its shape checked.
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { app } from "../../worker/app";
import { bodyCase, type BodyCase, METHODS, paramCase, queryString, resolveParam } from "../support/arbitraries";
import { bucketState, contractViolation, FUZZ, hash32, ROUTE_SHARE, installWriteLog, objectsState, seedWorld, settleWrites, takeWrites, visibleState, type World } from "./fuzz-helpers";
import { MULTIPART_TYPE, multipartBody, png } from "./media-helpers";

function routes() {
  const seen = new Set<string>();
  const out: { method: string; path: string; key: string; params: string[] }[] = [];
  for (const r of app.routes) {
    if (r.method === "ALL") continue; // middleware
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ method: r.method, path: r.path, key, params: [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!) });
  }
  return out;
}

/** A real valid body for each route, so mutations start from something the route accepts. Unknown routes start from {}. */
function validBody(key: string, w: World): unknown {
  const bodies: Record<string, unknown> = {
    "POST /auth/register": { username: "fuzzuser1", password: "passw0rd-ok", nickname: "Fuzz" },
    "POST /auth/login": { username: "fuzzuser1", password: "passw0rd-ok" },
    "POST /auth/wechat": { code: "ok-fuzz" },
    "POST /auth/dev": { name: "fuzz" },
    "POST /auth/refresh": { refreshToken: "r".repeat(32) },
    "POST /auth/password": { currentPassword: "passw0rd-ok", newPassword: "passw0rd-ok2" },
    "PATCH /me": { nickname: "Fuzzy", signature: "hello", status: "here", allowStrangers: true, avatarMediaId: w.mediaId },
    "POST /conversations": { name: "Generated", memberIds: [w.member.id] },
    "POST /conversations/direct": { userId: w.member.id },
    "PATCH /conversations/:id/settings": { pinned: true, doNotDisturb: false },
    "POST /conversations/:id/members": { userIds: [w.outsider.id] },
    "POST /conversations/:id/messages": { clientId: "gen-1", type: "text", body: { text: "hello" }, mentions: [w.member.id], replyTo: 2 },
    "POST /conversations/:id/messages/:seq/forward": { to: [w.direct], clientId: "fwd-1" },
    "POST /conversations/:id/read": { seq: 2 },
    "POST /contacts/requests": { userId: w.asker.id, greeting: "hi", remark: "Asker" },
    "POST /contacts/requests/:id/accept": { remark: "Outsider" },
    "POST /contacts/tags": { name: "second", userIds: [w.member.id] },
    "PUT /contacts/tags/:name": { name: "renamed" },
    "POST /contacts/tags/:name/members": { userIds: [w.member.id] },
    "PATCH /contacts/:userId": { remark: "Friend", tags: ["fuzz"] },
    "PATCH /groups/:id": { name: "Renamed", announcement: "news", joinPolicy: "open", inviteConfirmation: false, membersCanInvite: true, newMembersSeeHistory: true, muteAll: false },
    "PATCH /groups/:id/members/me": { nickname: "Nick" },
    "PUT /groups/:id/members/:userId/mute": { durationSeconds: 60 },
    "POST /groups/:id/transfer": { userId: w.member.id },
    "POST /groups/:id/invites": { maxUses: 5, expiresInSeconds: 3600 },
    "POST /invites/:code/accept": { message: "let me in" },
    "POST /face-to-face/rooms": { code: "4821", latitude: 39.9, longitude: 116.4 },
    "POST /media/urls": { mediaIds: [w.mediaId], conversationId: w.group },
  };
  return bodies[key] ?? {};
}

/** The values the seeded world has for a path parameter, by name and by the route it is in. */
function realValues(path: string, param: string, w: World): string[] {
  const users = [w.owner.id, w.member.id, w.outsider.id, w.asker.id];
  switch (param) {
    case "id":
      if (path.startsWith("/users")) return users;
      if (path.startsWith("/contacts/requests")) return [w.requestId];
      if (path.startsWith("/media")) return [w.mediaId];
      return [w.group, w.direct];
    case "userId":
      return users;
    case "seq":
      return ["1", "2", "3", "4"];
    case "code":
      return [w.inviteCode];
    case "requestId":
      return [w.joinRequestId];
    case "roomId":
      return [w.roomId];
    case "name":
      return [w.tag];
    case "decision":
      return ["approve", "decline"];
    default:
      return [w.group, w.owner.id, w.mediaId];
  }
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

type Actor = "owner" | "member" | "outsider" | "anonymous";

function caseFor(route: ReturnType<typeof routes>[number], w: World) {
  const upload = route.key === "POST /media";
  const body: fc.Arbitrary<BodyCase> = upload
    ? fc.oneof(bodyCase({}), fc.constant<BodyCase>({ kind: "a valid upload", contentType: MULTIPART_TYPE, body: multipartBody(png()) }))
    : bodyCase(validBody(route.key, w));
  return fc.record({
    actor: fc.constantFrom<Actor>("owner", "owner", "owner", "member", "outsider", "anonymous"),
    // Mostly the route's own method; sometimes another, or POST overridden to PATCH as wx.request must.
    method: fc.oneof({ weight: 10, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    override: fc.oneof({ weight: 10, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom("PATCH", "patch ", "DELETE", "GET", "") }),
    params: fc.tuple(...route.params.map(() => paramCase)),
    query:
      route.method === "GET"
        ? fc.oneof({ weight: 1, arbitrary: fc.constant("") }, { weight: 3, arbitrary: queryString })
        : fc.oneof({ weight: 5, arbitrary: fc.constant("") }, { weight: 1, arbitrary: queryString }),
    body,
  });
}

describe("generated bad input on every route", () => {
  const list = routes().filter((r) => r.key.includes(FUZZ.only));
  const total = Math.round(FUZZ.runs * ROUTE_SHARE);
  const perRoute = Math.max(1, Math.ceil(total / Math.max(1, routes().length)));

  it("finds the app's routes", () => {
    expect(routes().length).toBeGreaterThan(50);
  });

  for (const route of list) {
    it(`${route.key} never answers 5xx, refuses with a known error code and its status, and writes nothing when it refuses`, { timeout: 900_000 }, async () => {
      const w = await seedWorld();
      await installWriteLog();
      const tokens: Record<Actor, string | null> = { owner: w.owner.token, member: w.member.token, outsider: w.outsider.token, anonymous: null };
      // The media routes' cases also compare the bucket's keys after each case.
      const stored = async () => [...(await objectsState(w)), ...(route.path.startsWith("/media") ? [await bucketState()] : [])];
      let objects = await stored();
      let visible = await visibleState(w);
      let acceptedSinceVisible = false;
      let cases = 0;
      let refused = 0;
      const started = Date.now();

      // The second net, outside the property: every 100 cases, what people see through the
      // listings must be as it was, unless a valid request in between changed it.
      const drift: string[] = [];
      const checkVisible = async () => {
        const now = await visibleState(w);
        if (!acceptedSinceVisible && now !== visible) drift.push(`cases ${cases - 99}–${cases}, all refused, changed what listings show:\n${visible}\n---\n${now}`);
        visible = now;
        acceptedSinceVisible = false;
      };

      const property = fc.asyncProperty(caseFor(route, w), async (c) => {
        if (++cases % 100 === 0) await checkVisible();
        const path = route.path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, (_, name: string) => resolveParam(c.params[route.params.indexOf(name)]!, realValues(route.path, name, w)));
        const headers: Record<string, string> = {};
        const token = tokens[c.actor];
        if (token) headers.authorization = `Bearer ${token}`;
        if (c.override !== null) headers["x-http-method-override"] = c.override;
        const bodyless = c.method === "GET" || c.method === "HEAD";
        if (c.body.contentType !== null && !bodyless) headers["content-type"] = c.body.contentType;
        const res = await SELF.fetch(`https://qun.test${path}${c.query}`, { method: c.method, headers, body: bodyless ? null : c.body.body });
        const text = await res.text();
        const problem = contractViolation(res.status, res.headers.get("content-type"), text, { htmlPage: path.startsWith("/j/"), head: c.method === "HEAD" });
        if (problem) throw new Error(problem);

        // Both detectors at once: the D1 write log and the objects' storage, read in parallel.
        const [writes, now] = await Promise.all([takeWrites(), stored()]);
        if (res.status < 400) {
          // A valid request may change anything: it becomes the state later refusals are held to.
          acceptedSinceVisible = true;
          // A write may still be on its way (a conversation's background flush to D1) unless the
          // request was a read that wrote nothing.
          if (writes.length || !SAFE.has(c.method)) {
            await settleWrites();
            objects = await stored();
          } else objects = now;
          return;
        }
        refused++;
        if (writes.length) throw new Error(`refused with ${res.status} ${text.slice(0, 120)} but wrote D1: ${writes.join(", ")}`);
        if (now.some((s, i) => s !== objects[i])) throw new Error(`refused with ${res.status} ${text.slice(0, 120)} but changed a Durable Object's storage or the bucket`);
      });

      try {
        await fc.assert(property, { numRuns: perRoute, seed: FUZZ.seed ^ hash32(route.key), includeErrorInReport: true });
      } catch (e) {
        throw new Error(`${route.key}: reproduce with QUN_FUZZ_SEED=${FUZZ.seed} QUN_FUZZ_ONLY='${route.key}'\n${(e as Error).message}`);
      }
      await checkVisible();
      expect(drift).toEqual([]);
      const seconds = (Date.now() - started) / 1000;
      console.log(`fuzz ${route.key}: ${cases} cases (${refused} refused) in ${seconds.toFixed(1)} s, ${(cases / seconds).toFixed(0)}/s`);
      expect(cases).toBeGreaterThanOrEqual(perRoute);
    });
  }
});
