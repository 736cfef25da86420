import type { WorkflowDefinition } from "../workflows/definition/types";
import { type EdgeKind, eventSource } from "./run-observation";

export interface DeclaredEdge {
  from: string;
  to: string;
  kind: EdgeKind;
}

/**
 * The dependencies a definition declares, pattern by pattern: message-passing's flow; shared state's
 * writer → reader per key (an agent reading its own key depends on no one); hierarchical supervisor →
 * each worker; event-driven event type → each agent it starts. One edge per (from, to, kind).
 */
export function declaredEdges(definition: WorkflowDefinition): DeclaredEdge[] {
  const edges = new Map<string, DeclaredEdge>();
  const add = (from: string, to: string, kind: EdgeKind) => {
    const key = JSON.stringify([from, to, kind]);
    if (!edges.has(key)) edges.set(key, { from, to, kind });
  };
  for (const pattern of definition.coordination) {
    switch (pattern.pattern) {
      case "message-passing":
        for (const edge of pattern.flow) add(edge.from, edge.to, "message");
        break;
      case "shared-state":
        for (const reader of pattern.agents)
          for (const key of reader.reads)
            for (const writer of pattern.agents) if (writer.name !== reader.name && writer.writes.includes(key)) add(writer.name, reader.name, "state");
        break;
      case "hierarchical":
        for (const worker of pattern.workers) add(pattern.supervisor, worker.name, "delegation");
        break;
      case "event-driven":
        for (const entry of pattern.events) for (const agent of entry.agents) add(eventSource(entry.type), agent, "event");
        break;
    }
  }
  return [...edges.values()];
}
