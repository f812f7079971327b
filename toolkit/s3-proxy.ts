// A recording pass-through in front of versitygw (loopback): every request's method, path and
// header names, so a test can prove what pb-ops sent (e.g. no If-Match / If-None-Match in the lease's
// verify mode). It forwards the Host header unchanged, so SigV4 signatures made for the proxy's
// address still verify at versitygw.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}

export class S3RecordingProxy {
  readonly requests: Recorded[] = [];
  private server: Server | undefined;
  port = 0;

  /**
   * `ignoreConditional`: play a server that ignores If-None-Match / If-Match on PUT (a 412 from
   * versitygw is answered 200), to drive PB_LEASE_WRITES=auto into verify mode.
   */
  constructor(
    private readonly targetPort: number,
    private readonly opts: { ignoreConditional?: boolean } = {},
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const up = request({ host: "127.0.0.1", port: this.targetPort, method: req.method, path: req.url, headers: req.headers }, (ur) => {
        this.requests.push({
          method: req.method ?? "",
          path: decodeURIComponent(req.url ?? ""),
          headers: { ...req.headers },
          status: ur.statusCode ?? 0,
        });
        if (this.opts.ignoreConditional && req.method === "PUT" && ur.statusCode === 412) {
          ur.resume();
          res.writeHead(200, { etag: '"ignored-condition"', "content-length": "0" });
          res.end();
          return;
        }
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(up);
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Requests whose path contains `part` (e.g. ".pb-ops/"). */
  matching(part: string): Recorded[] {
    return this.requests.filter((r) => r.path.includes(part));
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

/** Header names that make a write conditional. */
export function conditionalHeaders(r: Recorded): string[] {
  return Object.keys(r.headers).filter((h) => /^if-(none-)?match$|^if-(un)?modified-since$/i.test(h));
}
