import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LuaState } from '../src/lua/state.js';
import { LuaError, LuaTable, LuaUncatchable, numberToString, type LuaValue } from '../src/lua/value.js';
import { checkNumber, checkString, checkInt, checkTable, optNumber, optString, argError } from '../src/lua/runtime.js';

function run(src: string, L = new LuaState()): LuaValue[] {
  const f = L.load(src, '@user_script');
  return L.call(f, []);
}

function err(src: string, L = new LuaState()): LuaValue {
  try {
    run(src, L);
  } catch (e) {
    assert.ok(e instanceof LuaError, `not a LuaError: ${String(e)}`);
    return e.value;
  }
  assert.fail(`no error from: ${src}`);
}

test('expressions, numbers and formatting', () => {
  assert.deepEqual(run('return 1 + 2, 7 - 10, 2 * 3, 10 / 4, 7 % 3, -7 % 3, 7 % -3, 2 ^ 10'), [3, -3, 6, 2.5, 1, 2, -2, 1024]);
  assert.deepEqual(run('return tostring(10/2), tostring(1e15), tostring(0.1), tostring(1e100), tostring(-0.0), tostring(2^53)'),
    ['5', '1e+15', '0.1', '1e+100', '-0', '9.007199254741e+15']);
  assert.deepEqual(run('return 1/0, -1/0'), [Infinity, -Infinity]);
  assert.deepEqual(run('return tostring(1/0), tostring(-1/0), tostring(3.14159265358979)'), ['inf', '-inf', '3.1415926535898']);
  assert.deepEqual(run('return 0x10, 0xff, 1e2, .5, 3.'), [16, 255, 100, 0.5, 3]);
  assert.deepEqual(run('return 2^3^2, -2^2, not nil == true, 1 .. 2 .. 3'), [512, -4, true, '123']);
  assert.deepEqual(run('return 1 + 2 * 3 - 4 / 2, (1 + 2) * 3, 2 * 3 ^ 2, #"abc" + 1'), [5, 9, 18, 4]);
  assert.deepEqual(run('return "10" + 5, "3" * "4", 10 .. "", 1.5 .. "x", "0x10" + 0, " 5 " * 2'), [15, 12, '10', '1.5x', 16, 10]);
  assert.deepEqual(run('return nil and 1, false or "x", 1 and 2, nil or false, 0 and "zero"'), [undefined, 'x', 2, false, 'zero']);
  assert.deepEqual(run('return 1 == 1, "a" == "a", {} == {}, 1 == "1", 1 ~= 2, nil == false'), [true, true, false, false, true, false]);
  assert.deepEqual(run('return 1 < 2, "a" < "b", "abc" < "abd", "Z" < "a", 2 <= 2, 3 > 2, 3 >= 4'), [true, true, true, true, true, true, false]);
  assert.deepEqual(run('return #"hello", #{1, 2, 3}, #{}, #{n = 1}'), [5, 3, 0, 0]);
});

test('strings: escapes and long strings', () => {
  assert.deepEqual(run(String.raw`return "a\tb\n", 'it\'s', "\65\066\0671", "\\", "\a\b\f\v\r", "x\
y"`), ['a\tb\n', "it's", 'AB' + 'C1', '\\', '\x07\b\f\v\r', 'x\ny']);
  assert.deepEqual(run('return [[hello]], [==[a]]b]==], [[\nfirst newline skipped]]'), ['hello', 'a]]b', 'first newline skipped']);
  assert.deepEqual(run('--[[ long\ncomment ]] return 1 -- trailing\n'), [1]);
  assert.deepEqual(run('--[==[ x ]] ]==] return 2'), [2]);
  assert.deepEqual(run('return "\\255\\0"'), ['\xff\x00']);
});

