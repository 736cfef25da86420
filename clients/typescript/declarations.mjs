// After `tsc`: the declarations in dist/ import each other as `./x.js`, like the emitted JavaScript does.
// tsc rewrites the `.ts` of relative imports in the .js it emits (rewriteRelativeImportExtensions) but
// leaves them in .d.ts files, where a `.ts` file the consumer does not have is named; older compilers
// and other tools do not resolve that.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const RELATIVE_TS = /((?:from|import)\s*\(?\s*["'])(\.\.?\/[^"']+)\.ts(["'])/g;

function rewrite(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) rewrite(file);
    else if (entry.name.endsWith(".d.ts")) writeFileSync(file, readFileSync(file, "utf8").replace(RELATIVE_TS, "$1$2.js$3"));
  }
}

rewrite(new URL("dist", import.meta.url).pathname);
