// What one conversation object holds, in one place the rooms share: its storage (SQLite through
// drizzle), the cached meta, members and last message, the fan-out and direct-chat rules, and the
// mutex for calls that await D1. The checks every command starts with (is there such a
// conversation, is the caller a member, may they do this) live here too.
import { desc } from "drizzle-orm";
import { drizzle, type DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../schema/conversation-migrations/migrations.js";
import * as tables from "../../schema/conversation";
import { directRules, members, messages, meta, type MemberRow, type MetaRow } from "../../schema/conversation";
import type { MessagePreview } from "../../schema/protocol";
import { summaryShardCount } from "../data/summaries";
import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { Mutex } from "../lib/mutex";
import { groupByShard, shardLayoutVersion } from "../lib/shards";
import { DirectRules } from "./direct-rules";
import { Fanout } from "./fanout";
import { gridChanged } from "./grid";
import { preview } from "./log";

export type Role = MemberRow["role"];
const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1 };

export class ConversationState {
  readonly sql: DrizzleSqliteDODatabase<typeof tables>;
  meta: MetaRow | null = null;
  members = new Map<string, MemberRow>();
  lastSeq = 0;
  lastPreview: MessagePreview | null = null;
  /** Member ids grouped by every gateway shard that may hold their sockets, rebuilt when membership or the shard layout changes. */
  private byShard = new Map<number, string[]>();
  private byShardLayout = -1;
  /** The highest first-visible seq of any member: replies quoting at or after it need no per-reader copy. */
  latestVisibleFrom = 1;
  /** Per-sender send buckets (MESSAGE_LIMITS.sendBurst, sendPerSecond). */
  readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** Membership changes await D1, during which other calls run: they queue here instead. */
  readonly lock = new Mutex();
  readonly fanout: Fanout;
  readonly directRules: DirectRules;
  private migrated = false;

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: Env,
  ) {
    this.sql = drizzle(ctx.storage, { schema: tables });
    this.fanout = new Fanout(this);
    this.directRules = new DirectRules(this);
  }

  hasSchema(): boolean {
    return this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").toArray().length > 0;
  }

  async migrateOnce() {
    if (this.migrated) return;
    await migrate(this.sql, migrations);
    this.migrated = true;
  }

  /** Reads meta, members, the last message and the direct-chat rules from storage into memory. */
  load() {
    this.meta = this.sql.select().from(meta).get() ?? null;
    // New, or woken under another summary shard count: the shard may lack this conversation.
    if (this.meta && this.meta.summaryShards !== summaryShardCount(this.env)) this.fanout.writer.fullWrite = true;
    this.members = new Map(
      this.sql
        .select()
        .from(members)
        .all()
        .map((m) => [m.userId, m]),
    );
    const last = this.sql.select().from(messages).orderBy(desc(messages.seq)).limit(1).get();
    this.lastSeq = last?.seq ?? 0;
    this.lastPreview = last ? preview(last) : null;
    this.fanout.writer.membersLoaded();
    this.rebuildShards();
    this.directRules.load(this.meta?.kind === "direct" ? this.sql.select().from(directRules).all() : []);
  }

  /** After the member list changed: the shard map, newcomers' and leavers' read rows in the summary shard, and (in a group) a new grid of faces. */
  membersChanged() {
    this.fanout.writer.membersChanged();
    this.rebuildShards();
    gridChanged(this);
  }

  get shards(): Map<number, string[]> {
    if (this.byShardLayout !== shardLayoutVersion()) this.rebuildShards();
    return this.byShard;
  }

  rebuildShards() {
    this.byShard = groupByShard(this.members.keys());
    this.byShardLayout = shardLayoutVersion();
    this.fanout.idle.forget();
    this.latestVisibleFrom = Math.max(1, ...[...this.members.values()].map((m) => m.visibleFromSeq));
  }

  // ---- checks -------------------------------------------------------------------------

  requireMeta(): MetaRow {
    if (!this.meta) throw new ApiError("not_found", "No such conversation");
    return this.meta;
  }

  requireOpen(): MetaRow {
    const m = this.requireMeta();
    if (m.dissolvedAt !== null) throw new ApiError("group_dissolved", "This group has been dissolved: its history is read-only");
    return m;
  }

  requireGroup(): MetaRow {
    const m = this.requireOpen();
    if (m.kind !== "group") throw new ApiError("invalid_request", "This is a direct chat, not a group");
    return m;
  }

  requireMember(userId: string): MemberRow {
    const member = this.members.get(userId);
    if (!member) throw new ApiError("forbidden", "You are not a member of this conversation");
    return member;
  }

  requireRole(userId: string, roles: Role[]): MemberRow {
    const member = this.requireMember(userId);
    if (!roles.includes(member.role)) throw new ApiError("forbidden", roles.length === 1 ? "Only the group owner can do this" : "Only the group owner and admins can do this");
    return member;
  }

  /** The member an action is aimed at. */
  requireTarget(userId: string): MemberRow {
    const member = this.members.get(userId);
    if (!member) throw new ApiError("not_found", `User ${userId} is not a member of this group`);
    return member;
  }

  requireOutranks(actor: MemberRow, target: MemberRow, what: string) {
    if (RANK[actor.role] <= RANK[target.role]) throw new ApiError("forbidden", `You cannot ${what} the ${target.role === "owner" ? "owner" : "another " + target.role}`);
  }

  /** The owner and admins: who decides join requests. */
  deciders(): string[] {
    return [...this.members.values()].filter((x) => x.role !== "member").map((x) => x.userId);
  }
}
