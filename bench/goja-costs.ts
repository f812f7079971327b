// npm run bench:goja: what common operations cost inside PocketBase's JS VM (goja), measured on a
// real request in the real binary. The figures behind docs/performance.md: they decide how pb-ops's
// per-request code is written, and they are what app teams pay in their own hooks.
import { openSync } from "node:fs";
import { POCKETBASE_NEWEST } from "../scripts/versions.mjs";
import { fetchJson } from "../toolkit/http";
import { startPocketBase } from "../toolkit/pocketbase";

// Each case runs N times in a loop inside one handler; the result is mean microseconds per run.
const PROBE = `routerAdd("GET", "/api/goja-costs", (e) => {
  const n = 5000;
  const out = [];
  const time = (name, fn) => {
    const t0 = Date.now();
    for (let i = 0; i < n; i++) fn(i);
    out.push([name, Math.round(((Date.now() - t0) * 1000) / n * 10) / 10]);
  };
  const key = "default|127.0.0.1:abcdefg";
  const five = [1, 2, 3, 4, 5];
  time("empty loop step (the baseline)", () => 0);
  time("call a small JS function", (i) => ((x) => x)(i));
  time("object literal, 5 fields", (i) => ({ a: i, b: "x", c: 1, d: null, e: true }));
  time("object spread of 5 fields", (i) => ({ ...{ a: i, b: "x", c: 1, d: null, e: true } }));
  time("for-of over 5 items", () => { let s = 0; for (const x of five) s += x; return s; });
  time("indexed for over 5 items", () => { let s = 0; for (let j = 0; j < five.length; j++) s += five[j]; return s; });
  time("for-in over 3 keys", () => { const o = { a: 1, b: 2, c: 3 }; let s = 0; for (const k in o) s += o[k]; return s; });
  time("charCodeAt loop over 25 chars", () => { let h = 0; for (let j = 0; j < key.length; j++) h = (h * 31 + key.charCodeAt(j)) | 0; return h; });
  time("string concatenation, 10 pieces", () => { let s = ""; for (let j = 0; j < 10; j++) s += key; return s; });
  time("JSON.stringify of a string", () => JSON.stringify(key));
  time("JSON.stringify of a 12-field object", (i) => JSON.stringify({ a: i, b: key, c: 1, d: key, e: 2, f: key, g: 3, h: key, j: 4, k: key, l: 5, m: key }));
  time("regexp test", () => /^[A-Za-z0-9|.:]+$/.test(key));
  const map = new Map([["default|127.0.0.1", "shard-3"]]);
  time("Map get", () => map.get("default|127.0.0.1"));
  time("Date.now()", () => Date.now());
  time("new Date(ms).toISOString()", (i) => new Date(1764000000000 + i).toISOString());
  time("e.request (Go field)", () => e.request);
  time("e.request.header (Go field of a field)", () => e.request.header);
  const reqHeader = e.request.header;
  time("header.get(name), method looked up each time", () => reqHeader.get("Origin"));
  const get = reqHeader.get;
  time("header.get(name), method bound once", () => get("Origin"));
  time("e.response.header() (Go method call)", () => e.response.header());
  const set = e.response.header().set;
  time("header.set(name, value), bound once", () => set("X-Goja-Cost", "v"));
  time("e.realIP()", () => e.realIP());
  time("e.status()", () => e.status());
  time("$app.store().get(key)", () => $app.store().get("k"));
  const store = $app.store();
  time("store.setFunc(key, fn)", () => store.setFunc("k", (old) => "x"));
  time("require() of the pb-ops bundle", () => require(\`\${__hooks}/pb_ops/index.js\`));
  e.response.header().del("X-Goja-Cost");
  return e.json(200, out);
});
`;

const pb = await startPocketBase({
  version: POCKETBASE_NEWEST!,
  superuser: false,
  stdoutFd: openSync("/dev/null", "w"),
  extraHooks: { "zz_goja_costs.pb.js": PROBE },
});
try {
  const rounds: Array<Array<[string, number]>> = [];
  for (let r = 0; r < 3; r++)
    rounds.push(
      (await fetchJson(`${pb.url}/api/goja-costs`, { headers: { Origin: "https://app.example.com" } })).body as Array<[string, number]>,
    );
  console.log(`PocketBase ${POCKETBASE_NEWEST}, microseconds per operation (3 rounds of 5000; loop overhead included):`);
  for (let i = 0; i < rounds[0]!.length; i++)
    console.log(`${rounds[0]![i]![0].padEnd(48)} ${rounds.map((r) => String(r[i]![1]).padStart(6)).join(" ")}`);
} finally {
  await pb.stop();
}
