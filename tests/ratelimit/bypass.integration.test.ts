// Rate-limit rules match the resource, not the spelling (issue 15), on both PocketBase versions:
// another letter case, Unicode case folding, percent-encoding and the collection id all meet the
// bucket of the rule written for the collection's name; HEAD meets a GET rule; each /api/batch
// sub-request meets its own route's rule and counts against the caller's bucket; the built-in
// superuser-auth bucket holds at 5 whatever the spelling. Each test uses its own client address
// (X-Forwarded-For, trusted for this test) so every bucket starts full.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POCKETBASE_VERSIONS, SUPERUSER, startPocketBase, type RunningPocketBase } from "../../toolkit/pocketbase";
import { header, rawRequest } from "../harness/raw-http";

const JSON_HEADERS = { "Content-Type": "application/json" };
const RULES = [
  "GET /api/collections/posts/records 3/60s name=posts-read",
  "POST /api/collections/posts/records 3/60s name=posts-write",
].join(";");

let nextClient = 1;
const client = () => ({ "X-Forwarded-For": `10.9.${Math.floor(nextClient / 250)}.${(nextClient++ % 250) + 1}` });

describe.each(POCKETBASE_VERSIONS)("PocketBase %s", (version: string) => {
  let pb: RunningPocketBase;
  let postsId = "";
  beforeAll(async () => {
    pb = await startPocketBase({ version, env: { PB_RATE_LIMIT_RULES: RULES } });
    const su = await pb.superuserToken();
    const auth = { ...JSON_HEADERS, Authorization: su };
    const created = await fetch(`${pb.url}/api/collections`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        name: "posts",
        type: "base",
        listRule: "",
        viewRule: "",
        createRule: "",
        fields: [{ name: "title", type: "text" }],
      }),
    });
    expect(created.status).toBe(200);
    postsId = ((await created.json()) as { id: string }).id;
    const settings = await fetch(`${pb.url}/api/settings`, {
      method: "PATCH",
      headers: auth,
      body: JSON.stringify({
        trustedProxy: { headers: ["X-Forwarded-For"], useLeftmostIP: false },
        batch: { enabled: true, maxRequests: 50, timeout: 3 },
      }),
    });
    expect(settings.status).toBe(200);
  }, 60_000);
  afterAll(async () => pb?.stop());

  /** Sends each target in turn from one new client; returns the statuses and the policy seen. */
  async function run(method: string, targets: string[], body?: string): Promise<{ statuses: number[]; policies: string[] }> {
    const h = { ...client(), ...(body !== undefined ? JSON_HEADERS : {}) };
    const statuses: number[] = [];
    const policies: string[] = [];
    for (const t of targets) {
      const r = await rawRequest(pb.port, method, t, h, body);
      statuses.push(r.status);
      policies.push(header(r, "RateLimit-Policy") ?? "");
    }
    return { statuses, policies };
  }

  const spellings = () => ({
    "letter case": ["POSTS", "Posts", "pOsTs"],
    "Unicode case folding (ſ is s)": ["po%C5%BFts", "po%C5%BFt%C5%BF", "PO%C5%BFTS"],
    "percent-encoding": ["%70osts", "p%6Fsts", "%70%6F%73%74%73"],
    "collection id": [postsId, postsId, postsId],
  });

  it.each(["letter case", "Unicode case folding (ſ is s)", "percent-encoding", "collection id"])(
    "GET rule: %s meets the same bucket, which holds exactly 3",
    async (kind) => {
      const names = (spellings() as Record<string, string[]>)[kind]!;
      // Alternate the canonical name and the spellings: 6 requests, exactly 3 allowed.
      const targets = ["posts", names[0], names[1], "posts", names[2], names[0]].map((n) => `/api/collections/${n}/records`);
      const { statuses, policies } = await run("GET", targets);
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
      expect(new Set(policies)).toEqual(new Set(['"posts-read";q=3;w=60']));
    },
  );

  it("a control: another collection is not in that bucket (the rule is not simply matching everything)", async () => {
    const { statuses, policies } = await run("GET", Array(5).fill("/api/collections/users/records"));
    expect(statuses.every((s) => s !== 429)).toBe(true);
    expect(policies.every((p) => p === "")).toBe(true);
  });

  it("HEAD meets the GET rule (Go serves HEAD with the GET handler)", async () => {
    const t = "/api/collections/posts/records";
    const h = client();
    const statuses: number[] = [];
    for (const m of ["HEAD", "GET", "HEAD", "HEAD", "GET"]) statuses.push((await rawRequest(pb.port, m, t, h)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it.each([["_superusers"], ["_SUPERUSERS"], ["%5Fsuperusers"], ["_%C5%BFuperu%C5%BFers"], ["pbc_3142635823"]])(
    "built-in superuser-auth bucket: %s shares the 5-per-minute bucket with every other spelling",
    async (first) => {
      const names = [
        first,
        "_superusers",
        "_SuperUsers",
        "pbc_3142635823",
        "%5Fsuperusers",
        "_%C5%BFuperusers",
        "_SUPERUSERS",
        "pbc_3142635823",
      ];
      const body = JSON.stringify({ identity: SUPERUSER.email, password: "wrong-password-1" });
      const { statuses, policies } = await run(
        "POST",
        names.map((n) => `/api/collections/${n}/auth-with-password`),
        body,
      );
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429, 429, 429]);
      expect(new Set(policies)).toEqual(new Set(['"superuser-auth";q=5;w=60']));
    },
  );

  async function batch(h: Record<string, string>, names: string[]): Promise<{ status: number; body: string }> {
    const requests = names.map((n, i) => ({ method: "POST", url: `/api/collections/${n}/records`, body: { title: `b${i}` } }));
    const r = await rawRequest(pb.port, "POST", "/api/batch", { ...h, ...JSON_HEADERS }, JSON.stringify({ requests }));
    return { status: r.status, body: r.body.toString() };
  }

  async function countPosts(title: string): Promise<number> {
    const su = await pb.superuserToken();
    const r = await fetch(`${pb.url}/api/collections/posts/records?perPage=1&filter=${encodeURIComponent(`title="${title}"`)}`, {
      headers: { Authorization: su },
    });
    return ((await r.json()) as { totalItems: number }).totalItems;
  }

  it("batch: each sub-request meets its own route's rule and takes from the caller's bucket; the bucket holds exactly 3", async () => {
    const h = client();
    const tag = `t${Date.now()}`;
    const mk = (names: string[]) => ({
      requests: names.map((n) => ({ method: "POST", url: `/api/collections/${n}/records`, body: { title: tag } })),
    });
    const send = (names: string[]) => rawRequest(pb.port, "POST", "/api/batch", { ...h, ...JSON_HEADERS }, JSON.stringify(mk(names)));
    const first = await send(["posts", "POSTS"]);
    expect(first.status).toBe(200);
    // One token left: the second sub-request is over the limit and the whole batch is refused.
    const second = await send([postsId, "p%6Fsts"]);
    expect(second.status).toBe(429);
    expect(header(second, "Retry-After")).toMatch(/^\d+$/);
    const third = await send(["posts"]);
    expect(third.status).toBe(429);
    const single = await rawRequest(
      pb.port,
      "POST",
      "/api/collections/posts/records",
      { ...h, ...JSON_HEADERS },
      JSON.stringify({ title: tag }),
    );
    expect(single.status).toBe(429);
    expect(await countPosts(tag)).toBe(2);
  });

  it("batch of 40 creates from a client whose bucket is empty creates nothing", async () => {
    const h = client();
    const tag = `e${Date.now()}`;
    for (let i = 0; i < 3; i++)
      expect(
        (await rawRequest(pb.port, "POST", "/api/collections/posts/records", { ...h, ...JSON_HEADERS }, JSON.stringify({ title: "x" })))
          .status,
      ).toBe(200);
    const requests = Array.from({ length: 40 }, () => ({ method: "POST", url: "/api/collections/posts/records", body: { title: tag } }));
    const r = await rawRequest(pb.port, "POST", "/api/batch", { ...h, ...JSON_HEADERS }, JSON.stringify({ requests }));
    expect(r.status).toBe(429);
    expect(await countPosts(tag)).toBe(0);
    void batch;
  });

  it("batch sent as multipart/form-data (@jsonPayload) meets the same rules", async () => {
    const h = client();
    const tag = `m${Date.now()}`;
    const form = () => {
      const f = new FormData();
      f.append(
        "@jsonPayload",
        JSON.stringify({
          requests: Array.from({ length: 2 }, () => ({ method: "POST", url: "/api/collections/POSTS/records", body: { title: tag } })),
        }),
      );
      return f;
    };
    const first = await fetch(`${pb.url}/api/batch`, { method: "POST", headers: h, body: form() });
    expect(first.status).toBe(200);
    const second = await fetch(`${pb.url}/api/batch`, { method: "POST", headers: h, body: form() });
    expect(second.status).toBe(429);
    expect(await countPosts(tag)).toBe(2);
  });
});
