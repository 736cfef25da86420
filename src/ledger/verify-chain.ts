import { type CanonicalStep, GENESIS_HASH, canonicalStep } from "./canonical";
import { type BrokenLinkReason, MAX_BROKEN_LINKS, type CotSession, type Verification } from "./schemas";
import { sha256Mismatches } from "./sha256-wasm/wasm-sha256";
import { stepHash } from "./step-hash";

/** Rows per D1 read while verifying: a few MB in memory at most, and 20 reads for 100k steps (measured: 5,000-row pages verify ~1.5× faster than 1,000-row ones locally). */
export const VERIFY_PAGE_ROWS = 5000;

/** Column order of the verifier's raw reads (arrays, not objects: no per-row key mapping). */
const COLUMNS = "step_index, agent_id, step_type, content, input_data, output_data, importance, metadata, prev_hash, hash, logged_at";
type RawStep = [number, string, string, string, string | null, string | null, number, string | null, string, string, string];

const canonicalRow = (sessionId: string, [index, agentId, stepType, content, inputData, outputData, importance, metadata, prev, , loggedAt]: RawStep): CanonicalStep => ({
  session_id: sessionId,
  step_index: index,
  agent_id: agentId,
  step_type: stepType,
  content,
  input_data: inputData,
  output_data: outputData,
  importance,
  metadata,
  logged_at: loggedAt,
  prev_hash: prev,
});

/**
 * The page's rows whose stored hash is not their canonical text's SHA-256. The whole page is hashed in a
 * few calls into our WebAssembly SHA-256; a disagreement is confirmed with node:crypto before it counts,
 * so a broken link is never reported on the word of one implementation.
 */
function hashMismatches(steps: CanonicalStep[], rows: RawStep[]): Set<number> {
  const suspects = sha256Mismatches(steps.map(canonicalStep), rows.map((row) => row[9]));
  return new Set(suspects.filter((i) => stepHash(steps[i]!) !== rows[i]![9]));
}

/**
 * Checks a session's chain step by step: each step's hash against its recomputed canonical hash (an edited
 * step), each prev_hash against the previous step's stored hash (a reordered or forked step), each index
 * against the one expected (a removed step), and the end against the session's recorded head (steps
 * removed from the end, or steps slipped in after it). Reads pages with keyset pagination, fetching the
 * next page while it hashes the current one, so memory stays bounded by two pages whatever the length.
 * `session` (its recorded head) is needed only at the end, so it may still be on its way: reading it
 * alongside the first page saves a round trip; if it fails (no such session), so does the verification.
 */
export async function verifyChain(d1: D1Database, sessionId: string, session: CotSession | Promise<CotSession>, pageRows = VERIFY_PAGE_ROWS): Promise<Verification> {
  const statement = d1.prepare(`SELECT ${COLUMNS} FROM _cot WHERE session_id = ?1 AND step_index > ?2 ORDER BY step_index LIMIT ?3`);
  const readPage = (after: number) => statement.bind(sessionId, after, pageRows).raw<RawStep>();

  const broken: Verification["broken_links"] = [];
  let truncated = false;
  const report = (step_index: number, reason: BrokenLinkReason) => {
    if (broken.length < MAX_BROKEN_LINKS) broken.push({ step_index, reason });
    else truncated = true;
  };

  let checked = 0;
  let expected = 0;
  let prevHash = GENESIS_HASH;
  const walk = async () => {
    let next: Promise<RawStep[]> | undefined = readPage(-1);
    while (next) {
      const rows: RawStep[] = await next;
      const last = rows[rows.length - 1];
      next = rows.length === pageRows && last ? readPage(last[0]) : undefined;
      const steps = rows.map((row) => canonicalRow(sessionId, row));
      const wrong = hashMismatches(steps, rows);
      rows.forEach(([index, , , , , , , , prev, hash], i) => {
        checked++;
        if (index !== expected) report(expected, "missing");
        // After a gap the previous step is gone, so this link cannot be checked: the gap is what is reported.
        else if (prev !== prevHash) report(index, "prev_hash_mismatch");
        if (wrong.has(i)) report(index, "hash_mismatch");
        prevHash = hash;
        expected = index + 1;
      });
    }
  };
  const [head] = await Promise.all([session, walk()]);
  if (expected < head.steps) report(expected, "truncated");
  else if (expected > head.steps) report(head.steps, "beyond_head");
  else if (expected > 0 && prevHash !== head.head_hash) report(expected - 1, "head_mismatch");
  return { session_id: sessionId, chain_intact: broken.length === 0 && !truncated, entries_checked: checked, broken_links: broken, broken_links_truncated: truncated };
}
