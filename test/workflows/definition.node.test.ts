// A definition from text to its normalised form, without the catalog: syntax, shape and coordination
// mistakes, each reported with its path and, for YAML, its line and column.
import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/http/errors";
import { canonicalJson, prepareDefinition } from "../../src/workflows/definition/check-definition";
import type { DefinitionIssue } from "../../src/workflows/definition/issues";
import { AGENTS, EVENT_DRIVEN, HIERARCHICAL, MESSAGE_PASSING, SHARED_STATE } from "./seed-blocks";

function mistakes(text: string, format: "yaml" | "json" = "yaml"): DefinitionIssue[] {
  try {
    prepareDefinition(text, format);
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) return err.details as DefinitionIssue[];
    throw err;
  }
  throw new Error(`accepted: ${text}`);
}

const only = (issues: DefinitionIssue[]) => {
  expect(issues).toHaveLength(1);
  return issues[0]!;
};

describe("the seed's blocks", () => {
  it("normalises the hierarchical block: defaults filled in, one pattern made a list, every agent collected as latest", () => {
    const { definition, warnings } = prepareDefinition(HIERARCHICAL, "yaml");
    expect(definition).toEqual({
      description: null,
      agents: ["executive-analyst", "sales-analyst", "marketing-analyst", "ops-analyst"].map((name) => ({ name, version: "latest" })),
      defaults: { task_timeout_seconds: 300, retries: 1 },
      coordination: [
        {
          pattern: "hierarchical",
          supervisor: "executive-analyst",
          workers: [
            { name: "sales-analyst", task: "Analyze Q3 sales performance", branch: false },
            { name: "marketing-analyst", task: "Analyze Q3 campaign effectiveness", branch: false },
            { name: "ops-analyst", task: "Analyze Q3 operational efficiency", branch: false },
          ],
          aggregation: { strategy: "supervisor-synthesis", timeout_seconds: 300 },
        },
      ],
      schemas: {},
      triggers: [],
      guard_rails: null,
    });
    expect(warnings).toEqual([]);
  });

  it("normalises the event-driven, message-passing and shared-state blocks", () => {
    const events = prepareDefinition(EVENT_DRIVEN, "yaml").definition;
    expect(events.coordination[0]).toEqual({
      pattern: "event-driven",
      events: [
        { type: "data.loaded", filter: "source == 'sales_warehouse'", agents: ["data-quality-checker", "schema-drift-detector"] },
        { type: "anomaly.detected", filter: "severity >= 'high'", agents: ["incident-reporter", "auto-remediation-agent"] },
      ],
    });
    const messages = prepareDefinition(MESSAGE_PASSING, "yaml");
    expect(messages.definition.coordination[0]).toMatchObject({ pattern: "message-passing", flow: [{ from: "data-collector", to: "data-enricher", message: { schema: "raw_records" } }, {}, {}] });
    // The seed names its message schemas without defining them: legal, with a warning per edge.
    expect(messages.warnings.map((w) => [w.path, w.line])).toEqual([
      ["coordination.flow[0].message.schema", 7],
      ["coordination.flow[1].message.schema", 11],
      ["coordination.flow[2].message.schema", 15],
    ]);
    const state = prepareDefinition(SHARED_STATE, "yaml").definition;
    expect(state.coordination[0]).toEqual({
      pattern: "shared-state",
      state_store: { type: "key-value", conflict_resolution: "last-write-wins", keys: {} },
      agents: [
        { name: "revenue-analyzer", reads: [], writes: ["revenue_by_region", "revenue_trends"] },
        { name: "cost-analyzer", reads: [], writes: ["cost_by_region", "cost_trends"] },
        { name: "profitability-summarizer", reads: ["revenue_by_region", "cost_by_region", "revenue_trends", "cost_trends"], writes: ["profitability_report"] },
      ],
    });
  });

  it("reads the agents block's pins and `latest`, comments and all", () => {
    const { definition, warnings } = prepareDefinition(AGENTS, "yaml");
    expect(definition.agents).toEqual([
      { name: "revenue-analyst", version: "1.2.0" },
      { name: "cost-analyzer", version: "latest" },
    ]);
    expect(definition.coordination).toEqual([]);
    expect(warnings.map((w) => w.path)).toEqual(["coordination"]);
  });

  it("combines blocks: a list of patterns, listed agents first, `name@ref` in a pattern taken as its reference", () => {
    const text = `${AGENTS}coordination:
  - pattern: hierarchical
    supervisor: revenue-analyst
    workers:
      - {name: cost-analyzer, task: costs}
      - {name: "ops-analyst@^2.1", task: ops, branch: true}
  - pattern: message-passing
    flow:
      - {from: revenue-analyst, to: "mailer@1.0.0"}
`;
    const { definition } = prepareDefinition(text, "yaml");
    expect(definition.agents).toEqual([
      { name: "revenue-analyst", version: "1.2.0" },
      { name: "cost-analyzer", version: "latest" },
      { name: "ops-analyst", version: "^2.1" },
      { name: "mailer", version: "1.0.0" },
    ]);
    expect(definition.coordination.map((p) => p.pattern)).toEqual(["hierarchical", "message-passing"]);
    expect(definition.coordination[1]).toEqual({ pattern: "message-passing", flow: [{ from: "revenue-analyst", to: "mailer", message: { schema: null } }] });
  });

  it("gives the same definition and hash for the same document in JSON, in another key order", () => {
    const yaml = prepareDefinition(HIERARCHICAL, "yaml");
    const json = prepareDefinition(
      JSON.stringify({
        coordination: {
          aggregation: { timeout_seconds: 300, strategy: "supervisor-synthesis" },
          workers: [
            { task: "Analyze Q3 sales performance", name: "sales-analyst" },
            { task: "Analyze Q3 campaign effectiveness", name: "marketing-analyst" },
            { task: "Analyze Q3 operational efficiency", name: "ops-analyst" },
          ],
          supervisor: "executive-analyst",
          pattern: "hierarchical",
        },
      }),
      "json",
    );
    expect(json.definition).toEqual(yaml.definition);
    expect(json.contentHash).toBe(yaml.contentHash);
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } })).toBe('{"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}');
  });
});

