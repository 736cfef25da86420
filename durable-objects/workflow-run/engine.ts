import { type Clock, type EngineStorage, boundedOutput, runPlatformEvent } from "./engine-io";
import { type Enforcement, type GuardContext, type GuardFinding, limitFinding } from "../../src/guard-rails/enforce";
import { violationEvents } from "../../src/guard-rails/violations";
import { newId } from "../../src/lib/ids";
import { type SchemaIssue, schemaIssues } from "../../src/lib/json-schema";
import type { Json } from "../../src/workflows/definition/types";
import type { AuditRecord, Effect, PublishPlatformEvent } from "./effects";
import { passTime } from "./deadlines";
import { MessageStore } from "./message-store";
import { observationEffects, openEventSpan } from "./observation";
import { Outbox } from "./outbox";
import type { PatternLogic, RunContext } from "./patterns/pattern";
import { patternLogic } from "./patterns/registry";
import { Marks, RunRecord, type RunRow, Timers } from "./run-record";
import { type RunWrite, ViolationLog, guardTaskInput, guardValue, refuseByGuardRail } from "./run-guard-rails";
import { type Caller, type ErrorInfo, type Refusal, type RunInit, type RunStatus, isOpenTask } from "./run-types";
import { type SpanLink, SpanStore } from "./span-store";
import { StateStore } from "./state-store";
import { type TaskCause, type TaskRole, type TaskRow, TaskStore } from "./task-store";
import { taskIdFor } from "./task-ids";
import { iso, runRecord, taskFields, taskRecord } from "./views";

export type { Clock, EngineStorage } from "./engine-io";
export { systemClock } from "./engine-io";

const STARTING_ROLES: readonly TaskRole[] = ["start", "worker", "event", "state"];

/**
 * A run's state machine. It never awaits and never reads the time itself: every change happens inside
 * one synchronous transaction (`change`), at the clock's `now`, and what must happen outside the run is
 * recorded in the outbox in that same transaction. So a real run (wall clock, inbox deliveries) and a dry
 * run (virtual clock, scripted agents) run the very same rules.
 */
export class RunEngine implements RunContext {
  readonly record: RunRecord;
  readonly tasks: TaskStore;
  readonly messages: MessageStore;
  readonly spans: SpanStore;
  readonly timers: Timers;
  readonly outbox: Outbox;
  readonly marks: Marks;
  readonly state: StateStore;
  private logic: PatternLogic[] | null = null;
  private changedTasks = new Set<string>();
  private runChanged = false;
  private auditRows: AuditRecord[] = [];
  private readonly violations = new ViolationLog();
  private at = 0;

  constructor(
    private readonly storage: EngineStorage,
    private readonly clock: Clock,
    /** Record the trace (default). Off only to measure what recording costs (bench/figures/observability.ts). */
    recordSpans = true,
  ) {
    this.record = new RunRecord(storage.sql);
    this.tasks = new TaskStore(storage.sql);
    this.messages = new MessageStore(storage.sql);
    this.spans = new SpanStore(storage.sql, recordSpans);
    this.timers = new Timers(storage.sql);
    this.outbox = new Outbox(storage.sql);
    this.marks = new Marks(storage.sql);
    this.state = new StateStore(storage.sql);
  }

  get now(): number {
    return this.at;
  }

  /** Runs one change of the run in a transaction, at one instant, and records its effects. */
  change<T>(fn: () => T): T {
    this.at = this.clock.now();
    try {
      return this.storage.transactionSync(() => {
        const result = fn();
        this.settleIfQuiet();
        this.flushRecords();
        return result;
      });
    } catch (error) {
      // The transaction rolled back: forget what this change had noted in memory too.
      this.record.reset();
      this.changedTasks = new Set();
      this.runChanged = false;
      this.auditRows = [];
      this.violations.take();
      throw error;
    }
  }

  run(): RunRow {
    const run = this.record.get();
    if (!run) throw new Error("the run has not started");
    return run;
  }

