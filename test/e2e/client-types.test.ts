// The client's types are printed from the server's zod schemas (scripts/client-types.ts) so that the package
// imports nothing from src/: this fails when a schema changed and clients/typescript/api-types.ts was not
// regenerated, or when a printed type is not the schema's own (each checked assignable both ways by tsc).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OUTPUT, checkClientTypes } from "../../scripts/client-types.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("clients/typescript/api-types.ts", () => {
  const committed = readFileSync(`${ROOT}/${OUTPUT}`, "utf8");

  it("is what the generator prints from the schemas now, and gives every type exactly the schema's type", () => {
    const { expected, mismatched } = checkClientTypes(ROOT);
    expect(committed === expected, `${OUTPUT} is stale: run scripts/with-node.sh node --experimental-strip-types scripts/client-types.ts`).toBe(true);
    expect(mismatched).toEqual([]);
  });

  it("imports nothing: the package's types stand alone", () => {
    expect(committed).not.toMatch(/^\s*import\b|\bfrom\s+["']/m);
  });
});