test('locals, assignment, blocks and control flow', () => {
  assert.deepEqual(run('local a, b, c = 1, 2 return a, b, c'), [1, 2, undefined]);
  assert.deepEqual(run('local a, b = 1, 2 a, b = b, a return a, b'), [2, 1]);
  assert.deepEqual(run('local x = 1 do local x = 2 end return x'), [1]);
  assert.deepEqual(run('local x = 1 local x = x + 1 return x'), [2]);
  assert.deepEqual(run('local s = 0 for i = 1, 10 do s = s + i end return s'), [55]);
  assert.deepEqual(run('local s = 0 for i = 10, 1, -2 do s = s + i end return s'), [30]);
  assert.deepEqual(run('local s = 0 for i = 1, 3 do local j = i i = 100 s = s + j end return s'), [6]);
  assert.deepEqual(run('local s = 0 for i = 1, 0 do s = s + 1 end return s'), [0]);
  assert.deepEqual(run('local s = 0 for i = 0.5, 2, 0.5 do s = s + i end return s'), [5]);
  assert.deepEqual(run('local n = 0 while n < 5 do n = n + 1 end return n'), [5]);
  assert.deepEqual(run('local n = 0 repeat local m = n + 1 n = m until m >= 3 return n'), [3]);
  assert.deepEqual(run('local n = 0 while true do n = n + 1 if n == 7 then break end end return n'), [7]);
  assert.deepEqual(run('local r = {} for i = 1, 3 do for j = 1, 3 do if j > i then break end r[#r+1] = i..j end end return table and #r or #r'), [6]);
  assert.deepEqual(run('local x = 5 if x > 10 then return "a" elseif x > 3 then return "b" else return "c" end'), ['b']);
  assert.deepEqual(run('if nil then return 1 end return 2'), [2]);
  assert.deepEqual(run('local t = {} t.a, t.b = 1, 2 return t.a + t.b'), [3]);
  assert.deepEqual(run('x, y = 10 return x, y'), [10, undefined]);
  assert.deepEqual(run('local a, b = (function() return 1, 2 end)() return a, b'), [1, 2]);
  assert.deepEqual(run('local a, b = ((function() return 1, 2 end)()) return a, b'), [1, undefined]);
  assert.deepEqual(run('for k, v in pairs({}) do return 1 end return 0;'), [0]);
});

test('functions, closures, varargs and multiple results', () => {
  assert.deepEqual(run('local function f(...) return select("#", ...), ... end return f(1, nil, 3)'), [3, 1, undefined, 3]);
  assert.deepEqual(run('local function f(a, ...) local t = {...} return a, #t, t[2] end return f(1, 2, 3)'), [1, 2, 3]);
  assert.deepEqual(run('local function f() return 1, 2, 3 end return f(), f()'), [1, 1, 2, 3]);
  assert.deepEqual(run('local function f() return 1, 2, 3 end local t = {f(), f()} return #t'), [4]);
  assert.deepEqual(run('local function f() return 1, 2, 3 end local t = {f(), (f())} return #t'), [2]);
  assert.deepEqual(run('local function f() return 1, 2, 3 end return (f())'), [1]);
  assert.deepEqual(run('local fs = {} for i = 1, 3 do fs[i] = function() return i end end return fs[1](), fs[2](), fs[3]()'), [1, 2, 3]);
  assert.deepEqual(run('local fs = {} local i = 1 while i <= 3 do local j = i fs[i] = function() return j end i = i + 1 end return fs[1](), fs[3]()'), [1, 3]);
  assert.deepEqual(run('local function counter() local n = 0 return function() n = n + 1 return n end end local c = counter() c() c() return c()'), [3]);
  assert.deepEqual(run('local o = {v = 5} function o:get(x) return self.v + x end return o:get(1), o.get(o, 2)'), [6, 7]);
  assert.deepEqual(run('local t = {a = {b = {}}} function t.a.b.f(x) return x * 2 end return t.a.b.f(21)'), [42]);
  assert.deepEqual(run('local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end return fib(20)'), [6765]);
  assert.deepEqual(run('return select(-1, 1, 2, 3), select(2, "a", "b", "c")'), [3, 'b', 'c']);
  assert.deepEqual(run('return unpack({1, 2, 3})'), [1, 2, 3]);
  assert.deepEqual(run('return unpack({1, 2, 3}, 2)'), [2, 3]);
  assert.deepEqual(run('return unpack({1, 2, 3}, 2, 5)'), [2, 3, undefined, undefined]);
  assert.deepEqual(run('return select("#", unpack({}, 1, 0))'), [0]);
  assert.deepEqual(run('local t = {n = 0} function t.inc(self) self.n = self.n + 1 return self end t:inc():inc() return t.n'), [2]);
  assert.deepEqual(run('local f = function(...) local a, b = ... return a, b end return f(9, 8, 7)'), [9, 8]);
  assert.deepEqual(run('return (function(...) return ... end)()').length, 0);
});