  exists(): boolean {
    return this.record.get() !== null;
  }

  running(): boolean {
    return this.record.get()?.status === "running";
  }

  patterns(): PatternLogic[] {
    this.logic ??= this.run().definition.coordination.map((pattern, index) => patternLogic(pattern, index));
    return this.logic;
  }

  // --- starting and ending ------------------------------------------------------------------------

  start(init: RunInit, mode: "live" | "dry"): void {
    const spanId = this.newSpanId();
    this.record.insert(init, this.now, spanId, mode);
    this.logic = null;
    this.spans.open({
      span_id: spanId,
      parent_span_id: null,
      kind: "run",
      name: `invoke_workflow ${init.workflow}`,
      agent_id: null,
      version: null,
      started_at: this.now,
      attributes: { workflow: init.workflow, revision: init.revision, trigger: init.trigger.type },
      links: [],
    });
    this.spans.open({
      span_id: this.newSpanId(),
      parent_span_id: spanId,
      kind: "trigger",
      name: `trigger ${init.trigger.type}`,
      agent_id: null,
      version: null,
      started_at: this.now,
      ended_at: this.now,
      attributes: { ...init.trigger },
      links: [],
    });
    if (init.event) openEventSpan(this.spans, init.event, spanId, this.newSpanId(), this.now);
    this.runChanged = true;
    this.audit("workflow:run", `workflow:${init.workflow}`, { agent_id: init.started_by, admin: false, request_id: init.request_id }, {
      run_id: init.run_id,
      revision: init.revision,
      trigger: init.trigger.type,
    });
    if (init.limits.max_run_seconds !== null) this.setTimer("run_deadline", this.now + init.limits.max_run_seconds * 1000);
    this.platformEvent("run.started", { run_id: init.run_id, workflow: init.workflow, revision: init.revision, trigger: init.trigger, started_by: init.started_by });
    for (const pattern of this.patterns()) {
      if (!this.running()) break;
      pattern.start(this);
    }
  }

  /** Ends the run: open tasks are cancelled and taken back, timers cleared, its branches discarded. */
  endRun(status: Exclude<RunStatus, "running">, output: Json | null, error: ErrorInfo | null): void {
    const run = this.run();
    if (run.status !== "running") return;
    for (const task of this.tasks.open())
      this.endOpenTask(task, "cancelled", { code: "run_ended", message: `The run ended (${status}) before this task finished.` });
    this.timers.clearAll();
    this.record.end(status, output, error, this.now);
    this.spans.close(run.span_id, status === "succeeded" ? "ok" : status, this.now, error ? { error_code: error.code } : undefined);
    this.runChanged = true;
    if (status !== "cancelled") {
      const ended = { run_id: run.run_id, workflow: run.workflow, revision: run.revision, status, started_at: iso(run.started_at), ended_at: iso(this.now) };
      if (status === "succeeded") this.platformEvent("run.succeeded", { ...ended, ...boundedOutput(output) });
      else this.platformEvent("run.failed", { ...ended, error });
    }
    const branches = Object.values(run.branches);
    if (branches.length > 0) this.effect({ type: "discard_branches", branch_ids: branches, by: run.started_by });
    if (run.mode === "live") for (const effect of observationEffects(this.run(), this.tasks.all(), this.spans, this.now)) this.effect(effect);
  }

  failRun(error: ErrorInfo, status: "failed" | "timed_out" = "failed"): void {
    this.endRun(status, null, error);
  }

  failRunWith(error: ErrorInfo): void {
    this.failRun(error);
  }

