import { DurableObject } from "cloudflare:workers";
import { limitFinding } from "../src/guard-rails/enforce";
import type { RunTrace } from "../src/observability/trace";
import type { Json } from "../src/workflows/definition/types";
import type { Finding } from "./workflow-run/dry-findings";
import { dryRunFindings } from "./workflow-run/dry-findings";
import { type AgentScript, driveDryRun } from "./workflow-run/dry-run";
import { DRY_RUN_RETENTION_MS, type DryRunView, dryRunView, saveDryRunRecord } from "./workflow-run/dry-run-view";
import { carryOut, runsOffRequest, summarizeBranches } from "./workflow-run/effect-runner";
import { Hierarchical } from "./workflow-run/patterns/hierarchical";
import { type Clock, RunEngine, systemClock } from "./workflow-run/engine";
import { cancelRun, delegateTask, sendRunMessage } from "./workflow-run/run-actions";
import { RequestWindow } from "./agent/request-window";
import { migrateRunSchema } from "./workflow-run/run-schema";
import { RefusedChange, type StateEntryView, getStateKey, putStateKey, stateHistory, stateSnapshot } from "./workflow-run/state-actions";
import {
  type Answer,
  type Caller,
  type Completion,
  type MessageInput,
  type MessageView,
  type Refusal,
  type RunInit,
  type RunView,
  type TaskView,
  isOpenTask,
  refuse,
} from "./workflow-run/run-types";
import { type NotOwner, completeTask, giveFeedback, heartbeatTask, tasksHandedOut } from "./workflow-run/task-actions";
import { messageView, runView, taskView } from "./workflow-run/views";

/** Span recording is switched off only by `TRACE_SPANS=off` in local development, to measure what it costs. */
const recordsSpans = (env: Env) => !((env as { TRACE_SPANS?: string }).TRACE_SPANS === "off" && env.SWITCHYARD_ENV === "development");

/**
 * One workflow run's consistency unit: its tasks, messages, timers and trace, in its own SQLite. It is
 * the single writer of everything in the run; the Worker validates, authorises and forwards. Every change
 * is one engine transaction at one instant; its effects (inbox deliveries, the D1 registry, audit) are
 * carried out right after, before the call answers, and retried from the outbox by the alarm until done.
 */
export class WorkflowRun extends DurableObject<Env> {
  private readonly engine: RunEngine;
  /** Outbox rows being carried out by a call still in flight: a concurrent drain leaves them alone. */
  private readonly inFlight = new Set<number>();
  /** The run's own `requests_per_minute` (a workflow's or a version's guard rail): each agent's requests into this run. */
  private readonly requests: RequestWindow;

