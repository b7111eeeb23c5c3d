// Lua 5.1 parser: builds an AST with every name resolved to a local (with its declaring function) or a
// global. Syntax errors use lparser.c's wording.

import { Lexer, T, tokenToString } from './lexer.js';

export interface LocalVar {
  name: string;
  /** JS identifier of the variable in the generated code */
  js: string;
  fn: FuncNode;
  /** every value assigned to the variable (null: unknown, e.g. a parameter or one of several results) */
  defs: (Expr | null)[];
  /** set by the compiler: the variable always holds a number */
  num: boolean;
}

export type Expr =
  | { k: 'nil' } | { k: 'true' } | { k: 'false' }
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'vararg' }
  | { k: 'func'; f: FuncNode }
  | { k: 'local'; v: LocalVar; up: boolean }
  | { k: 'global'; name: string; line: number }
  | { k: 'index'; obj: Expr; key: Expr; line: number }
  | { k: 'call'; fn: Expr; args: Expr[]; line: number }
  | { k: 'method'; obj: Expr; name: string; args: Expr[]; line: number }
  | { k: 'bin'; op: string; a: Expr; b: Expr; line: number }
  | { k: 'not'; a: Expr }
  | { k: 'neg'; a: Expr; line: number }
  | { k: 'len'; a: Expr; line: number }
  | { k: 'and'; a: Expr; b: Expr }
  | { k: 'or'; a: Expr; b: Expr }
  | { k: 'paren'; e: Expr }
  | { k: 'table'; items: TableItem[]; line: number };

export type TableItem = { pos: Expr } | { key: Expr; val: Expr };

export type Stat =
  | { k: 'local'; vars: LocalVar[]; exprs: Expr[]; line: number }
  | { k: 'localfunc'; v: LocalVar; f: FuncNode; line: number }
  | { k: 'assign'; targets: Expr[]; exprs: Expr[]; line: number }
  | { k: 'call'; e: Expr; line: number }
  | { k: 'do'; body: Stat[]; line: number }
  | { k: 'while'; cond: Expr; body: Stat[]; line: number }
  | { k: 'repeat'; body: Stat[]; cond: Expr; line: number }
  | { k: 'if'; conds: Expr[]; blocks: Stat[][]; orelse: Stat[] | null; line: number }
  | { k: 'numfor'; v: LocalVar; start: Expr; limit: Expr; step: Expr | null; body: Stat[]; line: number }
  | { k: 'genfor'; vars: LocalVar[]; exprs: Expr[]; body: Stat[]; line: number }
  | { k: 'return'; exprs: Expr[]; line: number }
  | { k: 'break'; line: number };

export interface FuncNode {
  params: LocalVar[];
  isVararg: boolean;
  body: Stat[];
  line: number;
  lastLine: number;
  parent: FuncNode | null;
  id: number;
  /** a name for messages ("function 'f'") */
  name: string;
  /** main chunk only: the source mentions `coroutine` (functions are compiled as generators) */
  usesCoroutine?: boolean;
}

interface Scope { vars: Map<string, LocalVar>; parent: Scope | null; fn: FuncNode; isLoop: boolean }

const BIN_PRI: Record<number, [number, number, string]> = {
  43: [6, 6, '+'], 45: [6, 6, '-'], 42: [7, 7, '*'], 47: [7, 7, '/'], 37: [7, 7, '%'],
  94: [10, 9, '^'], [T.CONCAT]: [5, 4, '..'],
  [T.EQ]: [3, 3, '=='], [T.NE]: [3, 3, '~='], 60: [3, 3, '<'], [T.LE]: [3, 3, '<='], 62: [3, 3, '>'], [T.GE]: [3, 3, '>='],
  [T.AND]: [2, 2, 'and'], [T.OR]: [1, 1, 'or'],
};
const UNARY_PRI = 8;

export class Parser {
  private lx: Lexer;
  private scope: Scope | null = null;
  private fn: FuncNode | null = null;
  private varCounter = 0;
  private fnCounter = 0;
  /** every local declared in the chunk */
  allVars: LocalVar[] = [];
  /** nesting of blocks and subexpressions (5.1 limits it to LUAI_MAXCCALLS, 200) */
  private depth = 0;

  private enterLevel(): void {
    if (++this.depth > 200) this.lx.error('chunk has too many syntax levels');
  }

