import type { VectorMetadata, VectorRecord } from "../../src/memory/vector-index/vector-index";
import type { ResidentIndex } from "./resident-index";

/** A vector as the shard writes it: the values as given (float32), and their quantised direction. */
export interface StoredVector {
  id: string;
  namespace: string | null;
  values: Float32Array;
  codes: Int8Array;
  scale: number;
  errorBound: number;
  metadataJson: string | null;
}

/** The shard's durable vectors in its SQLite storage. The float32 values are read only to re-score and to return. */
export class VectorStore {
  constructor(private readonly sql: SqlStorage) {}

  static migrate(sql: SqlStorage): void {
    // `slot` is the rowid: the in-memory index refers to rows by it, and rowid lookups are the fastest.
    sql.exec(`CREATE TABLE IF NOT EXISTS vectors (
      slot INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      namespace TEXT,
      vector BLOB NOT NULL,
      codes BLOB NOT NULL,
      scale REAL NOT NULL,
      error_bound REAL NOT NULL,
      metadata TEXT
    )`);
  }

  /** Inserts or replaces by id, keeping the row's slot when it exists; returns the slot. */
  upsert(v: StoredVector): number {
    const row = this.sql
      .exec<{ slot: number }>(
        `INSERT INTO vectors (id, namespace, vector, codes, scale, error_bound, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET namespace = excluded.namespace, vector = excluded.vector, codes = excluded.codes,
           scale = excluded.scale, error_bound = excluded.error_bound, metadata = excluded.metadata
         RETURNING slot`,
        v.id,
        v.namespace,
        bytesOf(v.values),
        bytesOf(v.codes),
        v.scale,
        v.errorBound,
        v.metadataJson,
      )
      .one();
    return row.slot;
  }

  /** Deletes by id; true when there was a row. */
  delete(id: string): boolean {
    return this.sql.exec("DELETE FROM vectors WHERE id = ?", id).rowsWritten > 0;
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM vectors").one().n;
  }

  /** Streams every row's quantised direction and metadata into `index` (never the float32 values). */
  loadInto(index: ResidentIndex): void {
    const rows = this.sql.exec<{ slot: number; id: string; namespace: string | null; codes: ArrayBuffer; scale: number; error_bound: number; metadata: string | null }>(
      "SELECT slot, id, namespace, codes, scale, error_bound, metadata FROM vectors",
    );
    for (const row of rows) {
      index.put(row.namespace, {
        slot: row.slot,
        id: row.id,
        codes: new Int8Array(row.codes),
        scale: row.scale,
        errorBound: row.error_bound,
        metadata: parseMetadata(row.metadata),
      });
    }
  }

  /** The float32 values of the given slots, for exact re-scoring. */
  valuesBySlot(slots: number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    if (slots.length === 0) return out;
    // One statement for any number of slots: bound parameters are capped, a JSON array is not.
    const rows = this.sql.exec<{ slot: number; vector: ArrayBuffer }>(
      "SELECT slot, vector FROM vectors WHERE slot IN (SELECT value FROM json_each(?))",
      JSON.stringify(slots),
    );
    for (const row of rows) out.set(row.slot, new Float32Array(row.vector));
    return out;
  }

  recordsByIds(ids: string[]): VectorRecord[] {
    if (ids.length === 0) return [];
    const rows = this.sql.exec<{ id: string; namespace: string | null; vector: ArrayBuffer; metadata: string | null }>(
      "SELECT id, namespace, vector, metadata FROM vectors WHERE id IN (SELECT value FROM json_each(?))",
      JSON.stringify(ids),
    );
    const byId = new Map<string, VectorRecord>();
    for (const row of rows) {
      const record: VectorRecord = { id: row.id, values: Array.from(new Float32Array(row.vector)) };
      if (row.namespace !== null) record.namespace = row.namespace;
      const metadata = parseMetadata(row.metadata);
      if (metadata) record.metadata = metadata;
      byId.set(row.id, record);
    }
    // In the order asked for, each once.
    return [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
  }
}

/** An exact-size copy of the view's bytes, which is what SQLite binds as a BLOB. */
function bytesOf(view: Float32Array | Int8Array): ArrayBuffer {
  return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
}

function parseMetadata(json: string | null): VectorMetadata | undefined {
  return json === null ? undefined : (JSON.parse(json) as VectorMetadata);
}
