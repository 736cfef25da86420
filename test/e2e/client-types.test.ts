// The client's types are printed from the server's zod schemas (scripts/client-types.ts) so that the package
// imports nothing from src/: this fails when a schema changed and clients/typescript/api-types.ts and
// api-types/ were not regenerated, or when a printed type is not the schema's own (each checked assignable
// both ways by tsc).
import { describe, expect, it } from "vitest";
import { OUTPUT, OUTPUT_DIR, checkClientTypes, committedClientTypes } from "../../scripts/client-types.ts";

describe("clients/typescript/api-types.ts and api-types/", () => {
  const committed = committedClientTypes();

  it("is what the generator prints from the schemas now, and gives every type exactly the schema's type", () => {
    const { expected, mismatched } = checkClientTypes();
    expect([...committed.keys()].sort(), `${OUTPUT_DIR}/ holds other files than the generator writes: regenerate it`).toEqual([...expected.keys()].sort());
    for (const [path, text] of expected) expect(committed.get(path) === text, `${path} is stale: run scripts/with-node.sh node --experimental-strip-types scripts/client-types.ts`).toBe(true);
    expect(mismatched).toEqual([]);
  });

  it("imports nothing but each other: the package's types stand alone", () => {
    for (const [path, text] of committed) {
      const specifiers = [...text.matchAll(/\bfrom\s+["']([^"']+)["']/g)].map((m) => m[1]);
      const allowed = path === OUTPUT ? /^\.\/api-types\/[a-z-]+\.ts$/ : /^\.\/[a-z-]+\.ts$/;
      for (const specifier of specifiers) expect(specifier, `${path} imports ${specifier}`).toMatch(allowed);
      expect(text, path).not.toMatch(/^\s*import\s+(?!type\s)/m);
    }
  });
});
