import { rcompare, valid } from "semver";
import type { WorkflowDefinition } from "../workflows/definition/types";
import { declaredEdges } from "./declared-edges";
import type { EdgeTotal } from "./observation-store";
import type { EdgeKind } from "./run-observation";

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  declared: boolean;
  observed_count: number;
}

export interface WorkflowGraph {
  nodes: { agent: string; versions: string[] }[];
  edges: GraphEdge[];
}

const byVersion = (a: string, b: string) => (valid(a) && valid(b) ? rcompare(a, b) : a.localeCompare(b));

/**
 * The dependency graph: the current definition's declared edges, and every edge runs showed, with how
 * often. An edge both declared and seen is one edge; one seen but not declared (an agent sending off a
 * changed flow, a revision since replaced) is still shown, `declared: false`. Nodes are the definition's
 * agents and any agent an edge names (event types are edge sources, not nodes), each with the versions
 * its runs used, highest first.
 */
export function workflowGraph(definition: WorkflowDefinition, observed: readonly EdgeTotal[], versions: ReadonlyMap<string, string[]>): WorkflowGraph {
  const edges = new Map<string, GraphEdge>();
  const key = (from: string, to: string, kind: string) => JSON.stringify([from, to, kind]);
  for (const e of declaredEdges(definition)) edges.set(key(e.from, e.to, e.kind), { ...e, declared: true, observed_count: 0 });
  for (const o of observed) {
    const k = key(o.from_agent, o.to_agent, o.kind);
    const edge = edges.get(k);
    if (edge) edge.observed_count += o.count;
    else edges.set(k, { from: o.from_agent, to: o.to_agent, kind: o.kind, declared: false, observed_count: o.count });
  }
  const agents = new Set(definition.agents.map((a) => a.name));
  for (const e of edges.values()) {
    if (e.kind !== "event") agents.add(e.from);
    agents.add(e.to);
  }
  for (const agent of versions.keys()) agents.add(agent);
  return {
    nodes: [...agents].map((agent) => ({ agent, versions: [...(versions.get(agent) ?? [])].sort(byVersion) })),
    edges: [...edges.values()],
  };
}
