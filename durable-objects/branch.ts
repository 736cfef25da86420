import { DurableObject } from "cloudflare:workers";
import type { Resolution, Strategy } from "../src/branches/merge-planner";
import { type Actor, type Outcome, outcome } from "../src/branches/outcome";
import type { PreparedRows } from "../src/branches/row-shape";
import { ApiError } from "../src/http/errors";
import { isoNow } from "../src/lib/time";
import { migrateBranchSchema, readMeta, writeMeta } from "./branch/branch-schema";
import { type TableChanges, branchChanges } from "./branch/changes";
import { type BranchDiff, diffAgainstMain } from "./branch/diff";
import { closeInRegistry, type ClosedStatus } from "./branch/lifecycle";
import { type MergeResult, mergeIntoMain } from "./branch/merge";
import type { QueryResult } from "../src/sql/query-result";
import { runStatement } from "./branch/query";
import { takeFromMain } from "./branch/take";
import { type WriteMode, writeRows } from "./branch/write-rows";

/** What the Worker tells the object about its branch on every call (the registry is the source of truth). */
export interface BranchRef {
  branchId: string;
  expiresAt: string;
}

/**
 * One branch's consistency unit: the tables it took from main (with their merge bases), its own changes,
 * its diff and its merge. Every call runs inside `blockConcurrencyWhile`: a take, a write and a merge
 * each see the branch alone, so a write can never slip in between a merge's plan and its apply.
 */
export class BranchObject extends DurableObject<Env> {
  /**
   * The branch's changes as last computed, kept until the next write or query: a merge computes them
   * once for the Worker's authorisation (changedTables) and reuses them to plan. Memory only; an
   * evicted object simply computes them again.
   */
  private cachedChanges: TableChanges[] | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => migrateBranchSchema(ctx.storage.sql));
  }

  private get sql() {
    return this.ctx.storage.sql;
  }

  /** Runs work serialised with every other call, on an open branch whose expiry alarm is set. */
  private exclusive<T>(ref: BranchRef, work: () => Promise<T> | T): Promise<Outcome<T>> {
    return this.ctx.blockConcurrencyWhile(() =>
      outcome(async () => {
        const closed = readMeta(this.sql, "closed");
        if (closed) throw new ApiError("conflict", `Branch '${ref.branchId}' is ${closed}; it takes no more work.`, { reason: "branch_closed", status: closed });
        if (readMeta(this.sql, "branch_id") === null) {
          writeMeta(this.sql, "branch_id", ref.branchId);
          writeMeta(this.sql, "expires_at", ref.expiresAt);
          await this.ctx.storage.setAlarm(new Date(ref.expiresAt));
        }
        return work();
      }),
    );
  }

  /** `POST /v1/branches/{id}/write`: takes the table if main has it, else creates it from the rows. */
  write(ref: BranchRef, table: string, rows: PreparedRows, mode: WriteMode): Promise<Outcome<{ table: string; written: number }>> {
    return this.exclusive(ref, async () => {
      this.cachedChanges = undefined;
      await takeFromMain(this.sql, this.ctx.storage, this.env.DB, [table], isoNow());
      const written = this.ctx.storage.transactionSync(() => writeRows(this.sql, table, rows, mode));
      return { table, written };
    });
  }

  /** `POST /v1/branches/{id}/query`: the statement's tables are taken (in one D1 batch), then it runs here. */
  query(ref: BranchRef, text: string, params: readonly unknown[], tables: readonly string[], writes: boolean): Promise<Outcome<QueryResult>> {
    return this.exclusive(ref, async () => {
      this.cachedChanges = undefined;
      await takeFromMain(this.sql, this.ctx.storage, this.env.DB, tables, isoNow());
      return this.ctx.storage.transactionSync(() => runStatement(this.sql, text, params, writes));
    });
  }

  diff(ref: BranchRef): Promise<Outcome<BranchDiff>> {
    return this.exclusive(ref, () => diffAgainstMain(this.sql, this.env.DB, ref.branchId));
  }

  /** The tables a merge would write on main (the Worker authorises query:write on each first). */
  changedTables(ref: BranchRef): Promise<Outcome<string[]>> {
    return this.exclusive(ref, () => {
      this.cachedChanges = branchChanges(this.sql);
      return this.cachedChanges.map((t) => t.table);
    });
  }

  merge(ref: BranchRef, strategy: Strategy, resolutions: Resolution[], actor: Actor, authorizedTables: string[]): Promise<Outcome<MergeResult>> {
    return this.exclusive(ref, async () => {
      const result = await mergeIntoMain(this.sql, this.env.DB, ref.branchId, strategy, resolutions, actor, isoNow, authorizedTables, this.cachedChanges);
      if (result.status === "merged") await this.erase("merged");
      return result;
    });
  }

  discard(ref: BranchRef, actor: Actor): Promise<Outcome<{ closed: boolean }>> {
    return this.exclusive(ref, async () => {
      const closed = await closeInRegistry(this.env.DB, ref.branchId, "discarded", actor, isoNow());
      if (closed) await this.erase("discarded");
      return { closed };
    });
  }

  /** The cron's sweep: expires the branch if it is due (for branches whose object never ran its alarm). */
  async expire(branchId: string): Promise<boolean> {
    return this.ctx.blockConcurrencyWhile(async () => this.expireNow(branchId));
  }

  override async alarm(): Promise<void> {
    const branchId = readMeta(this.sql, "branch_id");
    if (branchId === null || readMeta(this.sql, "closed")) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (!(await this.expireNow(branchId))) {
        // Not due yet by the registry's clock: look again at the recorded expiry.
        const expiresAt = readMeta(this.sql, "expires_at");
        if (expiresAt && !readMeta(this.sql, "closed")) await this.ctx.storage.setAlarm(Math.max(Date.now() + 1000, Date.parse(expiresAt)));
      }
    });
  }

  private async expireNow(branchId: string): Promise<boolean> {
    const closed = await closeInRegistry(this.env.DB, branchId, "expired", { agentId: "system" }, isoNow(), true);
    const status = closed ? "expired" : await this.env.DB.prepare("SELECT status FROM _branches WHERE branch_id = ?").bind(branchId).first<string>("status");
    if (status !== null && status !== "open") await this.erase(status as ClosedStatus | "merged");
    return status !== "open";
  }

  /** A closed branch keeps nothing but the word that it is closed, so later calls answer 409. */
  private async erase(status: ClosedStatus | "merged") {
    this.cachedChanges = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    migrateBranchSchema(this.sql);
    writeMeta(this.sql, "closed", status);
  }
}