test('tables', () => {
  assert.deepEqual(run('local t = {1, 2, 3, x = "a", ["y z"] = "b", [10] = 4} return t[1], t[3], t.x, t["y z"], t[10], #t'), [1, 3, 'a', 'b', 4, 3]);
  assert.deepEqual(run('local t = {} t[1.0] = "a" t[2] = "b" return t[1], #t'), ['a', 2]);
  assert.deepEqual(run('local t = {1, 2, 3} t[#t + 1] = 4 t[2] = nil return t[4], t[2]'), [4, undefined]);
  assert.deepEqual(run('local t = {} for i = 1, 100 do t[i] = i end local s = 0 for i, v in ipairs(t) do s = s + v end return s'), [5050]);
  assert.deepEqual(run('local t = {a = 1, b = 2, c = 3} local n, s = 0, 0 for k, v in pairs(t) do n = n + 1 s = s + v end return n, s'), [3, 6]);
  assert.deepEqual(run('local t = {1, 2, nil, 4} local n = 0 for i, v in ipairs(t) do n = n + 1 end return n'), [2]);
  assert.deepEqual(run('local t = {a = 1} return next(t), next({})'), ['a', undefined]);
  assert.deepEqual(run('local t = {} for i = 1, 5 do t[i] = i end for k in pairs(t) do t[k] = nil end return next(t)'), [undefined]);
  assert.deepEqual(run('return rawget({5}, 1), rawequal({}, {}), rawequal("a", "a")'), [5, false, true]);
  assert.equal(err('local t = {} t[nil] = 1'), 'user_script:1: table index is nil');
  assert.equal(err('local t = {[nil] = 1}'), 'user_script:1: table index is nil');
  assert.equal(err('local t = {} t[0/0] = 1'), 'user_script:1: table index is NaN');
});

test('metatables', () => {
  assert.deepEqual(run(`local base = {greet = function(self) return "hi " .. self.name end}
    local obj = setmetatable({name = "bob"}, {__index = base}) return obj:greet()`), ['hi bob']);
  assert.deepEqual(run(`local t = setmetatable({}, {__index = function(t, k) return k .. "!" end}) return t.foo, t[1]`), ['foo!', '1!']);
  assert.deepEqual(run(`local a = setmetatable({}, {__index = setmetatable({}, {__index = {deep = 42}})}) return a.deep`), [42]);
  assert.deepEqual(run(`local log = {} local t = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v * 2) end}) t.x = 5 return t.x`), [10]);
  assert.deepEqual(run(`local store = {} local t = setmetatable({}, {__newindex = store}) t.x = 5 return rawget(t, "x"), store.x`), [undefined, 5]);
  assert.deepEqual(run(`local V = {} V.__index = V
    V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
    V.__sub = function(a, b) return a.x - b.x end
    V.__mul = function(a, b) return "mul" end V.__div = function() return "div" end
    V.__mod = function() return "mod" end V.__pow = function() return "pow" end
    V.__unm = function(a) return -a.x end
    V.__concat = function(a, b) return "cat" end
    V.__eq = function(a, b) return a.x == b.x end
    V.__lt = function(a, b) return a.x < b.x end
    V.__le = function(a, b) return a.x <= b.x end
    V.__call = function(self, y) return self.x + y end
    V.__tostring = function(self) return "V(" .. self.x .. ")" end
    local a, b = setmetatable({x = 1}, V), setmetatable({x = 2}, V)
    return (a + b).x, a - b, a * 1, 1 / a, a % 2, a ^ 2, -a, a .. "s", "s" .. a, a == setmetatable({x = 1}, V), a < b, b <= a, a(10), tostring(a), a ~= b`),
  [3, -1, 'mul', 'div', 'mod', 'pow', -1, 'cat', 'cat', true, true, false, 11, 'V(1)', true]);
  // __le falls back to not __lt(b, a)
  assert.deepEqual(run(`local M = {__lt = function(a, b) return a.v < b.v end}
    local a, b = setmetatable({v = 1}, M), setmetatable({v = 2}, M) return a <= b, b <= a, a > b, b >= a`), [true, false, false, true]);
  // __eq only between two tables with the same metamethod
  assert.deepEqual(run(`local e = function() return true end
    local a, b, c = setmetatable({}, {__eq = e}), setmetatable({}, {__eq = e}), setmetatable({}, {__eq = function() return true end})
    return a == b, a == c, a == 1`), [true, false, false]);
  assert.deepEqual(run(`local t = setmetatable({}, {__metatable = "locked"}) return getmetatable(t), pcall(setmetatable, t, {})`),
    ['locked', false, 'cannot change a protected metatable']);
  assert.deepEqual(run(`local mt = {} local t = setmetatable({}, mt) return getmetatable(t) == mt, getmetatable("x"), getmetatable(1)`), [true, undefined, undefined]);
  // # ignores __len on tables in 5.1
  assert.deepEqual(run(`return #setmetatable({1, 2}, {__len = function() return 99 end})`), [2]);
  assert.equal(err(`local t = setmetatable({}, {}) t.__index = t setmetatable(t, t) return t.x`), 'user_script:1: loop in gettable');
});

