import { inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { eventTypes } from "../db/schema";
import { NAME_PATTERN } from "../http/openapi";
import type { IssuePath, PendingIssue } from "../workflows/definition/issues";
import type { DefinitionLayout } from "../workflows/definition/normalise";
import type { WorkflowDefinition } from "../workflows/definition/types";
import { type FilterSchema, analyseFilter } from "./filter-analysis";
import { platformEventType } from "./platform-types";
import { eventTriggerOf } from "./subscriptions";

// A workflow's event filters, checked when it is defined. Without the database (prepareDefinition): each
// filter parses and type-checks as CEL, and each event trigger names its type. Against the registered event
// types (checkAgainstCatalog): every field a filter reads is declared, and every ordering comparison of a
// string is either between levels of an enum or warned about as alphabetical.

interface FilterSite {
  eventType: string;
  filter: string;
  path: IssuePath;
}

function filterSites(definition: WorkflowDefinition, layout: DefinitionLayout): FilterSite[] {
  const sites: FilterSite[] = [];
  definition.coordination.forEach((pattern, i) => {
    if (pattern.pattern !== "event-driven") return;
    pattern.events.forEach((entry, j) => {
      if (entry.filter !== null) sites.push({ eventType: entry.type, filter: entry.filter, path: [...layout.patternPath(i), "events", j, "filter"] });
    });
  });
  definition.triggers.forEach((trigger, k) => {
    const event = eventTriggerOf(trigger);
    if (event && typeof event.eventType === "string" && typeof event.filter === "string") sites.push({ eventType: event.eventType, filter: event.filter, path: ["triggers", k, "filter"] });
  });
  return sites;
}

/** Why a filter does not compile (parse, type-check, a bool), or null when it does. */
export function filterCompileError(text: string): string | null {
  const analysis = analyseFilter(text, null, "");
  return analysis.ok ? null : analysis.message;
}

/** The event triggers' own fields: `event_type` an event type name, `filter` CEL text (null: every event). */
export function eventTriggerIssues(definition: WorkflowDefinition): PendingIssue[] {
  const issues: PendingIssue[] = [];
  definition.triggers.forEach((trigger, k) => {
    const event = eventTriggerOf(trigger);
    if (!event) return;
    if (typeof event.eventType !== "string" || !NAME_PATTERN.test(event.eventType))
      issues.push({ path: ["triggers", k, "event_type"], message: "must be the event type the trigger listens to (1-128 letters, digits and . _ : -)" });
    if (event.filter !== null && typeof event.filter !== "string") issues.push({ path: ["triggers", k, "filter"], message: "must be a CEL condition (text), or left out to match every event" });
    else if (typeof event.filter === "string") {
      const error = filterCompileError(event.filter);
      if (error) issues.push({ path: ["triggers", k, "filter"], message: error });
    }
  });
  return issues;
}

/** Every filter against its event type as registered now (or as Switchyard publishes it, for platform types). */
export async function filterSchemaFindings(db: Database, definition: WorkflowDefinition, layout: DefinitionLayout): Promise<{ errors: PendingIssue[]; warnings: PendingIssue[] }> {
  const sites = filterSites(definition, layout);
  const found = { errors: [] as PendingIssue[], warnings: [] as PendingIssue[] };
  if (sites.length === 0) return found;
  const names = [...new Set(sites.map((s) => s.eventType))];
  const rows = await db.select({ type: eventTypes.type, schema: eventTypes.schema }).from(eventTypes).where(inArray(eventTypes.type, names));
  const registered = new Map<string, FilterSchema>(rows.map((r) => [r.type, { type: r.type, schema: JSON.parse(r.schema) as unknown }]));
  for (const site of sites) {
    const platform = platformEventType(site.eventType);
    const schema = platform ? { type: platform.type, schema: platform.schema } : (registered.get(site.eventType) ?? null);
    const analysis = analyseFilter(site.filter, schema, site.eventType);
    if (!analysis.ok) {
      found.errors.push({ path: site.path, message: analysis.message });
      continue;
    }
    for (const message of analysis.plan.errors) found.errors.push({ path: site.path, message });
    for (const message of analysis.plan.warnings) found.warnings.push({ path: site.path, message });
  }
  return found;
}
