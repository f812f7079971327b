// IP addresses and CIDR ranges for PB_ADMIN_ALLOW_IPS, as plain numbers so matching is a few
// integer comparisons. IPv4 is kept as IPv4-mapped IPv6 (::ffff:a.b.c.d), so `10.0.0.0/8` matches
// both `10.1.2.3` and `::ffff:10.1.2.3` (Go reports either form depending on the listener).
import { InvalidValue } from "../config/vars";

/** An IPv6 address as 8 groups of 16 bits. */
export type Ip = readonly number[];

export interface Cidr {
  readonly ip: Ip;
  readonly bits: number;
  readonly text: string;
}

function parseV4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const n: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return null;
    const v = Number(p);
    if (v > 255) return null;
    n.push(v);
  }
  return [0, 0, 0, 0, 0, 0xffff, (n[0]! << 8) | n[1]!, (n[2]! << 8) | n[3]!];
}

function parseV6(s: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".")) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (!v4) return null;
    tail = v4.slice(6);
    s = s.slice(0, lastColon + 1) + "0:0"; // placeholder groups, replaced below
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const group = (h: string) => (h === "" ? [] : h.split(":"));
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...Array(8 - total).fill("0"), ...rest];
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  if (tail.length) {
    out[6] = tail[0]!;
    out[7] = tail[1]!;
  }
  return out;
}

/** Parses an IPv4 or IPv6 address (zone ids and brackets are not accepted); null when invalid. */
export function parseIp(s: string): Ip | null {
  const t = s.trim();
  if (t.includes(":")) return parseV6(t);
  return parseV4(t);
}

function isV4Mapped(ip: Ip): boolean {
  return ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] === 0 && ip[4] === 0 && ip[5] === 0xffff;
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, `x::y`, `x::y/n`; host bits must be zero so typos show. */
export function parseCidr(raw: string): Cidr {
  const s = raw.trim();
  const slash = s.indexOf("/");
  const ipText = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIp(ipText);
  if (!ip) throw new InvalidValue(`${JSON.stringify(raw)} is not an IP address or CIDR`);
  const v4 = !ipText.includes(":");
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const b = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > max) throw new InvalidValue(`${JSON.stringify(raw)} has a bad prefix length (0..${max})`);
    bits = Number(b);
  }
  const bits128 = v4 ? bits + 96 : bits;
  if (!sameNetwork(ip, ip.map(() => 0), bits128, true)) {
    throw new InvalidValue(`${JSON.stringify(raw)} has host bits set (did you mean ${formatNetwork(ip, bits128, v4)}/${bits}?)`);
  }
  return Object.freeze({ ip, bits: bits128, text: s });
}

/** True when the first `bits` bits of a and b agree; with `hostOnly`, checks the bits after instead. */
function sameNetwork(a: Ip, b: Ip, bits: number, hostOnly = false): boolean {
  for (let g = 0; g < 8; g++) {
    const from = g * 16;
    const netBits = Math.max(0, Math.min(16, bits - from));
    const mask = netBits === 0 ? 0 : (0xffff << (16 - netBits)) & 0xffff;
    if (hostOnly) {
      if ((a[g]! & ~mask & 0xffff) !== 0) return false;
    } else if ((a[g]! & mask) !== (b[g]! & mask)) return false;
  }
  return true;
}

function formatNetwork(ip: Ip, bits: number, v4: boolean): string {
  const masked = ip.map((v, g) => {
    const netBits = Math.max(0, Math.min(16, bits - g * 16));
    return netBits === 0 ? 0 : v & ((0xffff << (16 - netBits)) & 0xffff);
  });
  if (v4) return `${masked[6]! >> 8}.${masked[6]! & 255}.${masked[7]! >> 8}.${masked[7]! & 255}`;
  return masked.map((v) => v.toString(16)).join(":");
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  // An IPv4 rule never matches a non-mapped IPv6 address and vice versa, except ::/0-style rules.
  if (c.bits >= 96 && isV4Mapped(c.ip) !== isV4Mapped(ip)) return false;
  return sameNetwork(c.ip, ip, c.bits);
}

/** Whether the address text (as e.realIP() gives it) is in any of the ranges; unparsable is not. */
export function ipAllowed(list: readonly Cidr[], ipText: string): boolean {
  const ip = parseIp(ipText);
  if (!ip) return false;
  return list.some((c) => cidrContains(c, ip));
}
