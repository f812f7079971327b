// IP addresses and CIDR ranges, the one implementation for the admin allowlist (PB_ADMIN_ALLOW_IPS)
// and the rate limiter (PB_RATE_LIMIT_EXEMPT, client keys). Addresses are held as 16 bytes; IPv4 as
// its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so `10.0.0.0/8` matches both `10.1.2.3` and
// `::ffff:10.1.2.3` (Go reports either form depending on the listener) and an IPv4 client gets the
// same key whichever way it arrives. Matching is a few integer comparisons.
import { InvalidValue } from "../config/vars";

/** An address as 16 bytes (IPv4 IPv4-mapped). */
export type IpBytes = readonly number[];

export interface Cidr {
  /** The network address, 16 bytes. */
  readonly bytes: IpBytes;
  /** The same address as 8 groups of 16 bits (the form PB_ADMIN_ALLOW_IPS's config has always carried). */
  readonly ip: readonly number[];
  /** Prefix length over the 128-bit (IPv4-mapped for IPv4) address. */
  readonly bits: number;
  /** As written (trimmed), for docs, warnings and errors. */
  readonly text: string;
}

// Made on first use: a top-level regex literal is a RegExp in every new VM (this module is in hot.js).
let v4: RegExp | undefined;

function parseV4(s: string): number[] | undefined {
  const m = (v4 ??= /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/).exec(s);
  if (!m) return undefined;
  const out: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part[0] === "0") return undefined; // 010 is ambiguous (octal?): refuse
    const n = Number(part);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** Parses an IPv4 or IPv6 address into 16 bytes, or undefined. Zones (%eth0) and brackets are refused. */
export function parseIp(raw: string): IpBytes | undefined {
  const s = raw.trim();
  const v4 = parseV4(s);
  if (v4) return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4];
  if (!s.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i === items.length - 1 && item.includes(".")) {
        const tail = parseV4(item);
        if (!tail) return undefined;
        out.push((tail[0]! << 8) | tail[1]!, (tail[2]! << 8) | tail[3]!);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(item)) return undefined;
        out.push(parseInt(item, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

/** Whether the address is IPv4 (held IPv4-mapped). */
export function isV4(b: IpBytes): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** The first `bits` bits of the address, the rest zero. */
export function maskTo(b: IpBytes, bits: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out.push(b[i]! & ((0xff << (8 - keep)) & 0xff));
  }
  return out;
}

/** An address as text: IPv4 dotted, IPv6 as 8 hex groups (not compressed). */
export function formatIp(b: IpBytes): string {
  if (isV4(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return groups.join(":");
}

/**
 * `203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`, `::1`. Host bits set below the prefix are an error
 * (10.1.2.3/8 is almost always a typo for 10.0.0.0/8 or 10.1.2.3/32: refuse rather than guess).
 * Throws the config error, so a bad list item names itself in the boot line.
 */
export function parseCidr(raw: string): Cidr {
  const text = raw.trim();
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addr);
  if (!bytes) throw new InvalidValue(`${JSON.stringify(raw)} is not an IP address or CIDR`);
  const v4 = parseV4(addr.trim()) !== undefined;
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new InvalidValue(`${JSON.stringify(raw)} has a bad prefix length (0..${max})`);
    bits = Number(p);
  }
  const full = v4 ? bits + 96 : bits;
  const masked = maskTo(bytes, full);
  if (masked.some((b, i) => b !== bytes[i])) {
    throw new InvalidValue(`${JSON.stringify(raw)} has host bits set (did you mean ${formatIp(masked)}/${bits}?)`);
  }
  const ip: number[] = [];
  for (let i = 0; i < 16; i += 2) ip.push((masked[i]! << 8) | masked[i + 1]!);
  return Object.freeze({ bytes: masked, ip, bits: full, text });
}

export function cidrContains(c: Cidr, ip: IpBytes): boolean {
  const full = c.bits >> 3;
  for (let i = 0; i < full; i++) if (ip[i] !== c.bytes[i]) return false;
  const rest = c.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[full]! & mask) === c.bytes[full];
}

/** Whether the address text (as e.realIP() gives it) is in any of the ranges; unparsable is in none. */
export function inAnyCidr(list: readonly Cidr[], ipText: string): boolean {
  if (list.length === 0) return false;
  const b = parseIp(ipText);
  if (!b) return false;
  for (const c of list) if (cidrContains(c, b)) return true;
  return false;
}