test('runtime error messages with variable names', () => {
  assert.equal(err('return x.y'), "user_script:1: attempt to index global 'x' (a nil value)");
  assert.equal(err('local x\nreturn x.y'), "user_script:2: attempt to index local 'x' (a nil value)");
  assert.equal(err('local t = {}\nreturn t.a.b'), "user_script:2: attempt to index field 'a' (a nil value)");
  assert.equal(err('local t = {}\nt.a.b = 1'), "user_script:2: attempt to index field 'a' (a nil value)");
  assert.equal(err('local u\nlocal function f() return u.x end\nreturn f()'), "user_script:2: attempt to index upvalue 'u' (a nil value)");
  assert.equal(err('f()'), "user_script:1: attempt to call global 'f' (a nil value)");
  assert.equal(err('local t = {}\n\nt.m()'), "user_script:3: attempt to call field 'm' (a nil value)");
  assert.equal(err('local t = {}\nt:m()'), "user_script:2: attempt to call method 'm' (a nil value)");
  assert.equal(err('local t = {} t[1]()'), "user_script:1: attempt to call field '?' (a nil value)");
  assert.equal(err('local a = {} return a + 1'), "user_script:1: attempt to perform arithmetic on local 'a' (a table value)");
  assert.equal(err('local a = 1 return a + {}'), 'user_script:1: attempt to perform arithmetic on a table value');
  assert.equal(err('return -x'), "user_script:1: attempt to perform arithmetic on global 'x' (a nil value)");
  assert.equal(err('return "abc" + 1'), "user_script:1: attempt to perform arithmetic on a string value");
  assert.equal(err('return "a" .. x'), "user_script:1: attempt to concatenate global 'x' (a nil value)");
  assert.equal(err('local t = {} return t.name .. "x"'), "user_script:1: attempt to concatenate field 'name' (a nil value)");
  assert.equal(err('return {} .. "x"'), 'user_script:1: attempt to concatenate a table value');
  assert.equal(err('return 1 < nil'), 'user_script:1: attempt to compare number with nil');
  assert.equal(err('return 1 > nil'), 'user_script:1: attempt to compare nil with number');
  assert.equal(err('return {} < {}'), 'user_script:1: attempt to compare two table values');
  assert.equal(err('return "a" < 1'), 'user_script:1: attempt to compare string with number');
  assert.equal(err('return #nil'), 'user_script:1: attempt to get length of a nil value');
  assert.equal(err('local n return #n'), "user_script:1: attempt to get length of local 'n' (a nil value)");
  assert.equal(err('for i = "a", 2 do end'), "user_script:1: 'for' initial value must be a number");
  assert.equal(err('for i = 1, {} do end'), "user_script:1: 'for' limit must be a number");
  assert.equal(err('for i = 1, 2, nil do end'), "user_script:1: 'for' step must be a number");
  assert.equal(err('for k in nil do end'), 'user_script:1: attempt to call a nil value');
  assert.equal(err('local t = {}\nt.x.y.z = 1'), "user_script:2: attempt to index field 'x' (a nil value)");
  const L = new LuaState();
  L.stringMeta = new LuaTable();
  L.stringMeta.set('__index', new LuaTable());
  assert.equal(err('local s = "x"\nreturn s.y.z', L), "user_script:2: attempt to index field 'y' (a nil value)");
  assert.equal(err('local s = "x"\nreturn s:nope()', L), "user_script:2: attempt to call method 'nope' (a nil value)");
  assert.equal(err('local n = 5\nreturn n.x'), "user_script:2: attempt to index local 'n' (a number value)");
});

test('chunk names', () => {
  const L = new LuaState();
  assert.throws(() => L.call(L.load('return x.y', 'user_script'), []), (e: LuaError) => e.value === "user_script:1: attempt to index global 'x' (a nil value)");
  assert.throws(() => L.call(L.load('\nreturn x.y', '@user_function'), []), (e: LuaError) => e.value === "user_function:2: attempt to index global 'x' (a nil value)");
  assert.deepEqual(run('local f, e = loadstring("x = ") return f, e'), [undefined, `[string "x = "]:1: unexpected symbol near '<eof>'`]);
  assert.deepEqual(run('local f, e = loadstring("return 1 +", "=mine") return e'), [`mine:1: unexpected symbol near '<eof>'`]);
  assert.deepEqual(run('local f = loadstring("return 1 + ...") return f(41)'), [42]);
  assert.deepEqual(run('local f, e = loadstring("error(\'x\')") return pcall(f)'), [false, '[string "error(\'x\')"]:1: x']);
});

