// Where the replica lives: parsed from Litestream's REPLICA_URL + LITESTREAM_* keys (the guide's
// names) or from a litestream.yml. Pure: the adapter passes the environment and the file text.

export interface ReplicaTarget {
  bucket: string;
  /** Key prefix inside the bucket, "" or ending in "/". */
  prefix: string;
  region: string;
  /** Full endpoint URL with scheme, no trailing slash. */
  endpoint: string;
  forcePathStyle: boolean;
  /** Shown in reports: no credentials, ever. */
  display: string;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type ReplicaConfig =
  | { kind: "unconfigured"; reason: string }
  | { kind: "invalid"; reason: string; display?: string }
  | { kind: "ok"; target: ReplicaTarget; credentials: Credentials | null; source: "env" | "litestream.yml"; metricsAddr?: string };

class ReplicaUrlError extends Error {}

function parseBoolish(v: string): boolean {
  return /^(1|true|yes|on)$/i.test(v.trim());
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    throw new ReplicaUrlError("bad percent-encoding");
  }
}

/**
 * Parses `s3://bucket/path?endpoint=...&region=...&forcePathStyle=true` and the DigitalOcean form
 * `s3://bucket.region.digitaloceanspaces.com/path` (Litestream reads both). Credentials embedded
 * as userinfo are ignored and never shown.
 */
