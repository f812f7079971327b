// The deployment kit's files agree with each other and with the code, so they cannot drift:
// the Dockerfile builds the versions the suite tests (scripts/versions.mjs); .do/app.yaml lists
// every pb-ops variable (src/config/schema.ts) with its default, secrets typed SECRET and one
// instance; litestream.yml only uses variables the entrypoint sets; the deploy runbook covers every
// backup-status reason. The entrypoint itself is exercised in
// tests/deploy-entrypoint.integration.test.ts, the built image by `npm run test:image`.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BINARIES, GO_TOOLCHAIN_FOR, LITESTREAM_VERSIONS, POCKETBASE_NEWEST } from "../scripts/versions.mjs";
import { METRICS_AUTO, resolveMetricsUrl } from "../src/backup/config";
import { schema } from "../src/config/schema";
import { DEFAULT_HOOKS_POOL } from "../src/pool/config";
import { ROOT } from "./harness/paths";

const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const dockerfile = read("deploy/Dockerfile");
const entrypoint = read("deploy/entrypoint.sh");
const litestreamYml = read("deploy/litestream.yml");
const appYaml = read(".do/app.yaml");

/** Where the kit deliberately differs from pb-ops's default, and why. */
const KIT_VALUES: Record<string, string> = {
  // App Platform's load balancer writes the client address there; pb-ops's default (`off`) must
  // not trust a header that anyone can send when PocketBase is not behind that proxy.
  PB_TRUSTED_PROXY_HEADERS: "do-connecting-ip",
};

const allVars = Object.values(schema).flatMap((section) => Object.values(section as Record<string, { name: string; default: string; secret?: boolean }>));

/** The `envs:` entries of .do/app.yaml (the file keeps one `- key:` block per variable). */
function appEnvs(): Map<string, { value?: string; type?: string; scope?: string }> {
  const envs = new Map<string, { value?: string; type?: string; scope?: string }>();
  let current: { value?: string; type?: string; scope?: string } | undefined;
  for (const line of appYaml.split("\n")) {
    const key = /^\s+- key: (\S+)\s*$/.exec(line);
    if (key) {
      expect(envs.has(key[1]!), `${key[1]} listed twice`).toBe(false);
      envs.set(key[1]!, (current = {}));
      continue;
    }
    const field = /^\s+(value|type|scope): (.*)$/.exec(line);
    if (field && current) current[field[1] as "value" | "type" | "scope"] = field[2]!.replace(/^"(.*)"$/, "$1");
    else if (!/^\s+#/.test(line)) current = undefined;
  }
  return envs;
}

describe("deploy/Dockerfile builds exactly the pinned versions the suite tests", () => {
  const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(dockerfile)?.[1];

  it("PocketBase = the newest pinned version, built from the same module with the same Go toolchain", () => {
    expect(arg("POCKETBASE_VERSION")).toBe(POCKETBASE_NEWEST);
    expect(dockerfile).toContain(`go install "${BINARIES.pocketbase(POCKETBASE_NEWEST).pkg.replace(`@${POCKETBASE_NEWEST}`, "@${POCKETBASE_VERSION}")}"`);
    const line = dockerfile.split("\n").find((l) => l.includes("pocketbase/examples/base@"));
    expect(/GOTOOLCHAIN=(\S+) go install/.exec(line ?? "")?.[1]).toBe((GO_TOOLCHAIN_FOR as Record<string, string>)[POCKETBASE_NEWEST as string]);
  });

  it("Litestream = the pinned v0.5 (pure Go, so CGO_ENABLED=0 holds)", () => {
    const v05 = LITESTREAM_VERSIONS.find((v: string) => v.startsWith("v0.5."));
    expect(arg("LITESTREAM_VERSION")).toBe(v05);
    expect(BINARIES.litestream(v05).cgo).toBe(false);
    expect(dockerfile).toContain(`go install "${BINARIES.litestream(v05).pkg.replace(`@${v05}`, "@${LITESTREAM_VERSION}")}"`);
    expect(dockerfile).toMatch(/CGO_ENABLED=0/);
  });

  it("Litestream is built with the stage's own Go, as the suite builds it (no toolchain of PocketBase's)", () => {
    const v05 = LITESTREAM_VERSIONS.find((v: string) => v.startsWith("v0.5."));
    // scripts/binaries.mjs sets GOTOOLCHAIN only when the spec names one; Litestream's does not.
    expect((BINARIES.litestream(v05) as { toolchain?: string }).toolchain).toBeUndefined();
    const line = dockerfile.split("\n").find((l) => l.includes("litestream/cmd/litestream@"));
    expect(/^RUN GOTOOLCHAIN=local go install /.exec(line ?? "")).not.toBeNull();
    // No stage-wide GOTOOLCHAIN that would also apply to it.
    expect(dockerfile).not.toMatch(/^ENV .*GOTOOLCHAIN/m);
  });

  it("the hooks stage installs runtime dependencies only; the build needs nothing else", () => {
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    for (const f of ["build.mjs", "tools/isolation-check.mjs", "tools/jsvm-globals.mjs"]) {
      for (const m of read(f).matchAll(/^import .* from "([^".][^"]*)";$/gm)) if (!m[1]!.startsWith("node:")) imported.add(m[1]!);
    }
    expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });

  it(".dockerignore (legacy builder) and deploy/Dockerfile.dockerignore (BuildKit) hold the same allowlist", () => {
    const rules = (p: string) => read(p).split("\n").filter((l) => l.trim() && !l.startsWith("#"));
    expect(rules(".dockerignore")).toEqual(rules("deploy/Dockerfile.dockerignore"));
    expect(rules(".dockerignore")[0]).toBe("*");
  });

  it("builds the pb-ops bundles with npm ci && npm run build in a node stage", () => {
    expect(dockerfile).toMatch(/^FROM node:\S+ AS hooks$/m);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build$/m);
    expect(dockerfile).toContain("COPY --from=hooks /src/pb_hooks/ /app/pb_hooks/");
  });

  it("runs as a non-root user behind tini, with a healthcheck on /api/ops/health", () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    const user = /^USER (\S+)$/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)$/);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n\s+CMD .*\/api\/ops\/health/m);
    expect(runtime).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/pb-ops-entrypoint"]');
    expect(runtime).toContain("COPY deploy/entrypoint.sh /usr/local/bin/pb-ops-entrypoint");
    expect(runtime).toContain("COPY deploy/litestream.yml /etc/litestream.yml");
  });

  it("every COPY source exists and is let through Dockerfile.dockerignore", () => {
    const ignore = read("deploy/Dockerfile.dockerignore");
    const allowed = ignore.split("\n").filter((l) => l.startsWith("!")).map((l) => l.slice(1));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) {
      expect(existsSync(join(ROOT, src)), src).toBe(true);
      expect(allowed.some((a) => src === a || src.startsWith(a)), `${src} not in Dockerfile.dockerignore`).toBe(true);
    }
  });

  it("the container's PORT is the port App Platform routes to", () => {
    expect(/^EXPOSE (\d+)$/m.exec(dockerfile)?.[1]).toBe("8080");
    expect(dockerfile).toMatch(/ENV PORT=8080/);
    expect(/^\s+http_port: (\d+)$/m.exec(appYaml)?.[1]).toBe("8080");
  });
});

