// Opens N realtime (SSE) clients against PocketBase on loopback and keeps them open: each is a
// GET /api/realtime that lasts until closed, as a browser's PocketBase SDK subscription does.
import { request, type ClientRequest } from "node:http";

export interface SseClients {
  count: number;
  close(): void;
}

/** Opens `n` SSE connections and resolves once each has received PocketBase's PB_CONNECT event. */
export async function openSseClients(baseUrl: string, n: number, timeoutMs = 60_000): Promise<SseClients> {
  const reqs: ClientRequest[] = [];
  const opened: Promise<void>[] = [];
  const url = new URL("/api/realtime", baseUrl);
  for (let i = 0; i < n; i++) {
    opened.push(
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`SSE client ${i} got no PB_CONNECT in ${timeoutMs} ms`)), timeoutMs);
        // agent: false, so Node's socket pool does not cap or reuse the connections.
        const req = request(url, { agent: false, headers: { Accept: "text/event-stream" } }, (res) => {
          let seen = "";
          res.on("data", (b: Buffer) => {
            if (seen === null) return;
            seen += b.toString();
            if (seen.includes("PB_CONNECT")) {
              clearTimeout(timer);
              seen = null as unknown as string;
              resolve();
            }
          });
          res.on("error", () => {});
        });
        req.on("error", (err) => {
          clearTimeout(timer);
          reject(err);
        });
        req.end();
        reqs.push(req);
      }),
    );
  }
  const close = () => {
    for (const r of reqs) r.destroy();
  };
  try {
    await Promise.all(opened);
  } catch (err) {
    close();
    throw err;
  }
  return { count: n, close };
}
