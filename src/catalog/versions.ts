import { type AnyColumn, type SQL, and, eq, ne, sql } from "drizzle-orm";
import { type AuditEntry, auditIfChanged } from "../audit/audit-log";
import type { Database } from "../db/client";
import { agentVersions } from "../db/schema";
import { ApiError, type FieldIssue } from "../http/errors";
import { decodeCursor, page } from "../lib/cursor";
import { isoNow } from "../lib/time";
import { allowsPrivateWebhooks, webhookUrlRefusal } from "../triggers/webhooks/url-guard";
import { jsonSchemaProblems } from "./json-schema-check";
import { VERSION_HINT, compareDescending, parseVersion } from "./references";
import type { AgentVersion, PublishVersion } from "./schemas";

// The agent catalog in D1: publish (immutable), list in semver order, get, deprecate, promote.

export type VersionRow = typeof agentVersions.$inferSelect;
type Audit = Pick<AuditEntry, "agentId" | "requestId">;

const parseJson = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function versionJson(row: VersionRow): AgentVersion {
  return {
    agent_id: row.agentId,
    version: row.version,
    description: row.description,
    endpoint: row.endpoint,
    config: parseJson(row.config) as AgentVersion["config"],
    input_schema: parseJson(row.inputSchema) as AgentVersion["input_schema"],
    output_schema: parseJson(row.outputSchema) as AgentVersion["output_schema"],
    tags: JSON.parse(row.tags) as string[],
    guard_rails: parseJson(row.guardRails) as AgentVersion["guard_rails"],
    deprecated: row.deprecated,
    deprecated_at: row.deprecatedAt,
    deprecation_reason: row.deprecationReason,
    promoted: row.promoted,
    published_at: row.publishedAt,
    published_by: row.publishedBy,
  };
}

/** A version from a request (body or path): 400 naming `field` unless it is semver 2.0. */
export function requireVersion(text: string, field: string) {
  const parsed = parseVersion(text);
  if (!parsed) throw new ApiError("invalid_request", `'${text}' is not a valid version: it ${VERSION_HINT}.`, [{ path: field, message: VERSION_HINT }]);
  return parsed;
}

/** Everything about a publish that can be refused without the database: 400 listing every problem. */
export async function checkPublish(input: PublishVersion, env: Pick<Env, "WEBHOOK_ALLOW_PRIVATE">): Promise<void> {
  requireVersion(input.version, "version");
  const issues: FieldIssue[] = [];
  for (const field of ["input_schema", "output_schema"] as const) {
    const schema = input[field];
    if (schema === undefined || schema === null) continue;
    for (const p of jsonSchemaProblems(schema)) issues.push({ path: p.path ? `${field}.${p.path}` : field, message: p.message });
  }
  if (input.endpoint) {
    const refusal = await endpointRefusal(input.endpoint, env);
    if (refusal) issues.push({ path: "endpoint", message: refusal });
  }
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new ApiError("invalid_request", `Invalid version: ${first.path} ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}.`, issues);
  }
}

/**
 * An endpoint receives tasks, so it is held to the webhook rules (a public address) and must be https;
 * plain http is allowed only where private addresses are (`WEBHOOK_ALLOW_PRIVATE`, local testing).
 */
async function endpointRefusal(endpoint: string, env: Pick<Env, "WEBHOOK_ALLOW_PRIVATE">): Promise<string | undefined> {
  const allowPrivate = allowsPrivateWebhooks(env);
  if (!allowPrivate && !endpoint.startsWith("https:")) return "must be an https URL";
  return webhookUrlRefusal(endpoint, { allowPrivate });
}

export async function publishVersion(db: Database, agentId: string, input: PublishVersion, audit: Audit): Promise<AgentVersion> {
  const parsed = requireVersion(input.version, "version");
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
  const row: VersionRow = {
    agentId,
    version: parsed.version,
    versionKey: parsed.key,
    description: input.description ?? null,
    endpoint: input.endpoint ?? null,
    config: JSON.stringify(input.config ?? {}),
    inputSchema: json(input.input_schema),
    outputSchema: json(input.output_schema),
    tags: JSON.stringify(input.tags ?? []),
    guardRails: json(input.guard_rails),
    prerelease: parsed.prerelease,
    deprecated: false,
    deprecatedAt: null,
    deprecationReason: null,
    promoted: false,
    promotedAt: null,
    publishedAt: isoNow(),
    publishedBy: audit.agentId,
  };
  // The primary key makes a version unique, so of concurrent publishes exactly one inserts; the audit
  // row is written only by that one.
  const [inserted] = await db.batch([
    db.insert(agentVersions).values(row).onConflictDoNothing().returning({ version: agentVersions.version }),
    auditIfChanged(db, { ...audit, action: "catalog:publish", resource: `catalog:${agentId}`, status: "success", details: { version: row.version } }),
  ]);
  if (inserted.length === 0) {
    const existing = await findVersion(db, agentId, parsed.key);
    const as = existing && existing.version !== parsed.version ? ` (as ${existing.version}: build metadata does not make another version)` : "";
    throw new ApiError("conflict", `Version ${parsed.key} of '${agentId}' is already published${as}; published versions are immutable, so publish a new version.`);
  }
  return versionJson(row);
}

