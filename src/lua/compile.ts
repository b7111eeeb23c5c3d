// Compiles a Lua 5.1 AST to JavaScript source. Lua locals become JS `let` variables; arithmetic,
// comparisons and calls have inline fast paths and fall back to the runtime helpers (`rt.*`) with a
// precomputed site (line + operand names) for metamethods and error messages.
//
// Every statement starts a new JS line tagged `/*@<lua line>*/`; the tags give the JS line -> Lua line
// map used to find the current line of a Lua function from a JS stack trace (error(), luaL_where).

import type { Expr, FuncNode, LocalVar, Stat, TableItem } from './parser.js';
import { isNumExpr } from './parser.js';

export interface SiteSpec { line: number; d1: string; d2: string }

export interface CompiledChunk {
  /** body of `new Function('rt', 'ST', 'G', 'SITES', 'EMPTY', 'LuaTable', 'CH', 'LuaHash', body)` returning the main function */
  body: string;
  sites: SiteSpec[];
  /** Lua line for each line of `body` (0-based) */
  bodyLines: number[];
}

const OPS: Record<string, number> = { '+': 0, '-': 1, '*': 2, '/': 3, '%': 4, '^': 5 };

interface FnCtx { temps: number; maxTemps: number; node: FuncNode; loopVars: number }

function numLit(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  if (Object.is(v, -0)) return '(-0)';
  return v < 0 ? `(${v})` : String(v);
}

function strLit(s: string): string {
  return JSON.stringify(s);
}

