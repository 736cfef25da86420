import { and, eq } from "drizzle-orm";
import { DurableObject } from "cloudflare:workers";
import { database } from "../src/db/client";
import { lifecycleTriggers } from "../src/db/schema";
import { alarmTimeFor, isoAt, lifecycleClock } from "../src/lifecycle/clock";
import { type NewDecision, decisionRecord, decisionStatements } from "../src/lifecycle/decisions";
import { type TriggerRecord, triggerRecord } from "../src/lifecycle/registry";
import { isPermanentStartFailure, startError, startRunOnce } from "../src/lifecycle/start-once";
import type { StartTokens } from "../src/runs/catalog-version";
import { pollTick } from "./lifecycle-trigger/polling-step";
import { type StepTools, scheduleTick } from "./lifecycle-trigger/schedule-step";
import { type LedgerEntry, type TriggerState, TriggerStore } from "./lifecycle-trigger/trigger-store";

/** Why a step runs: the workflow changed (the PUT tells), the safety net found the trigger overdue, or its alarm. */
export type StepCause = "changed" | "sweep" | "alarm";

export interface StepReport {
  trigger_id: string | null;
  removed: boolean;
  /** Runs started by this step (new, or completed after an interruption). */
  started: string[];
  /** When the trigger wakes next (ISO), or null. */
  next_at: string | null;
}

/** Starts retried after a passing failure (D1 or a run's object unavailable), at most this many times. */
const MAX_START_ATTEMPTS = 5;
const RETRY_BASE_MS = 15_000;
/** Runs started at once by one step (`catchup: all` after downtime starts up to 100). */
const START_CONCURRENCY = 4;

/**
 * One schedule or polling trigger of one workflow: its place in time, its ledger of runs, its alarm.
 *
 * Why one object per trigger rather than one scheduler holding a due queue: each trigger is its own
 * consistency unit (its ledger, its anchor, its interval), and nothing orders one trigger against
 * another. Separate objects give each its own alarm and its own serialised steps, so a slow poll or a
 * catch-up of 100 runs never delays another trigger's instant, and 1,000 schedules due in the same minute
 * start in parallel on as many objects instead of queueing in one (no sharding scheme to tune). The cost,
 * one D1 read per step to load the trigger's registry row and one write to mirror its state, is per due
 * trigger, never per defined one: the every-minute safety net reads only the overdue rows of an index.
 *
 * Every step reads the registry first: the registry (written with each revision) is the truth about
 * what the trigger is, and a trigger that is no longer registered forgets itself and its alarm.
 */
