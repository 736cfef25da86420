import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FilterEvent, compileFilter } from "../../src/events/compiled-filter";
import { analyseFilter } from "../../src/events/filter-analysis";

// Event filters as the events issue defines them (api-v1-coordination.md, "Events"): CEL over the event's
// data fields, `type`, `source`, `event_id` and `event`; ordered levels for string enums; a filter that
// fails on an event is a non-match with its reason.

const LEVELS = ["low", "medium", "high", "critical"];
const anomaly = { type: "anomaly.detected", schema: { type: "object", properties: { severity: { type: "string", enum: LEVELS }, service: { type: "string" }, count: { type: "integer" } } } };

const event = (data: unknown, extra: Partial<FilterEvent> = {}): FilterEvent => ({
  event_id: "evt_1",
  type: "anomaly.detected",
  source: "metrics",
  data: data as FilterEvent["data"],
  time: "2026-11-21T10:00:00.000Z",
  ...extra,
});

const plan = (text: string, registered: typeof anomaly | null = anomaly) => {
  const analysis = analyseFilter(text, registered, "anomaly.detected");
  if (!analysis.ok) throw new Error(analysis.message);
  return analysis.plan;
};

describe("ordered levels", () => {
  it("makes the seed's `severity >= 'high'` hold for high and critical only, when severity is an enum", () => {
    const filter = compileFilter("severity >= 'high'", anomaly, "anomaly.detected");
    const outcomes = Object.fromEntries(LEVELS.map((s) => [s, filter.run(event({ severity: s })).matched]));
    expect(outcomes).toEqual({ low: false, medium: false, high: true, critical: true });
    expect(plan("severity >= 'high'").expression).toBe("__level_0 >= 2");
  });

  it("shows the trap it closes: compared as text, the same filter passes low and refuses critical", () => {
    const filter = compileFilter("severity >= 'high'", null, "anomaly.detected");
    expect(filter.run(event({ severity: "low" })).matched).toBe(true);
    expect(filter.run(event({ severity: "critical" })).matched).toBe(false);
    expect(plan("severity >= 'high'", null).warnings).toEqual([expect.stringMatching(/alphabetically.*'anomaly\.detected' is not registered/)]);
  });

  it("rewrites every ordering operator, the literal on either side, and event.data paths", () => {
    const cases: [string, string, boolean][] = [
      ["severity > 'medium'", "high", true],
      ["severity < 'medium'", "low", true],
      ["severity <= 'medium'", "high", false],
      ["'high' <= severity", "critical", true],
      ["'high' > severity", "critical", false],
      ["event.data.severity >= 'critical'", "critical", true],
      ["severity >= 'high' && service == 'billing'", "high", true],
    ];
    for (const [text, severity, expected] of cases)
      expect(compileFilter(text, anomaly, "anomaly.detected").run(event({ severity, service: "billing" })).matched, text).toBe(expected);
  });

  it("agrees with comparing positions in the enum, for any enum, value, literal and operator", () => {
    const ops = { "<": (a: number, b: number) => a < b, "<=": (a: number, b: number) => a <= b, ">": (a: number, b: number) => a > b, ">=": (a: number, b: number) => a >= b };
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...(Object.keys(ops) as (keyof typeof ops)[])),
        fc.boolean(),
        (levels, v, l, op, literalFirst) => {
          const value = levels[v % levels.length]!;
          const literal = levels[l % levels.length]!;
          const schema = { type: "t", schema: { type: "object", properties: { level: { type: "string", enum: levels } } } };
          const text = literalFirst ? `'${literal}' ${op} level` : `level ${op} '${literal}'`;
          const got = compileFilter(text, schema, "t").run(event({ level: value })).matched;
          const [a, b] = literalFirst ? [levels.indexOf(literal), levels.indexOf(value)] : [levels.indexOf(value), levels.indexOf(literal)];
          return got === ops[op](a, b);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses a comparison with a value that is not a level, and warns about equality with one", () => {
    expect(plan("severity >= 'urgent'").errors).toEqual([expect.stringMatching(/'urgent', which is not one of its levels \(low, medium, high, critical\)/)]);
    expect(plan("severity == 'urgent'").warnings).toEqual([expect.stringMatching(/never holds/)]);
  });

  it("warns that a string field without an enum compares alphabetically", () => {
    expect(plan("service >= 'm'").warnings).toEqual([expect.stringMatching(/alphabetically.*give `service` an enum/)]);
    expect(plan("count >= 3").warnings).toEqual([]);
  });

  it("says why an event whose level is missing does not match", () => {
    const outcome = compileFilter("severity >= 'high'", anomaly, "anomaly.detected").run(event({ service: "billing" }));
    expect(outcome).toMatchObject({ matched: false, reason: expect.stringMatching(/has no field `severity`/) });
  });
});