test('syntax errors', () => {
  const syn = (src: string) => {
    const L = new LuaState();
    try { L.load(src, '@user_script'); } catch (e) { return (e as LuaError).value; }
    return 'no error';
  };
  assert.equal(syn('a, c b'), "user_script:1: '=' expected near 'b'");
  assert.equal(syn('local a b'), "user_script:1: '=' expected near '<eof>'");
  assert.equal(syn('(f)'), "user_script:1: syntax error near '<eof>'");
  assert.equal(syn('a, f() = 1'), "user_script:1: syntax error near '='");
  assert.equal(syn('x = [[ [[ ]]'), "user_script:1: nesting of [[...]] is deprecated near '['");
  assert.equal(syn('function a:b:c() end'), "user_script:1: '(' expected near ':'");
  assert.equal(syn('do end end'), "user_script:1: '<eof>' expected near 'end'");
  assert.equal(syn('x = 0x'), "user_script:1: malformed number near '0x'");
  assert.equal(syn('x = ~1'), "user_script:1: unexpected symbol near '~'");
  assert.equal(syn('a b'), "user_script:1: '=' expected near 'b'");
  assert.equal(syn('x = = 1'), "user_script:1: unexpected symbol near '='");
  assert.equal(syn('return + 1'), "user_script:1: unexpected symbol near '+'");
  assert.equal(syn('function f()\nreturn 1'), "user_script:2: 'end' expected (to close 'function' at line 1) near '<eof>'");
  assert.equal(syn('if x then'), "user_script:1: 'end' expected near '<eof>'");
  assert.equal(syn('x = "abc\nfoo"'), `user_script:1: unfinished string near '"abc'`);
  assert.equal(syn('x = "abc'), "user_script:1: unfinished string near '<eof>'");
  assert.equal(syn('x = 3x'), "user_script:1: malformed number near '3x'");
  assert.equal(syn('x = 1..2'), "user_script:1: malformed number near '1..2'");
  assert.equal(syn('x'), "user_script:1: '=' expected near '<eof>'");
  assert.equal(syn('f() = 1'), "user_script:1: unexpected symbol near '='");
  assert.equal(syn('break'), "user_script:1: no loop to break near '<eof>'");
  assert.equal(syn('return 1 x = 2'), "user_script:1: 'end' expected near 'x'".replace("'end'", "'<eof>'"));
  assert.equal(syn('local function f() return ... end'), "user_script:1: cannot use '...' outside a vararg function near '...'");
  assert.equal(syn('for i do end'), "user_script:1: '=' or 'in' expected near 'do'");
  assert.equal(syn('x = [==[ abc'), "user_script:1: unfinished long string near '<eof>'");
  assert.equal(syn('x = "\\300"'), `user_script:1: escape sequence too large near '"'`);
  assert.equal(syn('f\n(1)'), 'user_script:2: ambiguous syntax (function call x new statement) near \'(\'');
  assert.equal(syn('local t = {1, 2'), "user_script:1: '}' expected near '<eof>'");
  assert.equal(syn('x = }'), "user_script:1: unexpected symbol near '}'");
  assert.equal(syn('a.b:c = 1'), "user_script:1: function arguments expected near '='");
  assert.equal(syn('x = 1 @'), "user_script:1: unexpected symbol near '@'");
  assert.equal(syn('x = [=='), "user_script:1: invalid long string delimiter near '[=='");
  assert.equal(syn('x = 3..4'), "user_script:1: malformed number near '3..4'");
  assert.equal(syn('return ' + '('.repeat(250) + '1' + ')'.repeat(250)), 'user_script:1: chunk has too many syntax levels');
  assert.equal(syn('return 1' + ' .. 1'.repeat(300)), 'user_script:1: chunk has too many syntax levels');
  assert.equal(syn('do '.repeat(300) + 'end '.repeat(300)), 'user_script:1: chunk has too many syntax levels');
  assert.equal(syn('return ' + '('.repeat(150) + '1' + ')'.repeat(150)), 'no error');
});

