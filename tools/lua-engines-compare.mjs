#!/usr/bin/env node
// Compares Lua engines for EVAL: Peregrine's own Lua 5.1 -> JS compiler (dist/src/lua), fengari
// (Lua 5.3 in JS) and wasmoon (Lua 5.4 in WebAssembly), optionally the reference Lua 5.1 binary.
//
//   1. exactness on the reference corpora produced by the real Lua 5.1.5 / valkey-server
//      (test/lua-core-cases.ts, the GROUPS of test/lua-lib.test.ts, test/lua-lib-fuzz.json);
//   2. speed: a rate-limiter EVALSHA body called from JS, and pure-Lua loops.
//
// NOT part of CI or `npm test`; fengari and wasmoon are not project dependencies. Install them elsewhere:
//   mkdir -p /tmp/luaeng && cd /tmp/luaeng && npm init -y && npm install fengari wasmoon
//   cd /work/main && npx tsc -p tsconfig.json && LUA_ENGINES_DIR=/tmp/luaeng node tools/lua-engines-compare.mjs
// Options (env): LUA_ENGINES_DIR (required for fengari/wasmoon), LUA51_BIN (default
// /work/valkey-src/deps/lua/src/lua), ONLY=exact|speed, SHOW=<n> mismatch examples per engine (default 6).
//
// Every engine runs the same Lua harness: the case source is passed as an escaped string literal, loaded
// with loadstring/load under the corpus' chunk name, called with pcall, and its results serialised in
// Lua (tostring for numbers, \ddd escapes for strings), so each engine's own tostring decides the text.

import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHOW = Number(process.env.SHOW ?? 6);
const ONLY = process.env.ONLY ?? '';
const LUA51 = process.env.LUA51_BIN ?? '/work/valkey-src/deps/lua/src/lua';

// ---------------------------------------------------------------- engines

