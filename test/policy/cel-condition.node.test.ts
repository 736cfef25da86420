import { describe, expect, it } from "vitest";
import { activation, compileCondition } from "../../src/policy/cel-condition";

const input = activation({
  subject: { agent_id: "agent-b", role: "agent", attributes: { team: "finance", level: 3, writer: true, tags: ["eu"] } },
  resource: { type: "memory", id: "shared-knowledge-base" },
  action: "memory:write",
  context: { now: new Date("2026-11-21T10:30:00.000Z"), request_id: "req_1" },
});

function run(text: string) {
  const compiled = compileCondition(text);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.condition(input);
}

describe("CEL conditions", () => {
  it("see subject, resource, action and context as the README describes", () => {
    expect(run('subject.agent_id != "agent-a"')).toBe(true);
    expect(run('subject.attributes.team == "finance" && subject.attributes.level >= 3 && subject.attributes.writer')).toBe(true);
    expect(run('"eu" in subject.attributes.tags')).toBe(true);
    expect(run('resource.type == "memory" && resource.id.startsWith("shared-")')).toBe(true);
    expect(run('action.endsWith(":write")')).toBe(true);
    expect(run('context.now.getHours("Europe/Berlin") == 11 && context.request_id == "req_1"')).toBe(true);
    expect(run('context.now > timestamp("2026-01-01T00:00:00Z")')).toBe(true);
    expect(run('has(subject.attributes.region) && subject.attributes.region == "eu"')).toBe(false);
  });

  it("report an evaluation failure, such as a missing attribute, instead of an answer", () => {
    expect(run('subject.attributes.region == "eu"')).toEqual({ error: expect.stringContaining("No such key: region") });
  });

  it("are refused at compile time with the column of the fault", () => {
    const cases: [string, RegExp][] = [
      ["subject.agent_id ==", /does not parse: .*\(at column 20\)/],
      ['subject.agentid == "a"', /does not type-check: No such key: agentid \(at column 9\)/],
      ["resource.id + 1 == 2", /does not type-check: no such overload/],
      ["1 + 2", /must be a bool expression, not int/],
      ["x".repeat(5000), /longer than 4096/],
    ];
    for (const [text, message] of cases) {
      const compiled = compileCondition(text);
      expect(compiled.ok, text).toBe(false);
      if (!compiled.ok) expect(compiled.message).toMatch(message);
    }
  });

  it("are compiled once per text", () => {
    expect(compileCondition('subject.role == "agent"')).toBe(compileCondition('subject.role == "agent"'));
  });
});