export function parseReplicaUrl(raw: string): ReplicaTarget {
  const m = /^s3:\/\/(?:[^@/?#]*@)?([^/?#]+)(\/[^?#]*)?(?:\?([^#]*))?$/.exec(raw.trim());
  if (!m) throw new ReplicaUrlError("not an s3://bucket/path URL");
  const host = m[1]!.toLowerCase();
  const path = decode(m[2] ?? "")
    .replace(/^\/+/, "")
    .replace(/\/+$/, "");
  const query: Record<string, string> = {};
  for (const part of (m[3] ?? "").split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    query[k] = decode(eq < 0 ? "" : part.slice(eq + 1));
  }

  let bucket = host;
  let region = query.region ?? "";
  let endpoint = query.endpoint ?? "";
  const forcePathStyle = query.forcePathStyle !== undefined ? parseBoolish(query.forcePathStyle) : false;

  const spaces = /^([^.]+)\.([a-z0-9-]+)\.digitaloceanspaces\.com$/.exec(host);
  const aws = /^([^.]+)\.s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com$/.exec(host);
  if (spaces) {
    bucket = spaces[1]!;
    region = region || spaces[2]!;
    endpoint = endpoint || `https://${spaces[2]}.digitaloceanspaces.com`;
  } else if (aws) {
    bucket = aws[1]!;
    region = region || aws[2] || "us-east-1";
  } else if (host.includes(".") && !endpoint) {
    throw new ReplicaUrlError(`unknown S3 host ${JSON.stringify(host)}: use s3://bucket/path?endpoint=https://host`);
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ReplicaUrlError(`bad bucket name ${JSON.stringify(bucket)}`);
  if (!region) region = "us-east-1";
  if (!endpoint) endpoint = `https://s3.${region}.amazonaws.com`;
  if (!/^[a-z]+:\/\//i.test(endpoint)) endpoint = `https://${endpoint}`;
  if (!/^https?:\/\/[^\s/?#@]+\/?$/i.test(endpoint))
    throw new ReplicaUrlError("endpoint must be scheme://host[:port] without credentials or path");
  endpoint = endpoint.replace(/\/+$/, "");

  return {
    bucket,
    prefix: path ? `${path}/` : "",
    region,
    endpoint,
    forcePathStyle,
    display: displayUrl(bucket, path, endpoint, region, forcePathStyle),
  };
}

function displayUrl(bucket: string, path: string, endpoint: string, region: string, forcePathStyle: boolean): string {
  return `s3://${bucket}/${path}?endpoint=${endpoint}&region=${region}${forcePathStyle ? "&forcePathStyle=true" : ""}`;
}

/** From environment variables (REPLICA_URL, LITESTREAM_ACCESS_KEY_ID, LITESTREAM_SECRET_ACCESS_KEY). */
export function replicaFromEnv(env: Readonly<Record<string, string | undefined>>): ReplicaConfig {
  const url = env.REPLICA_URL?.trim();
  if (!url) return { kind: "unconfigured", reason: "REPLICA_URL is not set (nor PB_LITESTREAM_CONFIG)" };
  let target: ReplicaTarget;
  try {
    target = parseReplicaUrl(url);
  } catch (err) {
    return { kind: "invalid", reason: `REPLICA_URL: ${(err as Error).message}` };
  }
  return {
    kind: "ok",
    target,
    credentials: credentialsFrom(env.LITESTREAM_ACCESS_KEY_ID, env.LITESTREAM_SECRET_ACCESS_KEY),
    source: "env",
  };
}

function credentialsFrom(id: string | undefined, secret: string | undefined): Credentials | null {
  return id && secret ? { accessKeyId: id, secretAccessKey: secret } : null;
}

// ---- litestream.yml: the subset Litestream users write (maps, lists of maps, scalars). ----

type Yaml = string | Yaml[] | { [k: string]: Yaml };

/**
 * A deliberately small YAML reader: block maps and lists of maps, plain/quoted scalars, comments.
 * No anchors, flow collections or multi-line strings (litestream.yml never needs them); anything
 * else is reported as an error instead of being guessed.
 */
export function parseSimpleYaml(text: string): Yaml {
  const lines: { indent: number; text: string; n: number }[] = [];
  text.split(/\r?\n/).forEach((l, i) => {
    const stripped = stripComment(l).replace(/\s+$/, "");
    if (stripped.trim() === "" || stripped.trim() === "---") return;
    if (/\t/.test(stripped.slice(0, stripped.length - stripped.trimStart().length))) throw new Error(`line ${i + 1}: tab indentation`);
    lines.push({ indent: stripped.length - stripped.trimStart().length, text: stripped.trim(), n: i + 1 });
  });
  let pos = 0;

  function block(indent: number): Yaml {
    if ((pos < lines.length && lines[pos]!.text.startsWith("- ")) || (pos < lines.length && lines[pos]!.text === "-"))
      return list(lines[pos]!.indent);
    return map(indent);
  }
  function list(indent: number): Yaml[] {
    const out: Yaml[] = [];
    while (pos < lines.length && lines[pos]!.indent === indent && (lines[pos]!.text.startsWith("- ") || lines[pos]!.text === "-")) {
      const line = lines[pos]!;
      const rest = line.text.slice(1).trim();
      if (rest === "") {
        pos++;
        out.push(pos < lines.length && lines[pos]!.indent > indent ? block(lines[pos]!.indent) : "");
      } else if (/^[A-Za-z0-9_-]+:(\s|$)/.test(rest)) {
        // "- key: value" starts a map whose other keys are indented past the dash.
        lines[pos] = { indent: indent + 2, text: rest, n: line.n };
        out.push(map(indent + 2));
      } else {
        pos++;
        out.push(scalar(rest));
      }
    }
    return out;
  }
  function map(indent: number): { [k: string]: Yaml } {
    const out: { [k: string]: Yaml } = {};
    while (pos < lines.length && lines[pos]!.indent === indent) {
      const line = lines[pos]!;
      const m = /^([A-Za-z0-9_-]+):(?:\s+(.*))?$/.exec(line.text);
      if (!m) throw new Error(`line ${line.n}: expected "key: value"`);
      pos++;
      if (m[2] !== undefined && m[2] !== "") out[m[1]!] = scalar(m[2]);
      else if (pos < lines.length && (lines[pos]!.indent > indent || (lines[pos]!.indent === indent && lines[pos]!.text.startsWith("- "))))
        out[m[1]!] = block(lines[pos]!.indent);
      else out[m[1]!] = "";
    }
    if (pos < lines.length && lines[pos]!.indent > indent) throw new Error(`line ${lines[pos]!.n}: unexpected indentation`);
    return out;
  }
  const root = pos < lines.length ? block(lines[0]!.indent) : {};
  if (pos < lines.length) throw new Error(`line ${lines[pos]!.n}: unexpected content`);
  return root;
}

function stripComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

function scalar(s: string): string {
  if (/^\[|^\{|^[&*!|>]/.test(s)) throw new Error(`unsupported YAML value ${JSON.stringify(s.slice(0, 20))}`);
  if ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"))) return s.slice(1, -1);
  return s;
}

/** Litestream expands $VAR and ${VAR} in its config file with os.ExpandEnv. */
function expandEnv(s: string, env: Readonly<Record<string, string | undefined>>): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => env[a ?? b] ?? "");
}

function str(v: Yaml | undefined): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The replica of data.db in a litestream.yml (the db whose path ends in `/data.db`, else the first
 * db; its first replica). Keys come from the file (access-key-id / secret-access-key) or the
 * LITESTREAM_* variables, as Litestream does.
 */
export function replicaFromYaml(text: string, env: Readonly<Record<string, string | undefined>>): ReplicaConfig {
  let doc: Yaml;
  try {
    doc = parseSimpleYaml(expandEnv(text, env));
  } catch (err) {
    return { kind: "invalid", reason: `litestream.yml: ${(err as Error).message}` };
  }
  if (typeof doc !== "object" || Array.isArray(doc)) return { kind: "invalid", reason: "litestream.yml: not a map" };
  const dbs = Array.isArray(doc.dbs) ? doc.dbs : [];
  const db = (dbs.find((d) => typeof d === "object" && !Array.isArray(d) && /(^|\/)data\.db$/.test(str(d.path) ?? "")) ?? dbs[0]) as
    | { [k: string]: Yaml }
    | undefined;
  if (!db || typeof db !== "object") return { kind: "unconfigured", reason: "litestream.yml has no dbs entry" };
  const rep = (Array.isArray(db.replicas) ? db.replicas[0] : db.replica) as { [k: string]: Yaml } | undefined;
  if (!rep || typeof rep !== "object" || Array.isArray(rep))
    return { kind: "unconfigured", reason: "litestream.yml: the db has no replica" };

  let target: ReplicaTarget;
  try {
    const url = str(rep.url);
    if (url) target = parseReplicaUrl(url);
    else {
      if ((str(rep.type) ?? "s3") !== "s3") return { kind: "invalid", reason: `litestream.yml: replica type ${str(rep.type)} is not S3` };
      const bucket = str(rep.bucket);
      if (!bucket) return { kind: "invalid", reason: "litestream.yml: replica has neither url nor bucket" };
      const q = [
        str(rep.endpoint) ? `endpoint=${encodeURIComponent(str(rep.endpoint)!)}` : "",
        str(rep.region) ? `region=${encodeURIComponent(str(rep.region)!)}` : "",
        str(rep["force-path-style"]) ? `forcePathStyle=${str(rep["force-path-style"])}` : "",
      ].filter(Boolean);
      target = parseReplicaUrl(`s3://${bucket}/${(str(rep.path) ?? "").replace(/^\/+/, "")}${q.length ? `?${q.join("&")}` : ""}`);
    }
  } catch (err) {
    return { kind: "invalid", reason: `litestream.yml: ${(err as Error).message}` };
  }
  const credentials = credentialsFrom(
    str(rep["access-key-id"]) ?? env.LITESTREAM_ACCESS_KEY_ID,
    str(rep["secret-access-key"]) ?? env.LITESTREAM_SECRET_ACCESS_KEY,
  );
  const addr = str(doc.addr);
  return { kind: "ok", target, credentials, source: "litestream.yml", metricsAddr: addr };
}

/** `:9090` or `127.0.0.1:9090` from litestream.yml's addr, as a loopback metrics URL. */
export function metricsUrlFromAddr(addr: string): string | null {
  const m = /^(\[[0-9A-Fa-f:.]*\]|[^:\s/]*):(\d{1,5})$/.exec(addr.trim());
  if (!m) return null;
  const host = !m[1] || m[1] === "0.0.0.0" || m[1] === "[::]" ? "127.0.0.1" : m[1];
  return `http://${host}:${m[2]}/metrics`;
}
