// Conversions between RESP and Lua values, as Valkey's scripting layer does them.
//
// RESP -> Lua: the reply a command wrote for the script's (fake) client is parsed from its bytes:
//   integer -> number, bulk -> string, null bulk / null array -> false, array -> table,
//   status -> {ok=s}, error -> {err=s} (plus ignore_error_stats_update, the error was counted when
//   the command replied it), and with RESP3 replies: map -> {map={k=v}}, set -> {set={m=true}},
//   null -> nil, boolean -> boolean, double -> {double=d}, big number -> {big_number=s},
//   verbatim -> {verbatim_string={string=s, format=f}}; attributes are skipped.
// Lua -> RESP: the script's return value written to the caller (see `writeLuaReply`).
import { LuaTable, type LuaValue } from '../lua/value.js';
import type { Writer } from '../protocol/writer.js';

export const IGNORE_STATS = 'ignore_error_stats_update';

/** The Lua error table for an error text ("-CODE msg" or a bare message that gets "ERR"). */
export function errorTable(text: string): LuaTable {
  let code: string, msg: string;
  if (text.startsWith('-')) {
    const sp = text.indexOf(' ');
    if (sp < 0) { code = 'ERR'; msg = text.slice(1); } else { code = text.slice(1, sp); msg = text.slice(sp + 1); }
  } else {
    code = 'ERR'; msg = text;
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
  const t = new LuaTable();
  t.set('err', `${code} ${msg}`);
  return t;
}

class RespReader {
  pos: number;
  constructor(readonly b: Buffer, start: number, readonly end: number) { this.pos = start; }

  /** Reads up to CRLF, returns the text between pos and CR (latin1) and moves past the CRLF. */
  line(): string {
    const b = this.b;
    let i = this.pos;
    const end = this.end;
    while (i < end && b[i] !== 13) i++;
    const s = b.latin1Slice(this.pos, i);
    this.pos = i + 2;
    return s;
  }

  int(): number {
    const b = this.b;
    let i = this.pos;
    let neg = false;
    if (b[i] === 45) { neg = true; i++; }
    let n = 0;
    while (b[i] !== 13) { n = n * 10 + (b[i]! - 48); i++; }
    this.pos = i + 2;
    return neg ? -n : n;
  }

  bytes(n: number): string {
    const s = this.b.latin1Slice(this.pos, this.pos + n);
    this.pos += n + 2;
    return s;
  }
}

function parseValue(r: RespReader): LuaValue {
  const t = r.b[r.pos++];
  switch (t) {
    case 36: { // $
      const n = r.int();
      if (n < 0) return false;
      return r.bytes(n);
    }
    case 58: { // :
      const s = r.line();
      return Number(s);
    }
    case 43: { // +
      const tb = new LuaTable();
      tb.set('ok', r.line());
      return tb;
    }
    case 45: { // -
      const tb = errorTable('-' + r.line());
      tb.set(IGNORE_STATS, true);
      return tb;
    }
    case 42: { // *
      const n = r.int();
      if (n < 0) return false;
      const arr: LuaValue[] = new Array(n);
      for (let i = 0; i < n; i++) arr[i] = parseValue(r);
      const tb = new LuaTable();
      let holes = false;
      for (let i = 0; i < n; i++) if (arr[i] === undefined) { holes = true; break; }
      if (!holes) tb.arr = arr;
      else for (let i = 0; i < n; i++) if (arr[i] !== undefined) tb.set(i + 1, arr[i]);
      return tb;
    }
    case 37: { // % map
      const n = r.int();
      const inner = new LuaTable();
      for (let i = 0; i < n; i++) {
        const k = parseValue(r);
        const v = parseValue(r);
        if (k !== undefined && !(typeof k === 'number' && Number.isNaN(k))) inner.set(k, v);
      }
      const tb = new LuaTable();
      tb.set('map', inner);
      return tb;
    }
    case 126: { // ~ set
      const n = r.int();
      const inner = new LuaTable();
      for (let i = 0; i < n; i++) {
        const k = parseValue(r);
        if (k !== undefined && !(typeof k === 'number' && Number.isNaN(k))) inner.set(k, true);
      }
      const tb = new LuaTable();
      tb.set('set', inner);
      return tb;
    }
    case 62: { // > push (not expected from commands run by scripts): an array
      const n = r.int();
      const tb = new LuaTable();
      for (let i = 0; i < n; i++) tb.set(i + 1, parseValue(r));
      return tb;
    }
    case 95: // _ null
      r.line();
      return undefined;
    case 35: // # boolean
      return r.line() === 't';
    case 44: { // , double
      const s = r.line();
      const tb = new LuaTable();
      tb.set('double', parseRespDouble(s));
      return tb;
    }
    case 40: { // ( big number
      const tb = new LuaTable();
      tb.set('big_number', r.line());
      return tb;
    }
    case 61: { // = verbatim
      const n = r.int();
      const s = r.bytes(n);
      const inner = new LuaTable();
      inner.set('string', s.slice(4));
      inner.set('format', s.slice(0, 3));
      const tb = new LuaTable();
      tb.set('verbatim_string', inner);
      return tb;
    }
    case 124: { // | attribute: skipped
      const n = r.int();
      for (let i = 0; i < n; i++) { parseValue(r); parseValue(r); }
      return parseValue(r);
    }
    default:
      throw new Error(`scripting: unexpected reply type byte ${t}`);
  }
}

function parseRespDouble(s: string): number {
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf') return Infinity;
  if (l === '-inf') return -Infinity;
  if (l === 'nan' || l === '-nan') return NaN;
  return Number(s);
}

/** Parses one RESP reply from b[start, end) into a Lua value. */
export function respToLua(b: Buffer, start: number, end: number): LuaValue {
  return parseValue(new RespReader(b, start, end));
}

/** Maximum nesting of tables converted into a reply ("reached lua stack limit" past it). */
const MAX_DEPTH = 1000;

/** Converts a double to a C long long as a cast would (truncation, saturating). */
function toInt64(n: number): number | bigint {
  if (Number.isSafeInteger(n)) return n;
  if (n !== n) return -9223372036854775808n;
  const t = Math.trunc(n);
  if (Number.isSafeInteger(t)) return t;
  if (t >= 9223372036854775807) return 9223372036854775807n;
  if (t <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(t);
}

function noCrlf(s: string): string {
  return s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, ' ') : s;
}

/**
 * Writes a script's return value as a reply. `scriptResp` is the protocol the script last chose
 * with setresp (it decides how booleans go out). `rawError` writes an error reply without
 * updating the error statistics (errors that were counted when a command replied them).
 */
export function writeLuaReply(w: Writer, v: LuaValue, scriptResp: number, rawError: (w: Writer, msg: string, noStats: boolean) => void, depth = 0): void {
  switch (typeof v) {
    case 'string':
      w.bulkLatin1(v);
      return;
    case 'number':
      w.int(toInt64(v));
      return;
    case 'boolean':
      if (scriptResp === 2) { if (v) w.int(1); else w.nil(); } else w.bool(v);
      return;
    case 'object': {
      if (!(v instanceof LuaTable)) break;
      if (depth >= MAX_DEPTH) { w.error('ERR reached lua stack limit'); return; }
      const err = v.get('err');
      if (typeof err === 'string') {
        rawError(w, err, v.get(IGNORE_STATS) === true);
        return;
      }
      const ok = v.get('ok');
      if (typeof ok === 'string') { w.simple(noCrlf(ok)); return; }
      const dbl = v.get('double');
      if (typeof dbl === 'number') { w.double(dbl); return; }
      const big = v.get('big_number');
      if (typeof big === 'string') { w.bigNumber(noCrlf(big)); return; }
      const verb = v.get('verbatim_string');
      if (verb instanceof LuaTable) {
        const fmt = verb.get('format');
        const str = verb.get('string');
        if (typeof fmt === 'string' && typeof str === 'string') {
          w.verbatim(Buffer.from(str, 'latin1'), fmt.slice(0, 3).padEnd(3, '\0'));
          return;
        }
      }
      const map = v.get('map');
      if (map instanceof LuaTable) {
        const entries: Array<[LuaValue, LuaValue]> = [];
        for (let e = map.next(undefined); e !== undefined; e = map.next(e[0])) entries.push(e);
        w.map(entries.length);
        for (const [k, val] of entries) {
          writeLuaReply(w, k, scriptResp, rawError, depth + 1);
          writeLuaReply(w, val, scriptResp, rawError, depth + 1);
        }
        return;
      }
      const set = v.get('set');
      if (set instanceof LuaTable) {
        const keys: LuaValue[] = [];
        for (let e = set.next(undefined); e !== undefined; e = set.next(e[0])) keys.push(e[0]);
        w.set(keys.length);
        for (const k of keys) writeLuaReply(w, k, scriptResp, rawError, depth + 1);
        return;
      }
      // An array: elements 1..n up to the first nil.
      let n = 0;
      while (v.get(n + 1) !== undefined) n++;
      w.arr(n);
      for (let i = 1; i <= n; i++) writeLuaReply(w, v.get(i), scriptResp, rawError, depth + 1);
      return;
    }
    default:
      break;
  }
  w.nil();
}

