/**
 * Issue "Foundation": agent state set and get through the whole API (auth, authorisation, audit) with the
 * agent's own key, against a bare Hono route calling a SQLite Durable Object (bench/floor). Also measures,
 * for the diagnosis only, a route with no I/O and one D1 read or write in the same runtime.
 */
import { agentWithKey, type BenchContext } from "../lib/context.ts";
import { expectJson, timedRequest } from "../lib/http.ts";
import type { Row } from "../lib/report.ts";
import { measureGroup } from "../lib/series.ts";
import { ratio, type Summary } from "../lib/stats.ts";

const AGENT = "bench-state";
const KEYS = 100;

/** A realistic hand-off value (~300 bytes of JSON), of `owner`: the state figures and the guard rails' write it. */
export const handoffValue = (i: number, owner: string) => ({
  task: "reconcile-invoices",
  step: i % 7,
  cursor: `inv_${(100000 + i).toString(36)}`,
  owner,
  pending: ["INV-20931", "INV-20977", "INV-21004"],
  notes: "Globex disputes two line items; wait for finance sign-off before closing.",
  updated_from: "worker-3",
  attempt: (i % 3) + 1,
});

export type StateFigures = {
  rows: Row[];
  set: Summary;
  get: Summary;
  /** whoami is the API's own fixed cost: authentication (one D1 read) and routing, no data access. */
  floors: Record<"floorWrite" | "floorRead" | "noop" | "d1Read" | "d1Write" | "whoami", Summary>;
  diagnosis: string[];
};

export async function benchState(ctx: BenchContext): Promise<StateFigures> {
  const { api, floor, config } = ctx;
  const key = await agentWithKey(ctx, AGENT);
  await expectJson({ method: "POST", url: `${floor}/d1/setup` });

  const bodies = Array.from({ length: KEYS }, (_, i) => JSON.stringify({ value: handoffValue(i, AGENT) }));
  const floorBodies = Array.from({ length: KEYS }, (_, i) => JSON.stringify(handoffValue(i, AGENT)));
  const stateKey = (i: number) => `handoff-${i % KEYS}`;

  // Every key exists before anything reads it.
  for (let i = 0; i < KEYS; i++) {
    await timedRequest({ method: "PUT", url: `${api}/v1/state/${AGENT}/${stateKey(i)}`, key, body: bodies[i] });
    await timedRequest({ method: "PUT", url: `${floor}/kv/${stateKey(i)}`, body: floorBodies[i] });
    await timedRequest({ method: "PUT", url: `${floor}/d1/${stateKey(i)}`, body: floorBodies[i] });
  }

  console.log("state: set/get vs floor (with no-I/O and D1 probes for the diagnosis)");
  const group = await measureGroup(
    [
      { name: "set", run: (i) => timedRequest({ method: "PUT", url: `${api}/v1/state/${AGENT}/${stateKey(i)}`, key, body: bodies[i % KEYS] }) },
      { name: "floorWrite", run: (i) => timedRequest({ method: "PUT", url: `${floor}/kv/${stateKey(i)}`, body: floorBodies[i % KEYS] }) },
      { name: "get", run: (i) => timedRequest({ method: "GET", url: `${api}/v1/state/${AGENT}/${stateKey(i)}`, key }) },
      { name: "floorRead", run: (i) => timedRequest({ method: "GET", url: `${floor}/kv/${stateKey(i)}` }) },
      { name: "whoami", run: () => timedRequest({ method: "GET", url: `${api}/v1/whoami`, key }) },
      { name: "noop", run: () => timedRequest({ method: "GET", url: `${floor}/noop` }) },
      { name: "d1Read", run: (i) => timedRequest({ method: "GET", url: `${floor}/d1/${stateKey(i)}` }) },
      { name: "d1Write", run: (i) => timedRequest({ method: "PUT", url: `${floor}/d1/${stateKey(i)}`, body: floorBodies[i % KEYS] }) },
    ],
    { label: "state", warmup: config.warmup, requests: config.requests, rounds: config.rounds, budgetSeconds: Math.max(config.groupBudgetSeconds, 240) },
  );
  const s = (name: string) => group.results.get(name)!.summary;
  const set = s("set");
  const get = s("get");
  const floors = { floorWrite: s("floorWrite"), floorRead: s("floorRead"), noop: s("noop"), d1Read: s("d1Read"), d1Write: s("d1Write"), whoami: s("whoami") };
  if (group.truncated) ctx.notes.push(`The state group hit its time budget; fewer than ${config.requests} requests were measured per series.`);
  for (const r of group.results.values()) if (r.errors) ctx.notes.push(`state ${r.name}: ${r.errors} failed requests (first: ${r.firstError}).`);

  const rows: Row[] = [
    {
      issue: "Foundation",
      figure: "state get (GET /v1/state/{agent}/{key})",
      value: get,
      floorName: "DO read",
      floor: floors.floorRead,
      goal: "p50 ≤ 1.5× floor",
      pass: ratio(get.p50, floors.floorRead.p50) <= 1.5,
    },
    {
      issue: "Foundation",
      figure: "state set (PUT /v1/state/{agent}/{key})",
      value: set,
      floorName: "DO write",
      floor: floors.floorWrite,
      goal: "p50 ≤ 2× floor",
      pass: ratio(set.p50, floors.floorWrite.p50) <= 2,
    },
  ];
  return { rows, set, get, floors, diagnosis: diagnose(set, get, floors) };
}

