// The realistic rows of npm run bench (issue 21): a public collection of a few hundred records
// listed 20 at a time with sort and filter, an authenticated record view, and the first requests
// after boot. Seeding and measuring talk to real PocketBase on loopback; the report is pure
// (routes-report.ts).
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPocketBase, type RunningPocketBase, type StartOptions } from "../tests/harness/pocketbase";

export const RECORDS = 300;
export const LIST_PATH = "/api/collections/posts/records?page=1&perPage=20&sort=-score,title&filter=(published=true%20%26%26%20score%3E10)";

export interface Seeded {
  /** A data dir holding the collection, its records and one user; copy it per server. */
  dataDir: string;
  /** GET path of one record (view rule: signed-in users only). */
  viewPath: string;
  /** Authorization header value of the seeded user (valid on every copy of the data dir). */
  userToken: string;
}

async function call(pb: RunningPocketBase, path: string, method: string, body: unknown, auth?: string): Promise<any> {
  const res = await fetch(`${pb.url}${path}`, { method, headers: { "content-type": "application/json", ...(auth ? { Authorization: auth } : {}) }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** One bare PocketBase seeds a data dir, then stops: every measured server starts on a copy. */
export async function seed(version: string, devNull: number): Promise<Seeded> {
  const dataDir = mkdtempSync(join(tmpdir(), "pbops-bench-seed-"));
  const pb = await startPocketBase({ version, withPbOps: false, dataDir, stdoutFd: devNull });
  try {
    const su = await pb.superuserToken();
    await call(pb, "/api/collections", "POST", {
      name: "posts",
      type: "base",
      listRule: "",
      viewRule: '@request.auth.id != ""',
      fields: [
        { name: "title", type: "text" },
        { name: "body", type: "text" },
        { name: "published", type: "bool" },
        { name: "score", type: "number" },
      ],
    }, su);
    let first = "";
    for (let i = 0; i < RECORDS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          call(pb, "/api/collections/posts/records", "POST", { title: `Post ${i + j}`, body: "lorem ipsum ".repeat(20), published: (i + j) % 3 !== 0, score: (i + j) % 97 }, su),
        ),
      );
      if (!first) first = batch[0].id;
    }
    await call(pb, "/api/collections/users/records", "POST", { email: "bench@example.com", password: "bench-password-1", passwordConfirm: "bench-password-1" }, su);
    const auth = await call(pb, "/api/collections/users/auth-with-password", "POST", { identity: "bench@example.com", password: "bench-password-1" });
    return { dataDir, viewPath: `/api/collections/posts/records/${first}`, userToken: auth.token };
  } finally {
    await pb.stop();
  }
}

/** A server on its own copy of the seeded data; stop() removes the copy. */
export async function startOnCopy(seeded: Seeded, opts: StartOptions): Promise<RunningPocketBase> {
  const dataDir = mkdtempSync(join(tmpdir(), "pbops-bench-data-"));
  cpSync(seeded.dataDir, dataDir, { recursive: true });
  const pb = await startPocketBase({ ...opts, dataDir, superuser: false });
  const stop = pb.stop;
  pb.stop = async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return pb;
}

/** `count` GETs of `url` over `concurrency` keep-alive connections: mean and median ms per request. */
export async function timedBurst(url: string, count: number, concurrency: number): Promise<{ meanMs: number; p50Ms: number; failures: number }> {
  let next = 0;
  let failures = 0;
  const lat: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const s = performance.now();
        const res = await fetch(url);
        await res.arrayBuffer();
        if (!res.ok) failures++;
        lat.push(performance.now() - s);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { meanMs: lat.reduce((a, b) => a + b, 0) / lat.length, p50Ms: lat[Math.floor(lat.length / 2)]!, failures };
}
