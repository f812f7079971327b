// HTTP/1.1 over a raw socket (node:net): sends the request target byte for byte, so paths like
// `//_/`, `/_/./`, `/%5F/` or an absolute-form target reach PocketBase unchanged (fetch() and
// curl would normalise them first).
import { connect } from "node:net";

export interface RawResponse {
  statusLine: string;
  status: number;
  /** Header lines in wire order, as sent. */
  headerLines: string[];
  body: Buffer;
}

export function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Connection: close"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const data = Buffer.concat([Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1"), Buffer.from(body ?? "")]);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // write, not end: a half-closed socket makes Go's server cancel the request's context (seen as
    // PocketBase's "batch request interrupted"); `Connection: close` has the server close it.
    const sock = connect(port, "127.0.0.1", () => sock.write(data));
    sock.setTimeout(10_000, () => sock.destroy(new Error(`timeout: ${method} ${target}`)));
    sock.on("data", (c) => chunks.push(c));
    sock.on("error", reject);
    sock.on("close", () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf("\r\n\r\n");
      if (end < 0) return reject(new Error(`no response head for ${method} ${target}: ${all.toString("latin1")}`));
      const head = all.subarray(0, end).toString("latin1").split("\r\n");
      const statusLine = head[0]!;
      resolve({ statusLine, status: Number(statusLine.split(" ")[1]), headerLines: head.slice(1), body: all.subarray(end + 4) });
    });
  });
}

/** Status line, headers and body as one string, without the lines that differ per request. */
export function comparable(r: RawResponse, ignore: string[] = ["date", "x-request-id"]): string {
  const kept = r.headerLines.filter((l) => !ignore.includes(l.slice(0, l.indexOf(":")).toLowerCase()));
  return [r.statusLine, ...kept, "", r.body.toString("latin1")].join("\n");
}

export function header(r: RawResponse, name: string): string | undefined {
  const l = r.headerLines.find((h) => h.toLowerCase().startsWith(name.toLowerCase() + ":"));
  return l?.slice(l.indexOf(":") + 1).trim();
}