test('error, pcall, xpcall and levels', () => {
  assert.equal(err('error("boom")'), 'user_script:1: boom');
  assert.equal(err('error("boom", 0)'), 'boom');
  assert.equal(err('error(42)'), 'user_script:1: 42');
  const t = err('error({code = 7})');
  assert.ok(t instanceof LuaTable && t.get('code') === 7);
  assert.equal(err('error()'), undefined);
  assert.deepEqual(run('return pcall(error, "x")'), [false, 'x']);
  assert.deepEqual(run('return pcall(error)'), [false, undefined]);
  assert.deepEqual(run('local ok, e = pcall(function() error({1, 2}) end) return ok, type(e), e[2]'), [false, 'table', 2]);
  assert.deepEqual(run('local function f() error("lvl2", 2) end\nlocal ok, e = pcall(function()\n\n f()\n end) return e'), ['user_script:4: lvl2']);
  assert.deepEqual(run('local function f()\n error("lvl1")\n end local ok, e = pcall(f) return e'), ['user_script:2: lvl1']);
  assert.deepEqual(run('local ok, e = pcall(function() local x = nil; return x.y end) return e'), ["user_script:1: attempt to index local 'x' (a nil value)"]);
  assert.deepEqual(run('return pcall(function(...) return ... end, 1, 2)'), [true, 1, 2]);
  assert.deepEqual(run('return xpcall(function() error("e1") end, function(m) return "handled: " .. m end)'), [false, 'handled: user_script:1: e1']);
  assert.deepEqual(run('return xpcall(function() return 1, 2 end, print)'), [true, 1, 2]);
  assert.deepEqual(run('return select("#", pcall(error))'), [2]);
  assert.deepEqual(run('local ok, e = pcall(assert, false) return e'), ['assertion failed!']);
  assert.equal(err('assert(false, "custom")'), 'user_script:1: custom');
  assert.equal(err('assert(nil)'), 'user_script:1: assertion failed!');
  assert.deepEqual(run('return assert(1, 2, 3)'), [1, 2, 3]);
  // pcall does not catch LuaUncatchable
  const L = new LuaState();
  L.globals.set('kill', () => { throw new LuaUncatchable('killed'); });
  assert.throws(() => run('pcall(kill) return 1', L), (e: unknown) => e instanceof LuaUncatchable);
});

test('base library argument errors', () => {
  assert.equal(err('return select(0, 1)'), "user_script:1: bad argument #1 to 'select' (index out of range)");
  assert.equal(err('return select(-5, 1)'), "user_script:1: bad argument #1 to 'select' (index out of range)");
  assert.equal(err('return select("x")'), "user_script:1: bad argument #1 to 'select' (number expected, got string)");
  assert.equal(err('return ipairs()'), "user_script:1: bad argument #1 to 'ipairs' (table expected, got no value)");
  assert.equal(err('return ipairs(nil)'), "user_script:1: bad argument #1 to 'ipairs' (table expected, got nil)");
  assert.equal(err('return setmetatable(1, {})'), "user_script:1: bad argument #1 to 'setmetatable' (table expected, got number)");
  assert.equal(err('return setmetatable({}, 1)'), "user_script:1: bad argument #2 to 'setmetatable' (nil or table expected)");
  assert.equal(err('return type()'), "user_script:1: bad argument #1 to 'type' (value expected)");
  assert.equal(err('return tonumber("10", 99)'), "user_script:1: bad argument #2 to 'tonumber' (base out of range)");
  assert.equal(err('return unpack({}, 1, 1e6)'), 'user_script:1: too many results to unpack');
  assert.equal(err('return next({}, "nope")'), "invalid key to 'next'");
});

