// Debian's Chromium for the browser tests, driven by playwright-core (which downloads no browser of its
// own). Installed through apt where it is missing; where apt cannot install it either, the browser tests
// are skipped with a loud message instead of failing for want of a browser.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

let checked: string | null | undefined;

/** The path of a usable Chromium, installing it with apt if needed; null (and a loud warning) when impossible. */
export function ensureChromium(): string | null {
  if (checked !== undefined) return checked;
  if (!existsSync(CHROMIUM)) {
    const apt = spawnSync("sh", ["-c", "command -v apt-get"], { encoding: "utf8" });
    if (apt.status === 0) {
      console.log("browser tests: /usr/bin/chromium is missing; installing Debian's chromium with apt-get (a minute or two)");
      try {
        const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
        execFileSync("apt-get", ["update"], { stdio: "ignore", env, timeout: 300_000 });
        execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: "ignore", env, timeout: 600_000 });
      } catch (error) {
        console.error(`browser tests: apt-get could not install chromium: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  checked = existsSync(CHROMIUM) ? CHROMIUM : null;
  if (checked === null) {
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\n!!! BROWSER TESTS SKIPPED: no Chromium at ${CHROMIUM} and apt-get could not install it.\n!!! The dashboard is NOT tested in a browser on this machine. Install it with: apt-get install -y chromium\n${bar}\n`);
  }
  return checked;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}
