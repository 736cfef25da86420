import { CronSchedule } from "../schedules/cron-schedule";
import { type CurrentWorkflow, definitionOf } from "../workflows/workflow-store";
import { plannedTriggers } from "./trigger-identity";
import type { z } from "@hono/zod-openapi";
import type { SchedulePreviewSchema } from "./schemas";

export type SchedulePreview = z.infer<typeof SchedulePreviewSchema>;

/**
 * `GET /v1/workflows/{name}/schedule?from=&count=`: the next instants of each schedule trigger, in UTC and
 * on the zone's clocks, with a note wherever daylight saving moved one (the same rule the schedulers fire
 * by: a time in the spring gap fires once at the gap's end, a repeated time once, at its first occurrence).
 */
export function schedulePreview(current: CurrentWorkflow, from: Date, count: number): SchedulePreview {
  const workflow = current.workflow.name;
  const planned = plannedTriggers(workflow, definitionOf(current.revision).triggers);
  const schedules = planned.flatMap((p) => {
    if (p.config.type !== "schedule") return [];
    const schedule = CronSchedule.parse(p.config.cron, p.config.timezone);
    return [{ index: p.index, trigger_id: p.triggerId, cron: p.config.cron, timezone: p.config.timezone, catchup: p.config.catchup, instants: schedule.preview(from, count) }];
  });
  return { workflow, from: from.toISOString(), schedules };
}
