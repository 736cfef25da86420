import type { LifecycleTrigger, StepReport } from "../../durable-objects/lifecycle-trigger";

type TriggerMethods = "sync";

/** A trigger's object through its methods (the RPC stub type is not needed for these plain values). */
export type TriggerObject = Pick<LifecycleTrigger, TriggerMethods>;

export const triggerObject = (env: Env, triggerId: string): TriggerObject =>
  env.LIFECYCLE_TRIGGER.get(env.LIFECYCLE_TRIGGER.idFromName(triggerId)) as unknown as TriggerObject;

/**
 * Tells each trigger's object to read the registry again (after a save or a delete): a changed schedule
 * is re-planned and a removed one forgets its alarm at once. A failure is logged, not raised: the change
 * is saved, and the every-minute safety net wakes any object whose `next_at` passes unheard.
 */
export async function wakeTriggers(env: Env, triggerIds: Iterable<string>): Promise<StepReport[]> {
  const results = await Promise.allSettled([...new Set(triggerIds)].map((id) => triggerObject(env, id).sync(id, "changed")));
  const reports: StepReport[] = [];
  for (const result of results) {
    if (result.status === "fulfilled") reports.push(result.value);
    else console.warn("a lifecycle trigger could not be told of its workflow's change; the safety net will wake it", result.reason);
  }
  return reports;
}
