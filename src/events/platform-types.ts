import type { RegisteredEventType } from "./event-type";

// The platform events Switchyard publishes itself (`source: "switchyard"`), with the schema of each one's
// `data`: filters on them are checked against it like filters on a registered type. Their names are
// reserved: nobody registers them or publishes them.

const id = { type: "string" } as const;
const text = { type: "string" } as const;
const number = { type: "number" } as const;
const json = {} as const;
const RUN_STATUS = { type: "string", enum: ["running", "succeeded", "failed", "timed_out", "cancelled"] } as const;

const object = (properties: Record<string, unknown>, required: string[]) => ({ type: "object", properties, required });

const SCHEMAS = {
  "memory.stored": object(
    { memory_id: id, agent_id: id, memory_type: text, importance: number, metadata: { type: "object" }, created_by: id, created_at: text },
    ["memory_id", "agent_id"],
  ),
  "trigger.fired": object(
    { notification_id: id, trigger_id: id, trigger_name: text, memory_id: id, agent_id: id, score: number, action_type: text },
    ["trigger_id", "memory_id", "score"],
  ),
  "branch.created": object({ branch_id: id, label: text, description: { type: ["string", "null"] }, created_by: id, expires_at: text }, ["branch_id"]),
  "branch.merged": object({ branch_id: id, label: text, merged_by: id, applied: { type: "object" } }, ["branch_id"]),
  "branch.discarded": object({ branch_id: id, label: text, discarded_by: id }, ["branch_id"]),
  "run.started": object({ run_id: id, workflow: text, revision: number, trigger: json, started_by: id }, ["run_id", "workflow"]),
  "run.succeeded": object({ run_id: id, workflow: text, revision: number, status: RUN_STATUS, output: json, started_at: text, ended_at: text }, ["run_id", "workflow"]),
  "run.failed": object({ run_id: id, workflow: text, revision: number, status: RUN_STATUS, error: json, started_at: text, ended_at: text }, ["run_id", "workflow"]),
  "task.failed": object(
    { task_id: id, run_id: id, workflow: text, agent_id: id, version: text, status: { type: "string", enum: ["failed", "timed_out"] }, error: json, attempt: number },
    ["task_id", "run_id"],
  ),
  // Published by the guard rails (their rule, the path, the agent…): what each carries is theirs to say.
  "guard_rail.violated": { type: "object" },
  "policy.denied": object({ agent_id: id, action: text, resource: text, policy_id: { type: ["string", "null"] }, reason: text }, ["agent_id", "action", "resource"]),
} as const satisfies Record<string, unknown>;

export type PlatformEventType = keyof typeof SCHEMAS;

export const PLATFORM_EVENT_TYPES = Object.keys(SCHEMAS).sort() as PlatformEventType[];

export const isPlatformEventType = (type: string): type is PlatformEventType => Object.prototype.hasOwnProperty.call(SCHEMAS, type);

/** Platform events' `source`: no one else may publish under it. */
export const PLATFORM_SOURCE = "switchyard";

const EPOCH = "1970-01-01T00:00:00.000Z";

/** The platform type as an event type (schema and all), or null when `type` is none. */
export function platformEventType(type: string): RegisteredEventType | null {
  if (!isPlatformEventType(type)) return null;
  return {
    type,
    schema: SCHEMAS[type],
    description: `Published by Switchyard (source "${PLATFORM_SOURCE}").`,
    version: 1,
    createdBy: PLATFORM_SOURCE,
    createdAt: EPOCH,
    updatedAt: EPOCH,
    platform: true,
  };
}
