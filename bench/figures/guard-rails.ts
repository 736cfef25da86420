/**
 * Issue "Guard rails": what the deployment's PII rule costs the hot write paths. `POST /v1/memory` and
 * `PUT /v1/state/{agent}/{key}` with the rule on (all five kinds, redact) against the same requests with no
 * rule, each the other's floor. Goal: p50 with the rule ≤ 1.1× without.
 *
 * The rule is the deployment's, so both settings cannot be live at once: the figure alternates blocks, a
 * block of stores and sets with no rule, then a block with the rule, for `rounds` rounds, so a burst of
 * background load on a shared machine hits both settings alike. Each switch is a `PUT /v1/guard-rails`, and
 * the first request after it (which reloads the rules in its isolate) is not measured. The values are the
 * agents' usual, clean ones: no finding to redact or record, which is what nearly every write is.
 */
import { agentWithKey, type BenchContext } from "../lib/context.ts";
import { expectJson, timedRequest } from "../lib/http.ts";
import { prng } from "../lib/prng.ts";
import type { Row } from "../lib/report.ts";
import { generateMemory } from "../lib/sentences.ts";
import { ratio, summarize, type Summary } from "../lib/stats.ts";
import { handoffValue } from "./state.ts";

const STORE_AGENT = "bench-guard-rails-memory";
const STATE_AGENT = "bench-guard-rails-state";
const KEYS = 100;
const GOAL = 1.1;
const PII_RULE = { pii: { detect: ["email", "phone", "credit_card", "ssn", "ip_address"], mode: "redact" } };


export type GuardRailFigures = { rows: Row[]; store: { off: Summary; on: Summary }; set: { off: Summary; on: Summary } };

export async function benchGuardRails(ctx: BenchContext): Promise<GuardRailFigures> {
  const { api, adminToken, config } = ctx;
  const storeKey = await agentWithKey(ctx, STORE_AGENT);
  const stateKey = await agentWithKey(ctx, STATE_AGENT);
  const random = prng(0x6a2d);
  const total = config.warmup + 2 * config.requests + 2 * config.rounds + 1;
  const memories = Array.from({ length: total }, (_, i) => JSON.stringify({ agent_id: STORE_AGENT, ...generateMemory(random, i) }));
  const values = Array.from({ length: KEYS }, (_, i) => JSON.stringify({ value: handoffValue(i, STATE_AGENT) }));
  const setRules = (rules: object) => expectJson({ method: "PUT", url: `${api}/v1/guard-rails`, key: adminToken, body: JSON.stringify(rules) }, 200);

  let sent = 0;
  const store = () => timedRequest({ method: "POST", url: `${api}/v1/memory`, key: storeKey, body: memories[sent++ % total] });
  const set = () => {
    const i = sent++;
    return timedRequest({ method: "PUT", url: `${api}/v1/state/${STATE_AGENT}/handoff-${i % KEYS}`, key: stateKey, body: values[i % KEYS] });
  };

  console.log("guard rails: memory store and state set, with the deployment's PII rule and without");
  try {
    for (let i = 0; i < config.warmup; i++) {
      await store();
      await set();
    }
    const samples = { store: { off: [] as number[], on: [] as number[] }, set: { off: [] as number[], on: [] as number[] } };
    const perBlock = Math.ceil(config.requests / config.rounds);
    for (let round = 0; round < config.rounds; round++) {
      // Alternate which setting goes first, so neither always follows the other's switch.
      const order: ("off" | "on")[] = round % 2 === 0 ? ["off", "on"] : ["on", "off"];
      for (const setting of order) {
        await setRules(setting === "on" ? PII_RULE : {});
        await store(); // reloads the rules in this isolate: not measured
        for (let i = 0; i < perBlock; i++) {
          samples.store[setting].push(await store());
          samples.set[setting].push(await set());
        }
      }
      if (!process.stdout.isTTY && ((round + 1) % 5 === 0 || round + 1 === config.rounds)) console.log(`  guard rails: round ${round + 1}/${config.rounds}`);
    }
    const figures = {
      store: { off: summarize(samples.store.off), on: summarize(samples.store.on) },
      set: { off: summarize(samples.set.off), on: summarize(samples.set.on) },
    };
    const row = (figure: string, pair: { off: Summary; on: Summary }, floorName: string): Row => ({
      issue: "Guard rails",
      figure,
      value: pair.on,
      floorName,
      floor: pair.off,
      goal: `p50 ≤ ${GOAL}× without`,
      pass: ratio(pair.on.p50, pair.off.p50) <= GOAL,
      note: "deployment PII rule: all five kinds, redact; clean values (nothing found); blocks alternated with the rule off.",
    });
    return {
      rows: [row("memory store with PII rules (POST /v1/memory)", figures.store, "memory store, no rule"), row("state set with PII rules (PUT /v1/state)", figures.set, "state set, no rule")],
      ...figures,
    };
  } finally {
    // The rest of the bench runs with no rule, as a fresh deployment does.
    await setRules({});
  }
}