/**
 * A cost model from the floors: the HTTP round trip plus the runtime's own routing is `noop`; one Durable
 * Object call, one D1 read and one D1 write each add their floor minus `noop`. The API's get makes one D1
 * read (the key lookup in authentication) and one DO read; its set adds a DO write and a D1 write (audit).
 */
function diagnose(set: Summary, get: Summary, f: StateFigures["floors"]): string[] {
  const p = (x: number) => `${x.toFixed(2)} ms`;
  const d1Read = f.d1Read.p50 - f.noop.p50;
  const d1Write = f.d1Write.p50 - f.noop.p50;
  const doRead = f.floorRead.p50 - f.noop.p50;
  const doWrite = f.floorWrite.p50 - f.noop.p50;
  const modelGet = f.noop.p50 + d1Read + doRead;
  const modelSet = f.noop.p50 + d1Read + doWrite + d1Write;
  return [
    `p50 floors in this run: HTTP round trip through wrangler dev to a Hono route with no I/O ${p(f.noop.p50)}; ` +
      `+ one DO SQLite read ${p(doRead)}, + one DO SQLite write ${p(doWrite)}, + one D1 read ${p(d1Read)}, + one D1 write ${p(d1Write)}.`,
    `state get = authentication (one D1 read: key lookup joined with the agent) + one DO read. Model from the floors: ${p(modelGet)}; ` +
      `measured ${p(get.p50)}; the rest (${p(get.p50 - modelGet)}) is in-Worker CPU: routing, zod validation, SHA-256 of the key, JSON. ` +
      `The D1 read alone makes get ≥ ${((f.floorRead.p50 + d1Read) / f.floorRead.p50).toFixed(2)}× the DO-read floor.`,
    `state set = authentication (one D1 read) + one DO write + the audit insert (one D1 write), in sequence. Model: ${p(modelSet)}; ` +
      `measured ${p(set.p50)}; unexplained ${p(set.p50 - modelSet)}. ` +
      `The two D1 round trips alone make set ≥ ${((f.floorWrite.p50 + d1Read + d1Write) / f.floorWrite.p50).toFixed(2)}× the DO-write floor.`,
    `GET /v1/whoami (authentication and routing, no data) p50 ${p(f.whoami.p50)} = ${(f.whoami.p50 / f.noop.p50).toFixed(2)}× the no-I/O route: ` +
      `that is the API's fixed cost per request; get adds ${p(get.p50 - f.whoami.p50)} to it, set ${p(set.p50 - f.whoami.p50)}.`,
  ];
}