export async function findVersion(db: Database, agentId: string, versionKey: string): Promise<VersionRow | undefined> {
  const [row] = await db
    .select()
    .from(agentVersions)
    .where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.versionKey, versionKey)));
  return row;
}

export async function getVersion(db: Database, agentId: string, version: string): Promise<VersionRow> {
  const parsed = requireVersion(version, "version");
  const row = await findVersion(db, agentId, parsed.key);
  if (!row) throw new ApiError("not_found", `Agent '${agentId}' has no version ${version}.`);
  return row;
}

/**
 * One page, highest version first. Semver order is not SQL's, so the agent's versions are sorted here;
 * the cursor is the last version shown.
 */
export async function listVersions(db: Database, agentId: string, limit: number, cursor: string | undefined) {
  const after = decodeCursor(cursor);
  if (after !== undefined && !parseVersion(after))
    throw new ApiError("invalid_request", "The cursor is not one this API returned; pass `next_cursor` unchanged.", [{ path: "cursor", message: "invalid cursor" }]);
  const rows = await db.select().from(agentVersions).where(eq(agentVersions.agentId, agentId));
  rows.sort((a, b) => compareDescending(a.version, b.version));
  const start = after === undefined ? 0 : rows.findIndex((r) => compareDescending(r.version, after) > 0);
  const rest = start < 0 ? [] : rows.slice(start, start + limit + 1);
  const result = page(rest, limit, (r) => r.version);
  return { items: result.items.map(versionJson), next_cursor: result.next_cursor };
}

/** Marks a version deprecated: `latest` and ranges skip it, new pins are refused, existing ones still run. */
export async function deprecateVersion(db: Database, row: VersionRow, reason: string | undefined, audit: Audit): Promise<AgentVersion> {
  if (row.deprecated) return versionJson(row); // already deprecated: nothing changes, nothing to audit
  const now = isoNow();
  const [updated] = await db.batch([
    db
      .update(agentVersions)
      .set({ deprecated: true, deprecatedAt: now, deprecationReason: reason ?? null })
      .where(and(eq(agentVersions.agentId, row.agentId), eq(agentVersions.versionKey, row.versionKey), eq(agentVersions.deprecated, false)))
      .returning(),
    auditIfChanged(db, {
      ...audit,
      action: "catalog:deprecate",
      resource: `catalog:${row.agentId}`,
      status: "success",
      details: { version: row.version, ...(reason === undefined ? {} : { reason }) },
    }),
  ]);
  // A concurrent deprecation got there first: the version is deprecated either way.
  return versionJson(updated[0] ?? (await findVersion(db, row.agentId, row.versionKey)) ?? row);
}

/** Makes `latest` name this version (and no other of the agent's). */
export async function promoteVersion(db: Database, row: VersionRow, audit: Audit): Promise<AgentVersion> {
  if (row.deprecated)
    throw new ApiError("conflict", `Version ${row.version} of '${row.agentId}' is deprecated and cannot be promoted; promote a current version.`);
  if (row.promoted) return versionJson(row);
  const [demote, promote] = promotionStatements(db, row, isoNow());
  const [, updated] = await db.batch([
    demote,
    promote,
    auditIfChanged(db, { ...audit, action: "catalog:promote", resource: `catalog:${row.agentId}`, status: "success", details: { version: row.version } }),
  ]);
  const promoted = updated[0];
  if (!promoted) throw new ApiError("conflict", `Version ${row.version} of '${row.agentId}' was deprecated meanwhile and cannot be promoted.`);
  return versionJson(promoted);
}

/**
 * The two statements of a promotion, for a batch: demote the agent's other promoted version, then promote
 * this one (returning it). Neither applies when the version is deprecated, nor unless `guard` (an SQL
 * condition, e.g. "the A/B test is still running") holds.
 */
export function promotionStatements(db: Database, row: Pick<VersionRow, "agentId" | "versionKey">, now: string, guard: SQL = sql`1`) {
  return [
    // Demote first: the unique index allows one promoted version per agent at any moment.
    db
      .update(agentVersions)
      .set({ promoted: false, promotedAt: null })
      .where(
        and(
          eq(agentVersions.agentId, row.agentId),
          eq(agentVersions.promoted, true),
          ne(agentVersions.versionKey, row.versionKey),
          // …only if the promotion below will happen, so a lost race with a deprecation demotes nothing.
          sql`EXISTS (SELECT 1 FROM _agent_versions t WHERE t.agent_id = ${row.agentId} AND t.version_key = ${row.versionKey} AND t.deprecated = 0)`,
          guard,
        ),
      ),
    db
      .update(agentVersions)
      .set({ promoted: true, promotedAt: now })
      .where(and(eq(agentVersions.agentId, row.agentId), eq(agentVersions.versionKey, row.versionKey), eq(agentVersions.deprecated, false), guard))
      .returning(),
  ] as const;
}

/** `agent_id IN (the names)`, bound as one JSON parameter (a D1 statement binds at most 100 values). */
export const inJsonList = (column: AnyColumn, names: readonly string[]) =>
  sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(names)}))`;
