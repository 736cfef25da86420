// Copies the dashboard's two third-party browser libraries from node_modules into dashboard/vendor/, the
// Worker's static assets (no CDN: the dashboard and /docs work offline and on a closed network). The
// versions are the ones package-lock.json pins, so there is one source of truth and no minified copy in git.
// Runs in `npm run dev`, `npm test`, the vitest configs and `npm run deploy`; a file already up to date is
// left untouched (wrangler dev reloads on changes in the assets directory).
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const FILES = [
  ["cytoscape/dist/cytoscape.esm.min.mjs", "cytoscape/cytoscape.esm.min.mjs"],
  ["cytoscape/LICENSE", "cytoscape/LICENSE"],
  ["swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"],
  ["swagger-ui-dist/swagger-ui.css", "swagger-ui/swagger-ui.css"],
  ["swagger-ui-dist/LICENSE", "swagger-ui/LICENSE"],
  ["swagger-ui-dist/NOTICE", "swagger-ui/NOTICE"],
];

const same = (a, b) => existsSync(b) && statSync(a).size === statSync(b).size && readFileSync(a).equals(readFileSync(b));

export function vendorAssets() {
  let copied = 0;
  for (const [from, to] of FILES) {
    const source = join(root, "node_modules", from);
    const target = join(root, "dashboard", "vendor", to);
    if (!existsSync(source)) throw new Error(`${from} is missing from node_modules: run \`npm ci\` first`);
    if (same(source, target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    copied++;
  }
  return copied;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const copied = vendorAssets();
  console.log(`vendor-assets: ${copied} file(s) copied into dashboard/vendor/`);
}
