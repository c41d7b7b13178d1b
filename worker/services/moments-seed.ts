// Development only (POST /dev/moments/seed, the benchmark): gives the caller many friends at once,
// each with a few posts, straight into D1. Through the routes, 5,000 friendships would take 10,000
// requests and the daily friend-request limit; this measures Moments, not befriending.
import { contactTags, friendships, moments, users } from "../../schema/d1";
import type { Db } from "../db";
import { newId } from "../lib/ids";
import { batch, inChunks } from "../lib/sql";

export interface SeedMoments {
  friends: number;
  postsPerFriend: number;
  /** A tag of the caller's that every seeded friend carries. */
  tag: string;
}

export async function seedMomentFriends(d: Db, userId: string, seed: SeedMoments, now = Date.now()): Promise<{ friendIds: string[]; posts: number }> {
  const friendIds = Array.from({ length: seed.friends }, () => newId("u"));
  const tags = JSON.stringify([seed.tag]);
  const posts = friendIds.flatMap((authorId, i) =>
    Array.from({ length: seed.postsPerFriend }, (_, k) => ({
      id: newId("mo"),
      authorId,
      text: `post ${k} of friend ${i}`,
      visibility: "all" as const,
      // Spread over the last 30 days, so a timeline page merges many authors.
      createdAt: now - (((i * seed.postsPerFriend + k) * 7919) % (30 * 86_400_000)),
    })),
  );
  // Drizzle binds every column's JS default too: these chunk sizes keep each statement under D1's
  // 100 bound parameters (users 5 a row, friendships 5, posts 8).
  const statements = [
    d.insert(contactTags).values({ userId, name: seed.tag }).onConflictDoNothing(),
    ...inChunks(friendIds, 15).map((part) => d.insert(users).values(part.map((id, j) => ({ id, nickname: `friend ${j}` })))),
    ...inChunks(friendIds, 8).map((part) =>
      d.insert(friendships).values(
        part.flatMap((friendId) => [
          { userId, friendId, tags, createdAt: now },
          { userId: friendId, friendId: userId, createdAt: now },
        ]),
      ),
    ),
    ...inChunks(posts, 10).map((part) => d.insert(moments).values(part)),
  ];
  for (const part of inChunks(statements, 50)) await batch(d, part);
  return { friendIds, posts: posts.length };
}
