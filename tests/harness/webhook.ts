// A webhook receiver in the test process, on loopback: records every POST body (parsed JSON) and
// can be told to answer with an error status (to test retries).
import { createServer, type Server } from "node:http";

export interface Received {
  atMs: number;
  body: any;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Status to answer with (200 by default). */
  status = 200;
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let text = "";
      req.on("data", (b) => (text += b.toString()));
      req.on("end", () => {
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {
          // keep the text
        }
        this.received.push({ atMs: Date.now(), body });
        res.writeHead(this.status, { "content-type": "text/plain" });
        res.end(this.status === 200 ? "ok" : "nope");
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const addr = this.server.address();
    this.port = typeof addr === "object" && addr ? addr.port : 0;
  }

  bodies(source?: string): any[] {
    return this.received.map((r) => r.body).filter((b) => !source || b?.source === source);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** Hook file for tests: PocketBase's cron ticks every second instead of every minute (same jobs). */
export const FAST_CRON_HOOK = "$app.cron().setInterval(1000 * 1000 * 1000); // time.Duration in ns\n";