async function loadEngines() {
  const engines = [];
  const ours = path.join(ROOT, 'dist/src/lua/state.js');
  if (!existsSync(ours)) {
    console.error(`missing ${ours}: build first (npx tsc -p tsconfig.json)`);
    process.exit(1);
  }
  const { LuaState } = await import(ours);
  const { LuaTable, bytesToLua } = await import(path.join(ROOT, 'dist/src/lua/value.js'));
  const { openAll } = await import(path.join(ROOT, 'dist/src/lua/lib/index.js'));
  engines.push({
    name: 'peregrine (5.1->JS)', hasValkeyLibs: true,
    newState() {
      const L = new LuaState();
      openAll(L);
      return {
        eval(src) { return String(L.call(L.load(src, '=harness'), [])[0]); },
        close() {},
      };
    },
    rateLimiter(body, host) {
      const L = new LuaState();
      openAll(L);
      const redis = new LuaTable();
      redis.set('call', (cmd, key, arg) => [host(cmd, key, arg)]);
      L.globals.set('redis', redis);
      const f = L.load(body, '@user_script');
      return (keys, args) => {
        L.globals.set('KEYS', LuaTable.fromArray(keys.map(bytesToLua)));
        L.globals.set('ARGV', LuaTable.fromArray(args.map(bytesToLua)));
        return L.call(f, [])[0];
      };
    },
    pure(body) {
      const L = new LuaState();
      openAll(L);
      const f = L.load(body, '@bench');
      return () => L.call(f, [])[0];
    },
  });

  const dir = process.env.LUA_ENGINES_DIR;
  if (!dir) {
    console.log('NOTE: LUA_ENGINES_DIR is not set: fengari and wasmoon are skipped.\n' +
      '      Install them outside the project: mkdir -p /tmp/luaeng && cd /tmp/luaeng && npm init -y && npm install fengari wasmoon\n' +
      '      then run: LUA_ENGINES_DIR=/tmp/luaeng node tools/lua-engines-compare.mjs\n');
    return engines;
  }
  const req = createRequire(path.join(path.resolve(dir), 'package.json'));
  let fengari = null, wasmoon = null;
  try { fengari = req('fengari'); } catch (e) { console.log(`NOTE: fengari not found under ${dir}: ${e.message}`); }
  try { wasmoon = req('wasmoon'); } catch (e) { console.log(`NOTE: wasmoon not found under ${dir}: ${e.message}`); }

  if (fengari) {
    const { lua, lauxlib, lualib, to_luastring } = fengari;
    const latin1 = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.length).toString('latin1');
    const newL = () => { const L = lauxlib.luaL_newstate(); lualib.luaL_openlibs(L); return L; };
    const run = (L, src) => {
      if (lauxlib.luaL_loadbuffer(L, to_luastring(src), null, to_luastring('=harness')) !== lua.LUA_OK ||
          lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
        const m = lua.lua_tostring(L, -1);
        lua.lua_settop(L, 0);
        throw new Error('harness: ' + (m ? latin1(m) : '?'));
      }
      const r = lua.lua_tostring(L, -1);
      lua.lua_settop(L, 0);
      return r ? latin1(r) : 'nil';
    };
    engines.push({
      name: `fengari ${req('fengari/package.json').version} (5.3/JS)`, hasValkeyLibs: false,
      newState() { const L = newL(); return { eval: (src) => run(L, src), close() {} }; },
      rateLimiter(body, host) {
        const L = newL();
        lua.lua_newtable(L);
        lua.lua_pushjsfunction(L, (L) => {
          const cmd = latin1(lua.lua_tostring(L, 1));
          const key = latin1(lua.lua_tostring(L, 2));
          const arg = lua.lua_gettop(L) >= 3 ? latin1(lua.lua_tostring(L, 3)) : undefined;
          lua.lua_pushinteger(L, host(cmd, key, arg));
          return 1;
        });
        lua.lua_setfield(L, -2, to_luastring('call'));
        lua.lua_setglobal(L, to_luastring('redis'));
        if (lauxlib.luaL_loadbuffer(L, to_luastring(body), null, to_luastring('@user_script')) !== lua.LUA_OK) throw new Error('load');
        const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
        const KEYS = to_luastring('KEYS'), ARGV = to_luastring('ARGV');
        const setList = (name, list) => {
          lua.lua_createtable(L, list.length, 0);
          for (let i = 0; i < list.length; i++) { lua.lua_pushstring(L, list[i]); lua.lua_rawseti(L, -2, i + 1); }
          lua.lua_setglobal(L, name);
        };
        return (keys, args) => {
          setList(KEYS, keys);
          setList(ARGV, args);
          lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
          if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) throw new Error(latin1(lua.lua_tostring(L, -1)));
          const r = lua.lua_tointeger(L, -1);
          lua.lua_settop(L, 0);
          return r;
        };
      },
      pure(body) {
        const L = newL();
        if (lauxlib.luaL_loadbuffer(L, to_luastring(body), null, to_luastring('@bench')) !== lua.LUA_OK) throw new Error(latin1(lua.lua_tostring(L, -1)));
        const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
        return () => {
          lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
          if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) throw new Error(latin1(lua.lua_tostring(L, -1)));
          const r = lua.lua_tonumber(L, -1);
          lua.lua_settop(L, 0);
          return r;
        };
      },
    });
  }

  if (wasmoon) {
    const factory = new wasmoon.LuaFactory();
    const mk = () => factory.createEngine();
    await (await mk()).global.close();
    engines.push({
      name: `wasmoon ${req('wasmoon/package.json').version} (5.4/wasm)`, hasValkeyLibs: false, async: true,
      async newState() {
        const E = await mk();
        return { eval: (src) => String(E.doStringSync(src)), close() { E.global.close(); } };
      },
      // High-level API (what wasmoon users write): globals set from JS arrays, a JS function as redis.call.
      async rateLimiter(body, host) {
        const E = await mk();
        E.global.set('redis', { call: (cmd, key, arg) => host(cmd, key, arg) });
        const f = E.doStringSync(`return function() ${body}\nend`);
        return (keys, args) => {
          E.global.set('KEYS', keys.map(String));
          E.global.set('ARGV', args.map(String));
          return f();
        };
      },
      // Raw C API through wasmoon's exported lua_* wrappers (what an embedder tuning for speed would write).
      async rateLimiterRaw(body, host) {
        const E = await mk();
        const W = E.global.lua, L = E.global.address;
        const REG = wasmoon.LUA_REGISTRYINDEX ?? -1001000;
        const fp = W.module.addFunction((L) => {
          const cmd = W.lua_tolstring(L, 1, null), key = W.lua_tolstring(L, 2, null);
          const arg = W.lua_gettop(L) >= 3 ? W.lua_tolstring(L, 3, null) : undefined;
          W.lua_pushinteger(L, BigInt(host(cmd, key, arg)));
          return 1;
        }, 'ii');
        W.lua_createtable(L, 0, 1);
        W.lua_pushcclosure(L, fp, 0);
        W.lua_setfield(L, -2, 'call');
        W.lua_setglobal(L, 'redis');
        if (W.luaL_loadstring(L, body) !== 0) throw new Error(W.lua_tolstring(L, -1, null));
        const ref = BigInt(W.luaL_ref(L, REG));
        const setList = (name, list) => {
          W.lua_createtable(L, list.length, 0);
          for (let i = 0; i < list.length; i++) { W.lua_pushstring(L, String(list[i])); W.lua_rawseti(L, -2, BigInt(i + 1)); }
          W.lua_setglobal(L, name);
        };
        return (keys, args) => {
          setList('KEYS', keys);
          setList('ARGV', args);
          W.lua_rawgeti(L, REG, ref);
          if (W.lua_pcallk(L, 0, 1, 0, 0, null) !== 0) throw new Error(W.lua_tolstring(L, -1, null));
          const r = W.lua_tointegerx(L, -1, null);
          W.lua_settop(L, 0);
          return r;
        };
      },
      async pure(body) {
        const E = await mk();
        const f = E.doStringSync(`return function() ${body}\nend`);
        return () => f();
      },
    });
  }
  return engines;
}

