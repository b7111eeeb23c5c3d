// Lua 5.1's table library.

import { EMPTY, LuaTable, numberToString, typeName } from '../value.js';
import type { LuaFunction, LuaValue } from '../value.js';
import {
  checkFunction, checkInt, checkTable, lessThan, libError, makeLib, optInt, optString, rawError, rawSet,
} from './args.js';
import type { LibState } from './args.js';

export function openTable(L: LibState): LuaTable {
  function getn(t: LuaValue): LuaValue[] {
    return [checkTable(L, t, 1, 'getn', arguments.length).length()];
  }

  function setn(t: LuaValue): LuaValue[] {
    checkTable(L, t, 1, 'setn', arguments.length);
    return libError(L, "'setn' is obsolete");
  }

  function maxn(t: LuaValue): LuaValue[] {
    const tab = checkTable(L, t, 1, 'maxn', arguments.length);
    let max = 0;
    const arr = tab.arr;
    for (let i = arr.length; i >= 1; i--) {
      if (arr[i - 1] !== undefined) { max = i; break; }
    }
    if (tab.hash !== null) {
      for (const k of tab.hash.keys()) {
        if (typeof k === 'number' && k > max) max = k;
      }
    }
    return [max];
  }

  function insert(t: LuaValue, a2: LuaValue, a3: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const tab = checkTable(L, t, 1, 'insert', argc);
    let e = tab.length() + 1;
    if (argc === 2) {
      rawSet(tab, e, a2);
      return EMPTY;
    }
    if (argc !== 3) return libError(L, "wrong number of arguments to 'insert'");
    const pos = checkInt(L, a2, 2, 'insert', argc);
    if (pos > e) e = pos;
    if (tab.readonly && e > pos) rawError('Attempt to modify a readonly table');
    if (pos >= 1 && e - 1 === tab.arr.length && (tab.hash === null || tab.hash.size === 0) && a3 !== undefined) {
      tab.arr.splice(pos - 1, 0, a3);
      return EMPTY;
    }
    for (let i = e; i > pos; i--) tab.set(i, tab.get(i - 1));
    rawSet(tab, pos, a3);
    return EMPTY;
  }

  function remove(t: LuaValue, p: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const tab = checkTable(L, t, 1, 'remove', argc);
    const e = tab.length();
    const pos = optInt(L, p, 2, 'remove', e);
    if (!(1 <= pos && pos <= e)) return EMPTY;
    const v = tab.get(pos);
    if (tab.readonly) rawError('Attempt to modify a readonly table');
    if (e === tab.arr.length && pos < e) {
      const arr = tab.arr;
      arr.splice(pos - 1, 1);
      let m = arr.length;
      while (m > 0 && arr[m - 1] === undefined) m--;
      if (m !== arr.length) arr.length = m;
      return [v];
    }
    for (let i = pos; i < e; i++) tab.set(i, tab.get(i + 1));
    tab.set(e, undefined);
    return [v];
  }

  function concat(t: LuaValue, s: LuaValue, i: LuaValue, j: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const sep = optString(L, s, 2, 'concat', '');
    const tab = checkTable(L, t, 1, 'concat', argc);
    let first = optInt(L, i, 3, 'concat', 1);
    const last = j === undefined ? tab.length() : checkInt(L, j, 4, 'concat', argc);
    if (first > last) return [''];
    const parts: string[] = [];
    for (; first <= last; first++) {
      const v = tab.get(first);
      if (typeof v === 'string') parts.push(v);
      else if (typeof v === 'number') parts.push(numberToString(v));
      else libError(L, `invalid value (${typeName(v)}) at index ${first} in table for 'concat'`);
    }
    return [parts.join(sep)];
  }

  function foreachi(t: LuaValue, f: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const tab = checkTable(L, t, 1, 'foreachi', argc);
    const n = tab.length();
    const fn = checkFunction(L, f, 2, 'foreachi', argc);
    for (let i = 1; i <= n; i++) {
      const r = fn(i, tab.get(i))[0];
      if (r !== undefined) return [r];
    }
    return EMPTY;
  }

  function foreach(t: LuaValue, f: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const tab = checkTable(L, t, 1, 'foreach', argc);
    const fn = checkFunction(L, f, 2, 'foreach', argc);
    let k: LuaValue = undefined;
    for (;;) {
      const e = tab.next(k);
      if (e === undefined) return EMPTY;
      k = e[0];
      const r = fn(e[0], e[1])[0];
      if (r !== undefined) return [r];
    }
  }

  function sort(t: LuaValue, f: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const tab = checkTable(L, t, 1, 'sort', argc);
    const n = tab.length();
    let cmp: LuaFunction | null = null;
    if (f !== undefined) cmp = typeof f === 'function' ? f : checkFunction(L, f, 2, 'sort', argc);
    const lt = cmp === null
      ? (a: LuaValue, b: LuaValue): boolean => {
        if (typeof a === 'number' && typeof b === 'number') return a < b;
        return lessThan(L, a, b);
      }
      : (a: LuaValue, b: LuaValue): boolean => {
        const r = cmp!(a, b)[0];
        return r !== undefined && r !== false;
      };
    const get = (i: number): LuaValue => tab.get(i);
    const set = (i: number, v: LuaValue): void => {
      if (tab.readonly) rawError('Attempt to modify a readonly table');
      tab.set(i, v);
    };
    const auxsort = (l: number, u: number): void => {
      while (l < u) {
        let a = get(l);
        let b = get(u);
        if (lt(b, a)) { set(l, b); set(u, a); }
        if (u - l === 1) break;
        let i = Math.floor((l + u) / 2);
        a = get(i);
        b = get(l);
        if (lt(a, b)) { set(i, b); set(l, a); }
        else {
          b = get(u);
          if (lt(b, a)) { set(i, b); set(u, a); }
        }
        if (u - l === 2) break;
        const P = get(i);
        set(i, get(u - 1));
        set(u - 1, P);
        i = l;
        let j = u - 1;
        for (;;) {
          let ai: LuaValue;
          for (;;) {
            ai = get(++i);
            if (!lt(ai, P)) break;
            if (i > u) libError(L, 'invalid order function for sorting');
          }
          let aj: LuaValue;
          for (;;) {
            aj = get(--j);
            if (!lt(P, aj)) break;
            if (j < l) libError(L, 'invalid order function for sorting');
          }
          if (j < i) break;
          set(i, aj);
          set(j, ai);
        }
        const x = get(u - 1);
        const y = get(i);
        set(u - 1, y);
        set(i, x);
        if (i - l < u - i) { j = l; i = i - 1; l = i + 2; }
        else { j = i + 1; i = u; u = j - 2; }
        auxsort(j, i);
      }
    };
    auxsort(1, n);
    return EMPTY;
  }

  const lib = makeLib({ concat, foreach, foreachi, getn, insert, maxn, remove, setn, sort });
  L.globals.set('table', lib);
  return lib;
}

