import { DurableObject } from "cloudflare:workers";
import type { Resolution, Strategy } from "../src/branches/merge-planner";
import { type Actor, type Outcome, outcome } from "../src/branches/outcome";
import type { PreparedRows } from "../src/branches/row-shape";
import { ApiError, notFound } from "../src/http/errors";
import { isoNow } from "../src/lib/time";
import { sqlFailure } from "../src/sql/sql-failure";
import { migrateBranchSchema, readMeta, writeMeta } from "./branch/branch-schema";
import { type TableChanges, branchChanges } from "./branch/changes";
import { type BranchDiff, diffAgainstMain } from "./branch/diff";
import { closeInRegistry, type ClosedStatus } from "./branch/lifecycle";
import { type MergeResult, mergeIntoMain } from "./branch/merge";
import type { QueryResult } from "../src/sql/query-result";
import { boundedInBranch, runStatement } from "./branch/query";
import type { SqlParam } from "../src/sql/schemas";
import { takeFromMain } from "./branch/take";
import { type WriteMode, writeRows } from "./branch/write-rows";

/** Which branch a call is for (an object is named by its branch's id, but cannot read its own name). */
export interface BranchRef {
  branchId: string;
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

  /**
   * Runs work serialised with every other call, on an open branch whose expiry alarm is set. The first
   * call reads the branch's registry row; after that the object knows its own status and expiry (every
   * close goes through it), so a branch's writes and queries make no registry read of their own.
   */
  private exclusive<T>(ref: BranchRef, work: () => Promise<T> | T): Promise<Outcome<T>> {
    return this.ctx.blockConcurrencyWhile(() =>
      outcome(async () => {
        const closed = readMeta(this.sql, "closed");
        if (closed) throw branchClosed(ref.branchId, closed);
        let expiresAt = readMeta(this.sql, "expires_at");
        if (expiresAt === null) {
          const row = await this.env.DB.prepare("SELECT status, expires_at FROM _branches WHERE branch_id = ?").bind(ref.branchId).first<{ status: string; expires_at: string }>();
          if (!row) throw notFound("Branch", ref.branchId);
          if (row.status !== "open") throw branchClosed(ref.branchId, row.status);
          expiresAt = row.expires_at;
          writeMeta(this.sql, "branch_id", ref.branchId);
          writeMeta(this.sql, "expires_at", expiresAt);
          await this.ctx.storage.setAlarm(new Date(expiresAt));
        }
        // Past its expiry the branch is expired, even in the moment before its alarm runs.
        if (expiresAt <= isoNow()) throw branchClosed(ref.branchId, "expired");
        try {
          return await work();
        } catch (err) {
          // SQLite refusing what the branch holds (a BLOB has no JSON form for a take or a diff, say) is
          // the caller's data, so 422; anything else is a fault, and stays one.
          if (!(err instanceof ApiError) && err instanceof Error && /SQLITE_|D1_|JSON/.test(err.message)) throw sqlFailure(err);
          throw err;
        }
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

  /**
   * `POST /v1/branches/{id}/query`: the statement's tables are taken (in one D1 batch), its work is bounded
   * against the branch's own tables (a runaway statement would hold this object, and so the branch, for
   * everyone), then it runs here.
   */
  query(ref: BranchRef, text: string, params: readonly SqlParam[], tables: readonly string[], writes: boolean, simple: boolean): Promise<Outcome<QueryResult>> {
    return this.exclusive(ref, async () => {
      this.cachedChanges = undefined;
      await takeFromMain(this.sql, this.ctx.storage, this.env.DB, tables, isoNow());
      const statement = boundedInBranch(this.sql, text, params, simple);
      const bindable = params.map((p) => (typeof p === "boolean" ? Number(p) : p));
      return this.ctx.storage.transactionSync(() => runStatement(this.sql, statement, bindable, writes));
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

const branchClosed = (branchId: string, status: string) =>
  new ApiError("conflict", `Branch '${branchId}' is ${status}; it takes no more writes, queries or merges.`, { reason: "branch_closed", status });
