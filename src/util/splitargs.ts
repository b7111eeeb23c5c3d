// Splitting a line into arguments with Valkey's sdssplitargs() rules (inline requests,
// configuration files, AOF manifests). Works on raw bytes.

export function isSpaceCode(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexValue(c: number): number {
  if (c <= 57) return c - 48;
  if (c >= 97) return c - 87;
  return c - 55;
}

/**
 * Split a line into arguments with sdssplitargs() rules: whitespace separated,
 * "double quotes" with \n \r \t \b \a \xHH and \<any> escapes, 'single quotes'
 * with only \' escaped; a closing quote must be followed by whitespace or the
 * end. Returns null on unbalanced quotes. Works on raw bytes.
 */
export function splitArgsBuf(line: Uint8Array): Buffer[] | null {
  const out: Buffer[] = [];
  const n = line.length;
  const at = (i: number): number => (i < n ? line[i]! : 0);
  let p = 0;
  for (;;) {
    while (p < n && isSpaceCode(line[p]!)) p++;
    if (p >= n) return out;
    const cur: number[] = [];
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === 92 /* \ */ && at(p + 1) === 120 /* x */ && isHexCode(at(p + 2)) && isHexCode(at(p + 3))) {
          cur.push(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === 92 && p + 1 < n) {
          p++;
          const e = line[p]!;
          switch (e) {
            case 110: cur.push(10); break; // \n
            case 114: cur.push(13); break; // \r
            case 116: cur.push(9); break; // \t
            case 98: cur.push(8); break; // \b
            case 97: cur.push(7); break; // \a
            default: cur.push(e);
          }
        } else if (c === 34 /* " */) {
          if (p + 1 < n && !isSpaceCode(line[p + 1]!)) return null;
          done = true;
        } else if (p >= n) {
          return null; // unterminated "
        } else {
          cur.push(c);
        }
      } else if (insq) {
        if (c === 92 && at(p + 1) === 39 /* ' */) {
          p++;
          cur.push(39);
        } else if (c === 39) {
          if (p + 1 < n && !isSpaceCode(line[p + 1]!)) return null;
          done = true;
        } else if (p >= n) {
          return null; // unterminated '
        } else {
          cur.push(c);
        }
      } else if (p >= n || c === 32 || c === 10 || c === 13 || c === 9) {
        done = true;
      } else if (c === 34) {
        inq = true;
      } else if (c === 39) {
        insq = true;
      } else {
        cur.push(c);
      }
      if (p < n) p++;
    }
    out.push(Buffer.from(cur));
  }
}