  /** Once nothing is open, every pattern says how it stands; the run ends when none waits any more. */
  private settleIfQuiet(): void {
    if (!this.running() || this.tasks.openCount() > 0) return;
    const settlements = this.patterns().map((p) => p.settle(this));
    if (settlements.some((s) => s.status === "waiting")) return;
    const failure = settlements.find((s) => s.status === "failed");
    if (failure?.status === "failed") return this.failRun(failure.error);
    const outputs = settlements.map((s) => (s.status === "succeeded" ? s.output : null));
    const coordination = this.run().definition.coordination;
    // One pattern: its output. Several combined: each pattern's output under its name.
    const output: Json =
      coordination.length === 1
        ? (outputs[0] ?? null)
        : Object.fromEntries(coordination.map((c, i) => [coordination.findIndex((o) => o.pattern === c.pattern) === i ? c.pattern : `${c.pattern}#${i}`, outputs[i] ?? null]));
    this.endRun("succeeded", output, null);
  }

  // --- tasks --------------------------------------------------------------------------------------

  startAgent(agent: string, input: Json, pattern: number, role: TaskRole, cause: TaskCause, links: SpanLink[] = []): TaskRow | null {
    const started = this.tasks.ofAgent(agent).find((t) => STARTING_ROLES.includes(t.role) && t.retry_of === null);
    if (started) {
      if (!started.patterns.includes(pattern)) this.tasks.addPattern(started.task_id, [...started.patterns, pattern]);
      return this.tasks.get(started.task_id);
    }
    return this.createTask(agent, input, pattern, role, cause, links);
  }

  createTask(agent: string, input: Json, pattern: number, role: TaskRole, cause: TaskCause, links: SpanLink[] = [], attempt = 1, retryOf: string | null = null, patterns = [pattern]): TaskRow | null {
    const run = this.run();
    if (run.status !== "running") return null;
    const limit = run.limits.max_tasks_per_run;
    if (this.tasks.count() >= limit) {
      this.recordViolation({ agent_id: agent, action: "task:create" }, [limitFinding("max_tasks_per_run", "(run)", limit)]);
      this.failRun({ code: "max_tasks_per_run", message: `The run reached its limit of ${limit} tasks (max_tasks_per_run) when ${agent} was to get another; a cycle in the flow may not end.`, agent_id: agent, limit });
      return null;
    }
    const pinned = run.agents[agent];
    if (!pinned) throw new Error(`agent '${agent}' is not pinned by run ${run.run_id}`);
    const guarded = guardTaskInput(this, agent, input);
    if (guarded === undefined) return null;
    input = guarded;
    const taskId = taskIdFor(run.run_id, this.record.nextTaskNumber());
    const spanId = this.newSpanId();
    const timeout = run.definition.defaults.task_timeout_seconds;
    this.tasks.insert({
      task_id: taskId,
      agent_id: agent,
      version: pinned.version,
      role,
      patterns,
      status: "pending",
      input,
      output: null,
      error: null,
      attempt,
      retry_of: retryOf,
      usage: null,
      created_at: this.now,
      started_at: null,
      completed_at: null,
      deadline: this.now + timeout * 1000,
      cause,
      span_id: spanId,
      feedback: null,
    });
    this.spans.open({
      span_id: spanId,
      parent_span_id: run.span_id,
      kind: role === "synthesis" ? "synthesis" : "task",
      name: `invoke_agent ${agent}`,
      agent_id: agent,
      version: pinned.version,
      started_at: this.now,
      attributes: { task_id: taskId, attempt, role },
      links,
    });
    const task = this.tasks.get(taskId) as TaskRow;
    this.changedTasks.add(taskId);
    this.effect({ type: "deliver_task", task: taskFields(run, task), endpoint: pinned.endpoint });
    return task;
  }

  endOpenTask(task: TaskRow, status: "timed_out" | "cancelled", error: ErrorInfo): void {
    if (!isOpenTask(task.status)) return;
    this.tasks.finish(task.task_id, status, { error, atMs: this.now });
    this.spans.close(task.span_id, status, this.now);
    this.changedTasks.add(task.task_id);
    this.effect({ type: "retract_task", agent_id: task.agent_id, task_id: task.task_id });
  }