test('base library functions', () => {
  assert.deepEqual(run('return type(1), type("s"), type({}), type(print), type(nil), type(true)'), ['number', 'string', 'table', 'function', 'nil', 'boolean']);
  assert.deepEqual(run('return tonumber("10"), tonumber("0x1F"), tonumber("  12  "), tonumber("1e2"), tonumber("abc"), tonumber("ff", 16), tonumber("777", 8), tonumber("zz", 36), tonumber("9", 8), tonumber(nil)'),
    [10, 31, 12, 100, undefined, 255, 511, 1295, undefined, undefined]);
  assert.deepEqual(run('return tostring(nil), tostring(true), tostring(12), tostring("s")'), ['nil', 'true', '12', 's']);
  const [a, b, c] = run('local t = {} return tostring(t), tostring(t), tostring({})') as string[];
  assert.match(a, /^table: 0x[0-9a-f]+$/);
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.match(run('return tostring(print)')[0] as string, /^function: 0x[0-9a-f]+$/);
  assert.deepEqual(run('return _VERSION, _G._G == _G, _G.type == type'), ['Lua 5.1', true, true]);
  assert.deepEqual(run('x = 5 return _G.x, rawget(_G, "x")'), [5, 5]);
  assert.equal(typeof run('return collectgarbage("count")')[0], 'number');
  assert.deepEqual(run('return collectgarbage(), collectgarbage("collect")'), [0, 0]);
  assert.equal(err('collectgarbage("bogus")'), "user_script:1: bad argument #1 to 'collectgarbage' (invalid option 'bogus')");
  assert.equal(typeof run('return gcinfo()')[0], 'number');
  const L = new LuaState();
  const lines: string[] = [];
  L.printSink = (s) => lines.push(s);
  run('print(1, "a", nil, true, 1.5)', L);
  assert.deepEqual(lines, ['1\ta\tnil\ttrue\t1.5']);
});

test('stack overflow becomes a Lua error', () => {
  const e = err('local function r() return 1 + r() end return r()');
  assert.match(String(e), /^user_script:1: stack overflow/);
  assert.deepEqual(run('local function r() return 1 + r() end local ok, e = pcall(r) return ok, (string and 1) or 1'), [false, 1]);
});

test('budget hook at loop back-edges and function entries', () => {
  const L = new LuaState();
  let calls = 0;
  L.hookEvery = 100;
  L.budget = 100;
  L.onBudget = () => { calls++; if (calls >= 5) throw new LuaUncatchable('Script killed'); };
  assert.throws(() => run('while true do end', L), (e: unknown) => e instanceof LuaUncatchable && e.value === 'Script killed');
  assert.equal(calls, 5);
  // pcall cannot catch it
  calls = 0;
  L.budget = 100;
  assert.throws(() => run('pcall(function() while true do end end) return 1', L), (e: unknown) => e instanceof LuaUncatchable);
  // function entries count too
  calls = 0;
  L.budget = 100;
  L.onBudget = () => { calls++; };
  run('local function f() end for i = 1, 1000 do f() end', L);
  assert.ok(calls >= 10, `hook ran ${calls} times`);
});

test('argument check helpers for libraries', () => {
  const L = new LuaState();
  L.globals.set('rep', (...args: LuaValue[]) => {
    const s = checkString(args, 0, 'rep');
    const n = checkInt(args, 1, 'rep');
    return [s.repeat(n)];
  });
  L.globals.set('tt', (...args: LuaValue[]) => { checkTable(args, 0, 'tt'); return [optNumber(args, 1, 'tt', 7), optString(args, 2, 'tt', 'd')]; });
  L.globals.set('num', (...args: LuaValue[]) => [checkNumber(args, 0, 'num')]);
  L.globals.set('bad', () => argError('bad', 2, 'custom problem'));
  assert.deepEqual(run('return rep("ab", 3), rep(5, "2")', L), ['ababab', '55']);
  assert.equal(err('return rep("x")', L), "user_script:1: bad argument #2 to 'rep' (number expected, got no value)");
  assert.equal(err('\nreturn rep({}, 1)', L), "user_script:2: bad argument #1 to 'rep' (string expected, got table)");
  assert.equal(err('return num("abc")', L), "user_script:1: bad argument #1 to 'num' (number expected, got string)");
  assert.deepEqual(run('return tt({}), tt({}, "3", 4)', L), [7, 3, '4']);
  assert.equal(err('return tt({}, {})', L), "user_script:1: bad argument #2 to 'tt' (number expected, got table)");
  assert.equal(err('return bad()', L), "user_script:1: bad argument #2 to 'bad' (custom problem)");
  assert.deepEqual(run('return pcall(rep)', L), [false, "bad argument #1 to 'rep' (string expected, got no value)"]);
});

test('LuaState.call with __call values and JS functions', () => {
  const L = new LuaState();
  const f = L.load('return setmetatable({}, {__call = function(self, a, b) return a + b end})', '=t');
  const callable = L.call(f, [])[0];
  assert.deepEqual(L.call(callable, [2, 3]), [5]);
  assert.throws(() => L.call(undefined, []), (e: LuaError) => e.value === 'attempt to call a nil value');
  const g = L.load('local a, b = ... return b, a', '=t');
  assert.deepEqual(L.call(g, ['x', 'y']), ['y', 'x']);
});