export class LifecycleTrigger extends DurableObject<Env> {
  private readonly store: TriggerStore;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new TriggerStore(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      TriggerStore.migrate(ctx.storage.sql);
    });
  }

  /** Reads the registry again and acts on it: the PUT that changed the workflow, and the safety net, call this. */
  sync(triggerId: string, cause: Exclude<StepCause, "alarm">): Promise<StepReport> {
    return this.serially(() => this.step(triggerId, cause));
  }

  override async alarm(): Promise<void> {
    await this.serially(() => this.step(null, "alarm"));
  }

  /** One step at a time: a tick, a poll, a sync never interleave (their awaits would otherwise let them). */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async step(requested: string | null, cause: StepCause): Promise<StepReport> {
    const now = lifecycleClock.now();
    const db = database(this.env);
    const triggerId = requested ?? this.store.state()?.trigger_id ?? null;
    const record = triggerId === null ? undefined : await triggerRecord(db, triggerId);
    if (!record || record.kind === "webhook") {
      this.store.reset();
      // The removed trigger's decisions were deleted with it in D1; those not copied out yet go too.
      this.store.dropDecisions(Number.MAX_SAFE_INTEGER);
      await this.ctx.storage.deleteAlarm();
      return { trigger_id: triggerId, removed: true, started: [], next_at: null };
    }

    const { state, fresh } = this.adopt(record, now);
    const tools: StepTools = { store: this.store, storage: this.ctx.storage, now, decide: (d) => this.decide(record, d, now) };
    let due = false;
    if (record.config.type === "schedule") due = scheduleTick(tools, state, record.config, record.triggerId);
    else if (record.config.type === "polling") due = await pollTick(this.env, db, tools, state, record.config, record);
    const started = await this.startDue(record, now);
    if (!due && started.length === 0 && !fresh && cause === "sweep") this.decide(record, this.duplicateTick(state, now), now);
    this.store.trimLedger(now);

    const wake = earliest(state.next_ms, this.store.nextRetryMs());
    await this.publish(record, state, wake);
    if (wake === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(alarmTimeFor(wake));
    return { trigger_id: record.triggerId, removed: false, started, next_at: wake === null ? null : isoAt(wake) };
  }

  /**
   * The state for this registry row: kept while the row is the same trigger (same generation); started
   * afresh for a new one. A schedule counts from when it was defined (so an instant after the definition
   * fires even if this object heard of it late); a new poll waits one interval.
   */
  private adopt(record: TriggerRecord, now: number): { state: TriggerState; fresh: boolean } {
    const held = this.store.state();
    if (held && held.generation === record.createdAt && held.kind === record.kind && held.trigger_id === record.triggerId) return { state: held, fresh: false };
    this.store.reset();
    const base = { trigger_id: record.triggerId, generation: record.createdAt, last_instant_ms: null, polls: 0 };
    const state: TriggerState =
      record.config.type === "polling"
        ? { ...base, kind: "polling", anchor_ms: null, next_ms: now + record.config.interval_seconds * 1000, interval_seconds: record.config.interval_seconds }
        : { ...base, kind: record.kind, anchor_ms: Math.min(Date.parse(record.createdAt), now), next_ms: null, interval_seconds: null };
    this.store.saveState(state);
    return { state, fresh: true };
  }

  /** Starts the runs the ledger holds (just decided, or left by an interrupted step) whose time has come. */
  private async startDue(record: TriggerRecord & { tokens: StartTokens }, now: number): Promise<string[]> {
    const due = this.store.dueStarts(now);
    const started: string[] = [];
    for (let i = 0; i < due.length; i += START_CONCURRENCY) {
      await Promise.all(due.slice(i, i + START_CONCURRENCY).map(async (entry) => {
        if (await this.startOne(record, entry, now)) started.push(entry.run_id);
      }));
    }
    return started;
  }

  private async startOne(record: TriggerRecord & { tokens: StartTokens }, entry: LedgerEntry, now: number): Promise<boolean> {
    const { request } = entry;
    try {
      await startRunOnce(this.env, { workflow: record.workflow, input: request.input, trigger: request.trigger, startedBy: record.author, runId: entry.run_id, ...record.tokens });
      this.ctx.storage.transactionSync(() => {
        this.store.settle(entry.key, "started", entry.attempts + 1);
        this.decide(record, { decision: "fired", reason: request.reason, run_id: entry.run_id, details: request.details }, now);
      });
      return true;
    } catch (error) {
      const attempts = entry.attempts + 1;
      const failure = startError(error);
      if (isPermanentStartFailure(error) || attempts >= MAX_START_ATTEMPTS) {
        this.ctx.storage.transactionSync(() => {
          this.store.settle(entry.key, "failed", attempts);
          this.decide(record, { decision: "failed", reason: `the run could not be started: ${failure.message}`, run_id: null, details: { ...request.details, error: failure, attempts } }, now);
        });
      } else {
        // Kept, not thrown: the ledger row stays `starting` and the alarm retries it with the same run id.
        console.warn(`lifecycle trigger ${record.triggerId}: starting run ${entry.run_id} failed (attempt ${attempts}); retrying`, error);
        this.store.retryLater(entry.key, attempts, now + RETRY_BASE_MS * 2 ** (attempts - 1));
      }
      return false;
    }
  }

  /** A safety-net tick that found nothing due: the instant it came for was handled already. */
  private duplicateTick(state: TriggerState, now: number): NewDecision {
    const last = this.store.lastStarted();
    const next = state.next_ms === null ? "none" : isoAt(state.next_ms);
    const handled = last ? `the last start (${String(last.request.details.scheduled_for ?? `poll ${String(last.request.details.poll ?? "?")}`)}) was run ${last.run_id}` : "nothing was due";
    return {
      decision: "skipped",
      reason: `duplicate tick at ${isoAt(now)}: nothing due (${handled}); next at ${next}`,
      details: { tick_at: isoAt(now), next_at: state.next_ms === null ? null : isoAt(state.next_ms) },
    };
  }

  private decide(record: TriggerRecord, decision: NewDecision, now: number): void {
    this.store.queueDecision(decisionRecord(record.triggerId, record.workflow, decision, now));
  }

  /**
   * Copies the decisions out to D1 and mirrors the trigger's state into its registry row (what the
   * listing shows, and the `next_at` the safety net watches). If D1 is unavailable the decisions wait
   * here for the next step, and the stale `next_at` makes the safety net come back.
   */
  private async publish(record: TriggerRecord, state: TriggerState, wake: number | null): Promise<void> {
    const db = database(this.env);
    const queued = this.store.queuedDecisions();
    const last = queued[queued.length - 1];
    const mirror = db
      .update(lifecycleTriggers)
      .set({
        nextAt: wake === null ? null : isoAt(wake),
        state: JSON.stringify(mirroredState(record, state)),
        ...(last ? { lastDecision: JSON.stringify(last.record) } : {}),
      })
      .where(and(eq(lifecycleTriggers.triggerId, record.triggerId), eq(lifecycleTriggers.createdAt, record.createdAt)));
    try {
      await db.batch([mirror, ...decisionStatements(db, queued.map((q) => q.record))]);
      if (last) this.store.dropDecisions(last.seq);
    } catch (error) {
      console.warn(`lifecycle trigger ${record.triggerId}: could not copy its state to D1; the next step will`, error);
    }
  }
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** What the trigger listing shows of the object's state. */
function mirroredState(record: TriggerRecord, state: TriggerState): Record<string, unknown> {
  if (record.config.type === "polling") {
    return { polls: state.polls, current_interval_seconds: state.interval_seconds, next_poll_at: state.next_ms === null ? null : isoAt(state.next_ms) };
  }
  return {
    last_scheduled_for: state.last_instant_ms === null ? null : isoAt(state.last_instant_ms),
    next_instant: state.next_ms === null ? null : isoAt(state.next_ms),
  };
}
