import type { Json } from "../../src/workflows/definition/types";
import type { Finding } from "./dry-findings";
import type { RunEngine } from "./engine";
import type { ErrorInfo, MessageView, RunStatus, TaskView } from "./run-types";
import { type SpanView, iso, messageView, spanView, taskView } from "./views";

/** How long a dry run is kept, readable by its caller and admins. */
export const DRY_RUN_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface DryRunView {
  dry_run_id: string;
  workflow: string;
  revision: number | null;
  status: RunStatus;
  output: Json | null;
  error: ErrorInfo | null;
  agents: Record<string, string>;
  tasks: TaskView[];
  messages: MessageView[];
  state: Record<string, Json>;
  trace: SpanView[];
  findings: Finding[];
  /** Virtual time the run took (a 300 s timeout counts 300 s here, and no wall time). */
  virtual_duration_ms: number;
  created_by: string;
  created_at: string;
  expires_at: string;
}

export function saveDryRunRecord(sql: SqlStorage, createdBy: string, createdAt: number, findings: Finding[]): void {
  sql.exec("INSERT OR REPLACE INTO dry_run (id, created_by, created_at, findings) VALUES (1, ?, ?, ?)", createdBy, createdAt, JSON.stringify(findings));
}

/** The dry run as the API answers it, or null when this object holds none. */
export function dryRunView(sql: SqlStorage, engine: RunEngine): DryRunView | null {
  const record = sql.exec<{ created_by: string; created_at: number; findings: string }>("SELECT created_by, created_at, findings FROM dry_run WHERE id = 1").toArray()[0];
  if (!record || !engine.exists()) return null;
  const run = engine.run();
  return {
    dry_run_id: run.run_id,
    workflow: run.workflow,
    revision: run.revision > 0 ? run.revision : null,
    status: run.status,
    output: run.output,
    error: run.error,
    agents: Object.fromEntries(Object.entries(run.agents).map(([name, pinned]) => [name, pinned.version])),
    tasks: engine.tasks.all().map((t) => taskView(run, t)),
    messages: engine.messages.all().map((m) => messageView(run, m)),
    state: Object.fromEntries(engine.state.all().map((v) => [v.key, v.value])),
    trace: engine.spans.all().map(spanView),
    findings: JSON.parse(record.findings) as Finding[],
    virtual_duration_ms: (run.ended_at ?? run.started_at) - run.started_at,
    created_by: record.created_by,
    created_at: iso(record.created_at),
    expires_at: iso(record.created_at + DRY_RUN_RETENTION_MS),
  };
}