// ---------------------------------------------------------------- harness (Lua, portable 5.1/5.3/5.4)

/** A Lua string literal with every byte outside printable ASCII (and " \) as \ddd. */
function luaLit(s) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new Error('non-byte character in source');
    out += c < 32 || c === 34 || c === 92 || c >= 127 ? '\\' + String(c).padStart(3, '0') : s[i];
  }
  return out + '"';
}

const HARNESS_HEAD = `
local type, tostring, select, pcall, sbyte, schar, sformat, sgsub, concat =
  type, tostring, select, pcall, string.byte, string.char, string.format, string.gsub, table.concat
local ld = loadstring or load
local function hex(s) return (sgsub(s, ".", function(c) return sformat("%02x", sbyte(c)) end)) end
local function q(s)
  local out = {}
  for i = 1, #s do
    local b = sbyte(s, i)
    if b < 32 or b == 34 or b == 92 or b >= 127 then out[#out + 1] = "\\\\" .. b else out[#out + 1] = schar(b) end
  end
  return '"' .. concat(out) .. '"'
end
local function ser(v)
  local t = type(v)
  if t == "string" then return q(v) elseif t == "number" or t == "boolean" then return tostring(v)
  elseif t == "nil" then return "nil" elseif t == "table" then return "table" elseif t == "function" then return "function" end
  return "userdata"
end
local function pack(...) return {n = select("#", ...), ...} end
`;

/** Core corpus: "true,<values>" / "false,<error>" / "SYNTAX <message>". */
function coreHarness(src) {
  return HARNESS_HEAD + `
local f, e = ld(${luaLit(src)}, "@user_script")
if not f then return hex("SYNTAX " .. q(tostring(e))) end
local r = pack(pcall(f))
local out = {r[1] and "true" or "false"}
for i = 2, r.n do out[#out + 1] = ser(r[i]) end
return hex(concat(out, ","))`;
}

/** Library corpora: the chunk computes its own output string (lua-lib.test.ts PRELUDE). */
function chunkHarness(src, chunk) {
  return HARNESS_HEAD + `
local f, e = ld(${luaLit(src)}, ${luaLit(chunk)})
if not f then return hex("SYNTAX " .. tostring(e)) end
local ok, r = pcall(f)
if not ok then return hex("ERROR " .. tostring(r)) end
return hex(tostring(r))`;
}