describe("fields", () => {
  it("refuses a field the registered type does not declare, naming the ones it does", () => {
    expect(plan("sevrity >= 'high'").errors).toEqual([expect.stringMatching(/`sevrity`, which event type 'anomaly.detected' does not declare \(it declares `severity`, `service`, `count`\)/)]);
    expect(plan("event.data.nope == 1").errors).toEqual([expect.stringMatching(/`nope`/)]);
    expect(plan("event.nope == 1").errors).toEqual([expect.stringMatching(/an event has only event_id, type, source, data, time/)]);
  });

  it("checks nested fields where the schema lists them, and leaves comprehension variables alone", () => {
    const nested = { type: "t", schema: { type: "object", properties: { load: { type: "object", properties: { rows: { type: "integer" } } }, items: { type: "array" }, free: { type: "object" } } } };
    const analysis = (text: string) => analyseFilter(text, nested, "t");
    expect(analysis("load.rows > 10")).toMatchObject({ ok: true, plan: { errors: [] } });
    expect(analysis("load.rowz > 10")).toMatchObject({ ok: true, plan: { errors: [expect.stringMatching(/`load.rowz`/)] } });
    expect(analysis("items.exists(i, i.kind == 'x') && free.anything == 1")).toMatchObject({ ok: true, plan: { errors: [] } });
  });

  it("reads type, source and event_id from the envelope unless data has a field of that name", () => {
    const seed = compileFilter("source == 'sales_warehouse'", null, "data.loaded");
    expect(seed.run(event({ rows: 10 }, { type: "data.loaded", source: "sales_warehouse" })).matched).toBe(true);
    expect(seed.run(event({ rows: 10 }, { type: "data.loaded", source: "crm" }))).toEqual({ matched: false, reason: "the filter `source == 'sales_warehouse'` is false", saw: { source: "crm" } });
    expect(seed.run(event({ source: "sales_warehouse" }, { source: "crm" })).matched).toBe(true);
    const byType = compileFilter("type == 'anomaly.detected' && event.type == 'anomaly.detected'", null, "anomaly.detected");
    expect(byType.run(event({})).matched).toBe(true);
    expect(byType.run(event({ type: "other" })).matched).toBe(false);
  });

  it("turns a filter that fails on an event into a non-match with its reason", () => {
    const failing = compileFilter("count > 5", null, "t");
    expect(failing.run(event({ count: "seven" }))).toMatchObject({ matched: false, reason: expect.stringMatching(/could not be evaluated: .*overload/), saw: { count: "seven" } });
    expect(failing.run(event({}))).toMatchObject({ matched: false, reason: "the filter `count > 5` could not be evaluated: the event has no field `count`" });
    expect(compileFilter("constructor == 1 || __proto__ == 1", null, "t").run(event({})).matched).toBe(false);
  });

  it("refuses what does not compile, with the column", () => {
    expect(analyseFilter("severity >= 'high' &&", null, "t")).toEqual({ ok: false, message: expect.stringMatching(/does not parse as CEL: .*\(at column \d+\)/) });
    expect(analyseFilter("1 + 2", null, "t")).toEqual({ ok: false, message: expect.stringMatching(/must be a condition/) });
    expect(analyseFilter("  ", null, "t")).toEqual({ ok: false, message: expect.stringMatching(/is empty/) });
  });

  it("matches a filter that no longer fits its changed type nothing, saying why", () => {
    const changed = { type: "anomaly.detected", schema: { type: "object", properties: { severity: { type: "string", enum: ["minor", "major"] } } } };
    const outcome = compileFilter("severity >= 'high'", changed, "anomaly.detected").run(event({ severity: "major" }));
    expect(outcome).toMatchObject({ matched: false, reason: expect.stringMatching(/no longer fits event type 'anomaly.detected'.*'high', which is not one of its levels \(minor, major\)/) });
  });
});
