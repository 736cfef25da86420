// `npm run dev -- [wrangler dev flags]`: applies the D1 migrations to the local database, then serves the
// whole API with wrangler dev, with local stand-ins for Vectorize and Workers AI and the cron ticking.
// Flags are passed to wrangler as given, e.g. `--port 8787 --persist-to .data --var ADMIN_TOKEN:secret`.
import { spawn, spawnSync } from "node:child_process";
import { vendorAssets } from "./vendor-assets.mjs";

const DEV_ADMIN_TOKEN = "sy_admin_dev_only"; // src/config.ts: the token local development falls back to
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i].includes("=") ? args[i].slice(name.length + 1) : args[i + 1];
};
const persistTo = flag("--persist-to");
const port = Number(flag("--port") ?? 8787);
const host = flag("--ip") ?? "127.0.0.1";
const adminVar = args.find((a, i) => args[i - 1] === "--var" && a.startsWith("ADMIN_TOKEN:"));

// The dashboard's and /docs' libraries, copied from node_modules into the static assets.
vendorAssets();

const wrangler = (wranglerArgs, options) =>
  spawnSync("npx", ["wrangler", ...wranglerArgs], { stdio: "inherit", ...options });

const migrate = wrangler(["d1", "migrations", "apply", "DB", "--local", ...(persistTo ? ["--persist-to", persistTo] : [])], {
  env: { ...process.env, CI: "true" }, // no confirmation prompt
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(
  "npx",
  [
    "wrangler", "dev", "--local",
    "--var", "SWITCHYARD_ENV:development",
    "--var", "EMBEDDINGS:local",
    "--var", "VECTOR_INDEX:local",
    ...args,
  ],
  { stdio: "inherit" },
);

console.log(
  adminVar
    ? "switchyard: admin token set with --var ADMIN_TOKEN"
    : `switchyard: no ADMIN_TOKEN given; local development accepts the dev admin token: ${DEV_ADMIN_TOKEN}`,
);

// Cron Triggers do not fire by themselves in wrangler dev: tick scheduled() once a minute, as production does.
const base = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
const cron = setInterval(() => {
  fetch(`${base}/cdn-cgi/handler/scheduled?cron=*+*+*+*+*`).catch(() => {
    // the server may still be starting or restarting; the next tick tries again
  });
}, 60_000);

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => {
  clearInterval(cron);
  process.exit(code ?? (signal ? 1 : 0));
});