const unhex = (h) => Buffer.from(h, 'hex').toString('latin1');

// ---------------------------------------------------------------- corpora

function loadCorpora() {
  const coreText = readFileSync(path.join(ROOT, 'test/lua-core-cases.ts'), 'utf8');
  const core = JSON.parse(coreText.slice(coreText.indexOf('= [') + 2).trim().replace(/;\s*$/, ''));
  const libText = readFileSync(path.join(ROOT, 'test/lua-lib.test.ts'), 'utf8');
  const grab = (name) => {
    const m = libText.match(new RegExp(`const ${name} = (.*);\\n`));
    return JSON.parse(m[1].replace(/^'(.*)'$/, (_, s) => JSON.stringify(s)));
  };
  const PRELUDE = grab('PRELUDE');
  const HEAD = 'local __lines = {} local function print(s) __lines[#__lines+1] = s end';
  const TAIL = 'return table.concat(__lines, "\\n")';
  if (!libText.includes(HEAD) || !libText.includes(`const TAIL = 'return table.concat(__lines, "\\\\n")'`)) {
    throw new Error('test/lua-lib.test.ts HEAD/TAIL changed: update this script');
  }
  const gStart = libText.indexOf('const GROUPS: Group[] = ') + 'const GROUPS: Group[] = '.length;
  const gEnd = libText.indexOf('\n;\n', gStart);
  const groups = JSON.parse(libText.slice(gStart, gEnd));
  const fuzz = JSON.parse(readFileSync(path.join(ROOT, 'test/lua-lib-fuzz.json'), 'utf8'));
  return { core, groups, fuzz, PRELUDE, HEAD, TAIL };
}

const VALKEY_LIB = /\b(cjson|cmsgpack|bit|struct|redis)\./;

function coreCategory(expected) {
  if (expected.startsWith('SYNTAX')) return 'core: syntax errors';
  if (expected.startsWith('false,')) return 'core: runtime errors';
  return 'core: values';
}

