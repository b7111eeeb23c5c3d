// Micro-benchmark of Peregrine's Lua (compiled to JS) against the reference Lua 5.1 interpreter, when
// available (/work/valkey-src/deps/lua/src/lua). Not run by CI. Build first: npx tsc -p tsconfig.json
//   node tools/lua-bench.mjs
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
const { LuaState } = await import(process.env.LUA_DIST ?? '../dist/src/lua/state.js');

const LUA = process.env.LUA_BIN ?? '/work/valkey-src/deps/lua/src/lua';

const scripts = {
  'numeric loop (1e7 adds)': `local s = 0 for i = 1, 10000000 do s = s + i % 7 end return s`,
  'fib(27) recursion': `local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end return fib(27)`,
  'table fill+sum (1e6)': `local t = {} for i = 1, 1000000 do t[i] = i * 2 end local s = 0 for i = 1, #t do s = s + t[i] end return s`,
  // (V8 may remove tables that never escape: this one measures little more than the arithmetic when warm)
  'string keys (2e5 x 5 fields)': `local s = 0 for i = 1, 200000 do local o = {a = i, b = 2, c = 3, d = 4, e = 5} s = s + o.a + o.b + o.c + o.d + o.e end return s`,
  'objects kept (2e5 x 5 fields)': `local all = {} for i = 1, 200000 do all[i] = {a = i, b = 2, c = 3, d = 4, e = 5} end local s = 0 for i = 1, #all do local o = all[i] s = s + o.a + o.e end return s`,
  'string lib (1e5)': `local n = 0 for i = 1, 100000 do local s = string.format("%s:%d", "key", i) n = n + #s:sub(2, -2) + (s:find(":", 1, true) or 0) end return n`,
  'redis-like (KEYS/ARGV, tonumber)': `local KEYS, ARGV = {}, {} for i = 1, 100 do KEYS[i] = "k" .. i ARGV[i] = tostring(i) end local t = 0 for r = 1, 2000 do for i = 1, #KEYS do local v = tonumber(ARGV[i]) if v and v > 50 then t = t + v else t = t - 1 end end end return t`,
  'concat + tostring (2e5)': `local n = 0 for i = 1, 200000 do local k = "key:" .. i n = n + #k end return n`,
  'pairs over 1e5 x 10': `local t = {} for i = 1, 100000 do t["k" .. i] = i end local s = 0 for r = 1, 10 do for k, v in pairs(t) do s = s + v end end return s`,
  'ipairs 1e6 x 5': `local t = {} for i = 1, 1000000 do t[i] = i end local s = 0 for r = 1, 5 do for _, v in ipairs(t) do s = s + v end end return s`,
  'method calls (1e6)': `local C = {} C.__index = C function C.new() return setmetatable({n = 0}, C) end function C:inc() self.n = self.n + 1 end local c = C.new() for i = 1, 1000000 do c:inc() end return c.n`,
  'closures (1e6)': `local s = 0 for i = 1, 1000000 do local f = function() return i end s = s + f() end return s`,
};

// Loads the script once and runs it several times (EVALSHA-like): the first run includes compiling
// and V8's warm-up ("cold"), the best of the others is the steady state ("warm").
let openAll = null;
try { openAll = (await import(process.env.LUA_LIBS ?? '../dist/src/lua/lib/index.js')).openAll; } catch { /* libraries not built */ }

function timeOurs(src, reps = 5) {
  const L = new LuaState();
  if (openAll !== null) openAll(L);
  let best = Infinity, result, cold = 0;
  const t0 = process.hrtime.bigint();
  const f = L.load(src, '@bench');
  for (let r = 0; r < reps; r++) {
    const t1 = r === 0 ? t0 : process.hrtime.bigint();
    result = L.call(f, [])[0];
    const ms = Number(process.hrtime.bigint() - t1) / 1e6;
    if (r === 0) cold = ms; else if (ms < best) best = ms;
  }
  return { ms: best, cold, result };
}

function timeLua(src, reps = 3) {
  if (!existsSync(LUA)) return null;
  let best = Infinity, result;
  for (let r = 0; r < reps; r++) {
    const code = `local t0 = os.clock() local r = (function() ${src} end)() io.write(string.format("%.3f %s", (os.clock() - t0) * 1000, tostring(r)))`;
    const out = execFileSync(LUA, ['-e', code]).toString().split(' ');
    const ms = Number(out[0]);
    result = out[1];
    if (ms < best) best = ms;
  }
  return { ms: best, result };
}

console.log('script'.padEnd(34), 'cold ms'.padStart(8), 'warm ms'.padStart(8), 'lua 5.1 ms'.padStart(11), 'speedup(warm)'.padStart(14));
for (const [name, src] of Object.entries(scripts)) {
  const ours = timeOurs(src);
  const lua = timeLua(src);
  const sp = lua ? (lua.ms / ours.ms).toFixed(2) + 'x' : '-';
  const same = lua === null || String(lua.result) === String(ours.result) || Number(lua.result) === ours.result;
  console.log(name.padEnd(34), ours.cold.toFixed(1).padStart(8), ours.ms.toFixed(1).padStart(8), (lua ? lua.ms.toFixed(1) : '-').padStart(11), sp.padStart(14), same ? '' : `MISMATCH ${ours.result} vs ${lua.result}`);
}
