import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { agentVersions, agents } from "../db/schema";
import { ApiError } from "../http/errors";
import { type VersionStatus, resolveReference } from "./references";
import { inJsonList } from "./versions";

// Agent references resolved against the catalog, for a whole set of agents at once: one D1 read finds
// every version of every agent named (and whether the agent is registered at all), whatever their number.

/** A reference as a workflow definition holds it: an agent and `latest`, a range or an exact version. One per agent. */
export interface AgentReference {
  name: string;
  version: string;
}

/** The version a run uses for one agent, with what the run needs of it. */
export interface ResolvedVersion {
  agent_id: string;
  version: string;
  endpoint: string | null;
  config: unknown;
  input_schema: unknown | null;
  output_schema: unknown | null;
  guard_rails: unknown | null;
  deprecated: boolean;
}

/** What a reference picks now, without the version's payload (for definitions). */
export interface CheckedReference {
  agent_id: string;
  ref: string;
  version: string;
  /** An exact version, rather than `latest` or a range. */
  pinned: boolean;
  deprecated: boolean;
}

/** Why a reference does not resolve. */
export interface ReferenceIssue {
  name: string;
  ref: string;
  message: string;
}

interface StatusRow extends VersionStatus {
  agentId: string;
}

/** Every version of each named agent; agents that are not registered are absent from the map. */
async function loadVersionStatuses(db: Database, names: readonly string[]): Promise<Map<string, StatusRow[]>> {
  const byAgent = new Map<string, StatusRow[]>();
  if (names.length === 0) return byAgent;
  const rows = await db
    .select({
      registered: agents.agentId,
      version: agentVersions.version,
      versionKey: agentVersions.versionKey,
      prerelease: agentVersions.prerelease,
      deprecated: agentVersions.deprecated,
      promoted: agentVersions.promoted,
    })
    .from(agents)
    .leftJoin(agentVersions, eq(agentVersions.agentId, agents.agentId))
    .where(inJsonList(agents.agentId, [...new Set(names)]));
  for (const r of rows) {
    const list = byAgent.get(r.registered) ?? [];
    byAgent.set(r.registered, list);
    // A registered agent without versions comes back once, with the version columns NULL.
    if (r.version !== null && r.versionKey !== null)
      list.push({
        agentId: r.registered,
        version: r.version,
        versionKey: r.versionKey,
        prerelease: r.prerelease ?? false,
        deprecated: r.deprecated ?? false,
        promoted: r.promoted ?? false,
      });
  }
  return byAgent;
}

function resolveAll(refs: readonly AgentReference[], statuses: Map<string, StatusRow[]>, allowDeprecatedPin: boolean) {
  const resolved = new Map<string, CheckedReference>();
  const issues: ReferenceIssue[] = [];
  for (const ref of refs) {
    const versions = statuses.get(ref.name);
    if (versions === undefined) {
      issues.push({ name: ref.name, ref: ref.version, message: `Agent '${ref.name}' is not registered: check the name, or register it (POST /v1/agents) and publish a version.` });
      continue;
    }
    const outcome = resolveReference(ref.name, ref.version, versions, { allowDeprecatedPin });
    if (!outcome.ok) issues.push({ name: ref.name, ref: ref.version, message: outcome.message });
    else
      resolved.set(ref.name, { agent_id: ref.name, ref: ref.version, version: outcome.version.version, pinned: outcome.pinned, deprecated: outcome.version.deprecated });
  }
  return { resolved, issues };
}

/**
 * For a new or changed definition (PUT, rollback): what every reference picks now, and an issue for each
 * that picks nothing, including an exact pin of a deprecated version (refused for new pins).
 */
export async function checkReferences(db: Database, refs: readonly AgentReference[]): Promise<{ resolved: Map<string, CheckedReference>; issues: ReferenceIssue[] }> {
  return resolveAll(refs, await loadVersionStatuses(db, refs.map((r) => r.name)), false);
}

/** Raised by resolveReferences when a reference picks nothing now (all versions deprecated since, the agent deleted…). */
export class UnresolvedReferencesError extends ApiError {
  constructor(readonly issues: ReferenceIssue[]) {
    super("conflict", `The workflow's agents do not all resolve now: ${issues.map((i) => i.message).join(" ")}`, { references: issues });
    this.name = "UnresolvedReferencesError";
  }
}

/**
 * For a run's start: every reference resolved at once, with what the run needs of each version. Exact
 * pins of deprecated versions still resolve (what pinned a version keeps it). Two reads whatever the
 * number of agents: the versions' statuses, then the chosen versions' payloads. Throws
 * UnresolvedReferencesError (409) when a reference picks nothing. `chosen` (agent → exact version) overrides
 * what references pick, for agents that resolve at all.
 */
export async function resolveReferences(db: Database, refs: readonly AgentReference[], chosen?: Promise<ReadonlyMap<string, string>>): Promise<Map<string, ResolvedVersion>> {
  const { resolved, issues } = resolveAll(refs, await loadVersionStatuses(db, refs.map((r) => r.name)), true);
  if (issues.length > 0) throw new UnresolvedReferencesError(issues);
  // Versions chosen elsewhere (an A/B test's arm for `latest`) replace what the reference picked; they were
  // looked up in parallel with the statuses above, so they cost no extra round trip.
  for (const [agent, version] of (await chosen) ?? []) {
    const checked = resolved.get(agent);
    if (checked) resolved.set(agent, { ...checked, version });
  }
  const out = new Map<string, ResolvedVersion>();
  if (resolved.size === 0) return out;
  const wanted = JSON.stringify([...resolved.values()].map((r) => [r.agent_id, r.version]));
  const rows = await db
    .select()
    .from(agentVersions)
    .where(
      sql`EXISTS (SELECT 1 FROM json_each(${wanted}) w WHERE json_extract(w.value, '$[0]') = ${agentVersions.agentId} AND json_extract(w.value, '$[1]') = ${agentVersions.version})`,
    );
  const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));
  for (const row of rows) {
    out.set(row.agentId, {
      agent_id: row.agentId,
      version: row.version,
      endpoint: row.endpoint,
      config: parse(row.config),
      input_schema: parse(row.inputSchema),
      output_schema: parse(row.outputSchema),
      guard_rails: parse(row.guardRails),
      deprecated: row.deprecated,
    });
  }
  return out;
}

/** One reference, as `GET …/versions/resolve?ref=` answers it, or why it resolves to nothing. */
export async function resolveOne(db: Database, agentId: string, ref: string): Promise<{ resolved: CheckedReference } | { message: string }> {
  const { resolved, issues } = resolveAll([{ name: agentId, version: ref }], await loadVersionStatuses(db, [agentId]), true);
  const found = resolved.get(agentId);
  return found ? { resolved: found } : { message: issues[0]?.message ?? `Nothing resolves '${agentId}@${ref}'.` };
}

