import { env } from "cloudflare:workers";

/** A `_cot` row as D1 returns it. */
export interface CotRow {
  session_id: string;
  step_index: number;
  agent_id: string;
  step_type: string;
  content: string;
  input_data: string | null;
  output_data: string | null;
  importance: number;
  metadata: string | null;
  prev_hash: string;
  hash: string;
  logged_at: string;
}

export const ZERO_HASH = "0".repeat(64);

/**
 * The documented canonical form (docs/cot.md), written independently of src/ledger: an object with the
 * fixed field set, keys sorted, JSON.stringify with no whitespace; importance as six decimals, the JSON
 * fields as their stored text. Hashed with WebCrypto, not the server's node:crypto.
 */
export async function documentedHash(r: Omit<CotRow, "hash">): Promise<string> {
  const fields: Record<string, unknown> = {
    session_id: r.session_id,
    step_index: r.step_index,
    agent_id: r.agent_id,
    step_type: r.step_type,
    content: r.content,
    input_data: r.input_data,
    output_data: r.output_data,
    importance: r.importance.toFixed(6),
    metadata: r.metadata,
    logged_at: r.logged_at,
    prev_hash: r.prev_hash,
  };
  const sorted = Object.fromEntries(Object.keys(fields).sort().map((k) => [k, fields[k]]));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(sorted)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function cotRows(sessionId: string): Promise<CotRow[]> {
  const { results } = await env.DB.prepare("SELECT * FROM _cot WHERE session_id = ? ORDER BY step_index").bind(sessionId).all<CotRow>();
  return results;
}

/**
 * Writes a session of `n` valid steps straight into D1 (hashes by the documented form), in batches:
 * how the tests build long sessions quickly.
 */
export async function seedSession(sessionId: string, n: number, agentId = "seed-agent"): Promise<string> {
  let prev = ZERO_HASH;
  const loggedAt = new Date().toISOString();
  const insert = env.DB.prepare(
    "INSERT INTO _cot (session_id, step_index, agent_id, step_type, content, input_data, output_data, importance, metadata, prev_hash, hash, logged_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
  );
  let batch: D1PreparedStatement[] = [];
  for (let i = 0; i < n; i++) {
    const row = {
      session_id: sessionId,
      step_index: i,
      agent_id: agentId,
      step_type: i % 2 ? "analysis" : "observation",
      content: `Step ${i}: compared invoice INV-${20000 + i} with the ledger; totals differ by ${i % 7} cents.`,
      input_data: `{"invoice":"INV-${20000 + i}"}`,
      output_data: i % 3 ? null : `{"ok":${i % 2 === 0}}`,
      importance: (i % 10) / 10,
      metadata: null,
      prev_hash: prev,
      logged_at: loggedAt,
    };
    const hash = await documentedHash(row);
    const r = row;
    batch.push(insert.bind(r.session_id, r.step_index, r.agent_id, r.step_type, r.content, r.input_data, r.output_data, r.importance, r.metadata, r.prev_hash, hash, r.logged_at));
    prev = hash;
    if (batch.length === 500) {
      await env.DB.batch(batch);
      batch = [];
    }
  }
  if (batch.length) await env.DB.batch(batch);
  await env.DB.prepare("INSERT INTO _cot_sessions (session_id, agent_id, steps, first_logged_at, last_logged_at, head_hash) VALUES (?,?,?,?,?,?)")
    .bind(sessionId, agentId, n, loggedAt, loggedAt, prev)
    .run();
  return prev;
}

/** What an attacker with the database file does first. */
export async function dropLedgerTriggers(): Promise<void> {
  for (const t of ["_cot_no_update", "_cot_no_delete", "_cot_sessions_no_delete", "_cot_sessions_forward"]) await env.DB.prepare(`DROP TRIGGER IF EXISTS ${t}`).run();
}
