import { cosine, vectorFromBlob } from "./concept-vector";
import type { TriggerAction } from "./schemas";

/** What matching and firing need of an enabled trigger. */
export interface ActiveTrigger {
  triggerId: string;
  name: string;
  threshold: number;
  cooldownSeconds: number;
  action: TriggerAction;
  namespaces: string[] | null;
  model: string;
  /** Its creator: a trigger fires only for memories its creator may read. */
  createdBy: string;
}

export interface TriggerMatch {
  trigger: ActiveTrigger;
  score: number;
}

export interface ActiveTriggerRow {
  trigger_id: string;
  name: string;
  threshold: number;
  cooldown_seconds: number;
  action: string;
  namespaces: string | null;
  model: string;
  vector: unknown;
  created_by: string;
}

/**
 * The enabled triggers of one definition version, laid out for matching a stored memory:
 * - every concept vector in one contiguous Float32Array (one pass over memory, no per-trigger objects);
 * - a first stage by namespace: a store is scored only against the triggers that watch its namespace
 *   (those limited to it, plus those watching all), so triggers scoped elsewhere cost nothing;
 * - then exact cosine against each candidate. An approximate first stage (LSH, quantised or clustered
 *   vectors) would be cheaper per trigger but could let a matching store go unnoticed, which is the one
 *   thing a trigger must not do; at 384 dimensions an exact pass over 1,000 concepts is a fraction of a
 *   millisecond, well under the D1 round trips every store already makes (bench/figures/triggers.ts).
 * Building it is the expensive part, done once per isolate per definition version (see trigger-cache.ts).
 */
export class TriggerSet {
  readonly size: number;
  readonly #dimensions: number;
  readonly #triggers: ActiveTrigger[];
  readonly #matrix: Float32Array;
  readonly #everywhere: number[];
  readonly #byNamespace = new Map<string, number[]>();

  constructor(
    readonly version: number,
    rows: ActiveTriggerRow[],
  ) {
    const vectors = rows.map((r) => vectorFromBlob(r.vector));
    this.#dimensions = vectors[0]?.length ?? 0;
    this.#triggers = rows.map((r) => ({
      triggerId: r.trigger_id,
      name: r.name,
      threshold: r.threshold,
      cooldownSeconds: r.cooldown_seconds,
      action: JSON.parse(r.action) as TriggerAction,
      namespaces: r.namespaces === null ? null : (JSON.parse(r.namespaces) as string[]),
      model: r.model,
      createdBy: r.created_by,
    }));
    this.size = rows.length;
    this.#matrix = new Float32Array(this.size * this.#dimensions);
    vectors.forEach((v, i) => {
      if (v.length === this.#dimensions) this.#matrix.set(v, i * this.#dimensions);
    });
    this.#everywhere = [];
    this.#triggers.forEach((t, i) => {
      if (t.namespaces === null) this.#everywhere.push(i);
      else
        for (const ns of t.namespaces) {
          const bucket = this.#byNamespace.get(ns) ?? [];
          bucket.push(i);
          this.#byNamespace.set(ns, bucket);
        }
    });
  }

  /** The triggers a memory stored in `namespace` with this vector matches (score ≥ threshold). */
  match(vector: Float32Array, namespace: string, model: string): TriggerMatch[] {
    if (vector.length !== this.#dimensions) return [];
    const matches: TriggerMatch[] = [];
    const consider = (i: number) => {
      const trigger = this.#triggers[i]!;
      // A concept embedded by another model lives in another space: its scores would mean nothing.
      if (trigger.model !== model) return;
      const score = cosine(vector, this.#matrix, i * this.#dimensions);
      if (score >= trigger.threshold) matches.push({ trigger, score });
    };
    for (const i of this.#everywhere) consider(i);
    for (const i of this.#byNamespace.get(namespace) ?? []) consider(i);
    return matches;
  }

  /** How many concept vectors a store in `namespace` is compared with. */
  candidates(namespace: string): number {
    return this.#everywhere.length + (this.#byNamespace.get(namespace)?.length ?? 0);
  }
}
