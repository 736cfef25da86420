// Completes package-lock.json with workerd's platform packages for macOS and Windows.
// Some registries (this project's build machines among them) serve workerd for Linux only; npm install
// then leaves the other platforms out of the lock, and `npm ci` refuses a lock that misses optional
// dependencies. The entries added here carry their os/cpu, so npm skips them on other platforms without
// fetching them. Run after `npm install` changes the lock: `node scripts/lock-platforms.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORMS = {
  "@cloudflare/workerd-darwin-64": { os: ["darwin"], cpu: ["x64"] },
  "@cloudflare/workerd-darwin-arm64": { os: ["darwin"], cpu: ["arm64"] },
  "@cloudflare/workerd-linux-64": { os: ["linux"], cpu: ["x64"] },
  "@cloudflare/workerd-linux-arm64": { os: ["linux"], cpu: ["arm64"] },
  "@cloudflare/workerd-windows-64": { os: ["win32"], cpu: ["x64"] },
};

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const platform = PLATFORMS[name];
    if (!platform) continue;
    const parent = path === "" ? "" : `${path}/`;
    const nested = `${parent}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    const existing = lock.packages[nested] ?? lock.packages[hoisted];
    if (existing?.version === version) continue;
    const at = lock.packages[hoisted] ? nested : hoisted;
    lock.packages[at] = { version, ...platform, dev: entry.dev ?? false, license: "Apache-2.0", optional: true, engines: { node: ">=16" } };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lock-platforms: ${added} platform entr${added === 1 ? "y" : "ies"} added`);
