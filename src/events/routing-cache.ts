import { type CompiledFilter, compileFilter } from "./compiled-filter";
import type { RegisteredEventType } from "./event-type";
import { platformEventType } from "./platform-types";

export type { RegisteredEventType };

// What an isolate knows of the event routing: which types any workflow subscribes to, and per type its
// registered schema and its subscriptions, with their filters compiled. Kept per isolate under the
// routing's version (one row in D1, given a new value by every subscription or event type change, in the
// same batch as that change): a request that learns the current version (authentication reads it with
// the key, see http/auth.ts) uses what is kept when it is that version, and reads again otherwise. So the
// hot paths that publish platform events pay nothing while nothing subscribes, and matching an event of a
// known type reads nothing before its claim.


export interface SubscriptionRow {
  workflow: string;
  source: string;
  eventType: string;
  revision: number;
  kind: "pattern" | "trigger";
  patternIndex: number | null;
  entryIndex: number | null;
  triggerIndex: number | null;
  filter: string | null;
}

export interface TypeRouting {
  eventType: RegisteredEventType | null;
  subscriptions: SubscriptionRow[];
}

interface Snapshot {
  version: string;
  types?: Promise<ReadonlySet<string>>;
  typesLoaded?: ReadonlySet<string>;
  routes: Map<string, Promise<TypeRouting>>;
}

/** Past this many types an isolate starts its routing cache over rather than grow it. */
const MAX_CACHED_TYPES = 2000;
const MAX_CACHED_FILTERS = 10_000;

let snapshot: Snapshot = { version: "", routes: new Map() };
const filters = new Map<string, CompiledFilter>();

function snapshotAt(version: string): Snapshot {
  if (snapshot.version !== version) snapshot = { version, routes: new Map() };
  return snapshot;
}

interface EventTypeDbRow {
  type: string;
  schema: string;
  description: string | null;
  version: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

interface SubscriptionDbRow {
  workflow: string;
  source: string;
  event_type: string;
  revision: number;
  kind: "pattern" | "trigger";
  pattern_index: number | null;
  entry_index: number | null;
  trigger_index: number | null;
  filter: string | null;
}

export function eventTypeFromRow(row: EventTypeDbRow): RegisteredEventType {
  return {
    type: row.type,
    schema: JSON.parse(row.schema) as unknown,
    description: row.description,
    version: row.version,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    platform: false,
  };
}

/** The routing's current version, read from D1 (for callers whose authentication did not read it). */
export async function readRoutingVersion(db: D1Database): Promise<string> {
  const row = await db.prepare("SELECT version FROM _event_routing WHERE id = 1").first<{ version: string }>();
  return row?.version ?? "";
}

/** Whether anything subscribes to `type`, when this isolate knows it for that version without reading; undefined otherwise. */
export function subscribedNow(version: string | undefined, type: string): boolean | undefined {
  if (version === undefined || snapshot.version !== version || snapshot.typesLoaded === undefined) return undefined;
  return snapshot.typesLoaded.has(type);
}

/** Every event type some workflow subscribes to, as of `version` (or newer). */
export function subscribedTypes(db: D1Database, version: string): Promise<ReadonlySet<string>> {
  const at = snapshotAt(version);
  at.types ??= (async () => {
    const [versionRow, rows] = await db.batch([
      db.prepare("SELECT version FROM _event_routing WHERE id = 1"),
      db.prepare("SELECT DISTINCT event_type FROM _event_subscriptions"),
    ]);
    const types: ReadonlySet<string> = new Set(((rows?.results ?? []) as { event_type: string }[]).map((r) => r.event_type));
    const loadedAt = (versionRow?.results[0] as { version: string } | undefined)?.version ?? version;
    const target = snapshotAt(loadedAt);
    target.typesLoaded = types;
    target.types ??= Promise.resolve(types);
    return types;
  })();
  at.types.catch(() => {
    // A failed load is not kept: the next caller reads again.
    if (snapshot === at) at.types = undefined;
  });
  return at.types;
}

/** A type's registered schema and its subscriptions, as of `version` (or newer). */
export function routingFor(db: D1Database, version: string, type: string): Promise<TypeRouting> {
  const at = snapshotAt(version);
  const known = at.routes.get(type);
  if (known) return known;
  if (at.routes.size >= MAX_CACHED_TYPES) at.routes.clear();
  const loading = (async (): Promise<TypeRouting> => {
    const [typeRows, subscriptionRows] = await db.batch([
      db.prepare("SELECT * FROM _event_types WHERE type = ?").bind(type),
      db.prepare("SELECT * FROM _event_subscriptions WHERE event_type = ? ORDER BY workflow, source").bind(type),
    ]);
    const registered = (typeRows?.results[0] as EventTypeDbRow | undefined) ?? null;
    return {
      eventType: platformEventType(type) ?? (registered ? eventTypeFromRow(registered) : null),
      subscriptions: ((subscriptionRows?.results ?? []) as SubscriptionDbRow[]).map((r) => ({
        workflow: r.workflow,
        source: r.source,
        eventType: r.event_type,
        revision: r.revision,
        kind: r.kind,
        patternIndex: r.pattern_index,
        entryIndex: r.entry_index,
        triggerIndex: r.trigger_index,
        filter: r.filter,
      })),
    };
  })();
  at.routes.set(type, loading);
  loading.catch(() => {
    if (at.routes.get(type) === loading) at.routes.delete(type);
  });
  return loading;
}

/**
 * A subscription's filter, compiled once per revision of its workflow and version of its event type: a
 * type registered or changed since makes its filters compile again against the new schema.
 */
export function compiledFilterFor(subscription: SubscriptionRow, eventType: RegisteredEventType | null): CompiledFilter {
  const typeVersion = eventType ? `${eventType.version}@${eventType.updatedAt}` : "unregistered";
  const key = `${subscription.workflow}\u0000${subscription.revision}\u0000${subscription.source}\u0000${typeVersion}`;
  let compiled = filters.get(key);
  if (!compiled) {
    if (filters.size >= MAX_CACHED_FILTERS) filters.clear();
    compiled = compileFilter(subscription.filter, eventType ? { type: eventType.type, schema: eventType.schema } : null, subscription.eventType);
    filters.set(key, compiled);
  }
  return compiled;
}

/** Forgets everything this isolate kept (tests that change D1 behind the API's back). */
export function forgetRouting(): void {
  snapshot = { version: "", routes: new Map() };
  filters.clear();
}
