import { createExecutionContext, createScheduledController, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach } from "vitest";
import worker from "../../src/index";
import { setLifecycleClock } from "../../src/lifecycle/clock";
import { triggerObject } from "../../src/lifecycle/trigger-object";
import { api } from "../helpers";
import { ensureVersion, putWorkflow, workflowName } from "../workflows/workflow-helpers";

/**
 * The lifecycle clock, set by the test: nothing sleeps. Alarms are set in the runtime's future by the
 * delay measured on this clock, so they fire when the test fires them (fireAlarm), not on their own.
 */
export class TestClock {
  constructor(private ms: number) {
    setLifecycleClock({ now: () => this.ms });
  }
  get now(): number {
    return this.ms;
  }
  set(at: string | number): void {
    this.ms = typeof at === "string" ? Date.parse(at) : at;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function useTestClock(at: string): TestClock {
  return new TestClock(Date.parse(at));
}

afterEach(() => setLifecycleClock(null));

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** An agent with a published version, and a one-edge message-passing definition that gives it a task per run. */
export async function runnableAgents(prefix = "lc") {
  const agent = workflowName(`${prefix}-a`);
  const next = workflowName(`${prefix}-b`);
  await Promise.all([ensureVersion(agent, "1.0.0"), ensureVersion(next, "1.0.0")]);
  const coordination = `agents:
  - {name: ${agent}, version: "1.0.0"}
  - {name: ${next}, version: "1.0.0"}
coordination:
  pattern: message-passing
  flow:
    - {from: ${agent}, to: ${next}}
`;
  return { agent, next, coordination };
}

/** PUTs a workflow whose `triggers:` block is `triggers` (YAML, indented as a list under `triggers:`). */
export async function putTriggered(triggers: string, options: { name?: string; key?: string; prefix?: string } = {}) {
  const { coordination } = await runnableAgents(options.prefix);
  const name = options.name ?? workflowName(options.prefix ?? "lc");
  const res = await putWorkflow(options.key, name, `${coordination}triggers:\n${triggers}`);
  return { name, res, coordination };
}

/** The ids of the workflow's schedule, polling and webhook triggers (each an object), in definition order. */
export async function triggerIds(name: string): Promise<string[]> {
  const listed = await api("GET", `/v1/workflows/${name}/triggers`);
  if (listed.status !== 200) throw new Error(`listing ${name}: ${listed.status} ${JSON.stringify(listed.body)}`);
  return (listed.body.items as { type: string; trigger_id: string | null }[]).flatMap((t) => (t.trigger_id && t.type !== "event" ? [t.trigger_id] : []));
}

export const rawTriggerStub = (triggerId: string) => env.LIFECYCLE_TRIGGER.get(env.LIFECYCLE_TRIGGER.idFromName(triggerId));

/** Fires the trigger's alarm now (whatever time it was set for). */
export const fireAlarm = (triggerId: string) => runDurableObjectAlarm(rawTriggerStub(triggerId));

export const syncTrigger = (triggerId: string, cause: "changed" | "sweep" = "sweep") => triggerObject(env, triggerId).sync(triggerId, cause);

/** One invocation of the Worker's every-minute Cron Trigger, awaited to its end. */
export async function cronTick(at = Date.now()): Promise<void> {
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ cron: "* * * * *", scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

export interface RunRow {
  run_id: string;
  trigger: Record<string, unknown>;
  started_by: string;
}

/** The workflow's runs, oldest first, with their trigger records. */
export async function runsOf(name: string): Promise<RunRow[]> {
  const { results } = await env.DB.prepare("SELECT run_id, trigger, started_by FROM _runs WHERE workflow = ? ORDER BY run_id").bind(name).all<{ run_id: string; trigger: string; started_by: string }>();
  return results.map((r) => ({ run_id: r.run_id, trigger: JSON.parse(r.trigger) as Record<string, unknown>, started_by: r.started_by }));
}

/** The `scheduled_for` of each scheduled run, sorted. */
export async function scheduledInstants(name: string): Promise<string[]> {
  return (await runsOf(name)).map((r) => String(r.trigger.scheduled_for)).sort();
}

export interface Decision {
  decision: string;
  reason: string;
  run_id: string | null;
  details: Record<string, unknown> | null;
}

/** A trigger's decisions (newest first), as the listing shows them. */
export async function decisionsOf(name: string, index = 0, limit = 50): Promise<Decision[]> {
  const listed = await api("GET", `/v1/workflows/${name}/triggers?decisions=${limit}`);
  const item = (listed.body.items as { index: number; decisions: Decision[] }[]).find((t) => t.index === index);
  return item?.decisions ?? [];
}