async function exactness(engines) {
  const C = loadCorpora();
  const results = {};
  for (const eng of engines) {
    const cats = new Map();
    const examples = [];
    const tally = (cat, r, label, got, expected) => {
      if (!cats.has(cat)) cats.set(cat, { match: 0, mismatch: 0, missing: 0, crash: 0 });
      cats.get(cat)[r]++;
      if (r === 'mismatch' || r === 'crash') examples.push({ cat, label, got, expected });
    };
    const t0 = performance.now();
    // 1. core cases: a fresh state per case
    for (const [src, expected] of C.core) {
      const S = await eng.newState();
      let got, r;
      try { got = unhex(S.eval(coreHarness(src))); r = got === expected ? 'match' : 'mismatch'; } catch (e) { got = 'JS EXCEPTION ' + e.message; r = 'crash'; }
      S.close();
      tally(coreCategory(expected), r, src, got, expected);
    }
    // 2. lua-lib.test.ts GROUPS: one state per group, one chunk per case (line n)
    for (const g of C.groups) {
      const cat = `lib: ${g.title}`;
      const S = await eng.newState();
      for (const [n, code, expected] of g.cases) {
        if (!eng.hasValkeyLibs && VALKEY_LIB.test(code)) { tally(cat, 'missing'); continue; }
        const src = (g.valkey ? C.HEAD + '\n' : C.HEAD + ' ') + C.PRELUDE + '\n'.repeat(n - 1) +
          `emit(${n}, pcall(function() return ${code} end))\n` + C.TAIL;
        let got, r;
        try { got = unhex(S.eval(chunkHarness(src, '@' + g.chunk))); r = got === expected ? 'match' : 'mismatch'; } catch (e) { got = 'JS EXCEPTION ' + e.message; r = 'crash'; }
        tally(cat, r, code, got, expected);
      }
      S.close();
    }
    // 3. fuzz corpora: one chunk per group, one output line per case
    for (const g of C.fuzz) {
      const cat = `fuzz: ${g.title}`;
      const runnable = g.cases.map(([code]) => eng.hasValkeyLibs || !VALKEY_LIB.test(code));
      let src = (g.valkey ? C.HEAD + '\n' : C.HEAD + ' ') + C.PRELUDE;
      g.cases.forEach(([code], i) => {
        src += runnable[i] ? `emit(${i + 1}, pcall(function() return ${code} end))\n` : `print("${i + 1}\\tSKIPPED")\n`;
      });
      src += C.TAIL;
      const S = await eng.newState();
      let lines;
      try { lines = unhex(S.eval(chunkHarness(src, '@' + g.chunk))).split('\n'); } catch (e) { lines = null; }
      S.close();
      g.cases.forEach(([code, e], i) => {
        if (!runnable[i]) { tally(cat, 'missing'); return; }
        const exp = `${i + 1}\t${e}`;
        if (lines === null) { tally(cat, 'crash', code, 'chunk failed', exp); return; }
        tally(cat, lines[i] === exp ? 'match' : 'mismatch', code, lines[i], exp);
      });
    }
    results[eng.name] = { cats, examples, ms: performance.now() - t0 };
  }
  // report
  const catNames = [...new Set(Object.values(results).flatMap((r) => [...r.cats.keys()]))];
  console.log('\n## Exactness (matches / cases; "lib missing" = needs cjson/cmsgpack/bit/struct, not run)\n');
  console.log(`| corpus | cases | ${engines.map((e) => e.name).join(' | ')} |`);
  console.log(`|---|---|${engines.map(() => '---').join('|')}|`);
  const totals = engines.map(() => ({ match: 0, missing: 0, n: 0 }));
  for (const cat of catNames) {
    const cells = engines.map((e, i) => {
      const c = results[e.name].cats.get(cat) ?? { match: 0, mismatch: 0, missing: 0, crash: 0 };
      const n = c.match + c.mismatch + c.missing + c.crash;
      totals[i].match += c.match; totals[i].missing += c.missing; totals[i].n += n;
      return { n, s: `${c.match}${c.missing ? ` (+${c.missing} lib missing)` : ''}${c.crash ? ` [${c.crash} crashed]` : ''}` };
    });
    console.log(`| ${cat} | ${cells[0].n} | ${cells.map((c) => c.s).join(' | ')} |`);
  }
  console.log(`| **total** | ${totals[0].n} | ${totals.map((t) => `**${t.match}** (${(100 * t.match / t.n).toFixed(1)}%; of runnable ${(100 * t.match / (t.n - t.missing)).toFixed(1)}%)`).join(' | ')} |`);
  for (const e of engines) {
    const r = results[e.name];
    console.log(`\n### ${e.name}: ${r.examples.length} mismatches (corpus run ${(r.ms / 1000).toFixed(1)} s); first per category:`);
    const seen = new Map();
    for (const x of r.examples) {
      const k = seen.get(x.cat) ?? 0;
      if (k >= SHOW) continue;
      seen.set(x.cat, k + 1);
      const cut = (s) => (s ?? '').length > 160 ? s.slice(0, 160) + '...' : s;
      console.log(`- [${x.cat}] \`${cut(x.label)}\`\n    got:      ${cut(JSON.stringify(x.got))}\n    expected: ${cut(JSON.stringify(x.expected))}`);
    }
  }
  return results;
}

// ---------------------------------------------------------------- speed

const RATE_LIMITER = `local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
if n > tonumber(ARGV[2]) then return 0 end
return n`;

