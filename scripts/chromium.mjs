// Debian packages the suite needs: Chromium for the browser tests (driven by playwright-core; never `playwright install`,
// which downloads a browser build and cannot work here). Installed with apt-get on first use.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

/** Flags that keep headless Chromium off the network (the machine has none but loopback). */
export const CHROMIUM_ARGS = Object.freeze([
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]);

/** Installs a Debian package with apt-get unless `bin` already exists (first run only). */
function ensureDebianPackage(bin, pkg, why) {
  if (existsSync(bin)) return bin;
  process.stderr.write(`[pb-ops setup] installing Debian ${pkg} for ${why} (apt-get; first run only)\n`);
  const asRoot = process.getuid && process.getuid() === 0 ? [] : ["sudo"];
  for (const args of [
    ["apt-get", "update", "-q"],
    ["apt-get", "install", "-y", "-q", "--no-install-recommends", pkg],
  ]) {
    const cmd = [...asRoot, ...args];
    const res = spawnSync(cmd[0], cmd.slice(1), { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    if (res.status !== 0) throw new Error(`${cmd.join(" ")} failed (exit ${res.status}); ${why} need Debian's ${pkg}`);
  }
  return bin;
}

export function ensureChromium() {
  return ensureDebianPackage(CHROMIUM, "chromium", "browser tests");
}

/** The deploy drills and the image test read restored databases with the sqlite3 shell. */
export function ensureSqlite3() {
  return ensureDebianPackage("/usr/bin/sqlite3", "sqlite3", "the deploy drills");
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(ensureChromium());