describe(".do/app.yaml", () => {
  const envs = appEnvs();

  it("lists every pb-ops variable with its default (or its KIT_VALUES value); secrets are typed SECRET", () => {
    expect(allVars.length).toBeGreaterThan(10);
    for (const v of allVars) {
      const e = envs.get(v.name);
      expect(e, `${v.name} missing from .do/app.yaml`).toBeDefined();
      expect(e!.value, v.name).toBe(KIT_VALUES[v.name] ?? v.default);
      expect(e!.scope, v.name).toBe("RUN_TIME");
      if (v.secret) expect(e!.type, v.name).toBe("SECRET");
      else expect(e!.type, v.name).toBeUndefined();
    }
  });

  it("has no PB_* variable pb-ops does not read (the guide's PB_ADMIN_PATH-style no-ops, typos)", () => {
    const known = new Set(allVars.map((v) => v.name));
    for (const key of envs.keys()) if (key.startsWith("PB_")) expect(known.has(key), `${key} is not a pb-ops variable`).toBe(true);
  });

  it("sets the replica and its credentials, credentials and the encryption key as SECRET", () => {
    for (const k of ["LITESTREAM_ACCESS_KEY_ID", "LITESTREAM_SECRET_ACCESS_KEY", "POCKETBASE_ENCRYPTION_KEY"]) expect(envs.get(k)?.type, k).toBe("SECRET");
    expect(envs.get("REPLICA_URL")?.value).toMatch(/^s3:\/\//);
    expect(envs.get("REPLICA_URL")?.type).toBeUndefined();
    // The placeholders are refused by the entrypoint, so an unedited spec cannot start silently.
    expect(entrypoint).toContain("*'<'*'>'*");
    for (const k of ["REPLICA_URL", "LITESTREAM_ACCESS_KEY_ID", "LITESTREAM_SECRET_ACCESS_KEY"]) expect(envs.get(k)?.value).toMatch(/<.*>/);
  });

  it("keeps one instance, no autoscaling, and says why", () => {
    expect([...appYaml.matchAll(/^\s+instance_count: (\d+)$/gm)].map((m) => m[1])).toEqual(["1"]);
    expect(appYaml).not.toMatch(/^\s+autoscaling:/m);
    expect(appYaml).toMatch(/# MUST stay 1\./);
    expect(/^\s+http_path: (\S+)$/m.exec(appYaml)?.[1]).toBe("/api/ops/health");
    expect(/^\s+dockerfile_path: (\S+)$/m.exec(appYaml)?.[1]).toBe("deploy/Dockerfile");
  });

  it("the VM pool default is the same in the schema, the entrypoint and npm start", () => {
    expect(/^hooks_pool=\$\{PB_HOOKS_POOL:-(\d+)\}$/m.exec(entrypoint)?.[1]).toBe(String(DEFAULT_HOOKS_POOL));
    expect(/process\.env\.PB_HOOKS_POOL \?\? "(\d+)"/.exec(read("scripts/start.mjs"))?.[1]).toBe(String(DEFAULT_HOOKS_POOL));
  });

  it("Litestream tuning defaults match the entrypoint's", () => {
    for (const k of ["LITESTREAM_SYNC_INTERVAL", "LITESTREAM_RETENTION"]) {
      const dflt = new RegExp(`^${k}=\\$\\{${k}:-([^}]+)\\}$`, "m").exec(entrypoint)?.[1];
      expect(envs.get(k)?.value, k).toBe(dflt);
    }
  });
});

describe("deploy/litestream.yml and deploy/entrypoint.sh", () => {
  it("every ${VAR} in litestream.yml is exported by the entrypoint (or is REPLICA_URL, checked there)", () => {
    const config = litestreamYml.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
    const used = new Set([...config.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!));
    const exported = new Set((/^export (.+)$/m.exec(entrypoint)?.[1] ?? "").split(/\s+/));
    expect(used.size).toBeGreaterThan(3);
    for (const v of used) expect(v === "REPLICA_URL" || exported.has(v), `${v} is not set by the entrypoint`).toBe(true);
  });

  it("no credential in litestream.yml: Litestream reads LITESTREAM_ACCESS_KEY_ID/SECRET from the environment", () => {
    expect(litestreamYml).not.toMatch(/access-key-id|secret-access-key/);
  });

  it("Litestream's metrics are where pb-ops looks for them: PB_LITESTREAM_METRICS_URL=auto follows LITESTREAM_METRICS_ADDR", () => {
    const addr = /^LITESTREAM_METRICS_ADDR=\$\{LITESTREAM_METRICS_ADDR:-([^}]+)\}$/m.exec(entrypoint)?.[1];
    expect(addr).toBe("127.0.0.1:9090");
    expect(schema.backup.metricsUrl.default).toBe("auto");
    // The entrypoint exports it, so PocketBase (its child) sees the same address Litestream listens on.
    expect((/^export (.+)$/m.exec(entrypoint)?.[1] ?? "").split(/\s+/)).toContain("LITESTREAM_METRICS_ADDR");
    expect(resolveMetricsUrl(METRICS_AUTO, addr, undefined)).toEqual({ url: `http://${addr}/metrics` });
    expect(resolveMetricsUrl(METRICS_AUTO, undefined, undefined)).toEqual({ url: `http://${addr}/metrics` });
    expect(litestreamYml).toMatch(/^addr: "\$\{LITESTREAM_METRICS_ADDR\}"$/m);
  });

  it("the entrypoint is POSIX sh (dash parses it) and its own settings avoid the PB_* namespace", () => {
    const res = spawnSync("sh", ["-n", join(ROOT, "deploy/entrypoint.sh")], { encoding: "utf8" });
    expect(res.status, res.stderr).toBe(0);
    expect(entrypoint.split("\n")[0]).toBe("#!/bin/sh");
    const code = entrypoint.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
    expect(code).not.toMatch(/\[\[ |^\s*function |\blocal \w|\$\{\w+\/\/|<<<|\bdeclare |\$\(\(.*\+\+/m);
    const overrides = [...entrypoint.matchAll(/^([A-Z_]+)=\$\{\1:-/gm)].map((m) => m[1]!);
    expect(overrides).toContain("POCKETBASE_BIN");
    for (const name of overrides) expect(name.startsWith("PB_"), name).toBe(false);
  });
});

describe("docs/deploy.md", () => {
  it("the runbook has a row for every backup-status reason code (src/backup/status.ts)", () => {
    const status = read("src/backup/status.ts");
    const union = /export type ReasonCode =([^;]+);/.exec(status)?.[1] ?? "";
    const codes = [...union.matchAll(/"(\w+)"/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(10);
    const doc = read("docs/deploy.md");
    const runbook = doc.slice(doc.indexOf("## Runbook: backup-status reasons"), doc.indexOf("## Disaster-recovery drill"));
    expect(runbook.length).toBeGreaterThan(1000);
    for (const code of codes) expect(runbook, code).toMatch(new RegExp(`^\\| \`${code}\` \\|`, "m"));
  });
});