  constructor(src: string, chunkname: string) {
    this.lx = new Lexer(src, chunkname);
  }

  get chunk(): string { return this.lx.chunk; }

  parseChunk(): FuncNode {
    const lx = this.lx;
    lx.advance();
    const f = this.newFunc(0, 'main chunk');
    f.isVararg = true;
    this.openScope(false);
    f.body = this.block();
    if (lx.t() !== T.EOS) this.errorExpected(T.EOS);
    this.closeScope();
    f.lastLine = lx.line;
    f.usesCoroutine = lx.sawCoroutine;
    return f;
  }

  // ---- helpers ----
  private newFunc(line: number, name: string): FuncNode {
    const f: FuncNode = { params: [], isVararg: false, body: [], line, lastLine: line, parent: this.fn, id: this.fnCounter++, name };
    this.fn = f;
    return f;
  }

  private openScope(isLoop: boolean): void {
    this.scope = { vars: new Map(), parent: this.scope, fn: this.fn!, isLoop };
  }
  private closeScope(): void { this.scope = this.scope!.parent; }

  private declare(name: string): LocalVar {
    const safe = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : 'v';
    const v: LocalVar = { name, js: `${safe}$${this.varCounter++}`, fn: this.fn!, defs: [], num: false };
    this.allVars.push(v);
    return v;
  }
  private activate(v: LocalVar): void { this.scope!.vars.set(v.name, v); }

  private resolve(name: string, line: number): Expr {
    for (let s = this.scope; s !== null; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return { k: 'local', v, up: v.fn !== this.fn };
    }
    return { k: 'global', name, line };
  }

  private errorExpected(tok: number): never {
    this.lx.syntaxError(`'${tokenToString(tok)}' expected`);
  }
  private check(tok: number): void { if (this.lx.t() !== tok) this.errorExpected(tok); }
  private checkNext(tok: number): void { this.check(tok); this.lx.advance(); }
  private testNext(tok: number): boolean {
    if (this.lx.t() === tok) { this.lx.advance(); return true; }
    return false;
  }
  private checkMatch(what: number, who: number, where: number): void {
    if (!this.testNext(what)) {
      if (where === this.lx.line) this.errorExpected(what);
      this.lx.syntaxError(`'${tokenToString(what)}' expected (to close '${tokenToString(who)}' at line ${where})`);
    }
  }
  private checkName(): string {
    this.check(T.NAME);
    const n = this.lx.val as string;
    this.lx.advance();
    return n;
  }

  private blockFollow(): boolean {
    switch (this.lx.tok) {
      case T.ELSE: case T.ELSEIF: case T.END: case T.UNTIL: case T.EOS: return true;
      default: return false;
    }
  }

  private block(): Stat[] {
    this.enterLevel();
    const out: Stat[] = [];
    while (!this.blockFollow()) {
      if (this.lx.t() === T.RETURN || this.lx.t() === T.BREAK) {
        out.push(this.lastStat());
        this.testNext(59);
        break;
      }
      const s = this.statement();
      if (s !== null) out.push(s);
      this.testNext(59);
    }
    this.depth--;
    return out;
  }

  private lastStat(): Stat {
    const lx = this.lx;
    const line = lx.line;
    if (lx.t() === T.BREAK) {
      lx.advance();
      let s = this.scope;
      while (s !== null && s.fn === this.fn && !s.isLoop) s = s.parent;
      if (s === null || s.fn !== this.fn) lx.syntaxError('no loop to break');
      return { k: 'break', line };
    }
    lx.advance();
    let exprs: Expr[] = [];
    if (!this.blockFollow() && lx.t() !== 59) exprs = this.exprList();
    return { k: 'return', exprs, line };
  }

  private scopedBlock(isLoop: boolean): Stat[] {
    this.openScope(isLoop);
    const b = this.block();
    this.closeScope();
    return b;
  }

