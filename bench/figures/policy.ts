/**
 * Issue "Governance": the cost of one policy decision (src/policy/policy-engine.ts) with 1,000 policies,
 * timed in this Node process (the same V8 as workerd) on the compiled, indexed set a Worker keeps per
 * isolate; the same with 10 policies as a floor-ish comparison. The policies mix concrete actions and
 * action globs, exact and glob resources over every type, principals and CEL conditions; the requests are
 * drawn so that many of them meet matching policies (and so run conditions). Bundled with esbuild because
 * the source uses extensionless imports; if the modules move or change shape this reports a note instead.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Row } from "../lib/report.ts";
import { intBetween, pick, prng, type Random } from "../lib/prng.ts";
import { summarize, type Summary } from "../lib/stats.ts";

type Rule = { policy_id: string; effect: "allow" | "deny"; actions: string[]; resources: string[]; principals: string[] | null; condition: string | null };
type Request = { subject: { agent_id: string; role: string; attributes: Record<string, unknown> }; action: string; resource: { type: string; id: string; owner?: string } };
type EngineModule = {
  compilePolicySet(rules: Rule[], version: string): unknown;
  decide(set: unknown, subject: Request["subject"], action: string, resource: Request["resource"], context: { now: Date; request_id: string }): { allowed: boolean; policy_id: string | null };
  DATA_ACTIONS: readonly string[];
};

const ENTRY = `export { compilePolicySet } from "./src/policy/policy-set";
export { decide } from "./src/policy/policy-engine";
export { DATA_ACTIONS } from "./src/authz/actions";`;

const TYPES = ["memory", "state", "inbox", "table", "branch", "cot"];
const AGENTS = Array.from({ length: 50 }, (_, i) => `agent-${i}`);
const NAMES = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? `shared-${i}` : i % 4 === 1 ? `team-${i % 7}-${i}` : `ns-${i}`));
const CONDITIONS = [
  'subject.agent_id != "agent-1"',
  'has(subject.attributes.team) && subject.attributes.team == "finance"',
  'resource.id.startsWith("shared-")',
  'subject.role == "agent" && context.now > timestamp("2026-01-01T00:00:00Z")',
  '"writer" in subject.attributes && subject.attributes.writer == true',
];

function generateRules(random: Random, count: number, actions: readonly string[]): Rule[] {
  return Array.from({ length: count }, (_, i): Rule => {
    const type = pick(random, TYPES);
    const actionCount = intBetween(random, 1, 3);
    const ruleActions = Array.from({ length: actionCount }, () => (random() < 0.15 ? pick(random, [`${type}:*`, "*:read", "*:write"]) : pick(random, actions)));
    const resources = Array.from({ length: intBetween(random, 1, 3) }, () => {
      const r = random();
      if (r < 0.6) return `${type}:${pick(random, NAMES)}`;
      if (r < 0.85) return `${type}:${pick(random, ["shared-*", "team-3-*", "*-1", "ns-1*"])}`;
      return random() < 0.5 ? `${type}:*` : "*:shared-*";
    });
    const principals = random() < 0.5 ? null : Array.from({ length: intBetween(random, 1, 4) }, () => (random() < 0.2 ? pick(random, ["role:agent", "role:reader"]) : pick(random, AGENTS)));
    return {
      policy_id: `pol-${i.toString().padStart(4, "0")}`,
      effect: random() < 0.3 ? "deny" : "allow",
      actions: [...new Set(ruleActions)],
      resources: [...new Set(resources)],
      principals,
      condition: random() < 0.3 ? pick(random, CONDITIONS) : null,
    };
  });
}

function generateRequests(random: Random, count: number, actions: readonly string[]): Request[] {
  return Array.from({ length: count }, () => {
    const agent = pick(random, AGENTS);
    const type = pick(random, TYPES);
    const id = pick(random, NAMES);
    const attributes: Record<string, unknown> = random() < 0.5 ? { team: pick(random, ["finance", "ops", "research"]), writer: random() < 0.5 } : {};
    return {
      subject: { agent_id: agent, role: random() < 0.8 ? "agent" : "reader", attributes },
      action: pick(random, actions.filter((a) => a.startsWith(`${type}:`) || a.startsWith("query:"))),
      // Some resources belong to an agent (the caller or another): there, an allow may lift the ownership default.
      resource: random() < 0.3 ? (({ owner }) => ({ type, id: owner, owner }))({ owner: random() < 0.5 ? agent : pick(random, AGENTS) }) : { type, id },
    };
  });
}

/** Times each decision alone (performance.now() resolves well below a microsecond in Node). */
function timeDecisions(engine: EngineModule, set: unknown, requests: Request[], warmup: number): { summary: Summary; byPolicy: number } {
  const context = { now: new Date(), request_id: "req_bench" };
  const samples: number[] = [];
  let allowed = 0;
  let byPolicy = 0;
  for (const [i, r] of requests.entries()) {
    const started = performance.now();
    const decision = engine.decide(set, r.subject, r.action, r.resource, context);
    const elapsed = performance.now() - started;
    if (decision.allowed) allowed++;
    if (decision.policy_id !== null) byPolicy++;
    if (i >= warmup) samples.push(elapsed * 1000); // microseconds
  }
  if (allowed === 0 || allowed === requests.length) throw new Error("every decision came out the same: the generated requests miss the policies");
  return { summary: summarize(samples), byPolicy: byPolicy / requests.length };
}