const PURE = {
  'numeric loop (3M iterations, arith + %)': `local s = 0 for i = 1, 3000000 do s = s + (i % 7) * 2 - 1 end return s`,
  'fib(27) (recursive calls)': `local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end return fib(27)`,
  'table building (200k records, then sum)': `local t = {} for i = 1, 200000 do t[i] = {id = i, name = "n" .. i} end
local s = 0 for i = 1, #t do s = s + t[i].id + #t[i].name end return s`,
  'string ops (100k format/concat/gmatch/gsub)': `local parts = {} for i = 1, 100000 do parts[#parts + 1] = string.format("%d:%s", i, string.rep("x", i % 5)) end
local s = table.concat(parts, ",") local n = 0
for w in string.gmatch(s, "[^,]+") do n = n + #w end
local u, k = string.gsub(s, "x+", string.upper) return n + k + #u`,
};

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function speed(engines) {
  const REPS = 3;
  console.log(`\n## Speed (median of ${REPS} runs, after one warm-up run)\n`);
  console.log(`load before: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')} (${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
  // rate limiter
  const N = Number(process.env.N ?? 100000);
  const keys = [Buffer.from('ratelimit:user:42')];
  console.log(`\n### Rate limiter EVALSHA body from JS (${N} calls per run; KEYS/ARGV tables built per call; 2 host calls)\n`);
  console.log('| engine | µs per call (median) | runs (µs) | result check |');
  console.log('|---|---|---|---|');
  const variants = engines.flatMap((e) => [{ name: e.name + (e.rateLimiterRaw ? ', high-level API' : ''), make: (b, h) => e.rateLimiter(b, h) },
    ...(e.rateLimiterRaw ? [{ name: e.name + ', raw C API', make: (b, h) => e.rateLimiterRaw(b, h) }] : [])]);
  for (const eng of variants) {
    const counters = new Map();
    const host = (cmd, key) => {
      if (cmd === 'INCR') { const v = (counters.get(key) ?? 0) + 1; counters.set(key, v); return v; }
      if (cmd === 'EXPIRE') return 1;
      throw new Error('unexpected ' + cmd);
    };
    const call = await eng.make(RATE_LIMITER, host);
    const args = [Buffer.from('60'), Buffer.from(String(1e12))];
    const runOnce = () => { let r; const t = performance.now(); for (let i = 0; i < N; i++) r = call(keys, args); return [(performance.now() - t) * 1000 / N, r]; };
    runOnce();
    const runs = [];
    let last;
    for (let k = 0; k < REPS; k++) { const [us, r] = runOnce(); runs.push(us); last = r; }
    console.log(`| ${eng.name} | **${median(runs).toFixed(2)}** | ${runs.map((x) => x.toFixed(2)).join(', ')} | last n=${Number(last)} (expect ${N * (REPS + 1)}) |`);
  }
  // pure Lua
  const lua51 = existsSync(LUA51) ? LUA51 : null;
  const names = [...engines.map((e) => e.name), ...(lua51 ? ['lua 5.1.5 binary (C)'] : [])];
  console.log(`\n### Pure Lua (ms per run, median)${lua51 ? '' : `  (reference binary ${LUA51} not found)`}\n`);
  console.log(`| workload | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---').join('|')}|`);
  for (const [title, body] of Object.entries(PURE)) {
    const cells = [];
    const values = [];
    for (const eng of engines) {
      const f = await eng.pure(body);
      values.push(String(f()));
      const runs = [];
      for (let k = 0; k < REPS; k++) { const t = performance.now(); f(); runs.push(performance.now() - t); }
      cells.push(`${median(runs).toFixed(0)} (${runs.map((x) => x.toFixed(0)).join('/')})`);
    }
    if (lua51) {
      const prog = `local f = assert(loadstring(${luaLit(body)}, "@bench")) local r = f() local t = {}
for k = 1, ${REPS} do local c = os.clock() f() t[k] = (os.clock() - c) * 1000 end table.sort(t)
io.write(tostring(r), " ", string.format("%.0f (%.0f/%.0f/%.0f)", t[2], t[1], t[2], t[3]))`;
      const out = execFileSync(lua51, ['-e', prog], { encoding: 'latin1' });
      const sp = out.indexOf(' ');
      values.push(out.slice(0, sp));
      cells.push(out.slice(sp + 1) + ' (CPU time, sorted)');
    }
    const agree = values.every((v) => v === values[0]) ? '' : ` — results differ: ${values.join(' / ')}`;
    console.log(`| ${title}${agree} | ${cells.join(' | ')} |`);
  }
  console.log(`\nload after: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
}

// ---------------------------------------------------------------- main

const engines = await loadEngines();
console.log(`engines: ${engines.map((e) => e.name).join(', ')}`);
if (ONLY !== 'speed') await exactness(engines);
if (ONLY !== 'exact') await speed(engines);
