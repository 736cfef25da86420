import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planTick } from "../../src/lifecycle/schedule-tick";
import { flattenSchemaNames } from "../../src/lifecycle/schema-qualified-names";
import { startsRun } from "../../src/lifecycle/polling-condition";
import { plannedTriggers } from "../../src/lifecycle/trigger-identity";
import { CronSchedule } from "../../src/schedules/cron-schedule";
import { TriggersSchema } from "../../src/schedules/trigger-schemas";

const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);

describe("planTick: late tick or downtime", () => {
  const hourly = CronSchedule.parse("0 * * * *", "UTC");
  const everyMinute = CronSchedule.parse("* * * * *", "UTC");

  it("fires an instant whose tick comes within the grace under every policy, including none", () => {
    for (const catchup of ["latest", "none", "all"] as const) {
      const plan = planTick(hourly, at("2026-01-01T09:00:00Z"), at("2026-01-01T10:04:00Z"), catchup);
      expect(plan.fire, catchup).toEqual([at("2026-01-01T10:00:00Z")]);
      expect(plan).toMatchObject({ skipped: null, downtime: false, anchorMs: at("2026-01-01T10:00:00Z"), nextMs: at("2026-01-01T11:00:00Z") });
    }
  });

  it("after downtime lets the policy decide alone: 1, 0 or 60 of an hour's minutes", () => {
    const anchor = at("2026-01-01T10:00:00Z");
    const now = at("2026-01-01T11:00:20Z");
    expect(planTick(everyMinute, anchor, now, "latest")).toMatchObject({ fire: [at("2026-01-01T11:00:00Z")], downtime: true, skipped: { count: 59 } });
    expect(planTick(everyMinute, anchor, now, "none")).toMatchObject({ fire: [], downtime: true, skipped: { count: 60 }, anchorMs: at("2026-01-01T11:00:00Z") });
    const all = planTick(everyMinute, anchor, now, "all");
    expect(all.fire).toHaveLength(60);
    expect(all.skipped).toBeNull();
  });

  it("fires nothing and keeps its anchor before the next instant", () => {
    expect(planTick(hourly, at("2026-01-01T10:00:00Z"), at("2026-01-01T10:59:59Z"), "all")).toEqual({
      fire: [],
      skipped: null,
      anchorMs: at("2026-01-01T10:00:00Z"),
      nextMs: at("2026-01-01T11:00:00Z"),
      downtime: false,
    });
  });

  it("never fires an instant twice, whatever the ticks (late, repeated, after downtime), and with catchup: all fires every instant", () => {
    const patterns = ["* * * * *", "*/7 * * * *", "30 2 * * *", "0 * * * *", "15,45 1-3 * * *"];
    const zones = ["UTC", "America/New_York", "Australia/Lord_Howe", "Europe/London"];
    const gap = fc.oneof(fc.integer({ min: 0, max: 4 * MINUTE }), fc.integer({ min: 0, max: 90 * MINUTE }));
    fc.assert(
      fc.property(
        fc.constantFrom(...patterns),
        fc.constantFrom(...zones),
        fc.constantFrom("latest" as const, "none" as const, "all" as const),
        fc.array(gap, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 365 }),
        (cron, zone, catchup, gaps, day) => {
          const schedule = CronSchedule.parse(cron, zone);
          const start = at("2026-01-01T00:00:00Z") + day * 24 * 60 * MINUTE;
          let anchor = start;
          let now = start;
          const fired: number[] = [];
          for (const g of gaps) {
            now += g;
            // Each tick comes twice: the second must find nothing.
            for (const _ of [0, 1]) {
              const plan = planTick(schedule, anchor, now, catchup);
              fired.push(...plan.fire);
              anchor = plan.anchorMs;
            }
          }
          const expected: number[] = [];
          for (let next = schedule.nextOccurrence(start); next && next.instant <= now; next = schedule.nextOccurrence(next.instant)) expected.push(next.instant);
          expect(new Set(fired).size).toBe(fired.length);
          expect([...fired].sort((a, b) => a - b)).toEqual(fired);
          expect(fired.every((f) => expected.includes(f))).toBe(true);
          if (catchup === "all") expect(fired).toEqual(expected);
          // Every due instant is handled (fired or reported skipped): the anchor reaches the last one.
          if (expected.length > 0) expect(anchor).toBe(expected[expected.length - 1]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("schema-qualified names in a polling condition", () => {
  it("reads schema.table as the table schema_table, keeping the name usable as a qualifier", () => {
    expect(flattenSchemaNames("SELECT COUNT(*) FROM staging.pending WHERE status = 'ready'")).toBe("SELECT COUNT(*) FROM staging_pending AS pending WHERE status = 'ready'");
    expect(flattenSchemaNames("SELECT p.id FROM staging.pending p JOIN ops.queue AS q ON q.id = p.id")).toBe("SELECT p.id FROM staging_pending p JOIN ops_queue AS q ON q.id = p.id");
    expect(flattenSchemaNames("SELECT 1 WHERE EXISTS (SELECT 1 FROM a.b)")).toBe("SELECT 1 WHERE EXISTS (SELECT 1 FROM a_b AS b)");
  });

  it("leaves SQLite's own schemas, column references and unparsable text alone", () => {
    for (const sql of ["SELECT t.x FROM main.t", "SELECT a.b FROM a", "SELECT * FROM temp.t", "SELEC nonsense FROM", "SELECT 'staging.pending'"]) {
      expect(flattenSchemaNames(sql)).toBe(sql);
    }
  });
});

describe("a poll's first column", () => {
  it("starts a run when non-zero and non-null", () => {
    for (const value of [1, -1, 0.5, "ready", "1", [1]]) expect(startsRun(value), JSON.stringify(value)).toBe(true);
    for (const value of [0, null, undefined, "0", "0.0", "", "  ", []]) expect(startsRun(value as never), JSON.stringify(value)).toBe(false);
  });
});

describe("trigger identity", () => {
  const parse = (triggers: unknown[]) => TriggersSchema.parse(triggers);

  it("keeps a trigger's id across changes of catchup and position, and gives a new cron, zone, condition or path a new id", () => {
    const base = plannedTriggers("wf", parse([{ type: "schedule", cron: "0 8 * * MON", timezone: "America/New_York" }]));
    const moved = plannedTriggers("wf", parse([{ type: "manual" }, { type: "schedule", cron: "0 8 * * MON", timezone: "America/New_York", catchup: "all" }]));
    expect(moved[0]!.triggerId).toBe(base[0]!.triggerId);
    expect(moved[0]!.index).toBe(1);
    expect(plannedTriggers("wf", parse([{ type: "schedule", cron: "0 9 * * MON", timezone: "America/New_York" }]))[0]!.triggerId).not.toBe(base[0]!.triggerId);
    expect(plannedTriggers("other", parse([{ type: "schedule", cron: "0 8 * * MON", timezone: "America/New_York" }]))[0]!.triggerId).not.toBe(base[0]!.triggerId);
    const hooks = plannedTriggers("wf", parse([{ type: "webhook", path: "/hooks/a", auth: { type: "api_key", header: "X" } }]));
    const reauthed = plannedTriggers("wf", parse([{ type: "webhook", path: "a", auth: { type: "jwt", secret_name: "S" } }]));
    expect(reauthed[0]!.triggerId).toBe(hooks[0]!.triggerId);
  });

  it("tells two identical schedules of one workflow apart, and leaves manual and event triggers to others", () => {
    const twice = { type: "schedule", cron: "* * * * *", timezone: "UTC" };
    const planned = plannedTriggers("wf", parse([twice, { type: "event", event_type: "x", filter: "true" }, twice, { type: "manual" }]));
    expect(planned.map((p) => p.index)).toEqual([0, 2]);
    expect(new Set(planned.map((p) => p.triggerId)).size).toBe(2);
    expect(planned[0]!.triggerId).toMatch(/^ltr_[0-9a-f]{26}$/);
  });
});
