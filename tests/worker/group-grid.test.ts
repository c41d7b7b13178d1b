// Group avatars like WeChat's: a group without a picture of its own shows a grid of up to nine
// members' faces, made by the group's object (its alarm) after membership or faces change,
// stored in R2, shown as the summary's avatar, and fetchable by members only.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import jpeg from "jpeg-js";
import { describe, expect, it } from "vitest";
import type { ConversationSummary } from "../../schema/protocol";
import { GRID_DELAY_MS } from "../../worker/conversation/grid";
import { GRID, gridLayout, tileColour } from "../../worker/lib/image/grid";
import { conversationObject } from "../../worker/lib/shards";
import { solidJpeg, solidPng } from "../support/pictures";
import { befriend, createGroup, makeUser, type TestUser } from "./chat-helpers";
import { call, conversationRow, patchGroup } from "./group-helpers";
import { api } from "./helpers";
import { fetchUrl, uploaded, urls } from "./media-helpers";

type RGB = [number, number, number];
const RED: RGB = [230, 30, 30];
const GREEN: RGB = [30, 200, 60];
const BLUE: RGB = [30, 60, 230];
const YELLOW: RGB = [240, 220, 30];

async function withAvatar(name: string, colour: RGB, format: "png" | "jpeg" = "png"): Promise<TestUser & { avatarMediaId: string }> {
  const user = await makeUser(name);
  const bytes = format === "png" ? await solidPng(colour, 96, 96, 2) : solidJpeg(colour, 96, 96);
  const picture = await uploaded(user, bytes);
  const res = await call(user, "PATCH", "/me", { avatarMediaId: picture.id });
  if (res.status !== 200) throw new Error(`avatar: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...user, avatarMediaId: picture.id };
}

const stub = (id: string) => conversationObject(env, id);

/** Runs the group's pending grid alarm now, as it would run GRID_DELAY_MS after the change. */
async function runGridAlarm(id: string): Promise<boolean> {
  return runDurableObjectAlarm(stub(id));
}

async function summary(user: TestUser, id: string): Promise<ConversationSummary> {
  const res = await api<ConversationSummary>("GET", `/conversations/${id}`, { token: user.token });
  expect(res.status).toBe(200);
  return res.body;
}

async function gridId(id: string): Promise<string | null> {
  return (await conversationRow(id))!.grid_media_id as string | null;
}

/** The grid as a member downloads it, decoded. */
async function picture(user: TestUser, mediaId: string) {
  const res = await urls(user, [mediaId]);
  expect(res.body.denied).toEqual([]);
  const download = await fetchUrl(res.body.urls[0]!.url);
  expect(download.status).toBe(200);
  expect(download.headers.get("content-type")).toBe("image/jpeg");
  return jpeg.decode(new Uint8Array(await download.arrayBuffer()), { useTArray: true });
}

function pixel(img: { width: number; data: Uint8Array }, x: number, y: number): RGB {
  const i = (y * img.width + x) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

function expectNear(actual: RGB, expected: readonly number[], tolerance = 14) {
  expect(
    actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance),
    `pixel ${actual} should be about ${expected}`,
  ).toBe(true);
}

/** The colour at the centre of each slot of a grid of `n`. */
function cellColours(img: { width: number; data: Uint8Array }, n: number): RGB[] {
  return gridLayout(n).map((s) => pixel(img, s.x + Math.floor(s.cell / 2), s.y + Math.floor(s.cell / 2)));
}

/** The members in the grid's order: the owner, then those who came with them by id. */
const inGridOrder = <T extends { id: string }>(owner: T, others: T[]) => [owner, ...[...others].sort((a, b) => (a.id < b.id ? -1 : 1))];

async function r2Exists(mediaId: string) {
  return (await env.MEDIA.head(`media/${mediaId}`)) !== null;
}

describe("a group's grid avatar", () => {
  it("is made once the group is created, with each member's face in its cell of a 2×2 grid", async () => {
    const owner = await withAvatar("owner", RED);
    const others = [await withAvatar("b", GREEN, "jpeg"), await withAvatar("c", BLUE), await withAvatar("d", YELLOW, "jpeg")];
    const id = await createGroup(owner, others);
    expect(await runGridAlarm(id)).toBe(true);

    const grid = await gridId(id);
    expect(grid).toMatch(/^md_[0-9a-z]{20}$/);
    expect((await summary(owner, id)).avatarMediaId).toBe(grid);
    const listed = await api("GET", "/conversations", { token: others[0]!.token });
    expect(listed.body.conversations.find((c: ConversationSummary) => c.id === id).avatarMediaId).toBe(grid);
    expect((await api("GET", `/groups/${id}`, { token: owner.token })).body.avatarMediaId).toBe(grid);

    const img = await picture(owner, grid!);
    expect([img.width, img.height]).toEqual([GRID.size, GRID.size]);
    const colour = new Map([owner, ...others].map((u, i) => [u.id, [RED, GREEN, BLUE, YELLOW][i]!]));
    cellColours(img, 4).forEach((c, i) => expectNear(c, colour.get(inGridOrder(owner, others)[i]!.id)!));
  });

  it("draws a member without a picture as a tile in their own colour, remade when their initial changes", async () => {
    const owner = await withAvatar("owner", RED);
    const plain = await makeUser("plain");
    const id = await createGroup(owner, [plain]);
    await runGridAlarm(id);
    const unnamed = (await gridId(id))!;
    expect((await call(plain, "PATCH", "/me", { nickname: "Xiao Ming" })).status).toBe(200);
    expect((await stub(id).makeGrid()) as unknown).toMatchObject({ ok: true, value: { made: true } });
    expect(await gridId(id)).not.toBe(unnamed);
    const img = await picture(plain, (await gridId(id))!);
    const [first, second] = gridLayout(2);
    expectNear(pixel(img, first!.x + Math.floor(first!.cell / 2), first!.y + Math.floor(first!.cell / 2)), RED);
    expectNear(pixel(img, second!.x + 3, second!.y + 3), tileColour(plain.id), 30);
    expectNear(pixel(img, GRID.size / 2, 10), GRID.background, 6); // light grey above the row
  });

  it("is made again when a member joins or leaves, and the old grid is deleted from R2", async () => {
    const owner = await withAvatar("owner", RED);
    const [b, c] = [await withAvatar("b", GREEN), await withAvatar("c", BLUE)];
    const id = await createGroup(owner, [b]);
    await runGridAlarm(id);
    const first = (await gridId(id))!;
    expect(cellColours(await picture(owner, first), 2).length).toBe(2);

    await befriend(owner, c);
    expect((await call(owner, "POST", `/groups/${id}/members`, { userIds: [c.id] })).status).toBe(200);
    expect(await runGridAlarm(id)).toBe(true);
    const second = (await gridId(id))!;
    expect(second).not.toBe(first);
    expect(await r2Exists(first)).toBe(false);
    expect(await r2Exists(second)).toBe(true);
    // Three faces: the owner alone on the first row, centred, then the two who came after.
    const three = cellColours(await picture(owner, second), 3);
    expectNear(three[0]!, RED);
    expect(three.slice(1)).toHaveLength(2);

    expect((await call(c, "POST", `/groups/${id}/leave`)).status).toBe(200);
    expect(await runGridAlarm(id)).toBe(true);
    const third = (await gridId(id))!;
    expect(third).not.toBe(second);
    expect(await r2Exists(second)).toBe(false);
    expect((await summary(b, id)).avatarMediaId).toBe(third);
  });

  it("is made again when a member in it changes their picture, and not for an unchanged group", async () => {
    const owner = await withAvatar("owner", RED);
    const b = await withAvatar("b", GREEN);
    const id = await createGroup(owner, [b]);
    await runGridAlarm(id);
    const before = (await gridId(id))!;
    // Nothing changed: the object keeps the grid it has; a new name under a picture changes nothing either.
    expect(await stub(id).makeGrid()).toEqual({ ok: true, value: { mediaId: before, made: false } });
    expect((await call(b, "PATCH", "/me", { nickname: "Bee" })).status).toBe(200);
    expect(await stub(id).makeGrid()).toEqual({ ok: true, value: { mediaId: before, made: false } });

    const blue = await uploaded(b, await solidPng(BLUE, 64, 64, 6));
    expect((await call(b, "PATCH", "/me", { avatarMediaId: blue.id })).status).toBe(200);
    // The profile change reaches the group off the request's path; its alarm then makes the grid.
    let after = before;
    for (let i = 0; i < 40 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 25));
      await runGridAlarm(id);
      after = (await gridId(id))!;
    }
    expect(after).not.toBe(before);
    const colours = cellColours(await picture(owner, after), 2);
    expectNear(colours[0]!, RED);
    expectNear(colours[1]!, BLUE);
  });

  it("decodes each picture once per cell size, keeping the face in R2 until the picture is deleted", async () => {
    const owner = await withAvatar("owner", RED);
    const [b, c] = [await withAvatar("b", GREEN), await withAvatar("c", BLUE)];
    const id = await createGroup(owner, [b]);
    await runGridAlarm(id);
    const cell = gridLayout(2)[0]!.cell;
    const kept = await env.MEDIA.get(`faces/${owner.avatarMediaId}/${cell}`);
    expect(kept && (await kept.arrayBuffer()).byteLength).toBe(cell * cell * 3);
    // Paint the kept face yellow: the next grid of the same cell size draws it from there.
    await env.MEDIA.put(
      `faces/${owner.avatarMediaId}/${cell}`,
      new Uint8Array(cell * cell * 3).map((_, i) => YELLOW[i % 3]!),
    );
    await befriend(owner, c);
    await call(owner, "POST", `/groups/${id}/members`, { userIds: [c.id] });
    await runGridAlarm(id);
    expectNear(cellColours(await picture(owner, (await gridId(id))!), 3)[0]!, YELLOW);
    // Deleting the picture deletes the faces kept of it.
    expect((await call(owner, "DELETE", `/media/${owner.avatarMediaId}`)).status).toBe(200);
    expect((await env.MEDIA.list({ prefix: `faces/${owner.avatarMediaId}/` })).objects).toEqual([]);
  });

  it("makes one grid for a burst of changes", async () => {
    const owner = await withAvatar("owner", RED);
    const id = await createGroup(owner, [await makeUser("b")]);
    await runGridAlarm(id);
    const joiners = [await makeUser("j"), await makeUser("j"), await makeUser("j")];
    await befriend(owner, ...joiners);
    const before = Date.now();
    for (const j of joiners) expect((await call(owner, "POST", `/groups/${id}/members`, { userIds: [j.id] })).status).toBe(200);
    // Set by the first join, GRID_DELAY_MS after it, and left alone by the two after it.
    const alarm = await runInDurableObject(stub(id), (_o, state) => state.storage.getAlarm());
    const delay = Number(env.GROUP_GRID_DELAY_MS) || GRID_DELAY_MS; // the specs' configuration waits long
    expect(alarm).toBeGreaterThanOrEqual(before + delay - 100);
    expect(alarm).toBeLessThanOrEqual(before + delay + 1000);
    expect(await runGridAlarm(id)).toBe(true);
    expect(await runGridAlarm(id)).toBe(false); // the three joins set one alarm
    const grids = (await env.MEDIA.list({ include: ["customMetadata"] })).objects.filter((o) => o.customMetadata?.grid === id);
    expect(grids.map((o) => o.key)).toEqual([`media/${await gridId(id)}`]);
    expect(cellColours(await picture(owner, (await gridId(id))!), 5)).toHaveLength(5);
  });

  it("is kept while the group has its own picture, which the summary shows instead", async () => {
    const owner = await withAvatar("owner", RED);
    const b = await withAvatar("b", GREEN);
    const id = await createGroup(owner, [b]);
    await runGridAlarm(id);
    const grid = (await gridId(id))!;
    const own = await uploaded(owner, solidJpeg(YELLOW, 64, 64));
    expect((await patchGroup(owner, id, { avatarMediaId: own.id })).status).toBe(200);
    expect((await summary(b, id)).avatarMediaId).toBe(own.id);

    const c = await withAvatar("c", BLUE);
    await befriend(owner, c);
    await call(owner, "POST", `/groups/${id}/members`, { userIds: [c.id] });
    await runGridAlarm(id);
    expect(await gridId(id)).toBe(grid);
    expect((await summary(c, id)).avatarMediaId).toBe(own.id);

    // Without its picture the group shows a grid of who is in it now.
    expect((await patchGroup(owner, id, { avatarMediaId: null })).status).toBe(200);
    expect(await runGridAlarm(id)).toBe(true);
    const fresh = (await gridId(id))!;
    expect(fresh).not.toBe(grid);
    expect((await summary(b, id)).avatarMediaId).toBe(fresh);
    expect(cellColours(await picture(b, fresh), 3)).toHaveLength(3);
  });

  it("can be fetched by every member and by nobody else", async () => {
    const owner = await withAvatar("owner", RED);
    const member = await makeUser("member");
    const outsider = await makeUser("outsider");
    const id = await createGroup(owner, [member]);
    await runGridAlarm(id);
    const grid = (await gridId(id))!;
    for (const u of [owner, member]) {
      const res = await urls(u, [grid]);
      expect(res.body.urls.map((x) => x.mediaId)).toEqual([grid]);
      const withConversation = await urls(u, [grid], id);
      expect(withConversation.body.denied).toEqual([]);
    }
    const refused = await urls(outsider, [grid]);
    expect(refused.status).toBe(200);
    expect(refused.body).toEqual({ urls: [], denied: [grid] });
    expect((await urls(outsider, [grid], id)).status).toBe(403);
    // Leaving ends it: a former member gets no new URL.
    await call(member, "POST", `/groups/${id}/leave`);
    expect((await urls(member, [grid])).body.denied).toEqual([grid]);
  });

  it("shows the first nine members of a larger group, in a 3×3 grid", async () => {
    // Twelve members: a full chunk of nine membership rows in D1's 100-parameter statement (99), too.
    const owner = await withAvatar("owner", RED);
    const others = [];
    for (let i = 0; i < 11; i++) others.push(i < 8 ? await makeUser("plain") : await withAvatar("late", BLUE));
    const id = await createGroup(owner, others);
    expect((await summary(owner, id)).memberCount).toBe(12);
    await runGridAlarm(id);
    const order = inGridOrder(owner, others);
    const colours = cellColours(await picture(owner, (await gridId(id))!), 9);
    expectNear(colours[0]!, RED);
    // Who came with the owner is ordered by id: a face in the grid is one of the nine, in its place.
    colours.slice(1).forEach((c, i) => {
      const who = order[i + 1]!;
      if ("avatarMediaId" in who) expectNear(c, BLUE);
    });
    expect(order.slice(9).length).toBe(3);
  });

  it("is made for a group from before grids existed the first time a member lists their chats", async () => {
    const owner = await withAvatar("owner", RED);
    const id = await createGroup(owner, [await makeUser("b")]);
    await runGridAlarm(id);
    // As if made before this feature: no grid in D1 or in the object, and no alarm.
    await env.DB.prepare("update conversations set grid_media_id = null where id = ?").bind(id).run();
    await runInDurableObject(stub(id), (o) => {
      const s = (o as unknown as { state: { meta: Record<string, unknown> } }).state;
      s.meta = { ...s.meta, gridMediaId: null, gridKey: null };
    });
    expect((await summary(owner, id)).avatarMediaId).toBeNull();
    expect(await runGridAlarm(id)).toBe(false);
    await api("GET", "/conversations", { token: owner.token });
    let made = false;
    for (let i = 0; i < 40 && !made; i++) {
      await new Promise((r) => setTimeout(r, 25));
      made = await runGridAlarm(id);
    }
    expect(made).toBe(true);
    expect((await summary(owner, id)).avatarMediaId).toBe(await gridId(id));
  });

  it("is not made for direct chats", async () => {
    const a = await withAvatar("a", RED);
    const b = await withAvatar("b", GREEN);
    await befriend(a, b);
    const opened = await api("POST", "/conversations/direct", { token: a.token, body: { userId: b.id } });
    expect(await runGridAlarm(opened.body.id)).toBe(false);
    expect(opened.body.avatarMediaId).toBe(b.avatarMediaId);
  });
});