  /** Tells the task's patterns that it finished; the first error any of them raises fails the run. */
  taskFinished(task: TaskRow): void {
    const finished = this.tasks.get(task.task_id) as TaskRow;
    if (finished.status === "failed" || finished.status === "timed_out") {
      const { task_id, agent_id, version, status, error, attempt } = finished;
      this.platformEvent("task.failed", { task_id, run_id: this.run().run_id, workflow: this.run().workflow, agent_id, version, status, error, attempt }, task_id);
    }
    for (const index of finished.patterns) {
      const error = this.patterns()[index]?.taskFinished(this, finished);
      if (error) return this.failRun(error);
      if (!this.running()) return;
    }
  }

  // --- time ---------------------------------------------------------------------------------------

  /** Everything due by now: task deadlines (retry, or time out), then named timers (see deadlines.ts). */
  tick(): void {
    passTime(this);
  }

  /** When the run next needs to wake (the object's alarm): a deadline, a timer, or an effect to retry. */
  nextWakeAt(): number | null {
    const times = [this.outbox.earliest()];
    if (this.running()) times.push(this.tasks.earliestDeadline(), this.timers.earliest());
    const due = times.filter((t): t is number => t !== null);
    return due.length === 0 ? null : Math.min(...due);
  }

  setTimer(name: string, atMs: number): void {
    this.timers.set(name, atMs);
  }

  clearTimer(name: string): void {
    this.timers.clear(name);
  }

  // --- records ------------------------------------------------------------------------------------

  newSpanId(): string {
    return newId("spn");
  }

  effect(effect: Effect): void {
    this.outbox.add(effect, this.now);
  }

  /** A platform event of a live run (dry runs publish nothing): see runPlatformEvent. */
  private platformEvent(type: PublishPlatformEvent["event_type"], data: Record<string, Json>, about?: string): void {
    const effect = runPlatformEvent(this.run(), type, data, about);
    if (effect) this.effect(effect);
  }

  markTaskChanged(taskId: string): void {
    this.changedTasks.add(taskId);
  }

  audit(action: string, resource: string, caller: Caller | null, details: Record<string, Json>): void {
    this.auditRows.push({
      audit_id: newId("aud"),
      agent_id: caller?.agent_id ?? "switchyard",
      action,
      resource,
      request_id: caller?.request_id ?? null,
      at: iso(this.now),
      details: { run_id: this.record.get()?.run_id ?? null, ...details },
    });
  }

  guard<T extends Json>(value: T, context: GuardContext, write: RunWrite): Enforcement<T> {
    return guardValue(this, value, context, write);
  }

  refuseByGuardRail(finding: GuardFinding, what: string, writer: Caller): Refusal {
    return refuseByGuardRail(this, finding, what, writer);
  }

  /** Notes a write's guard-rail findings; they are recorded with this change's registry records. */
  recordViolation(write: RunWrite, findings: readonly GuardFinding[]): void {
    this.violations.add(this.record.get(), write, findings, iso(this.now));
  }

  schemaIssues(schemaName: string | null, value: Json): SchemaIssue[] {
    if (schemaName === null) return [];
    const schema = this.run().definition.schemas[schemaName];
    return schema === undefined ? [] : schemaIssues(schema, value);
  }

  /** One registry-and-audit effect for everything this change touched. */
  private flushRecords(): void {
    const run = this.record.get();
    if (!run || (this.changedTasks.size === 0 && !this.runChanged && this.auditRows.length === 0 && this.violations.size === 0)) return;
    const tasks = [...this.changedTasks].map((id) => this.tasks.get(id)).filter((t): t is TaskRow => t !== null);
    const violations = this.violations.take();
    const record = { ...(this.runChanged ? { run: runRecord(run) } : {}), tasks: tasks.map((t) => taskRecord(run, t)), audit: this.auditRows };
    this.effect({ type: "record", ...record, ...(violations.length > 0 ? { violations } : {}) });
    // Each write's violations as a `guard_rail.violated` platform event, carried out after the record above.
    for (const event of violationEvents(violations)) this.platformEvent("guard_rail.violated", event.data, event.violation_id);
    this.changedTasks = new Set();
    this.runChanged = false;
    this.auditRows = [];
  }
}
