// Versions and references without the database: semver 2.0's order, and what each kind of reference picks.
import { describe, expect, it } from "vitest";
import { compareDescending, parseReference, parseVersion, resolveReference, type VersionStatus } from "../../src/catalog/references";
import { jsonSchemaProblems, schemaValidator } from "../../src/catalog/json-schema-check";

const v = (version: string, extra: Partial<VersionStatus> = {}): VersionStatus => {
  const parsed = parseVersion(version);
  if (!parsed) throw new Error(`bad test version ${version}`);
  return { version, versionKey: parsed.key, prerelease: parsed.prerelease, deprecated: false, promoted: false, ...extra };
};

const pick = (ref: string, versions: VersionStatus[], allowDeprecatedPin = false) => {
  const outcome = resolveReference("agent", ref, versions, { allowDeprecatedPin });
  return outcome.ok ? outcome.version.version : null;
};

describe("versions", () => {
  it("orders as semver 2.0 says (the specification's own example, §11)", () => {
    // "1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0", semver.org
    const ascending = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"];
    const shuffled = [...ascending].sort(() => Math.random() - 0.5);
    expect(shuffled.sort(compareDescending)).toEqual([...ascending].reverse());
    // §11 also: "1.0.0 < 2.0.0 < 2.1.0 < 2.1.1", numerically, not as text.
    expect(["2.1.1", "1.0.0", "2.1.0", "2.0.0", "10.0.0"].sort(compareDescending)).toEqual(["10.0.0", "2.1.1", "2.1.0", "2.0.0", "1.0.0"]);
  });

  it("accepts semver 2.0 exactly, and nothing looser", () => {
    for (const ok of ["0.0.0", "1.3.0", "1.3.0-beta", "1.0.0-alpha.1", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85"]) expect(parseVersion(ok), ok).not.toBeNull();
    for (const bad of ["1.2", "v1.2.3", "=1.2.3", " 1.2.3", "1.2.3 ", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "latest", "", "1.2.3.4", `1.2.${"9".repeat(300)}`])
      expect(parseVersion(bad), bad).toBeNull();
    expect(parseVersion("1.0.0-beta+exp.sha.5114f85")).toEqual({ version: "1.0.0-beta+exp.sha.5114f85", key: "1.0.0-beta", prerelease: true });
  });

  it("reads references: exact, latest, ranges, and says what is wrong with the rest", () => {
    expect(parseReference("1.2.0")).toEqual({ kind: "exact", version: "1.2.0", key: "1.2.0" });
    expect(parseReference("latest")).toEqual({ kind: "latest" });
    for (const range of ["^1.2", "~1.3.0", ">=1.2 <2", "1.x", "*"]) expect(parseReference(range).kind, range).toBe("range");
    for (const bad of ["", "newest", "^^1", "1.2.3 || banana"]) expect(parseReference(bad).kind, bad).toBe("invalid");
  });
});

describe("resolving a reference", () => {
  const catalog = [v("1.0.0"), v("1.2.0"), v("1.3.0-beta"), v("1.2.5"), v("2.0.0-rc.1")];

  it("takes `latest` as the highest release, pre-releases excluded", () => {
    expect(pick("latest", catalog)).toBe("1.2.5");
  });

  it("takes `latest` as the promoted version once one is, a pre-release too, until it is deprecated", () => {
    expect(pick("latest", [...catalog.filter((x) => x.version !== "1.0.0"), v("1.0.0", { promoted: true })])).toBe("1.0.0");
    expect(pick("latest", [...catalog.filter((x) => x.version !== "1.3.0-beta"), v("1.3.0-beta", { promoted: true })])).toBe("1.3.0-beta");
    expect(pick("latest", [...catalog.filter((x) => x.version !== "1.0.0"), v("1.0.0", { promoted: true, deprecated: true })])).toBe("1.2.5");
  });

  it("skips deprecated versions for `latest` and ranges", () => {
    const deprecated = [v("1.0.0"), v("1.2.0"), v("1.2.5", { deprecated: true })];
    expect(pick("latest", deprecated)).toBe("1.2.0");
    expect(pick("^1.2", deprecated)).toBe("1.2.0");
    expect(pick("~1.2.5", deprecated)).toBeNull();
  });

  it("takes a range's highest match, pre-releases only where the range names one", () => {
    expect(pick("^1.2", catalog)).toBe("1.2.5");
    expect(pick("~1.2.0", catalog)).toBe("1.2.5");
    expect(pick(">=1.2 <2", catalog)).toBe("1.2.5");
    expect(pick("^1.3.0-beta", catalog)).toBe("1.3.0-beta");
    expect(pick(">=2", catalog)).toBeNull();
    expect(pick("^3", catalog)).toBeNull();
  });

  it("pins an exact version; a deprecated pin resolves for what already pinned it, not for new definitions", () => {
    const deprecated = [v("1.0.0", { deprecated: true }), v("1.1.0")];
    expect(pick("1.0.0", deprecated, true)).toBe("1.0.0");
    expect(pick("1.0.0", deprecated, false)).toBeNull();
    const refused = resolveReference("agent", "1.0.0", deprecated, { allowDeprecatedPin: false });
    expect(refused.ok ? "" : refused.message).toMatch(/deprecated/);
    expect(pick("1.0.1", deprecated)).toBeNull();
    // Build metadata takes no part in precedence: `1.0.0+build.7` is version 1.0.0.
    expect(pick("1.1.0+build.7", deprecated)).toBe("1.1.0");
  });

  it("says what is published when nothing matches", () => {
    const outcome = resolveReference("revenue-analyst", "^3", catalog, { allowDeprecatedPin: false });
    expect(outcome.ok ? "" : outcome.message).toMatch(/published: 2\.0\.0-rc\.1, 1\.3\.0-beta, 1\.2\.5/);
    const none = resolveReference("revenue-analyst", "latest", [], { allowDeprecatedPin: false });
    expect(none.ok ? "" : none.message).toMatch(/no published versions/);
  });
});

describe("JSON Schemas", () => {
  it("accepts schemas, including recursive ones with local $refs", () => {
    for (const ok of [
      true,
      {},
      { type: "object", required: ["rows"], properties: { rows: { type: "array", items: { $ref: "#/$defs/row" } } }, $defs: { row: { type: ["object", "null"] } } },
      { $schema: "http://json-schema.org/draft-07/schema#", definitions: { n: { type: "integer", minimum: 0 } }, anyOf: [{ $ref: "#/definitions/n" }, { type: "string", pattern: "^[a-z]+$" }] },
      { type: "object", "x-vendor": { anything: true } },
    ])
      expect(jsonSchemaProblems(ok), JSON.stringify(ok)).toEqual([]);
  });

  it("names what is wrong and where", () => {
    expect(jsonSchemaProblems({ type: "strnig" })).toEqual([expect.objectContaining({ path: "type", message: expect.stringMatching(/one of array, boolean/) })]);
    expect(jsonSchemaProblems({ properties: { n: { type: "numbr", minLength: "x" } } }).map((p) => p.path)).toEqual(["properties.n.minLength", "properties.n.type"]);
    expect(jsonSchemaProblems({ properties: { a: { minLength: -1 } } })).toEqual([expect.objectContaining({ path: "properties.a.minLength" })]);
    expect(jsonSchemaProblems({ required: "name" })).toEqual([expect.objectContaining({ path: "required" })]);
    expect(jsonSchemaProblems({ properties: { a: { pattern: "([a-z" } } })).toEqual([expect.objectContaining({ path: "properties.a.pattern", message: expect.stringMatching(/regular expression/) })]);
    expect(jsonSchemaProblems({ items: { $ref: "#/$defs/missing" } })).toEqual([expect.objectContaining({ path: "items.$ref", message: expect.stringMatching(/points at nothing/) })]);
    expect(jsonSchemaProblems({ $ref: "https://example.com/schema.json" })[0]?.message).toMatch(/remote/);
    expect(jsonSchemaProblems(42)).toHaveLength(1);
  });

  it("gives a validator for a checked schema, in the draft it declares", () => {
    const validator = schemaValidator({ type: "object", required: ["rows"], properties: { rows: { type: "integer", minimum: 0 } } });
    expect(validator.validate({ rows: 3 }).valid).toBe(true);
    expect(validator.validate({ rows: -1 }).valid).toBe(false);
    expect(validator.validate({}).valid).toBe(false);
    const draft4 = schemaValidator({ $schema: "http://json-schema.org/draft-04/schema#", type: "number", maximum: 5, exclusiveMaximum: true });
    expect(draft4.validate(5).valid).toBe(false);
    expect(draft4.validate(4.9).valid).toBe(true);
  });
});