  private statement(): Stat | null {
    const lx = this.lx;
    const line = lx.line;
    switch (lx.tok) {
      case T.IF: return this.ifStat(line);
      case T.WHILE: {
        lx.advance();
        const cond = this.expr();
        this.checkNext(T.DO);
        const body = this.scopedBlock(true);
        this.checkMatch(T.END, T.WHILE, line);
        return { k: 'while', cond, body, line };
      }
      case T.DO: {
        lx.advance();
        const body = this.scopedBlock(false);
        this.checkMatch(T.END, T.DO, line);
        return { k: 'do', body, line };
      }
      case T.FOR: return this.forStat(line);
      case T.REPEAT: {
        lx.advance();
        this.openScope(true);
        const body = this.block();
        this.checkMatch(T.UNTIL, T.REPEAT, line);
        const cond = this.expr(); // sees the body's locals
        this.closeScope();
        return { k: 'repeat', body, cond, line };
      }
      case T.FUNCTION: {
        lx.advance();
        // funcname: NAME {'.' NAME} [':' NAME]
        const n1 = this.checkName();
        let target: Expr = this.resolve(n1, line);
        let fname = n1;
        let isMethod = false;
        while (lx.t() === 46) {
          lx.advance();
          const kline = lx.line;
          const k = this.checkName();
          target = { k: 'index', obj: target, key: { k: 'str', v: k }, line: kline };
          fname = k;
        }
        if (lx.t() === 58) {
          lx.advance();
          const kline = lx.line;
          const k = this.checkName();
          target = { k: 'index', obj: target, key: { k: 'str', v: k }, line: kline };
          fname = k;
          isMethod = true;
        }
        const f = this.body(isMethod, line, fname);
        if (target.k === 'local') target.v.defs.push(null);
        return { k: 'assign', targets: [target], exprs: [{ k: 'func', f }], line };
      }
      case T.LOCAL: {
        lx.advance();
        if (this.testNext(T.FUNCTION)) {
          const name = this.checkName();
          const v = this.declare(name);
          v.defs.push(null);
          this.activate(v); // visible inside its own body (recursion)
          const f = this.body(false, line, name);
          return { k: 'localfunc', v, f, line };
        }
        const vars: LocalVar[] = [];
        do vars.push(this.declare(this.checkName())); while (this.testNext(44));
        let exprs: Expr[] = [];
        if (this.testNext(61)) exprs = this.exprList();
        for (let i = 0; i < vars.length; i++) {
          vars[i].defs.push(defOf(exprs, i));
          this.activate(vars[i]);
        }
        return { k: 'local', vars, exprs, line };
      }
      case T.RETURN: case T.BREAK:
        return this.lastStat();
      default: return this.exprStat(line);
    }
  }

  private ifStat(line: number): Stat {
    const lx = this.lx;
    const conds: Expr[] = [];
    const blocks: Stat[][] = [];
    let orelse: Stat[] | null = null;
    lx.advance();
    conds.push(this.expr());
    this.checkNext(T.THEN);
    blocks.push(this.scopedBlock(false));
    while (lx.t() === T.ELSEIF) {
      lx.advance();
      conds.push(this.expr());
      this.checkNext(T.THEN);
      blocks.push(this.scopedBlock(false));
    }
    if (this.testNext(T.ELSE)) orelse = this.scopedBlock(false);
    this.checkMatch(T.END, T.IF, line);
    return { k: 'if', conds, blocks, orelse, line };
  }

  private forStat(line: number): Stat {
    const lx = this.lx;
    lx.advance();
    const n1 = this.checkName();
    if (lx.t() === 61) {
      lx.advance();
      const start = this.expr();
      this.checkNext(44);
      const limit = this.expr();
      let step: Expr | null = null;
      if (this.testNext(44)) step = this.expr();
      this.checkNext(T.DO);
      this.openScope(true);
      const v = this.declare(n1);
      this.activate(v);
      const body = this.block();
      this.closeScope();
      this.checkMatch(T.END, T.FOR, line);
      return { k: 'numfor', v, start, limit, step, body, line };
    }
    if (lx.t() === 44 || lx.t() === T.IN) {
      const names = [n1];
      while (this.testNext(44)) names.push(this.checkName());
      this.checkNext(T.IN);
      const exprs = this.exprList();
      this.checkNext(T.DO);
      this.openScope(true);
      const vars = names.map((n) => this.declare(n));
      for (const v of vars) { v.defs.push(null); this.activate(v); }
      const body = this.block();
      this.closeScope();
      this.checkMatch(T.END, T.FOR, line);
      return { k: 'genfor', vars, exprs, body, line };
    }
    return lx.syntaxError("'=' or 'in' expected");
  }