  constructor(ctx: DurableObjectState, env: Env, clock: Clock = systemClock) {
    super(ctx, env);
    this.engine = new RunEngine(ctx.storage, clock, recordsSpans(env));
    this.requests = new RequestWindow(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrateRunSchema(ctx.storage.sql);
    });
  }

  /** Starts the run; starting it again (a retried start) answers the run as it is. */
  async start(init: RunInit): Promise<RunView> {
    if (!this.engine.exists()) this.engine.change(() => this.engine.start(init, "live"));
    await this.afterChange();
    return this.view() as RunView;
  }

  view(): RunView | null {
    return this.engine.exists() ? runView(this.engine.run(), this.engine.tasks.all()) : null;
  }

  task(taskId: string): TaskView | null {
    const task = this.engine.exists() ? this.engine.tasks.get(taskId) : null;
    return task ? taskView(this.engine.run(), task) : null;
  }

  messages(): MessageView[] {
    if (!this.engine.exists()) return [];
    const run = this.engine.run();
    return this.engine.messages.all().map((m) => messageView(run, m));
  }

  async complete(taskId: string, completion: Completion, caller: Caller, ownerCleared = false): Promise<Answer<TaskView> | NotOwner> {
    // A call the policies cleared is the second asking of one request: counted once, the first time.
    return this.act(() => completeTask(this.engine, taskId, completion, caller, ownerCleared), ownerCleared ? undefined : caller);
  }

  async heartbeat(taskId: string, caller: Caller, ownerCleared = false): Promise<Answer<TaskView> | NotOwner> {
    return this.act(() => heartbeatTask(this.engine, taskId, caller, ownerCleared), ownerCleared ? undefined : caller);
  }

  async feedback(taskId: string, feedback: { rating: "up" | "down"; comment?: string }, caller: Caller): Promise<Answer<TaskView>> {
    return this.act(() => giveFeedback(this.engine, taskId, feedback, caller), caller);
  }

  async tasksHandedOut(taskIds: string[], atMs: number): Promise<void> {
    if (!this.engine.exists()) return;
    await this.act(() => tasksHandedOut(this.engine, taskIds, atMs));
  }

  async cancel(caller: Caller, reason?: string): Promise<Answer<RunView>> {
    return this.act(() => cancelRun(this.engine, caller, reason), caller);
  }

  async sendMessage(caller: Caller, input: MessageInput): Promise<Answer<MessageView[]>> {
    return this.act(() => sendRunMessage(this.engine, caller, input), caller);
  }

  async delegate(caller: Caller, request: { worker: string; input: Json }): Promise<Answer<TaskView>> {
    return this.act(() => delegateTask(this.engine, caller, request), caller);
  }

  async putState(caller: Caller, key: string, value: Json, expectedVersion?: number): Promise<Answer<StateEntryView>> {
    return this.act(() => putStateKey(this.engine, caller, key, value, expectedVersion), caller);
  }

  async getState(caller: Caller, key: string): Promise<Answer<StateEntryView>> {
    return this.act(() => getStateKey(this.engine, caller, key), caller);
  }

  stateAt(caller: Caller, atMs?: number): Answer<Record<string, StateEntryView>> {
    return stateSnapshot(this.engine, caller, atMs);
  }

  /** The run's trace (`GET /v1/runs/{run_id}/trace`, the OTLP export): every span, in the order recorded. (Not `trace`: RPC keeps that name for the runtime's own handler.) */
  runTrace(): RunTrace | null {
    if (!this.engine.exists()) return null;
    const run = this.engine.run();
    return { run_id: run.run_id, workflow: run.workflow, spans: this.engine.spans.all() };
  }

  stateHistory(caller: Caller, key: string): Answer<(StateEntryView & { task_id: string | null })[]> {
    return stateHistory(this.engine, caller, key);
  }

  /**
   * Runs a dry run to its end, on a virtual clock with scripted agents, in this object of its own: the
   * same engine as a real run, nothing leaving it. Kept 24 h (the alarm then erases it).
   */
  async dryRun(init: RunInit, scripts: Record<string, AgentScript>, createdBy: string, extra: Finding[] = []): Promise<DryRunView> {
    if (!this.engine.exists()) {
      const now = Date.now();
      const { engine, notes, stopped } = driveDryRun(this.ctx.storage, init, scripts, now);
      saveDryRunRecord(this.ctx.storage.sql, createdBy, now, dryRunFindings(engine, notes, stopped, extra));
      await this.ctx.storage.setAlarm(now + DRY_RUN_RETENTION_MS);
      this.engine.record.reset();
    }
    return dryRunView(this.ctx.storage.sql, this.engine) as DryRunView;
  }

  dryRunView(): DryRunView | null {
    return dryRunView(this.ctx.storage.sql, this.engine);
  }

  /** Deadlines, timers and effects to retry: whatever is due now (endpoint deliveries included). A dry run's alarm erases it. */
  override async alarm(): Promise<void> {
    if (this.engine.exists() && this.engine.run().mode === "dry") {
      await this.ctx.storage.deleteAll();
      migrateRunSchema(this.ctx.storage.sql);
      this.engine.record.reset();
      return;
    }
    if (this.engine.exists()) this.engine.change(() => this.engine.tick());
    await this.afterChange(true);
  }

  /**
   * One change, then its effects, then the alarm for whatever comes next. A refusal raised inside rolls it
   * back. `caller`'s request is first counted against the run's `requests_per_minute`, if it has one.
   */
  private async act<T>(change: () => T, caller?: Caller): Promise<T | Refusal> {
    let result: T | Refusal;
    const limited = caller ? this.overRequestLimit(caller) : null;
    if (limited) {
      await this.afterChange();
      return limited;
    }
    try {
      result = this.engine.change(change);
    } catch (error) {
      if (!(error instanceof RefusedChange)) throw error;
      result = error.refusal;
    }
    await this.afterChange();
    return result;
  }

  /** The 429 for an agent over the run's own `requests_per_minute`; null when within it (or the run has none). */
  private overRequestLimit(caller: Caller): Refusal | null {
    if (caller.admin || !this.engine.exists()) return null;
    const limit = this.engine.run().limits.requests_per_minute;
    if (limit === undefined || limit === null) return null;
    const admission = this.requests.admit(caller.agent_id, limit, Date.now());
    if (admission.ok) return null;
    const retryAfter = Math.max(1, Math.ceil(admission.retry_after_ms / 1000));
    // Recorded once per window (its first refusal), with the run's records.
    if (admission.first)
      this.engine.change(() =>
        this.engine.recordViolation({ agent_id: caller.agent_id, action: "request", request_id: caller.request_id ?? null }, [limitFinding("requests_per_minute", "(request)", limit)]),
      );
    return refuse("rate_limited", `${caller.agent_id} made ${limit} requests to this run within a minute, the limit its guard rails set (requests_per_minute); retry in ${retryAfter} s.`, {
      rule: "requests_per_minute",
      limit,
      retry_after_seconds: retryAfter,
    });
  }

  private async afterChange(fromAlarm = false): Promise<void> {
    await this.drain(fromAlarm);
    const next = this.engine.nextWakeAt();
    const current = await this.ctx.storage.getAlarm();
    if (next === null) {
      if (current !== null) await this.ctx.storage.deleteAlarm();
    } else if (current === null || current !== next) {
      await this.ctx.storage.setAlarm(next);
    }
  }

  /**
   * Carries out the due effects not already being carried out; failures stay in the outbox for the alarm.
   * An effect that feeds the run back (branch summaries for a synthesis) makes new effects: drained too.
   */
  private async drain(fromAlarm: boolean): Promise<void> {
    for (let round = 0; round < 4; round++) if (!(await this.drainOnce(fromAlarm))) return;
  }

  private async drainOnce(fromAlarm: boolean): Promise<boolean> {
    const now = Date.now();
    const due = this.engine.outbox.due(now).filter((p) => !this.inFlight.has(p.seq) && (fromAlarm || !runsOffRequest(p.effect)));
    if (due.length === 0) return false;
    for (const p of due) this.inFlight.add(p.seq);
    try {
      const stillOpen = (taskId: string) => {
        const task = this.engine.tasks.get(taskId);
        return task !== null && isOpenTask(task.status);
      };
      const failures = await carryOut(this.env, due, stillOpen);
      for (const p of due) {
        if (p.effect.type !== "summarize_branches") continue;
        const { pattern, branches } = p.effect;
        try {
          const summaries = await summarizeBranches(this.env, branches);
          this.engine.change(() => {
            const logic = this.engine.patterns()[pattern];
            if (logic instanceof Hierarchical) logic.synthesize(this.engine, summaries);
          });
        } catch (error) {
          failures.set(p.seq, error);
        }
      }
      this.ctx.storage.transactionSync(() => {
        for (const p of due) {
          const failure = failures.get(p.seq);
          if (failure === undefined) this.engine.outbox.done(p.seq);
          else {
            console.warn(`run effect ${p.effect.type} (attempt ${p.attempts + 1}) failed; retrying later`, failure);
            this.engine.outbox.failed(p.seq, p.attempts + 1, Date.now());
          }
        }
      });
    } finally {
      for (const p of due) this.inFlight.delete(p.seq);
    }
    return true;
  }
}
