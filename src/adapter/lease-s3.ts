// The lease object over S3, with PocketBase's $http.send and pb-ops's own SigV4 signing (every
// header, the conditional ones included, is signed). versitygw v1.8.0 honours If-None-Match: * and
// If-Match on PutObject (412 PreconditionFailed), measured with 8 concurrent writers x 30 rounds:
// exactly one winner each time. AWS S3 documents both; DigitalOcean Spaces is unverified, so
// probeConditionalWrites() checks the server before the lease is trusted (PB_LEASE_WRITES=auto),
// and the verify mode (src/lease/verify.ts) uses only putPlain/readKey/listClaims/deleteKey here.
import type { Credentials, ReplicaTarget } from "../backup/replica";
import { summarizeRemote, type RemoteObject } from "../backup/remote";
import { classifyS3Response, classifyThrown, parseListObjectsV2, signedListRequest, signedRequest, type S3Call } from "../backup/s3";
import { parseLease, type Lease } from "../lease/decide";
import { claimsPrefix, parseClaimKey, type ListedClaim } from "../lease/verify";

interface Res {
  statusCode: number;
  headers: Record<string, string[]>;
  body: unknown;
}

export type S3Outcome =
  | { ok: true; status: number; etag: string | null; body: string }
  | { ok: false; kind: "unreachable" | "credentials" | "error"; detail: string };

export class LeaseStore {
  constructor(
    readonly target: ReplicaTarget,
    readonly creds: Credentials,
    readonly key: string,
    readonly timeoutS: number,
  ) {}

  send(call: S3Call): S3Outcome {
    const req = signedRequest(this.target, this.creds, Date.now(), call);
    try {
      const res = $http.send({
        url: req.url,
        method: call.method,
        headers: req.headers,
        body: call.body ?? "",
        timeout: this.timeoutS,
      }) as unknown as Res;
      let etag: string | null = null;
      for (const k of Object.keys(res.headers ?? {})) if (k.toLowerCase() === "etag") etag = String(res.headers[k]![0] ?? "") || null;
      return { ok: true, status: res.statusCode, etag, body: toString(res.body as string) };
    } catch (err) {
      return { ok: false, ...classifyThrown(String((err as { message?: string })?.message ?? err)) };
    }
  }

  /** The lease as stored (null = no object), with its ETag; an S3 failure is returned as such. */
  read(): { ok: true; lease: Lease | null; etag: string | null; foreign: boolean } | { ok: false; detail: string; kind: string } {
    return this.readKey(this.key);
  }

  /** Any lease-shaped object: the conditional mode's lease.json or a verify-mode claim. */
  readKey(
    key: string,
  ): { ok: true; lease: Lease | null; etag: string | null; foreign: boolean } | { ok: false; detail: string; kind: string } {
    const r = this.send({ method: "GET", key });
    if (!r.ok) return { ok: false, detail: r.detail, kind: r.kind };
    if (r.status === 404) return { ok: true, lease: null, etag: null, foreign: false };
    if (r.status !== 200) return { ok: false, ...classifyS3Response(r.status, r.body) };
    const lease = parseLease(r.body);
    return { ok: true, lease, etag: r.etag, foreign: lease === null };
  }

  /** Conditional write: etag null = create only. "conflict" = someone else wrote first (412). */
  write(lease: Lease, etag: string | null): { kind: "ok"; etag: string | null } | { kind: "conflict" } | { kind: "error"; detail: string } {
    const r = this.send({
      method: "PUT",
      key: this.key,
      body: JSON.stringify(lease),
      headers: { "content-type": "application/json", ...(etag ? { "if-match": etag } : { "if-none-match": "*" }) },
    });
    if (!r.ok) return { kind: "error", detail: `${r.kind}: ${r.detail}` };
    if (r.status === 200) return { kind: "ok", etag: r.etag };
    // 409 ConditionalRequestConflict (AWS, concurrent conditional writes) is a lost race too.
    if (r.status === 412 || r.status === 409) return { kind: "conflict" };
    const c = classifyS3Response(r.status, r.body);
    return { kind: "error", detail: `${c.kind}: ${c.detail}` };
  }

  /** Verify mode: a plain PUT of our OWN object (no conditional header: nobody else writes it). */
  putPlain(key: string, lease: Lease): { ok: true } | { ok: false; detail: string } {
    const r = this.send({ method: "PUT", key, body: JSON.stringify(lease), headers: { "content-type": "application/json" } });
    if (!r.ok) return { ok: false, detail: `${r.kind}: ${r.detail}` };
    if (r.status === 200) return { ok: true };
    const c = classifyS3Response(r.status, r.body);
    return { ok: false, detail: `${c.kind}: ${c.detail}` };
  }