  private exprStat(line: number): Stat {
    const lx = this.lx;
    const e = this.primaryExpr();
    if (e.k === 'call' || e.k === 'method') return { k: 'call', e, line };
    {
      const targets: Expr[] = [e];
      this.checkAssignable(e);
      while (this.testNext(44)) {
        const t = this.primaryExpr();
        this.checkAssignable(t);
        targets.push(t);
      }
      this.checkNext(61);
      const exprs = this.exprList();
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i];
        if (t.k === 'local') t.v.defs.push(defOf(exprs, i));
      }
      return { k: 'assign', targets, exprs, line };
    }
  }

  private checkAssignable(e: Expr): void {
    if (e.k !== 'local' && e.k !== 'global' && e.k !== 'index') this.lx.syntaxError('syntax error');
  }

  private body(isMethod: boolean, line: number, name: string): FuncNode {
    const lx = this.lx;
    const saveScope = this.scope;
    const f = this.newFunc(line, name);
    this.openScope(false);
    if (isMethod) { const v = this.declare('self'); v.defs.push(null); f.params.push(v); this.activate(v); }
    this.checkNext(40);
    if (lx.t() !== 41) {
      do {
        if (lx.t() === T.NAME) {
          const v = this.declare(this.checkName());
          v.defs.push(null);
          f.params.push(v);
        } else if (lx.t() === T.DOTS) {
          lx.advance();
          f.isVararg = true;
        } else {
          lx.syntaxError("<name> or '...' expected");
        }
      } while (!f.isVararg && this.testNext(44));
    }
    for (const p of f.params) this.activate(p);
    this.checkNext(41);
    f.body = this.block();
    f.lastLine = lx.line;
    this.checkMatch(T.END, T.FUNCTION, line);
    this.closeScope();
    this.scope = saveScope;
    this.fn = f.parent;
    return f;
  }

  private exprList(): Expr[] {
    const out = [this.expr()];
    while (this.testNext(44)) out.push(this.expr());
    return out;
  }

  private prefixExpr(): Expr {
    const lx = this.lx;
    if (lx.t() === T.NAME) {
      const line = lx.line;
      const n = this.checkName();
      return this.resolve(n, line);
    }
    if (lx.t() === 40) {
      const line = lx.line;
      lx.advance();
      const e = this.expr();
      this.checkMatch(41, 40, line);
      return { k: 'paren', e };
    }
    return lx.syntaxError('unexpected symbol');
  }

  private primaryExpr(): Expr {
    const lx = this.lx;
    let e = this.prefixExpr();
    for (;;) {
      switch (lx.tok) {
        case 46: { // '.'
          lx.advance();
          const line = lx.line;
          const k = this.checkName();
          e = { k: 'index', obj: e, key: { k: 'str', v: k }, line };
          break;
        }
        case 91: { // '['
          lx.advance();
          const key = this.expr();
          const line = lx.line;
          this.checkNext(93);
          e = { k: 'index', obj: e, key, line };
          break;
        }
        case 58: { // ':'
          lx.advance();
          const name = this.checkName();
          const line = lx.line;
          const args = this.callArgs();
          e = { k: 'method', obj: e, name, args, line };
          break;
        }
        case 40: case T.STRING: case 123: {
          const line = lx.line;
          const args = this.callArgs();
          e = { k: 'call', fn: e, args, line };
          break;
        }
        default: return e;
      }
    }
  }

  private callArgs(): Expr[] {
    const lx = this.lx;
    const line = lx.line;
    switch (lx.tok) {
      case 40: {
        if (line !== lx.lastLine) lx.syntaxError('ambiguous syntax (function call x new statement)');
        lx.advance();
        let args: Expr[] = [];
        if (lx.t() !== 41) args = this.exprList();
        this.checkMatch(41, 40, line);
        return args;
      }
      case 123: return [this.constructor_()];
      case T.STRING: {
        const v = lx.val as string;
        lx.advance();
        return [{ k: 'str', v }];
      }
      default: return lx.syntaxError('function arguments expected');
    }
  }

  private constructor_(): Expr {
    const lx = this.lx;
    const line = lx.line;
    const items: TableItem[] = [];
    this.checkNext(123);
    while (lx.t() !== 125) {
      if (lx.t() === T.NAME) {
        if (lx.peek() === 61) {
          const k = this.checkName();
          lx.advance();
          items.push({ key: { k: 'str', v: k }, val: this.expr() });
        } else {
          items.push({ pos: this.expr() });
        }
      } else if (lx.t() === 91) {
        lx.advance();
        const key = this.expr();
        this.checkNext(93);
        this.checkNext(61);
        items.push({ key, val: this.expr() });
      } else {
        items.push({ pos: this.expr() });
      }
      if (!this.testNext(44) && !this.testNext(59)) break;
    }
    this.checkMatch(125, 123, line);
    return { k: 'table', items, line };
  }

  private simpleExpr(): Expr {
    const lx = this.lx;
    switch (lx.tok) {
      case T.NUMBER: { const v = lx.val as number; lx.advance(); return { k: 'num', v }; }
      case T.STRING: { const v = lx.val as string; lx.advance(); return { k: 'str', v }; }
      case T.NIL: lx.advance(); return { k: 'nil' };
      case T.TRUE: lx.advance(); return { k: 'true' };
      case T.FALSE: lx.advance(); return { k: 'false' };
      case T.DOTS: {
        if (!this.fn!.isVararg) lx.syntaxError("cannot use '...' outside a vararg function");
        lx.advance();
        return { k: 'vararg' };
      }
      case 123: return this.constructor_();
      case T.FUNCTION: {
        const line = lx.line;
        lx.advance();
        return { k: 'func', f: this.body(false, line, '?') };
      }
      default: return this.primaryExpr();
    }
  }

  expr(limit = 0): Expr {
    this.enterLevel();
    const lx = this.lx;
    let e: Expr;
    const ut = lx.tok;
    if (ut === T.NOT || ut === 45 || ut === 35) {
      const line = lx.line;
      lx.advance();
      const a = this.expr(UNARY_PRI);
      if (ut === T.NOT) e = { k: 'not', a };
      else if (ut === 45) e = a.k === 'num' ? { k: 'num', v: -a.v } : { k: 'neg', a, line };
      else e = { k: 'len', a, line };
    } else {
      e = this.simpleExpr();
    }
    for (;;) {
      const p = BIN_PRI[lx.tok];
      if (p === undefined || p[0] <= limit) break;
      lx.advance();
      const b = this.expr(p[1]);
      // 5.1 emits the operation after its right operand: errors report that operand's last line
      const line = lx.lastLine;
      const op = p[2];
      if (op === 'and') e = { k: 'and', a: e, b };
      else if (op === 'or') e = { k: 'or', a: e, b };
      else e = { k: 'bin', op, a: e, b, line };
    }
    this.depth--;
    return e;
  }
}