/** JS property access syntax for a constant key. */
function prop(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${strLit(k)}]`;
}

function isMulti(e: Expr): boolean {
  return e.k === 'call' || e.k === 'method' || e.k === 'vararg';
}

const HOOK = 'if (--ST.budget <= 0) rt.hook(ST);';
// Loops count iterations in a register and charge the budget every 256 iterations.
const LOOP_DECL = (n: number) => `let $b${n} = 0;`;
const LOOP_HOOK = (n: number) => `if (++$b${n} === 256) { $b${n} = 0; if ((ST.budget -= 256) <= 0) rt.hook(ST); }`;

class Compiler {
  sites: SiteSpec[] = [];
  /** sizes of the reusable result arrays of return statements */
  rets: number[] = [];
  private fc!: FnCtx;
  private curLine = -1;
  private uniq = 0;
  /**
   * Coroutine mode (the chunk mentions `coroutine`): functions are generators wrapped by rt.coFn,
   * calls go through `yield* rt.coCall(...)` so that coroutine.yield can suspend the whole Lua stack
   * of a coroutine. Other chunks are compiled to plain functions.
   */
  private co = false;

  // ---- helpers ----
  private site(line: number, d1 = '', d2 = ''): string {
    this.sites.push({ line, d1, d2 });
    return `S${this.sites.length - 1}`;
  }

  private tmp(): string {
    const n = this.fc.temps++;
    if (this.fc.temps > this.fc.maxTemps) this.fc.maxTemps = this.fc.temps;
    return `$${n}`;
  }

  private mark(line: number): string {
    if (line === this.curLine || line <= 0) return '';
    this.curLine = line;
    return `\n/*@${line}*/`;
  }

  private desc(e: Expr): string {
    switch (e.k) {
      case 'local': return `${e.up ? 'upvalue' : 'local'} '${e.v.name}'`;
      case 'global': return `global '${e.name}'`;
      case 'index': return `field '${e.key.k === 'str' ? e.key.v : '?'}'`;
      case 'paren': return this.desc(e.e);
      default: return '';
    }
  }

  /** An operand usable twice without re-evaluation: [setup code or '', reference]. */
  private operand(e: Expr): [string, string] {
    if (e.k === 'local') return ['', e.v.js];
    if (e.k === 'num') return ['', numLit(e.v)];
    if (e.k === 'str') return ['', strLit(e.v)];
    if (e.k === 'nil') return ['', 'undefined'];
    if (e.k === 'true') return ['', 'true'];
    if (e.k === 'false') return ['', 'false'];
    const t = this.tmp();
    return [`${t} = ${this.ex(e)}, `, t];
  }

  // ---- expressions ----

  /** A JS expression for the first value of e. */
  ex(e: Expr): string {
    switch (e.k) {
      case 'nil': return 'undefined';
      case 'true': return 'true';
      case 'false': return 'false';
      case 'num': return numLit(e.v);
      case 'str': return strLit(e.v);
      case 'vararg': return 'va[0]';
      case 'func': return this.func(e.f);
      case 'local': return e.v.js;
      case 'global': {
        const k = strLit(e.name);
        return `(G.hash.s${prop(e.name)} ?? rt.globalMiss(G, ${k}, ${this.site(e.line)}))`;
      }
      case 'index': {
        const s = this.site(e.line, this.desc(e.obj));
        if (e.key.k === 'str') {
          const save = this.fc.temps;
          let o: string, oset: string;
          if (e.obj.k === 'local') { o = e.obj.v.js; oset = o; } else { o = this.tmp(); oset = `(${o} = ${this.ex(e.obj)})`; }
          const v = this.tmp();
          this.fc.temps = save;
          // only tables have a `hash` (null until they get non-array keys)
          return `((${v} = ${oset}?.hash?.s${prop(e.key.v)}) !== undefined ? ${v} : rt.indexStr(${o}, ${strLit(e.key.v)}, ${s}))`;
        }
        {
          // array-part fast path: t.arr[k - 1] for a number key (holes, non-integers and keys out of
          // range read undefined there and take the general path)
          const save = this.fc.temps;
          let o: string, oset: string;
          if (e.obj.k === 'local') { o = e.obj.v.js; oset = o; } else { o = this.tmp(); oset = `(${o} = ${this.ex(e.obj)})`; }
          const [pk, k] = this.operand(e.key);
          const v = this.tmp();
          this.fc.temps = save;
          const numCheck = isNumExpr(e.key) ? '' : `typeof ${k} === 'number' && `;
          return `(${oset}, ${pk}${numCheck}(${v} = ${o}?.arr?.[${k} - 1]) !== undefined ? ${v} : rt.index(${o}, ${k}, ${s}))`;
        }
      }
      case 'call': case 'method': return `${this.call(e)}[0]`;
      case 'paren': return this.ex(e.e);
      case 'and': case 'or': {
        const save = this.fc.temps;
        const t = this.tmp();
        const a = this.ex(e.a);
        const b = this.ex(e.b);
        this.fc.temps = save;
        return e.k === 'and'
          ? `((${t} = ${a}) === undefined || ${t} === false ? ${t} : ${b})`
          : `((${t} = ${a}) === undefined || ${t} === false ? ${b} : ${t})`;
      }
      case 'not': return `!${this.cond(e.a)}`;
      case 'neg': {
        const save = this.fc.temps;
        const [p, r] = this.operand(e.a);
        const s = this.site(e.line, this.desc(e.a));
        this.fc.temps = save;
        if (isNumExpr(e.a)) return `(${p}-${r})`;
        return `(${p}typeof ${r} === 'number' ? -${r} : rt.unm(${r}, ${s}))`;
      }
      case 'len': {
        const s = this.site(e.line, this.desc(e.a));
        return `rt.len(${this.ex(e.a)}, ${s})`;
      }
      case 'bin': return this.binop(e);
      case 'table': return this.table(e.items, e.line);
    }
  }

  private binop(e: Expr & { k: 'bin' }): string {
    const op = e.op;
    const save = this.fc.temps;
    const [pa, a] = this.operand(e.a);
    const [pb, b] = this.operand(e.b);
    this.fc.temps = save;
    const aNum = isNumExpr(e.a), bNum = isNumExpr(e.b);
    const check = (x: string, isNum: boolean, ty: string) => isNum ? '' : `typeof ${x} === '${ty}'`;
    const both = (ty: string) => [check(a, aNum && ty === 'number', ty), check(b, bNum && ty === 'number', ty)].filter((s) => s !== '').join(' && ');
    const wrap = (checks: string, fast: string, slow: string) =>
      checks === '' ? `(${pa}${pb}${fast})` : `(${pa}${pb}${checks} ? ${fast} : ${slow})`;
    const opc = OPS[op];
    if (opc !== undefined) {
      const s = this.site(e.line, this.desc(e.a), this.desc(e.b));
      let fast: string;
      switch (op) {
        case '%': fast = `${a} - Math.floor(${a} / ${b}) * ${b}`; break;
        case '^': fast = `Math.pow(${a}, ${b})`; break;
        default: fast = `${a} ${op} ${b}`;
      }
      return wrap(both('number'), fast, `rt.arith(${opc}, ${a}, ${b}, ${s})`);
    }
    switch (op) {
      case '..': {
        const s = this.site(e.line, this.desc(e.a), this.desc(e.b));
        const checks = [e.a.k === 'str' ? '' : `typeof ${a} === 'string'`, e.b.k === 'str' ? '' : `typeof ${b} === 'string'`]
          .filter((x) => x !== '').join(' && ');
        return wrap(checks, `${a} + ${b}`, `rt.concat(${a}, ${b}, ${s})`);
      }
      case '<': return wrap(both('number'), `${a} < ${b}`, `rt.lt(${a}, ${b}, ${this.site(e.line)})`);
      case '<=': return wrap(both('number'), `${a} <= ${b}`, `rt.le(${a}, ${b}, ${this.site(e.line)})`);
      case '>': return wrap(both('number'), `${a} > ${b}`, `rt.lt(${b}, ${a}, ${this.site(e.line)})`);
      case '>=': return wrap(both('number'), `${a} >= ${b}`, `rt.le(${b}, ${a}, ${this.site(e.line)})`);
      case '==': case '~=': {
        const konst = (x: Expr) => x.k === 'num' || x.k === 'str' || x.k === 'nil' || x.k === 'true' || x.k === 'false';
        const neg = op === '~=' ? '!' : '';
        if (konst(e.a) || konst(e.b)) return `${neg}(${pa}${pb}${a} === ${b})`;
        return `${neg}(${pa}${pb}${a} === ${b} || (typeof ${a} === 'object' && rt.eq(${a}, ${b})))`;
      }
    }
    throw new Error(`unknown operator ${op}`);
  }

  /** A JS boolean expression for the truth of e. */
  cond(e: Expr): string {
    switch (e.k) {
      case 'true': return 'true';
      case 'false': case 'nil': return 'false';
      case 'num': case 'str': case 'func': case 'table': return `(${this.ex(e)}, true)`;
      case 'not': return `!${this.cond(e.a)}`;
      case 'and': return `(${this.cond(e.a)} && ${this.cond(e.b)})`;
      case 'or': return `(${this.cond(e.a)} || ${this.cond(e.b)})`;
      case 'paren': return this.cond(e.e);
      case 'bin': {
        const op = e.op;
        if (op === '<' || op === '<=' || op === '>' || op === '>=' || op === '==' || op === '~=') return this.binop(e);
        break;
      }
      case 'local': return `(${e.v.js} !== undefined && ${e.v.js} !== false)`;
    }
    const save = this.fc.temps;
    const t = this.tmp();
    const v = this.ex(e);
    this.fc.temps = save;
    return `((${t} = ${v}) !== undefined && ${t} !== false)`;
  }

  /** A JS expression for all values of e as an array (not to be mutated). */
  multi(e: Expr): string {
    if (e.k === 'call' || e.k === 'method') return this.call(e);
    if (e.k === 'vararg') return 'va';
    return `[${this.ex(e)}]`;
  }

  /** Comma-separated JS arguments (the last multi-valued expression spread). */
  private args(list: Expr[]): string {
    const parts: string[] = [];
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (i === list.length - 1 && isMulti(e)) parts.push(`...${this.multi(e)}`);
      else parts.push(this.ex(e));
    }
    return parts.join(', ');
  }

  /** A JS array expression holding the values of an expression list (a fresh array when `fresh`). */
  private list(list: Expr[], fresh: boolean): string {
    if (list.length === 0) return fresh ? '[]' : 'EMPTY';
    if (list.length === 1 && isMulti(list[0])) {
      const m = this.multi(list[0]);
      return fresh ? `[...${m}]` : m;
    }
    return `[${this.args(list)}]`;
  }

  /** A call expression (its value is the results array). */
  private call(e: Expr & ({ k: 'call' } | { k: 'method' })): string {
    const save = this.fc.temps;
    const mk = this.mark(e.line);
    if (e.k === 'call') {
      const s = this.site(e.line, this.desc(e.fn));
      let callee: string;
      if (e.fn.k === 'local') {
        const f = e.fn.v.js;
        callee = `(typeof ${f} === 'function' ? ${f} : rt.callable(${f}, ${s}))`;
      } else {
        const t = this.tmp();
        callee = `(typeof (${t} = ${this.ex(e.fn)}) === 'function' ? ${t} : rt.callable(${t}, ${s}))`;
      }
      this.fc.temps = save; // the callee is evaluated before the arguments
      if (this.co) {
        const fn = e.fn.k === 'local' ? e.fn.v.js : this.ex(e.fn);
        this.fc.temps = save;
        const args = this.args(e.args);
        this.fc.temps = save;
        return `${mk}(yield* rt.coCall(${fn}, ${s}${args === '' ? '' : ', ' + args}))`;
      }
      const args = this.args(e.args);
      this.fc.temps = save;
      return `${mk}${callee}(${args})`;
    }
    // method call o:m(...)
    let obj: string, objSet: string;
    if (e.obj.k === 'local') { obj = e.obj.v.js; objSet = obj; } else { obj = this.tmp(); objSet = `(${obj} = ${this.ex(e.obj)})`; }
    const tf = this.tmp();
    const si = this.site(e.line, this.desc(e.obj));
    const sc = this.site(e.line, `method '${e.name}'`);
    // The method: an own string field, or a field of the metatable's __index table (classes, the
    // string library), read with named loads (inline caches); anything else takes rt.indexStr.
    const H = this.tmp(), MT = this.tmp(), IX = this.tmp();
    const P = prop(e.name), K = strLit(e.name);
    const slow = `rt.indexStr(${obj}, ${K}, ${si})`;
    const meta = `((${H} = ${MT}.hash) !== null && (${IX} = ${H}.s.__index) instanceof LuaTable && (${H} = ${IX}.hash) !== null && (${tf} = ${H}.s${P}) !== undefined ? ${tf} : ${slow})`;
    const lookup = `(${objSet} instanceof LuaTable ? ((${H} = ${obj}.hash) !== null && ((${tf} = ${H}.s${P}) !== undefined || ${H}.big) ? (${tf} !== undefined ? ${tf} : ${slow}) : (${MT} = ${obj}.metatable) !== null ? ${meta} : undefined)`
      + ` : typeof ${obj} === 'string' && (${MT} = ST.stringMeta) !== null ? ${meta} : ${slow})`;
    const callee = `(typeof (${tf} = ${lookup}) === 'function' ? ${tf} : rt.callable(${tf}, ${sc}))`;
    // obj is read as the first argument before the others are evaluated
    this.fc.temps = save;
    const rest = this.args(e.args);
    this.fc.temps = save;
    if (this.co) return `${mk}(yield* rt.coCall(${lookup}, ${sc}, ${obj}${rest === '' ? '' : ', ' + rest}))`;
    return `${mk}${callee}(${obj}${rest === '' ? '' : ', ' + rest})`;
  }

  private table(items: TableItem[], line: number): string {
    if (items.length === 0) return 'new LuaTable()';
    const keys = new Set<string>();
    let simple = true;
    for (const it of items) {
      if ('pos' in it || it.key.k !== 'str' || keys.has(it.key.v)) { simple = false; break; }
      keys.add(it.key.v);
    }
    if (simple && keys.size <= 100) {
      // only constant string keys: fill the string store with named stores (inline caches)
      const save = this.fc.temps;
      const t = this.tmp(), h = this.tmp(), v = this.tmp();
      let code = `(${t} = new LuaTable(), ${h} = ${t}.hash = new LuaHash(), `;
      for (const it of items as { key: Expr & { k: 'str' }; val: Expr }[]) {
        const val = it.val;
        if (val.k === 'num' || val.k === 'str' || val.k === 'true' || val.k === 'false' || val.k === 'func' || val.k === 'table') {
          code += `${h}.s${prop(it.key.v)} = ${this.ex(val)}, ${h}.ns++, `;
        } else if (val.k !== 'nil') {
          code += `(${v} = ${this.ex(val)}) !== undefined && (${h}.s${prop(it.key.v)} = ${v}, ${h}.ns++), `;
        }
      }
      this.fc.temps = save;
      return code + `${h}.np = ${h}.ns, ${t})`;
    }
    const kv: string[] = [];
    const pos: Expr[] = [];
    for (const it of items) {
      if ('pos' in it) pos.push(it.pos);
      else { kv.push(this.ex(it.key)); kv.push(this.ex(it.val)); }
    }
    const s = this.site(line);
    // only the constructor's very last item expands to all its values
    const last = items[items.length - 1];
    const posCode = pos.length === 0 ? 'null'
      : 'pos' in last ? this.list(pos, true) : `[${pos.map((e) => this.ex(e)).join(', ')}]`;
    return `rt.table(${kv.length === 0 ? 'null' : `[${kv.join(', ')}]`}, ${posCode}, ${s})`;
  }

  // ---- functions ----

  func(f: FuncNode, prologue = ''): string {
    const saveFc = this.fc;
    this.fc = { temps: 0, maxTemps: 0, node: f, loopVars: 0 };
    const params = f.params.map((p) => p.js);
    if (f.isVararg) params.push('...va');
    const body = this.block(f.body);
    let decl = '';
    if (this.fc.maxTemps > 0) {
      const names: string[] = [];
      for (let i = 0; i < this.fc.maxTemps; i++) names.push(`$${i}`);
      decl = `let ${names.join(', ')};`;
    }
    this.fc = saveFc;
    if (this.co) return `rt.coFn(function* (${params.join(', ')}) {${prologue}${decl}${HOOK}${body}\nreturn EMPTY;})`;
    return `(function (${params.join(', ')}) {${prologue}${decl}${HOOK}${body}\nreturn EMPTY;})`;
  }

  // ---- statements ----

  private block(stats: Stat[]): string {
    let out = '';
    for (const s of stats) out += this.stat(s);
    return out;
  }

  private stmtMark(line: number): string {
    this.curLine = line;
    return `\n/*@${line}*/`;
  }

  private stat(s: Stat): string {
    const m = this.stmtMark(s.line);
    const save = this.fc.temps;
    try {
      return m + this.statBody(s);
    } finally {
      this.fc.temps = save;
    }
  }

  private statBody(s: Stat): string {
    switch (s.k) {
      case 'local': return this.local(s.vars, s.exprs);
      case 'localfunc': return `let ${s.v.js} = ${this.func(s.f)};`;
      case 'assign': return this.assign(s.targets, s.exprs, s.line);
      case 'call': return `${this.call(s.e as Expr & { k: 'call' })};`;
      case 'do': return `{${this.block(s.body)}}`;
      case 'while': {
        const n = this.uniq++;
        return `{${LOOP_DECL(n)}while (${this.cond(s.cond)}) {${LOOP_HOOK(n)}${this.block(s.body)}}}`;
      }
      case 'repeat': {
        const n = this.uniq++;
        const body = this.block(s.body);
        const c = this.cond(s.cond);
        return `{${LOOP_DECL(n)}for (;;) {${LOOP_HOOK(n)}${body}\nif (${c}) break;}}`;
      }
      case 'if': {
        let out = '';
        for (let i = 0; i < s.conds.length; i++) {
          out += `${i === 0 ? 'if' : ' else if'} (${this.cond(s.conds[i])}) {${this.block(s.blocks[i])}}`;
        }
        if (s.orelse !== null) out += ` else {${this.block(s.orelse)}}`;
        return out;
      }
      case 'numfor': return this.numfor(s);
      case 'genfor': return this.genfor(s);
      case 'return': {
        if (s.exprs.length === 0) return 'return EMPTY;';
        const n = s.exprs.length;
        if (!isMulti(s.exprs[n - 1])) {
          // A fixed number of results: a result array of this return statement, reused by every call
          // (callers read results before calling the function again).
          const r = `R${this.rets.length}`;
          this.rets.push(n);
          if (n === 1) return `return (${r}[0] = ${this.ex(s.exprs[0])}, ${r});`;
          const ts: string[] = [];
          let code = '';
          for (const e of s.exprs) { const t = this.tmp(); code += `${t} = ${this.ex(e)}, `; ts.push(t); }
          for (let i = 0; i < n; i++) code += `${r}[${i}] = ${ts[i]}, `;
          return `return (${code}${r});`;
        }
        return `return (${this.list(s.exprs, false)});`;
      }
      case 'break': return 'break;';
    }
  }

  private local(vars: LocalVar[], exprs: Expr[]): string {
    const names = vars.map((v) => v.js);
    if (exprs.length === 0) return `let ${names.join(', ')};`;
    const decls: string[] = [];
    let extra = '';
    const n = vars.length, m = exprs.length;
    for (let i = 0; i < m; i++) {
      const e = exprs[i];
      if (i === m - 1 && isMulti(e) && n > i + 1) {
        const t = this.tmp();
        decls.push(`${names[i]} = (${t} = ${this.multi(e)})[0]`);
        for (let j = i + 1; j < n; j++) decls.push(`${names[j]} = ${t}[${j - i}]`);
        return `let ${decls.join(', ')};`;
      }
      if (i < n) decls.push(`${names[i]} = ${this.ex(e)}`);
      else extra += `${this.ex(e)};`; // extra values are evaluated for their side effects only
    }
    for (let j = m; j < n; j++) decls.push(names[j]);
    return `let ${decls.join(', ')};${extra}`;
  }

  /** Code assigning a value (compiled by `value()` after the target's table and key) to a target. */
  private assignTo(target: Expr, value: () => string, line: number, objRef?: string, keyRef?: string): string {
    if (target.k === 'local') return `${target.v.js} = ${value()};`;
    if (target.k === 'global') return `rt.setIndex(G, ${strLit(target.name)}, ${value()}, ${this.site(line, `global '${target.name}'`)});`;
    if (target.k === 'index') {
      const s = this.site(target.line, this.desc(target.obj));
      if (target.key.k === 'str') {
        // Updating an existing string field: a named store on the string store (an inline cache).
        // Everything else (new keys, nil values, metatables' __newindex, read-only tables) goes
        // through rt.setIndex. The object is evaluated before the value, as in Lua.
        const save = this.fc.temps;
        let o: string, pre = '';
        if (objRef !== undefined) o = objRef;
        else if (target.obj.k === 'local') o = target.obj.v.js;
        else { o = this.tmp(); pre = `${o} = ${this.ex(target.obj)};`; }
        const v = this.tmp();
        pre += `${v} = ${value()};`;
        const h = this.tmp();
        this.fc.temps = save;
        const key = target.key.v;
        return `${pre}if (${v} !== undefined && (${h} = ${o}?.hash) != null && ${h}.s${prop(key)} !== undefined && !${o}.readonly) ${h}.s${prop(key)} = ${v}; else rt.setIndex(${o}, ${strLit(key)}, ${v}, ${s});`;
      }
      const o = objRef ?? this.ex(target.obj);
      const k = keyRef ?? this.ex(target.key);
      return `rt.setIndex(${o}, ${k}, ${value()}, ${s});`;
    }
    throw new Error('bad assignment target');
  }

  private assign(targets: Expr[], exprs: Expr[], line: number): string {
    if (targets.length === 1 && exprs.length === 1) {
      return this.assignTo(targets[0], () => this.ex(exprs[0]), line);
    }
    let out = '';
    // evaluate the table and key of indexed targets first
    const refs: [string | undefined, string | undefined][] = [];
    for (const t of targets) {
      if (t.k === 'index') {
        const [po, o] = this.operandStmt(t.obj);
        const [pk, k] = this.operandStmt(t.key);
        out += po + pk;
        refs.push([o, k]);
      } else {
        refs.push([undefined, undefined]);
      }
    }
    // then the values
    const vals: string[] = [];
    for (let i = 0; i < exprs.length; i++) {
      const e = exprs[i];
      if (i === exprs.length - 1 && isMulti(e) && targets.length > i) {
        const t = this.tmp();
        out += `${t} = ${this.multi(e)};`;
        for (let j = i; j < targets.length; j++) vals.push(`${t}[${j - i}]`);
      } else if (i < targets.length) {
        const t = this.tmp();
        out += `${t} = ${this.ex(e)};`;
        vals.push(t);
      } else {
        out += `${this.ex(e)};`;
      }
    }
    for (let j = targets.length - 1; j >= 0; j--) {
      const val = j < vals.length ? vals[j] : 'undefined';
      out += this.assignTo(targets[j], () => val, line, refs[j][0], refs[j][1]);
    }
    return out;
  }

  private operandStmt(e: Expr): [string, string] {
    if (e.k === 'num') return ['', numLit(e.v)];
    if (e.k === 'str') return ['', strLit(e.v)];
    const t = this.tmp();
    return [`${t} = ${this.ex(e)};`, t];
  }

  private numfor(s: Stat & { k: 'numfor' }): string {
    const n = this.uniq++;
    const i = `$i${n}`, lim = `$l${n}`, st = `$s${n}`;
    const site = this.site(s.line);
    let out = `{let ${i} = ${this.ex(s.start)}, ${lim} = ${this.ex(s.limit)}, ${st} = ${s.step === null ? '1' : this.ex(s.step)};`;
    out += `if (typeof ${i} !== 'number') ${i} = rt.forNum(${i}, 'initial value', ${site});`;
    out += `if (typeof ${lim} !== 'number') ${lim} = rt.forNum(${lim}, 'limit', ${site});`;
    out += `if (typeof ${st} !== 'number') ${st} = rt.forNum(${st}, 'step', ${site});`;
    let test: string;
    if (s.step === null || (s.step.k === 'num' && s.step.v > 0)) test = `${i} <= ${lim}`;
    else if (s.step.k === 'num' && s.step.v <= 0) test = `${i} >= ${lim}`;
    else test = `(${st} > 0 ? ${i} <= ${lim} : ${i} >= ${lim})`;
    out += `${LOOP_DECL(n)}for (; ${test}; ${i} += ${st}) {${LOOP_HOOK(n)}let ${s.v.js} = ${i};${this.block(s.body)}}}`;
    return out;
  }

  private genfor(s: Stat & { k: 'genfor' }): string {
    const n = this.uniq++;
    const f = `$f${n}`, st = `$t${n}`, c = `$c${n}`, r = `$r${n}`;
    const site = this.site(s.line);
    let out: string;
    if (s.exprs.length === 1 && isMulti(s.exprs[0]) || s.exprs.length < 3 && s.exprs.length > 0 && isMulti(s.exprs[s.exprs.length - 1])) {
      out = `{let ${r} = ${this.list(s.exprs, false)}, ${f} = ${r}[0], ${st} = ${r}[1], ${c} = ${r}[2];`;
    } else {
      const vals = s.exprs.map((e) => this.ex(e));
      while (vals.length < 3) vals.push('undefined');
      out = `{let ${f} = ${vals[0]}, ${st} = ${vals[1]}, ${c} = ${vals[2]};`;
      if (vals.length > 3) out += vals.slice(3).join(';') + ';';
    }
    out += `if (typeof ${f} !== 'function') ${f} = rt.callable(${f}, ${site});`;
    const vars = s.vars;
    const k = vars[0].js, v = vars.length > 1 ? vars[1].js : `$v${n}`;
    // ipairs and pairs/next iterate the table directly; other iterators are called
    let head = `let ${vars.map((x) => x.js).join(', ')}${vars.length > 1 ? '' : `, ${v}`};`;
    head += `if (${f} === IPAIRS && ${st} instanceof LuaTable) { ${k} = ${c} + 1; ${v} = ${st}.get(${k}); if (${v} === undefined) break; ${c} = ${k}; }`;
    head += ` else if (${f} === NEXT && ${st} instanceof LuaTable) { const ${r} = ${st}.next(${c}); if (${r} === undefined) break; ${c} = ${k} = ${r}[0]; ${v} = ${r}[1]; }`;
    const iterCall = this.co ? `(yield* rt.coCall(${f}, ${site}, ${st}, ${c}))` : `${f}(${st}, ${c})`;
    head += ` else { const ${r} = ${iterCall}; ${k} = ${r}[0]; if (${k} === undefined) break; ${c} = ${k};`;
    for (let j = 1; j < vars.length; j++) head += `${vars[j].js} = ${r}[${j}];`;
    head += '}';
    out += `${LOOP_DECL(n)}for (;;) {${LOOP_HOOK(n)}${head}${this.block(s.body)}}}`;
    return out;
  }

  compileChunk(main: FuncNode): CompiledChunk {
    this.co = main.usesCoroutine === true;
    const fn = this.func(main, 'CH;');
    let decl = '';
    if (this.sites.length > 0) {
      const parts: string[] = [];
      for (let i = 0; i < this.sites.length; i++) parts.push(`S${i} = SITES[${i}]`);
      decl = `const ${parts.join(', ')};`;
    }
    if (this.rets.length > 0) {
      decl += `const ${this.rets.map((n, i) => `R${i} = [${new Array(n).fill('undefined').join(', ')}]`).join(', ')};`;
    }
    decl += 'const IPAIRS = rt.ipairsAux, NEXT = rt.luaNext;';
    const body = `"use strict";${decl}return ${fn};`;
    const lines = body.split('\n');
    const bodyLines: number[] = [];
    let cur = main.line > 0 ? main.line : 1;
    for (const ln of lines) {
      const m = /^\/\*@(\d+)\*\//.exec(ln);
      if (m !== null) cur = Number(m[1]);
      bodyLines.push(cur);
    }
    return { body, sites: this.sites, bodyLines };
  }
}

export function compile(main: FuncNode): CompiledChunk {
  return new Compiler().compileChunk(main);
}