const us = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)} µs`;

export async function benchPolicy(root: string): Promise<{ rows: Row[]; diagnosis: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-policy-"));
  const figure = "policy decision @ 1,000 policies (in-process)";
  try {
    const esbuild = await import("esbuild");
    const outfile = join(dir, "policy-engine.mjs");
    await esbuild.build({ stdin: { contents: ENTRY, resolveDir: root, loader: "ts" }, bundle: true, format: "esm", platform: "neutral", outfile, logLevel: "silent" });
    const engine = (await import(pathToFileURL(outfile).href)) as EngineModule;
    const random = prng(0x9011c7);
    const actions = engine.DATA_ACTIONS;
    const requests = generateRequests(random, 22_000, actions);
    const results = new Map<number, { summary: Summary; byPolicy: number; compileMs: number }>();
    for (const size of [10, 1000]) {
      const rules = generateRules(random, size, actions);
      const started = performance.now();
      const set = engine.compilePolicySet(rules, `bench-${size}`);
      const compileMs = performance.now() - started;
      results.set(size, { ...timeDecisions(engine, set, requests, 2000), compileMs });
    }
    const big = results.get(1000)!;
    const small = results.get(10)!;
    console.log(`policy: 1,000 policies p50 ${us(big.summary.p50)} p95 ${us(big.summary.p95)}; 10 policies p50 ${us(small.summary.p50)} p95 ${us(small.summary.p95)}`);
    return {
      rows: [
        {
          issue: "Governance",
          figure: `${figure}: p50 ${us(big.summary.p50)}, p95 ${us(big.summary.p95)}`,
          goal: "p50 ≤ 50 µs",
          pass: big.summary.p50 <= 50,
          note: `Timed in Node, ${big.summary.n} decisions each alone; for comparison, 10 policies: p50 ${us(small.summary.p50)}, p95 ${us(small.summary.p95)}.`,
        },
      ],
      diagnosis: [
        `Policy decisions (in-process): 1,000 policies p50 ${us(big.summary.p50)} / p95 ${us(big.summary.p95)} / max ${us(big.summary.max)}; ` +
          `10 policies p50 ${us(small.summary.p50)} / p95 ${us(small.summary.p95)}. A policy decided ${(big.byPolicy * 100).toFixed(0)}% of the ` +
          `1,000-policy decisions (the rest fell to the role defaults after the index found no matching deny). Compiling and indexing the 1,000 (once per isolate per ` +
          `policy-set version, first use of each CEL text included) took ${big.compileMs.toFixed(1)} ms.`,
      ],
    };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return { rows: [{ issue: "Governance", figure, goal: "p50 ≤ 50 µs", note: `pending: not measured (${reason})` }], diagnosis: [] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