function isMultiExpr(e: Expr): boolean {
  return e.k === 'call' || e.k === 'method' || e.k === 'vararg';
}

/** The expression assigned to the i-th target of an assignment (null when unknown). */
function defOf(exprs: Expr[], i: number): Expr | null {
  const n = exprs.length;
  if (i < n - 1) return exprs[i];
  if (i === n - 1) return isMultiExpr(exprs[i]) ? null : exprs[i];
  if (n > 0 && isMultiExpr(exprs[n - 1])) return null;
  return { k: 'nil' };
}

/** Marks the locals that always hold numbers (all their assignments are numeric expressions). */
export function inferNumbers(vars: LocalVar[]): void {
  for (const v of vars) v.num = v.defs.every((d) => d !== null);
  for (let changed = true; changed;) {
    changed = false;
    for (const v of vars) {
      if (v.num && !v.defs.every((d) => isNumExpr(d!))) { v.num = false; changed = true; }
    }
  }
}

/** Whether an expression always yields a number given the current `num` marks. */
export function isNumExpr(e: Expr): boolean {
  switch (e.k) {
    case 'num': return true;
    case 'local': return e.v.num;
    case 'paren': return isNumExpr(e.e);
    case 'neg': return isNumExpr(e.a);
    case 'bin': {
      const op = e.op;
      if (op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^') return isNumExpr(e.a) && isNumExpr(e.b);
      return false;
    }
    default: return false;
  }
}

export function parse(src: string, chunkname: string): FuncNode {
  const p = new Parser(src, chunkname);
  const f = p.parseChunk();
  inferNumbers(p.allVars);
  return f;
}
