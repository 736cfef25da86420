import type { Json } from "../../src/workflows/definition/types";

export type SpanKind = "run" | "task" | "message" | "event" | "state_read" | "state_write" | "delegation" | "synthesis" | "trigger";

/** A dependency: the span this one waited for (the message or state write that fed a task, …). */
export interface SpanLink {
  span_id: string;
  /** Why: `message`, `state`, `delegation`, `join`, `retry`, `event`, `trigger`. */
  kind: string;
}

export interface SpanRow {
  span_id: string;
  parent_span_id: string | null;
  kind: SpanKind;
  name: string;
  agent_id: string | null;
  version: string | null;
  started_at: number;
  ended_at: number | null;
  status: string;
  attributes: Record<string, Json>;
  links: SpanLink[];
}

type StoredSpan = Omit<SpanRow, "attributes" | "links" | "kind"> & { kind: string; attributes: string; links: string };

/**
 * The run's trace, recorded as the run goes: every span with its parent and the spans it depended on.
 * `recording: false` exists for one measurement only (what recording costs a hop, bench/figures/observability.ts):
 * the ids are still made and handed around, nothing is stored.
 */
export class SpanStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly recording = true,
  ) {}

  open(span: Omit<SpanRow, "ended_at" | "status"> & { ended_at?: number | null; status?: string }): void {
    if (!this.recording) return;
    this.sql.exec(
      `INSERT INTO spans (span_id, parent_span_id, kind, name, agent_id, version, started_at, ended_at, status, attributes, links)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      span.span_id,
      span.parent_span_id,
      span.kind,
      span.name,
      span.agent_id,
      span.version,
      span.started_at,
      span.ended_at ?? null,
      span.status ?? (span.ended_at === undefined || span.ended_at === null ? "running" : "ok"),
      JSON.stringify(span.attributes),
      JSON.stringify(span.links),
    );
  }

  close(spanId: string, status: string, endedAt: number, attributes?: Record<string, Json>): void {
    if (!this.recording) return;
    if (attributes)
      this.sql.exec(
        "UPDATE spans SET status = ?, ended_at = ?, attributes = json_patch(attributes, ?) WHERE span_id = ?",
        status,
        endedAt,
        JSON.stringify(attributes),
        spanId,
      );
    else this.sql.exec("UPDATE spans SET status = ?, ended_at = ? WHERE span_id = ?", status, endedAt, spanId);
  }

  addLinks(spanId: string, links: SpanLink[]): void {
    if (links.length === 0 || !this.recording) return;
    const current = this.sql.exec<{ links: string }>("SELECT links FROM spans WHERE span_id = ?", spanId).toArray()[0];
    if (!current) return;
    this.sql.exec("UPDATE spans SET links = ? WHERE span_id = ?", JSON.stringify([...(JSON.parse(current.links) as SpanLink[]), ...links]), spanId);
  }

  /** The first span of a kind (the run's `event` span), or null. */
  firstOf(kind: SpanKind): string | null {
    return this.sql.exec<{ span_id: string }>("SELECT span_id FROM spans WHERE kind = ? ORDER BY seq LIMIT 1", kind).toArray()[0]?.span_id ?? null;
  }

  exists(kind: SpanKind, name: string): boolean {
    return this.sql.exec("SELECT 1 FROM spans WHERE kind = ? AND name = ? LIMIT 1", kind, name).toArray().length > 0;
  }

  all(): SpanRow[] {
    return this.sql
      .exec<StoredSpan>("SELECT span_id, parent_span_id, kind, name, agent_id, version, started_at, ended_at, status, attributes, links FROM spans ORDER BY seq")
      .toArray()
      .map((row) => ({ ...row, kind: row.kind as SpanKind, attributes: JSON.parse(row.attributes) as Record<string, Json>, links: JSON.parse(row.links) as SpanLink[] }));
  }
}
