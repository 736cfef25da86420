import type { RunEvent } from "../../durable-objects/workflow-run/run-types";
import type { Finding } from "../../durable-objects/workflow-run/dry-findings";
import { compileFilter } from "../events/compiled-filter";
import { getEventType } from "../events/event-types";
import { decide } from "../events/matching";
import { checkPublishable } from "../events/publish";
import { subscriptionsOf } from "../events/subscriptions";
import { ApiError } from "../http/errors";
import type { WorkflowDefinition } from "../workflows/definition/types";

// Which entries and event triggers of a definition a dry run's event matches, and why the others did
// not, decided by the events module exactly as for a published event: checked against its registered
// type (400 when it would be refused), the definition's subscriptions of that type matched by decide(),
// each filter compiled against the type's schema (so `severity >= 'high'` compares ordered levels).

/** The registered schema of a type, or null when it is not registered (its filters then run as plain CEL). */
async function registeredSchema(db: D1Database, type: string): Promise<unknown | null> {
  try {
    return (await getEventType(db, type)).schema;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export async function matchEntries(db: D1Database, definition: WorkflowDefinition, event: RunEvent): Promise<{ matched: Record<string, number[]>; findings: Finding[] }> {
  const schema = await registeredSchema(db, event.type);
  checkPublishable({ type: event.type, source: event.source, data: event.data }, { publisher: "http", publishedBy: "dry-run" }, schema ?? undefined);
  const registered = schema === null ? null : { type: event.type, schema };
  const rows = subscriptionsOf(definition)
    .filter((s) => s.eventType === event.type)
    .map((s) => ({ ...s, workflow: "(dry run)", revision: 0 }));
  const [decision] = decide(event, rows, (s) => compileFilter(s.filter, registered, s.eventType), () => null);
  const findings: Finding[] = [];
  decision?.entries.forEach((entry, i) => {
    if (entry.matched) return;
    const evaluated = !entry.reason.includes("could not be evaluated") && !entry.reason.includes("no longer fits");
    findings.push({
      kind: "event_unmatched",
      severity: evaluated ? "info" : "warning",
      ...(entry.filter === null ? {} : { filter: entry.filter }),
      message: `${entry.source} (${event.type}) did not match: ${entry.reason}.`,
      details: { entry: rows[i]?.entryIndex ?? null, source: entry.source, saw: entry.saw },
    });
  });
  if (!decision?.matched) {
    const listened = [...new Set(subscriptionsOf(definition).map((s) => s.eventType))];
    findings.push({
      kind: "event_unmatched",
      severity: "warning",
      message: decision
        ? `The event (${event.type}) matched no entry: every filter of its type said no or failed.`
        : `The event (${event.type}) matched no entry: nothing in this definition listens to that type (${listened.join(", ") || "no event types"}).`,
    });
  }
  return { matched: decision?.matchedEntries ?? {}, findings };
}