test('agrees with the reference Lua 5.1.5 interpreter', async () => {
  const { REFERENCE_CASES } = await import('./lua-core-cases.js');
  const { openAll } = await import('../src/lua/lib/index.js');
  const q = (s: string) => '"' + s.replace(/[\x00-\x1f"\\\x7f-\xff]/g, (c) => '\\' + c.charCodeAt(0)) + '"';
  const ser = (v: LuaValue): string => typeof v === 'string' ? q(v) : typeof v === 'number' ? numberToString(v)
    : v === undefined ? 'nil' : typeof v === 'boolean' ? String(v) : v instanceof LuaTable ? 'table' : typeof v === 'function' ? 'function' : 'userdata';
  const failures: string[] = [];
  for (const [src, expected] of REFERENCE_CASES) {
    const L = new LuaState();
    openAll(L);
    let got: string;
    try {
      const f = L.load(src, '@user_script');
      try { got = ['true', ...L.call(f, []).map(ser)].join(','); } catch (e) { got = 'false,' + ser((e as LuaError).value); }
    } catch (e) {
      got = 'SYNTAX ' + q(String((e as LuaError).value));
    }
    if (got !== expected) failures.push(`${src}\n  got:      ${got}\n  expected: ${expected}`);
  }
  assert.equal(failures.length, 0, failures.join('\n'));
});

test('method lookup: own fields, big tables, __index tables and functions, strings', () => {
  assert.deepEqual(run(`local C = {} C.__index = C function C:m() return "class" end
    local o = setmetatable({}, C) for i = 1, 300 do o["k" .. i] = i end
    local r1 = o:m()
    o.m = function() return "own" end
    local r2 = o:m()
    o.m = nil
    return r1, r2, o:m(), o.k300`), ['class', 'own', 'class', 300]);
  assert.deepEqual(run(`local o = setmetatable({}, {__index = function(t, k) return function(self, x) return k .. x end end}) return o:hello("!")`), ['hello!']);
  assert.deepEqual(run(`local B = {} B.__index = B function B:who() return "base" end
    local D = setmetatable({}, B) D.__index = D
    local o = setmetatable({}, D) return o:who()`), ['base']);
  const L = new LuaState();
  const strlib = new LuaTable();
  strlib.set('twice', (s: LuaValue) => [String(s) + String(s)]);
  L.stringMeta = new LuaTable();
  L.stringMeta.set('__index', strlib);
  assert.deepEqual(run('local s = "ab" return s:twice(), ("x"):twice()', L), ['abab', 'xx']);
  assert.equal(err('return ("x"):nope()', L), "user_script:1: attempt to call method 'nope' (a nil value)");
  assert.equal(err('local n = 5 return n:foo()'), "user_script:1: attempt to index local 'n' (a number value)");
  assert.equal(err('local t = {} return t:foo()'), "user_script:1: attempt to call method 'foo' (a nil value)");
});

test('unpack fits results within the 8000-slot C stack', () => {
  assert.deepEqual(run('local a = {} for i = 1, 7999 do a[i] = i end return select("#", unpack(a))'), [7999]);
  assert.equal(err('local a = {} for i = 1, 8000 do a[i] = i end return unpack(a)'), 'user_script:1: too many results to unpack');
  assert.deepEqual(run('local a = {} for i = 1, 9000 do a[i] = i end return select("#", unpack(a, 1, 7997))'), [7997]);
  assert.equal(err('local a = {} return unpack(a, 1, 7998)'), 'user_script:1: too many results to unpack');
});

test('LuaState.error and where from host functions', () => {
  const L = new LuaState();
  L.globals.set('fail', (...args: LuaValue[]) => L.error(`failed ${String(args[0])}`));
  L.globals.set('fail2', () => L.error('deeper', 2));
  L.globals.set('pos', () => [L.where(1)]);
  assert.equal(err('\n\nfail(1)', L), 'user_script:3: failed 1');
  assert.equal(err('local function f()\n  fail2()\nend\n\nf()', L), 'user_script:5: deeper');
  assert.deepEqual(run('local x = 1\nreturn pos()', L), ['user_script:2: ']);
  assert.deepEqual(run('return pcall(fail, 2)', L), [false, 'failed 2']);
  // a chunk loaded from another chunk reports its own name and lines
  assert.deepEqual(run('local f = loadstring("\\nfail(3)", "=inner") return pcall(f)', L), [false, 'inner:2: failed 3']);
});
