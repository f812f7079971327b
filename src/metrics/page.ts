// The ops page: plain HTML with inline SVG charts, no script and no external asset. Its one inline
// <style> is allowed by its hash in the page's CSP, so the policy needs no 'unsafe-inline'.
import { sha256, utf8 } from "../backup/sha256";
import type { Sample } from "./ring";

export interface PageInput {
  nowMs: number;
  version: string;
  uptimeSeconds: number;
  samples: Sample[];
  health: { status: string; detail: string[] };
  backup: { status: string; detail: string[] };
  audit: { status: string; detail: string[] };
  drill: { status: string; detail: string[] };
  /** Seconds between automatic reloads (meta refresh). */
  refreshSeconds: number;
}

export const STYLE = [
  "body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1d2430;background:#f6f7f9}",
  "h1{font-size:1.3rem;margin:0 0 .2rem}p.meta{color:#5b6473;margin:0 0 1rem}",
  ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:1rem}",
  ".card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.8rem}",
  ".card h2{font-size:1rem;margin:0 0 .4rem}.state{font-weight:600}",
  ".ok,.pass,.passed{color:#177245}.degraded,.warn,.standby,.never{color:#9a6700}.failing,.fail,.failed,.unconfigured{color:#b42318}",
  "ul{margin:.3rem 0 0;padding-left:1.2rem;color:#5b6473}svg{width:100%;height:auto;display:block}",
].join("");

function b64(bytes: Uint8Array): string {
  const A = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let s = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s +=
      A[(n >> 18) & 63]! +
      A[(n >> 12) & 63]! +
      (i + 1 < bytes.length ? A[(n >> 6) & 63]! : "=") +
      (i + 2 < bytes.length ? A[n & 63]! : "=");
  }
  return s;
}

let csp: string | undefined;
/** No script at all, the one hashed style block, nothing loaded from anywhere. */
export function pageCsp(): string {
  if (csp === undefined) {
    csp = `default-src 'none'; style-src 'sha256-${b64(sha256(utf8(STYLE)))}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
  }
  return csp;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const W = 360;
const H = 130;
const PAD_L = 44;
const PAD_B = 18;
const DAY_MS = 24 * 3600_000;

function fmt(n: number): string {
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 100) return String(Math.round(n));
  return String(Math.round(n * 100) / 100);
}

interface Series {
  name: string;
  color: string;
  values: Array<[number, number | null]>;
}

/** One chart: the last 24 h on the x axis, 0..max on the y axis; each sample also gets a dot. */
function chartSvg(title: string, unit: string, nowMs: number, series: Series[]): string {
  let max = 0;
  let points = 0;
  for (const s of series) {
    for (const [, v] of s.values) {
      if (v === null) continue;
      max = Math.max(max, v);
      points++;
    }
  }
  const top = max > 0 ? max * 1.1 : 1;
  const x = (t: number) => PAD_L + ((t - (nowMs - DAY_MS)) / DAY_MS) * (W - PAD_L - 4);
  const y = (v: number) => 6 + (1 - v / top) * (H - PAD_B - 6);
  const parts: string[] = [];
  parts.push(`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" data-points="${points}">`);
  parts.push(`<title>${esc(title)}</title>`);
  parts.push(`<rect x="${PAD_L}" y="6" width="${W - PAD_L - 4}" height="${H - PAD_B - 6}" fill="#fbfcfd" stroke="#dde1e7"/>`);
  for (const f of [0, 0.5, 1]) {
    const v = top * f;
    parts.push(`<text x="${PAD_L - 4}" y="${y(v) + 4}" font-size="10" text-anchor="end" fill="#5b6473">${fmt(v)}</text>`);
  }
  parts.push(`<text x="${PAD_L}" y="${H - 4}" font-size="10" fill="#5b6473">-24 h</text>`);
  parts.push(`<text x="${W - 4}" y="${H - 4}" font-size="10" text-anchor="end" fill="#5b6473">now (${esc(unit)})</text>`);
  for (const s of series) {
    const pts = s.values.filter((p): p is [number, number] => p[1] !== null && p[0] >= nowMs - DAY_MS);
    if (pts.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ")}"/>`,
      );
    for (const [t, v] of pts.slice(-300)) parts.push(`<circle cx="${x(t).toFixed(1)}" cy="${y(v).toFixed(1)}" r="1.8" fill="${s.color}"/>`);
  }
  if (points === 0)
    parts.push(
      `<text x="${(W + PAD_L) / 2}" y="${H / 2}" font-size="12" text-anchor="middle" fill="#8a93a3">no samples yet (one a minute)</text>`,
    );
  let lx = PAD_L + 6;
  for (const s of series) {
    parts.push(`<text x="${lx}" y="18" font-size="10" fill="${s.color}">${esc(s.name)}</text>`);
    lx += 8 + s.name.length * 6;
  }
  parts.push(`</svg>`);
  return parts.join("");
}

function stateCard(title: string, s: { status: string; detail: string[] }): string {
  const cls = /^[a-z]+$/.test(s.status) ? s.status : "";
  const items = s.detail
    .slice(0, 12)
    .map((d) => `<li>${esc(d)}</li>`)
    .join("");
  return `<section class="card"><h2>${esc(title)}</h2><div class="state ${cls}">${esc(s.status)}</div>${items ? `<ul>${items}</ul>` : ""}</section>`;
}

export function renderPage(p: PageInput): string {
  const v = (f: (s: Sample) => number | null) => p.samples.map((s): [number, number | null] => [s.t, f(s)]);
  const charts = [
    chartSvg("Requests per minute", "req/min", p.nowMs, [{ name: "requests", color: "#2563eb", values: v((s) => s.rpm) }]),
    chartSvg("Error rate (5xx share)", "%", p.nowMs, [{ name: "5xx %", color: "#b42318", values: v((s) => s.errPct) }]),
    chartSvg("Latency p50 / p99", "ms", p.nowMs, [
      { name: "p50", color: "#177245", values: v((s) => s.p50) },
      { name: "p99", color: "#9a6700", values: v((s) => s.p99) },
    ]),
    chartSvg("429 answers per minute", "per min", p.nowMs, [{ name: "429s", color: "#7c3aed", values: v((s) => s.tooMany) }]),
    chartSvg("Backup lag", "s", p.nowMs, [{ name: "lag", color: "#0e7490", values: v((s) => s.lagS) }]),
  ];
  const up = Math.floor(p.uptimeSeconds);
  const uptime =
    up >= 86400
      ? `${Math.floor(up / 86400)} d ${Math.floor((up % 86400) / 3600)} h`
      : up >= 3600
        ? `${Math.floor(up / 3600)} h ${Math.floor((up % 3600) / 60)} min`
        : `${Math.floor(up / 60)} min ${up % 60} s`;
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="refresh" content="${p.refreshSeconds}">`,
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    "<title>pb-ops</title>",
    `<style>${STYLE}</style></head><body>`,
    "<h1>pb-ops</h1>",
    `<p class="meta">version ${esc(p.version)} · up ${uptime} · ${p.samples.length} samples (one a minute, last 24 h) · ${esc(new Date(p.nowMs).toISOString().slice(0, 19).replace("T", " "))} UTC · reloads every ${p.refreshSeconds} s</p>`,
    '<div class="grid">',
    stateCard("Health", p.health),
    stateCard("Backup", p.backup),
    stateCard("Restore drill", p.drill),
    stateCard("Audit", p.audit),
    "</div>",
    '<div class="grid">',
    ...charts.map((c) => `<section class="card">${c}</section>`),
    "</div>",
    "</body></html>",
  ].join("\n");
}
