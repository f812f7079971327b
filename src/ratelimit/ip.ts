// IP addresses for rate-limit keys and exemptions: IPv4 and IPv6 (PocketBase's e.realIP() gives
// IPv6 in expanded form), CIDR matching, and grouping of IPv6 clients by prefix, because one IPv6
// subscriber usually holds a whole /64 and could otherwise rotate through it for fresh buckets.
// Addresses are held as 16 bytes; IPv4 as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so an IPv4
// client arriving as ::ffff:1.2.3.4 gets the same key and matches the same exemptions.

export type IpBytes = readonly number[];

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(s: string): number[] | undefined {
  const m = V4.exec(s);
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

/** Parses an IPv4 or IPv6 address into 16 bytes, or undefined. Zones (%eth0) are refused. */
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

function isV4(b: IpBytes): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

export interface Cidr {
  readonly bytes: IpBytes;
  /** Prefix length over the 128-bit (IPv4-mapped for IPv4) address. */
  readonly bits: number;
  /** As written, for docs and errors. */
  readonly text: string;
}

/** `203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`, `::1`. Host bits set below the prefix are an error. */
export function parseCidr(raw: string): Cidr {
  const text = raw.trim();
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(addr);
  if (!bytes) throw new Error(`not an IP address: ${JSON.stringify(addr)}`);
  const v4 = parseV4(addr) !== undefined;
  const max = v4 ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw new Error(`bad prefix length in ${JSON.stringify(text)} (0..${max})`);
    bits = Number(p);
  }
  const full = v4 ? bits + 96 : bits;
  const masked = maskTo(bytes, full);
  // 10.1.2.3/8 is almost always a typo for 10.0.0.0/8 or 10.1.2.3/32; refuse rather than guess.
  if (masked.some((b, i) => b !== bytes[i])) throw new Error(`${JSON.stringify(text)} has host bits set below the prefix`);
  return { bytes: masked, bits: full, text };
}

function maskTo(b: IpBytes, bits: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out.push(b[i]! & ((0xff << (8 - keep)) & 0xff));
  }
  return out;
}

export function cidrContains(c: Cidr, ip: IpBytes): boolean {
  const full = c.bits >> 3;
  for (let i = 0; i < full; i++) if (ip[i] !== c.bytes[i]) return false;
  const rest = c.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip[full]! & mask) === c.bytes[full];
}

/**
 * The bucket key for a client address: IPv4 as dotted quad; IPv6 masked to `v6PrefixBits` and
 * written as `hex:hex:...:/bits`. An unparseable value (it should not happen: PocketBase gives a
 * parsed address) is used verbatim so it is still limited, never exempted.
 */
export function clientKeyOf(ip: string, v6PrefixBits: number): string {
  if (V4.test(ip)) return ip;
  const b = parseIp(ip);
  if (!b) return ip;
  if (isV4(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const m = maskTo(b, v6PrefixBits);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((m[i]! << 8) | m[i + 1]!).toString(16));
  return `${groups.join(":")}/${v6PrefixBits}`;
}
