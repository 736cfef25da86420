/**
 * The JSON value the PII scan figure times: 64 KiB of what agents write through Switchyard (task outputs
 * with ids, timestamps, versions, amounts, metrics and prose from the memory generator), one record in ten
 * carrying a piece of PII of some kind. Deterministic, so every run scans the same bytes.
 */
import { generateMemory } from "./sentences.ts";
import { intBetween, pick, prng, type Random } from "./prng.ts";

export const PII_PAYLOAD_BYTES = 64 * 1024;

const agents = ["revenue-analyst", "cost-analyzer", "support-triage", "report-writer", "data-cleaner", "supervisor"];
const statuses = ["succeeded", "failed", "running", "timed_out"];
const pii = [
  (r: Random) => `Customer asked us to reply to ${pick(r, ["ana", "ben", "chloe", "dev"])}.${intBetween(r, 10, 99)}@example.com before Friday.`,
  (r: Random) => `Call back on +1 415 555 01${intBetween(r, 10, 99)} after the review.`,
  (r: Random) => `Card on file 4111 1111 1111 1111, expires 0${intBetween(r, 1, 9)}/29.`,
  (r: Random) => `Verified identity with SSN ${intBetween(r, 100, 599)}-${intBetween(r, 10, 99)}-${intBetween(r, 1000, 9999)}.`,
  (r: Random) => `Login came from 203.0.113.${intBetween(r, 1, 254)} twice in an hour.`,
];

const hex = (r: Random, n: number) => Array.from({ length: n }, () => "0123456789abcdef"[intBetween(r, 0, 15)]).join("");

function record(r: Random, i: number): Record<string, unknown> {
  const memory = generateMemory(r, i);
  const started = Date.UTC(2026, 2, 1) + i * 61_000;
  const notes = [generateMemory(r, i + 1).content, generateMemory(r, i + 2).content];
  if (i % 10 === 3) notes[1] = pick(r, pii)(r);
  return {
    task_id: `tsk_${hex(r, 26)}`,
    run_id: `run_${hex(r, 26)}`,
    agent: { name: pick(r, agents), version: `${intBetween(r, 1, 3)}.${intBetween(r, 0, 9)}.${intBetween(r, 0, 20)}` },
    status: pick(r, statuses),
    started_at: new Date(started).toISOString(),
    ended_at: new Date(started + intBetween(r, 200, 90_000)).toISOString(),
    attempt: intBetween(r, 1, 3),
    usage: { input_tokens: intBetween(r, 100, 20_000), output_tokens: intBetween(r, 50, 4000), cost_usd: Math.round(r() * 10_000) / 1000 },
    output: { summary: memory.content, notes, confidence: Math.round(r() * 1000) / 1000, metadata: memory.metadata },
    tags: [memory.memory_type, pick(r, ["q3", "eu", "urgent", "backfill", "weekly"])],
    checksum: `sha256:${hex(r, 64)}`,
  };
}

/** An array of records whose JSON text is just over 64 KiB. */
export function piiPayload(seed = 0x9111): unknown[] {
  const r = prng(seed);
  const records: unknown[] = [];
  let bytes = 2;
  for (let i = 0; bytes < PII_PAYLOAD_BYTES; i++) {
    const next = record(r, i);
    records.push(next);
    bytes += JSON.stringify(next).length + 1;
  }
  return records;
}

/**
 * The worst case people actually send: a 64 KiB contact export, every record a name, an email address, a
 * phone number and the address it signed up from (four findings a record, a library parse per number).
 */
export function piiDensePayload(seed = 0xc0ffee): unknown[] {
  const r = prng(seed);
  const names = ["Ana Silva", "Ben Okafor", "Chloe Martin", "Dev Patel", "Eun-ji Kim", "Farid Haddad", "Greta Lund", "Hugo Moreau"];
  const records: unknown[] = [];
  let bytes = 2;
  for (let i = 0; bytes < PII_PAYLOAD_BYTES; i++) {
    const name = pick(r, names);
    const next = {
      name,
      email: `${name.split(" ")[0]!.toLowerCase()}.${i}@example.com`,
      phone: pick(r, [`+1 415 555 01${intBetween(r, 10, 99)}`, `(212) 555-01${intBetween(r, 10, 99)}`, `020 7946 0${intBetween(r, 100, 999)}`]),
      signup_ip: `198.51.100.${intBetween(r, 1, 254)}`,
    };
    records.push(next);
    bytes += JSON.stringify(next).length + 1;
  }
  return records;
}
