// Reports by users: a message (kept with the messages around it, as the reporter could see
// them), a user or a group, with a reason. The reported party is told nothing; operators read
// reports through /ops (docs/moderation.md).
import { desc, eq } from "drizzle-orm";
import { reports, type Report } from "../../schema/d1";
import type { HistoryPage, Message } from "../../schema/protocol";
import { SAFETY_LIMITS, type ReportBody } from "../../schema/safety";
import { db } from "../db";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { newId } from "../lib/ids";
import { unwrap } from "../lib/result";
import { conversationObject } from "../lib/shards";
import { visibleComment, visiblePost } from "../data/moments";
import { getUser } from "./accounts";
import { requireMembership } from "./conversations";
import { take } from "./ratelimit";

export async function createReport(env: Env, reporterId: string, body: ReportBody): Promise<{ id: string; status: "open" }> {
  const d = db(env);
  let evidence: Message[] = [];
  let targetUserId: string | null = null;
  let conversationId: string | null = null;
  let seq: number | null = null;
  let moment: { momentId: string; commentId: string | null; excerpt: string } | null = null;
  if (body.target === "moment") {
    // Only what the reporter can see now: a post, or a comment on it that the friends-only rule shows them.
    const post = await visiblePost(d, reporterId, body.momentId, Date.now());
    if (!post) throw new ApiError("not_found", "No such post, or you cannot see it");
    const comment = body.commentId ? await visibleComment(d, reporterId, body.momentId, body.commentId) : null;
    if (body.commentId && !comment) throw new ApiError("not_found", "No such comment, or you cannot see it");
    targetUserId = comment ? comment.userId : post.authorId;
    if (targetUserId === reporterId) throw new ApiError("invalid_request", "You cannot report your own post or comment");
    moment = { momentId: post.id, commentId: comment?.id ?? null, excerpt: comment ? comment.text : post.text };
  } else if (body.target === "user") {
    if (body.userId === reporterId) throw new ApiError("invalid_request", "You cannot report yourself");
    if (!(await getUser(d, body.userId))) throw new ApiError("not_found", "No such user");
    targetUserId = body.userId;
  } else {
    await requireMembership(d, reporterId, body.conversationId);
    conversationId = body.conversationId;
    if (body.target === "group" && !body.conversationId.startsWith("c_")) throw new ApiError("invalid_request", "Only groups can be reported as groups; report the user or a message");
    if (body.target === "message") {
      const stub = conversationObject(env, body.conversationId);
      const reported = unwrap(await stub.getMessage(reporterId, body.seq)) as Message;
      if (reported.type === "system") throw new ApiError("invalid_request", "System notices cannot be reported");
      targetUserId = reported.senderId;
      seq = body.seq;
      // The messages around it, as the reporter sees them (their history floor applies).
      const around = SAFETY_LIMITS.evidenceAround;
      const page = unwrap(await stub.history(reporterId, { after: Math.max(0, body.seq - around - 1), limit: around * 2 + 1 })) as HistoryPage;
      evidence = page.messages;
    }
  }
  await take(d, [{ key: `reports:${reporterId}`, max: SAFETY_LIMITS.reportsPerHour, windowSeconds: 3600, message: "You have sent many reports this hour; try later" }]);
  const id = newId("rep");
  await d
    .insert(reports)
    .values({ id, reporterId, target: body.target, targetUserId, conversationId, seq, reason: body.reason, detail: body.detail ?? "", evidence: JSON.stringify(evidence), ...(moment ?? {}) });
  return { id, status: "open" };
}

export const toReportView = (r: Report) => ({ ...r, evidence: JSON.parse(r.evidence) as Message[] });

export async function listReports(env: Env, status: "open" | "resolved" | "refused" | "all") {
  const rows = await db(env)
    .select()
    .from(reports)
    .where(status === "all" || status === "refused" ? undefined : eq(reports.status, status))
    .orderBy(desc(reports.createdAt))
    .limit(200)
    .all();
  return rows.map(toReportView);
}

export async function getReport(env: Env, id: string) {
  const row = await db(env).select().from(reports).where(eq(reports.id, id)).get();
  if (!row) throw new ApiError("not_found", "No such report");
  return toReportView(row);
}
