/**
 * The bench's floor Worker: the least work each measured figure could cost in this runtime, so the real
 * API's latencies can be read as ratios ("how many floors does a request cost").
 *
 * - `PUT /kv/:key`, `GET /kv/:key`: a bare Hono route calling a SQLite Durable Object that does one write
 *   or one read (the floor for agent state set and get).
 * - `GET /scan?n=&k=`: a brute-force scan over n random 384-d float32 unit vectors held in a Durable
 *   Object's memory, dot product against a random query, top k (the floor for memory search at n).
 * - `GET /noop`, `GET /d1/:key`, `PUT /d1/:key`: no I/O, one D1 read, one D1 write; only for the
 *   diagnosis (the real API authenticates with one D1 read and audits with one D1 write).
 * - `POST /d1/sql {sql, params}`: the SQL run as is on D1, answered as columns and rows (the floor for
 *   `POST /v1/query`: no authentication, no guard, no policy).
 * - `GET /sha-chain?n=&session=`: a bare SHA-256 chain over the canonical bytes of n ledger steps (the
 *   floor for chain verification: what hashing alone costs, with no reads and no serialisation).
 * - `GET /pii-scan?rounds=&batch=&payload=usual|dense`: the guard rails' PII scan (src/guard-rails) of a
 *   64 KiB JSON value, timed inside workerd: not a floor, but the one place the bench runs code in the
 *   same runtime as the API without an HTTP request around it.
 */
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";
import { PII_KINDS } from "../../src/guard-rails/pii/types.ts";
import { scanJson } from "../../src/guard-rails/scan-json.ts";
import { canonicalStep } from "../../src/ledger/canonical.ts";
import { sha256Hex } from "../../src/lib/crypto.ts";
import { COT_BENCH_AGENT, benchStep } from "../lib/cot-steps.ts";
import { piiDensePayload, piiPayload } from "../lib/pii-payload.ts";
import { prng } from "../lib/prng.ts";

interface FloorEnv {
  KV_FLOOR: DurableObjectNamespace<KeyValueFloor>;
  SCAN_FLOOR: DurableObjectNamespace<ScanFloor>;
  DB: D1Database;
}

const DIMENSIONS = 384;
const MAX_VECTORS = 200_000;

export class KeyValueFloor extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID");
  }

  write(key: string, value: string): void {
    this.ctx.storage.sql.exec("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
  }

  read(key: string): string | null {
    const row = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = ?", key).toArray()[0];
    return row ? row.value : null;
  }
}


function fillUnitVector(target: Float32Array, offset: number, random: () => number): void {
  let norm = 0;
  for (let d = 0; d < DIMENSIONS; d++) {
    const v = random() * 2 - 1;
    target[offset + d] = v;
    norm += v * v;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < DIMENSIONS; d++) target[offset + d]! *= scale;
}

export type ScanResult = { n: number; top: { index: number; score: number }[]; scan_ms: number };

/** One object per n (named `scan-<n>`): the vectors live in memory only, built once per object. */
export class ScanFloor extends DurableObject<FloorEnv> {
  private vectors: Float32Array | undefined;
  private count = 0;
  private readonly random = prng(0x5eed);

  /** Builds the n vectors (idempotent); returns how long that took. */
  prepare(n: number): { n: number; build_ms: number } {
    if (this.vectors && this.count === n) return { n, build_ms: 0 };
    const started = performance.now();
    const vectors = new Float32Array(n * DIMENSIONS);
    for (let i = 0; i < n; i++) fillUnitVector(vectors, i * DIMENSIONS, this.random);
    this.vectors = vectors;
    this.count = n;
    return { n, build_ms: performance.now() - started };
  }

  /** Full dot-product scan of a fresh random query against all n vectors, keeping the best k. */
  scan(n: number, k: number): ScanResult {
    this.prepare(n);
    const vectors = this.vectors!;
    const query = new Float32Array(DIMENSIONS);
    fillUnitVector(query, 0, this.random);
    const started = performance.now();
    const topScores = new Float64Array(k).fill(-Infinity);
    const topIndex = new Int32Array(k).fill(-1);
    let worst = -Infinity;
    for (let i = 0; i < n; i++) {
      const base = i * DIMENSIONS;
      let dot = 0;
      for (let d = 0; d < DIMENSIONS; d++) dot += vectors[base + d]! * query[d]!;
      if (dot <= worst) continue;
      // Insert into the sorted top-k (best first), dropping the last.
      let j = k - 1;
      while (j > 0 && topScores[j - 1]! < dot) {
        topScores[j] = topScores[j - 1]!;
        topIndex[j] = topIndex[j - 1]!;
        j--;
      }
      topScores[j] = dot;
      topIndex[j] = i;
      worst = topScores[k - 1]!;
    }
    const scanMs = performance.now() - started;
    const top = Array.from(topIndex, (index, r) => ({ index, score: topScores[r]! })).filter((t) => t.index >= 0);
    return { n, top, scan_ms: scanMs };
  }
}

const app = new Hono<{ Bindings: FloorEnv }>();
const kv = (env: FloorEnv) => env.KV_FLOOR.get(env.KV_FLOOR.idFromName("floor"));
const scanner = (env: FloorEnv, n: number) => env.SCAN_FLOOR.get(env.SCAN_FLOOR.idFromName(`scan-${n}`));