describe("YAML", () => {
  it("reports a syntax error with its line and column", () => {
    const issue = only(mistakes("coordination:\n  pattern: hierarchical\n  workers: [a, b\n"));
    expect(issue).toMatchObject({ path: "(body)", line: expect.any(Number), column: expect.any(Number) });
    expect(issue.line).toBeGreaterThanOrEqual(3);
    expect(issue.message).toMatch(/^YAML: /);
  });

  it("refuses duplicate keys, at the second one", () => {
    const issue = only(mistakes("description: one\ncoordination:\n  pattern: hierarchical\ndescription: two\n"));
    expect(issue).toMatchObject({ line: 4, column: 1 });
    expect(issue.message).toMatch(/unique/i);
  });

  it("allows anchors and aliases, but a billion laughs is a 400, not a hang", () => {
    const reused = `x-task: &task "Analyze Q3"
`;
    expect(only(mistakes(reused)).path).toBe("x-task"); // the alias works; the field is still unknown
    const laughs = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (const [i, name] of ["b", "c", "d", "e", "f", "g", "h", "i"].entries()) {
      const prev = String.fromCharCode(97 + i);
      laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const started = Date.now();
    const issue = only(mistakes(`${laughs.join("\n")}\n`));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(issue.message).toMatch(/aliases/);
  });

  it("accepts aliases within the bound and merge keys", () => {
    const text = `description: shared tasks
coordination:
  pattern: hierarchical
  supervisor: boss
  workers:
    - &worker {name: w1, task: "Do the thing"}
    - {<<: *worker, name: w2}
`;
    const { definition } = prepareDefinition(text, "yaml");
    expect(definition.coordination[0]).toMatchObject({ workers: [{ name: "w1", task: "Do the thing" }, { name: "w2", task: "Do the thing" }] });
  });

  it("refuses several documents, tags and empty or non-mapping bodies", () => {
    expect(mistakes("coordination: {}\n---\ndescription: x\n")[0]!.message).toMatch(/one document/);
    expect(mistakes("description: !!binary aGVsbG8=\n")[0]!.message).toMatch(/tag/i);
    expect(only(mistakes("")).path).toBe("(body)");
    expect(only(mistakes("- a\n- b\n")).path).toBe("(body)");
  });
});

describe("the document's shape", () => {
  it("names an unknown field, pointing at its key", () => {
    const issue = only(mistakes("coordination:\n  pattern: hierarchical\n  supervisor: boss\n  workers: [{name: w, task: t}]\n  superviser: x\n"));
    expect(issue).toEqual({ path: "coordination.superviser", line: 5, column: 3, message: expect.stringMatching(/not a known field/) });
  });

  it("names an unknown pattern, a missing field and a wrong type, with their places", () => {
    expect(only(mistakes("coordination:\n  pattern: round-robin\n"))).toMatchObject({ path: "coordination.pattern", line: 2 });
    expect(only(mistakes("coordination:\n  pattern: hierarchical\n  workers: [{name: w, task: t}]\n"))).toMatchObject({ path: "coordination.supervisor", line: 2 });
    expect(only(mistakes('agents:\n  - {name: a, version: 1.2}\n'))).toMatchObject({ path: "agents[0].version", line: 2, message: expect.stringMatching(/quote/) });
    expect(only(mistakes("coordination:\n  - pattern: hierarchical\n    supervisor: boss\n    workers: [{name: w, task: t, branch: maybe}]\n"))).toMatchObject({
      path: "coordination[0].workers[0].branch",
      line: 4,
    });
  });

  it("reports JSON bodies' mistakes with paths and null positions", () => {
    const issues = mistakes(JSON.stringify({ coordination: { pattern: "hierarchical", supervisor: "a", workers: [{ name: "b", task: "t", extra: 1 }] } }), "json");
    expect(issues).toEqual([{ path: "coordination.workers[0].extra", line: null, column: null, message: expect.any(String) }]);
    expect(only(mistakes("{", "json"))).toMatchObject({ path: "(body)", line: null });
  });

  it("refuses an agent referenced with two versions, or listed twice", () => {
    expect(only(mistakes('agents: [{name: a, version: "1.0.0"}, "a@2.0.0"]\n'))).toMatchObject({ path: "agents[1]", message: expect.stringMatching(/again/) });
    const conflict = only(mistakes('agents: [{name: a, version: "1.0.0"}]\ncoordination:\n  pattern: hierarchical\n  supervisor: "a@2.0.0"\n  workers: [{name: b, task: t}]\n'));
    expect(conflict).toMatchObject({ path: "coordination.supervisor", line: 4, message: expect.stringMatching(/agents\[0\]/) });
  });
});

describe("coordination mistakes", () => {
  it("refuses a duplicate worker and a worker that is the supervisor", () => {
    const issues = mistakes(`coordination:
  pattern: hierarchical
  supervisor: boss
  workers:
    - {name: w1, task: one}
    - {name: boss, task: two}
    - {name: w1, task: three}
`);
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ["coordination.workers[2].name", 7],
      ["coordination.workers[1].name", 6],
    ]);
    expect(issues[1]!.message).toMatch(/supervisor/);
  });

  it("refuses a worker with an empty task", () => {
    expect(only(mistakes('coordination:\n  pattern: hierarchical\n  supervisor: s\n  workers: [{name: w, task: "  "}]\n'))).toMatchObject({ path: "coordination.workers[0].task" });
  });

  it("refuses a shared-state read that nobody writes, and one that only the reader writes", () => {
    const issues = mistakes(`coordination:
  pattern: shared-state
  agents:
    - name: a
      writes: [x]
    - name: b
      reads: [x, y]
    - name: c
      reads: [z]
      writes: [z]
`);
    expect(issues.map((i) => [i.path, i.line])).toEqual([
      ["coordination.agents[1].reads[1]", 7],
      ["coordination.agents[2].reads[0]", 9],
    ]);
    expect(issues[0]!.message).toMatch(/no agent writes/);
    expect(issues[1]!.message).toMatch(/only 'c' itself writes/);
  });

  it("refuses shared-state agents that wait on each other and could never start", () => {
    const issues = mistakes(`coordination:
  pattern: shared-state
  agents:
    - {name: starter, writes: [seed]}
    - {name: a, reads: [seed, from_b], writes: [from_a]}
    - {name: b, reads: [from_a], writes: [from_b]}
`);
    expect(issues.map((i) => i.path)).toEqual(["coordination.agents[1].name", "coordination.agents[2].name"]);
    expect(issues[0]!.message).toMatch(/never start/);
  });

  it("refuses duplicate message edges and a flow with no starting agent", () => {
    const issues = mistakes(`coordination:
  pattern: message-passing
  flow:
    - {from: a, to: b}
    - {from: b, to: a}
    - {from: a, to: b}
`);
    expect(issues.map((i) => i.path)).toEqual(["coordination.flow[2]", "coordination.flow"]);
  });

  it("refuses a schema named by an edge that is no name, and a message schema that is no JSON Schema", () => {
    expect(only(mistakes("coordination:\n  pattern: message-passing\n  flow:\n    - {from: a, to: b, message: {schema: {type: object}}}\n"))).toMatchObject({
      path: "coordination.flow[0].message.schema",
      message: expect.stringMatching(/schemas:/),
    });
    const issue = only(mistakes("schemas:\n  raw:\n    type: object\n    properties:\n      n: {type: numbr}\ncoordination:\n  pattern: message-passing\n  flow: [{from: a, to: b, message: {schema: raw}}]\n"));
    expect(issue).toMatchObject({ path: "schemas.raw.properties.n.type", line: 5 });
  });

  it("refuses an event filter that does not compile, at the filter's line", () => {
    const issue = only(mistakes(`coordination:
  pattern: event-driven
  events:
    - type: data.loaded
      filter: "source == 'x' &&"
      agents: [a]
`));
    expect(issue).toMatchObject({ path: "coordination.events[0].filter", line: 5, column: 15 });
    expect(issue.message).toMatch(/CEL/);
    expect(only(mistakes("coordination:\n  pattern: event-driven\n  events: [{type: t, filter: \"1 + 2\", agents: [a]}]\n")).message).toMatch(/bool/);
  });

  it("warns about what is legal but likely wrong", () => {
    const { warnings } = prepareDefinition(
      `agents: [idle]
schemas:
  unused: {type: object}
coordination:
  pattern: hierarchical
  supervisor: s
  workers: [{name: w, task: t}]
  aggregation: {timeout_seconds: 60}
`,
      "yaml",
    );
    expect(warnings.map((w) => w.path)).toEqual(["coordination.aggregation.timeout_seconds", "schemas.unused", "agents[0]"]);
  });
});
