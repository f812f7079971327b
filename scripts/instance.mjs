// What `npm start` needs around the PocketBase it runs (scripts/start.mjs): one instance per data
// dir (a second `npm start` must not rebuild pb_hooks/ under the first, whose watcher would reload
// half-written files), a build that replaces pb_hooks/ in one rename, URLs printed only once pb-ops
// answers, and PocketBase's superuser hint made to name the data dir.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Takes the data dir for this process; returns the pid and URL of a live holder instead. */
export function claimDataDir(dataDir, url) {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, ".pb-ops-start.pid");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, JSON.stringify({ pid: process.pid, url }));
      closeSync(fd);
      const release = () => {
        try {
          if (JSON.parse(readFileSync(file, "utf8")).pid === process.pid) rmSync(file);
        } catch {
          // already gone
        }
      };
      process.on("exit", release);
      return { release };
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      let holder;
      try {
        holder = JSON.parse(readFileSync(file, "utf8"));
        process.kill(holder.pid, 0);
        return { holder };
      } catch {
        rmSync(file, { force: true }); // a stale claim: its process is gone
      }
    }
  }
  throw new Error(`cannot claim ${dataDir}`);
}

/** Builds into a fresh folder with `buildInto(dir)`, then puts it in place of `target` in one rename. */
export async function buildAndSwap(target, buildInto) {
  const next = `${target}.next-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  await buildInto(next);
  if (existsSync(target)) renameSync(target, old);
  renameSync(next, target);
  rmSync(old, { recursive: true, force: true });
}

/** Resolves once `url` answers 200; rejects with the exit code if `child` exits first. */
export function waitHealthy(url, child, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    let done = false;
    child.once("exit", (code) => {
      if (!done) reject(Object.assign(new Error(`PocketBase exited with ${code} before answering`), { exitCode: code ?? 1 }));
      done = true;
    });
    const poll = async () => {
      if (done) return;
      try {
        const res = await fetch(url);
        await res.arrayBuffer();
        if (res.ok) {
          done = true;
          return resolve();
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        done = true;
        return reject(Object.assign(new Error(`${url} did not answer within ${timeoutMs / 1000}s`), { exitCode: 1 }));
      }
      setTimeout(poll, 100);
    };
    poll();
  });
}

/**
 * PocketBase's first-run hint reads `(you can also create your first superuser by running: BIN
 * superuser upsert EMAIL PASS)`: run as printed, it writes to a pb_data next to the binary. The
 * returned transform adds `--dir` to that line and passes every other line through unchanged.
 */
export function superuserHintFixer(dataDir) {
  let pending = "";
  const fix = (line) => line.replace(/(superuser upsert EMAIL PASS)(\)?)$/, `$1 --dir ${dataDir}$2`);
  return {
    push(chunk) {
      pending += chunk;
      const nl = pending.lastIndexOf("\n");
      if (nl < 0) return "";
      const whole = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      return whole.split("\n").map(fix).join("\n");
    },
    flush() {
      const rest = pending;
      pending = "";
      return fix(rest);
    },
  };
}
