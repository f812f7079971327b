// Maps a position in esbuild's output back to the source (a source map v3 decoder, enough for one
// file): build errors must name the line the user wrote and the names in it, not esbuild's
// generated ones (`import_lib`).

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function decodeVlq(segment) {
  const out = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = B64.indexOf(ch);
    if (digit < 0) throw new Error(`bad source map character ${JSON.stringify(ch)}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/**
 * @param {string|object} map the source map (JSON text or parsed)
 * @returns {(line: number, column: number) => {line: number, column: number, name?: string} | undefined}
 *   1-based line, 0-based column in, the same out (the original position of the nearest mapped
 *   segment at or before it on that generated line).
 */
export function originalPositionFor(map) {
  const m = typeof map === "string" ? JSON.parse(map) : map;
  const lines = [];
  let src = 0;
  let origLine = 0;
  let origCol = 0;
  let name = 0;
  for (const text of m.mappings.split(";")) {
    const segs = [];
    let genCol = 0;
    for (const part of text.split(",")) {
      if (!part) continue;
      const f = decodeVlq(part);
      genCol += f[0];
      if (f.length < 4) continue;
      src += f[1];
      origLine += f[2];
      origCol += f[3];
      let n;
      if (f.length >= 5) {
        name += f[4];
        n = m.names[name];
      }
      segs.push({ genCol, line: origLine + 1, column: origCol, name: n });
    }
    lines.push(segs);
  }
  return (line, column) => {
    const segs = lines[line - 1];
    if (!segs) return undefined;
    let best;
    for (const s of segs) if (s.genCol <= column) best = s;
    return best ? { line: best.line, column: best.column, name: best.name } : undefined;
  };
}

/** The identifier starting at (1-based line, 0-based column) of `source`, if one starts there. */
export function identifierAt(source, line, column) {
  const text = source.split("\n")[line - 1] ?? "";
  return /^[A-Za-z_$][\w$]*/.exec(text.slice(column))?.[0];
}