function vectorCount(raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_VECTORS) throw new Error(`n must be an integer in 1..${MAX_VECTORS}`);
  return n;
}

app.onError((err, c) => c.json({ error: { code: "floor_error", message: String(err instanceof Error ? err.message : err) } }, 500));
app.get("/health", (c) => c.json({ ok: true }));
app.get("/noop", (c) => c.json({ ok: true }));

app.put("/kv/:key", async (c) => {
  const key = c.req.param("key");
  await kv(c.env).write(key, await c.req.text());
  return c.json({ key, ok: true });
});
app.get("/kv/:key", async (c) => {
  const value = await kv(c.env).read(c.req.param("key"));
  if (value === null) return c.json({ error: { code: "not_found", message: "unset" } }, 404);
  return c.body(value, 200, { "content-type": "application/json" });
});

app.post("/d1/setup", async (c) => {
  await c.env.DB.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  return c.json({ ok: true });
});
app.put("/d1/:key", async (c) => {
  const key = c.req.param("key");
  await c.env.DB.prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
    .bind(key, await c.req.text())
    .run();
  return c.json({ key, ok: true });
});
app.get("/d1/:key", async (c) => {
  const row = await c.env.DB.prepare("SELECT value FROM kv WHERE key = ?").bind(c.req.param("key")).first<{ value: string }>();
  if (!row) return c.json({ error: { code: "not_found", message: "unset" } }, 404);
  return c.body(row.value, 200, { "content-type": "application/json" });
});

app.post("/d1/sql", async (c) => {
  const { sql, params = [] } = await c.req.json<{ sql: string; params?: unknown[] }>();
  const [columns = [], ...rows] = await c.env.DB.prepare(sql).bind(...params).raw({ columnNames: true });
  return c.json({ columns, rows: rows.map((row) => Object.fromEntries(columns.map((col, i) => [col, row[i]]))) });
});

app.post("/scan/prepare", async (c) => {
  const n = vectorCount(c.req.query("n"));
  return c.json(await scanner(c.env, n).prepare(n));
});
app.get("/scan", async (c) => {
  const n = vectorCount(c.req.query("n"));
  const k = Math.min(100, Math.max(1, Number(c.req.query("k") ?? 10) || 10));
  return c.json(await scanner(c.env, n).scan(n, k));
});

/**
 * The canonical text of each step is built before the clock starts, split around its prev_hash, so the
 * timed loop does only what a chain needs: join the previous hash in, hash, hex.
 */
app.get("/sha-chain", (c) => {
  const n = vectorCount(c.req.query("n"));
  const session = c.req.query("session") ?? "bench-cot";
  const MARK = "PREV-HASH-GOES-HERE";
  const parts = Array.from({ length: n }, (_, i) => {
    const s = benchStep(i);
    const text = canonicalStep({
      session_id: session,
      step_index: i,
      agent_id: COT_BENCH_AGENT,
      step_type: s.step_type,
      content: s.content,
      input_data: JSON.stringify(s.input_data),
      output_data: s.output_data === undefined ? null : JSON.stringify(s.output_data),
      metadata: JSON.stringify(s.metadata),
      importance: s.importance,
      logged_at: new Date(0).toISOString(),
      prev_hash: MARK,
    });
    const at = text.indexOf(MARK);
    return [text.slice(0, at), text.slice(at + MARK.length)] as const;
  });
  const started = performance.now();
  let prev = "0".repeat(64);
  for (const [before, after] of parts) prev = sha256Hex(before + prev + after);
  const ms = performance.now() - started;
  return c.json({ n, ms, steps_per_second: n / (ms / 1000), head: prev });
});

/**
 * The values are parsed from JSON text once per isolate, as a request body would be (flat strings, plain
 * objects). The clock in workerd moves in whole milliseconds, so each sample times `batch` scans in a row
 * and divides: one sample is the mean of a batch, and the percentiles are over the batches.
 */
const piiValues = new Map<string, { value: unknown; bytes: number }>();
app.get("/pii-scan", (c) => {
  const count = (raw: string | undefined, fallback: number, max: number) => Math.min(max, Math.max(1, Number(raw ?? fallback) || fallback));
  const rounds = count(c.req.query("rounds"), 100, 5000);
  const batch = count(c.req.query("batch"), 20, 1000);
  const which = c.req.query("payload") === "dense" ? "dense" : "usual";
  let payload = piiValues.get(which);
  if (!payload) {
    const text = JSON.stringify(which === "dense" ? piiDensePayload() : piiPayload());
    payload = { value: JSON.parse(text), bytes: text.length };
    piiValues.set(which, payload);
  }
  const options = { detect: PII_KINDS, mode: "redact" } as const;
  const first = performance.now();
  const { findings } = scanJson(payload.value, options);
  const firstMs = performance.now() - first;
  for (let i = 0; i < batch; i++) scanJson(payload.value, options);
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    for (let i = 0; i < batch; i++) scanJson(payload.value, options);
    samples.push((performance.now() - started) / batch);
  }
  return c.json({ payload: which, bytes: payload.bytes, findings: findings.length, first_ms: firstMs, batch, samples });
});

export default app;