  /** Verify mode: every claim object under `<lease dir>/claims/` (other keys there are ignored). */
  listClaims(): { ok: true; claims: ListedClaim[] } | { ok: false; detail: string } {
    const claims: ListedClaim[] = [];
    const listed = this.listPages(20, claimsPrefix(this.key), (o) => {
      const c = parseClaimKey(o.key);
      if (c) claims.push(c);
    });
    return listed.ok ? { ok: true, claims } : listed;
  }

  /** A ListObjectsV2 listing of `prefix`, at most `maxPages` pages of 1000, each object handed to `each`. */
  private listPages(maxPages: number, prefix: string, each: (o: RemoteObject) => void): { ok: true } | { ok: false; detail: string } {
    let token: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const req = signedListRequest(this.target, this.creds, Date.now(), token, 1000, prefix);
      let res: Res;
      try {
        res = $http.send({ url: req.url, method: "GET", headers: req.headers, timeout: this.timeoutS }) as unknown as Res;
      } catch (err) {
        return { ok: false, detail: classifyThrown(String((err as { message?: string })?.message ?? err)).detail };
      }
      const body = toString(res.body as string);
      if (res.statusCode !== 200) return { ok: false, detail: classifyS3Response(res.statusCode, body).detail };
      const parsed = parseListObjectsV2(body);
      for (const o of parsed.objects) each(o);
      if (!parsed.nextToken) break;
      token = parsed.nextToken;
    }
    return { ok: true };
  }

  /**
   * Does this server honour If-None-Match on PutObject? Two create-only PUTs of a fresh key: the
   * second must be refused. A server that ignores the header would let two claimants both win.
   */
  probeConditionalWrites(probeId: string): { ok: true; supported: boolean } | { ok: false; detail: string } {
    const key = this.key.replace(/lease\.json$/, `probe-${probeId}.json`);
    const statuses: number[] = [];
    for (const body of ["1", "2"]) {
      const r = this.send({ method: "PUT", key, body, headers: { "if-none-match": "*" } });
      if (!r.ok) return { ok: false, detail: `${r.kind}: ${r.detail}` };
      statuses.push(r.status);
    }
    this.send({ method: "DELETE", key });
    if (statuses[0] !== 200) return { ok: false, detail: `probe PUT answered ${statuses[0]}` };
    return { ok: true, supported: statuses[1] === 412 || statuses[1] === 409 };
  }

  /** Where a standby leaves a note for the primary's backup-status (never the lease itself). */
  noteKey(id: string): string {
    return this.key.replace(/lease\.json$/, `standby-${id}.json`);
  }

  putNote(id: string, note: object): void {
    this.send({ method: "PUT", key: this.noteKey(id), body: JSON.stringify(note), headers: { "content-type": "application/json" } });
  }

  /** Standby notes present in the bucket (keys and S3 times), at most one page. */
  listNotes(): { key: string; modTimeMs: number }[] | null {
    const prefix = this.noteKey("");
    const req = signedListRequest(this.target, this.creds, Date.now(), undefined, 1000, prefix.replace(/\.json$/, ""));
    try {
      const res = $http.send({ url: req.url, method: "GET", headers: req.headers, timeout: this.timeoutS }) as unknown as Res;
      if (res.statusCode !== 200) return null;
      return parseListObjectsV2(toString(res.body as string)).objects.map((o) => ({ key: o.key, modTimeMs: o.modTimeMs }));
    } catch {
      return null;
    }
  }

  readNote(key: string): Record<string, unknown> | null {
    const r = this.send({ method: "GET", key });
    if (!r.ok || r.status !== 200) return null;
    try {
      return JSON.parse(r.body) as Record<string, unknown>;
    } catch {
      return null;
    }
  }

  deleteKey(key: string): void {
    this.send({ method: "DELETE", key });
  }

  /** Newest TXID on the replica (Litestream v0.5 LTX layout), or null with the reason. */
  remoteMaxTxid(): { ok: true; maxTXID: number; layout: string } | { ok: false; detail: string } {
    const out: RemoteObject[] = [];
    const listed = this.listPages(50, this.target.prefix, (o) => out.push({ ...o, key: o.key.slice(this.target.prefix.length) }));
    if (!listed.ok) return listed;
    const s = summarizeRemote(out);
    return { ok: true, maxTXID: s.v05?.maxTXID ?? 0, layout: s.layout };
  }
}
