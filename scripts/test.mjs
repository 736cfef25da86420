// `npm test`: every test. First the pure modules' tests in Node (vitest.node.config.ts), then the unit and
// integration suites inside workerd (vitest.config.ts), then the e2e suite, which starts `wrangler dev` as the README does and drives it with the TypeScript client.
// Ends with one summary line, "N passed, N failed", and a non-zero exit if anything failed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vendorAssets } from "./vendor-assets.mjs";

vendorAssets(); // the dashboard's libraries, which the browser tests load from the Worker's assets

const reports = mkdtempSync(join(tmpdir(), "switchyard-test-"));
const suites = [
  { name: "unit (pure modules, in Node)", args: ["--config", "vitest.node.config.ts"] },
  { name: "unit and integration (in workerd)", args: [] },
  { name: "e2e", args: ["--config", "test/e2e/vitest.config.ts"] },
];

let passed = 0;
let failed = 0;
let exitCode = 0;
for (const [i, suite] of suites.entries()) {
  const report = join(reports, `${i}.json`);
  console.log(`\n=== ${suite.name} ===`);
  const run = spawnSync(
    "npx",
    ["vitest", "run", ...suite.args, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)],
    { stdio: "inherit" },
  );
  if (run.status !== 0) exitCode = run.status ?? 1;
  try {
    const result = JSON.parse(readFileSync(report, "utf8"));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
  } catch {
    console.error(`${suite.name}: no report was written; counting the suite as failed`);
    failed += 1;
    exitCode ||= 1;
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(exitCode || (failed > 0 ? 1 : 0));
