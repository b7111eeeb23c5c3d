// Tests of the Lua 5.1 libraries Valkey scripts get (src/lua/lib/*): string (patterns, format), table,
// math (Valkey's PRNG), os, cjson, cmsgpack, bit, struct.
//
// Most cases are differential: each Lua expression below was run by the real thing (Lua 5.1.5 as bundled
// with Valkey for string/table/math, EVAL on valkey-server for cjson/cmsgpack/bit/struct/math.random)
// and its results, serialised by the Lua prelude, are the expected text, byte for byte, error messages
// and positions included.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LuaState } from '../src/lua/state.js';
import { CJSON_NULL, lrand48, lrand48Seed, openAll } from '../src/lua/lib/index.js';
import { LuaTable, type LuaValue } from '../src/lua/value.js';

const PRELUDE = "local function ser(v)\n  local t = type(v)\n  if t == \"string\" then return string.format(\"%q\", v) end\n  if t == \"table\" then\n    local keys = {}\n    for k, x in pairs(v) do keys[#keys+1] = tostring(k) .. \"=\" .. (type(x) == \"table\" and \"table\" or tostring(x)) end\n    table.sort(keys)\n    return \"{\" .. table.concat(keys, \",\") .. \"}\"\n  end\n  return tostring(v)\nend\nlocal function emit(...)\n  local n = select(\"#\", ...)\n  local out = {}\n  for i = 1, n do out[i] = ser((select(i, ...))) end\n  print(table.concat(out, \"\\t\"))\nend\n";
const HEAD = 'local __lines = {} local function print(s) __lines[#__lines+1] = s end';
const TAIL = 'return table.concat(__lines, "\\n")';

interface Group { title: string; chunk: string; valkey: boolean; cases: [number, string, string][] }

const GROUPS: Group[] = [
 {
  "title": "string",
  "chunk": "str.lua",
  "valkey": false,
  "cases": [
   [
    1,
    "string.byte(\"abc\"), string.byte(\"abc\", 2), string.byte(\"abc\", -1), string.byte(\"abc\", 1, -1), string.byte(\"abc\", 0, 10), string.byte(\"\", 1)",
    "1\ttrue\t97\t98\t99\t97\t97"
   ],
   [
    2,
    "string.byte(\"abc\", 3, 2), string.byte(\"\\255\\0\")",
    "2\ttrue\tnil\t255"
   ],
   [
    3,
    "string.char(), string.char(65, 66, 0, 255), string.char(\"65\")",
    "3\ttrue\t\"\"\t\"AB\\000\u00ff\"\t\"A\""
   ],
   [
    4,
    "string.char(256)",
    "4\tfalse\t\"str.lua:21: bad argument #1 to 'char' (invalid value)\""
   ],
   [
    5,
    "string.char(-1)",
    "5\tfalse\t\"str.lua:22: bad argument #1 to 'char' (invalid value)\""
   ],
   [
    6,
    "string.char(\"x\")",
    "6\tfalse\t\"str.lua:23: bad argument #1 to 'char' (number expected, got string)\""
   ],
   [
    7,
    "string.len(\"abc\\0d\"), string.len(123), (\"x\"):len()",
    "7\ttrue\t5\t3\t1"
   ],
   [
    8,
    "string.len()",
    "8\tfalse\t\"str.lua:25: bad argument #1 to 'len' (string expected, got no value)\""
   ],
   [
    9,
    "string.len({})",
    "9\tfalse\t\"str.lua:26: bad argument #1 to 'len' (string expected, got table)\""
   ],
   [
    10,
    "string.sub(\"hello\", 2), string.sub(\"hello\", -3), string.sub(\"hello\", 2, -2), string.sub(\"hello\", 0), string.sub(\"hello\", 10), string.sub(\"hello\", -100, 2), string.sub(\"hello\", 3, 2), string.sub(\"hello\", 2.7, 3.9)",
    "10\ttrue\t\"ello\"\t\"llo\"\t\"ell\"\t\"hello\"\t\"\"\t\"he\"\t\"\"\t\"el\""
   ],
   [
    11,
    "string.sub(\"hello\")",
    "11\tfalse\t\"str.lua:28: bad argument #2 to 'sub' (number expected, got no value)\""
   ],
   [
    12,
    "string.sub(\"hello\", \"x\")",
    "12\tfalse\t\"str.lua:29: bad argument #2 to 'sub' (number expected, got string)\""
   ],
   [
    13,
    "string.sub(\"hello\", \"2\", \"3\")",
    "13\ttrue\t\"el\""
   ],
   [
    14,
    "string.upper(\"aBc\\200\"), string.lower(\"ABC\\192xY\"), string.reverse(\"abc\"), string.reverse(\"\")",
    "14\ttrue\t\"ABC\u00c8\"\t\"abc\u00c0xy\"\t\"cba\"\t\"\""
   ],
   [
    15,
    "string.rep(\"ab\", 3), string.rep(\"x\", 0), string.rep(\"x\", -1), string.rep(\"\", 5), string.rep(\"ab\", 2.9)",
    "15\ttrue\t\"ababab\"\t\"\"\t\"\"\t\"\"\t\"abab\""
   ],
   [
    16,
    "string.rep(\"x\")",
    "16\tfalse\t\"str.lua:33: bad argument #2 to 'rep' (number expected, got no value)\""
   ],
   [
    17,
    "string.rep()",
    "17\tfalse\t\"str.lua:34: bad argument #1 to 'rep' (string expected, got no value)\""
   ],
   [
    18,
    "string.find(\"hello world\", \"o w\"), string.find(\"hello\", \"l\"), string.find(\"hello\", \"xyz\"), string.find(\"hello\", \"\")",
    "18\ttrue\t5\t3\tnil\t1\t0"
   ],
   [
    19,
    "string.find(\"hello\", \"\", 10), string.find(\"hello\", \"\", 6), string.find(\"hello\", \"l\", -2), string.find(\"hello\", \"h\", -100)",
    "19\ttrue\t6\t6\t4\t1\t1"
   ],
   [
    20,
    "string.find(\"a.b\", \".\", 1, true), string.find(\"a.b\", \"%.\"), string.find(\"a+b\", \"+\", 1, true)",
    "20\ttrue\t2\t2\t2\t2"
   ],
   [
    21,
    "string.find(\"hello\", \"(l)(l)\"), string.find(\"hello\", \"()ll()\"), string.find(\"hello\", \"^h\"), string.find(\"hello\", \"^e\")",
    "21\ttrue\t3\t3\t1\tnil"
   ],
   [
    22,
    "string.find(\"abc\", \"[a-\")",
    "22\tfalse\t\"str.lua:39: malformed pattern (missing ']')\""
   ],
   [
    23,
    "string.find(\"abc\", \"%\")",
    "23\tfalse\t\"str.lua:40: malformed pattern (ends with '%')\""
   ],
   [
    24,
    "string.find(\"abc\", \"(()\")",
    "24\tfalse\t\"str.lua:41: unfinished capture\""
   ],
   [
    25,
    "string.find(\"abc\", \"%1\")",
    "25\tfalse\t\"str.lua:42: invalid capture index\""
   ],
   [
    26,
    "string.find(\"abc\", \"a)\")",
    "26\ttrue\tnil"
   ],
   [
    27,
    "string.find(\"abc\", \"%g\")",
    "27\ttrue\tnil"
   ],
   [
    28,
    "string.match(\"key=value\", \"(%w+)=(%w+)\"), string.match(\"hello\", \".-l\"), string.match(\"hello\", \".*l\"), string.match(\"  trim  \", \"^%s*(.-)%s*$\")",
    "28\ttrue\t\"key\"\t\"hel\"\t\"hell\"\t\"trim\""
   ],
   [
    29,
    "string.match(\"hello\", \"()\"), string.match(\"hello\", \"l+\", 4), string.match(\"2024-01-15\", \"(%d+)-(%d+)-(%d+)\")",
    "29\ttrue\t1\t\"l\"\t\"2024\"\t\"01\"\t\"15\""
   ],
   [
    30,
    "string.match(\"THE (quick) fox\", \"%((%a+)%)\"), string.match(\"f(a(b)c)d\", \"%b()\"), string.match(\"abc\", \"%bx\")",
    "30\tfalse\t\"str.lua:47: unbalanced pattern\""
   ],
   [
    31,
    "string.match(\"THE (quick) fox\", \"%f[%a]%a+\", 5), string.match(\"hello world\", \"%f[%w]%w+$\")",
    "31\ttrue\t\"quick\"\t\"world\""
   ],
   [
    32,
    "string.match(\"aaa\", \"^(a*)%1$\"), string.match(\"abab\", \"(ab)%1\"), string.match(\"x\", \"()%1\")",
    "32\ttrue\tnil\t\"ab\"\tnil"
   ],
   [
    33,
    "string.match(\"[]\", \"[]]\"), string.match(\"a]\", \"[]a]+\"), string.match(\"^x\", \"[%^x]+\"), string.match(\"a-z\", \"[a%-z]+\")",
    "33\ttrue\t\"]\"\t\"a]\"\t\"^x\"\t\"a-z\""
   ],
   [
    34,
    "string.match(\"\\0abc\", \"%z\"), string.match(\"a\\0b\", \"a%zb\"), string.match(\"ABCdef123\", \"%u+\"), string.match(\"abc\", \"%A\")",
    "34\ttrue\t\"\\000\"\t\"a\\000b\"\t\"ABC\"\tnil"
   ],
   [
    35,
    "string.match(\"abc\", \"[^%l]\"), string.match(\"x1y2\", \"[%d]\"), string.match(\"hello\", \"h?ello\"), string.match(\"ello\", \"h?ello\")",
    "35\ttrue\tnil\t\"1\"\t\"hello\"\t\"ello\""
   ],
   [
    36,
    "string.match(\" \\t\\n x\", \"%s+\"), string.match(\"!@#abc\", \"%p+\"), string.match(\"\\1\\2abc\", \"%c+\"), string.match(\"0x1F\", \"0x(%x+)\")",
    "36\ttrue\t\" \t\\\n \"\t\"!@#\"\t\"\u0001\u0002\"\t\"1F\""
   ],
   [
    37,
    "string.match(\"hello\", \"(h)(e)(l)(l)(o)\")",
    "37\ttrue\t\"h\"\t\"e\"\t\"l\"\t\"l\"\t\"o\""
   ],
   [
    38,
    "string.match(string.rep(\"a\", 40), string.rep(\"(a)\", 33))",
    "38\tfalse\t\"str.lua:55: too many captures\""
   ],
   [
    39,
    "string.gsub(\"hello world\", \"o\", \"0\"), string.gsub(\"hello\", \"\", \"-\"), string.gsub(\"abc\", \"%w\", \"%0%0\"), string.gsub(\"hello world\", \"(%w+)\", \"<%1>\")",
    "39\ttrue\t\"hell0 w0rld\"\t\"-h-e-l-l-o-\"\t\"aabbcc\"\t\"<hello> <world>\"\t2"
   ],
   [
    40,
    "string.gsub(\"abc\", \"b\", \"%%\"), string.gsub(\"abc\", \"b\", \"%x\"), string.gsub(\"hello\", \"l\", \"L\", 1), string.gsub(\"hello\", \"l\", \"L\", 0), string.gsub(\"hello\", \"l\", \"L\", -1)",
    "40\ttrue\t\"a%c\"\t\"axc\"\t\"heLlo\"\t\"hello\"\t\"hello\"\t0"
   ],
   [
    41,
    "string.gsub(\"abc\", \"^a\", \"x\"), string.gsub(\"aaa\", \"^a\", \"x\"), string.gsub(\"abc\", \"$\", \"!\"), string.gsub(\"abc\", \".\", {a=1, b=true}), string.gsub(\"abc\", \"%w\", function(c) if c == \"b\" then return false end return c:upper() end)",
    "41\tfalse\t\"str.lua:58: invalid replacement value (a boolean)\""
   ],
   [
    42,
    "string.gsub(\"abc\", \"(b)\", \"%2\")",
    "42\tfalse\t\"str.lua:59: invalid capture index\""
   ],
   [
    43,
    "string.gsub(\"abc\", \"b\", {b={}})",
    "43\tfalse\t\"str.lua:60: invalid replacement value (a table)\""
   ],
   [
    44,
    "string.gsub(\"abc\", \"b\", true)",
    "44\tfalse\t\"str.lua:61: bad argument #3 to 'gsub' (string/function/table expected)\""
   ],
   [
    45,
    "string.gsub(\"abc\", \"b\")",
    "45\tfalse\t\"str.lua:62: bad argument #3 to 'gsub' (string/function/table expected)\""
   ],
   [
    46,
    "string.gsub(\"x = 1, y = 2\", \"(%w+) = (%w+)\", \"%2 = %1\"), string.gsub(\"abc\", \"\", \"x\", 2), string.gsub(\"hello\", \"l+\", function() end), string.gsub(\"abc\", \"b\", 5)",
    "46\ttrue\t\"1 = x, 2 = y\"\t\"xaxbc\"\t\"hello\"\t\"a5c\"\t1"
   ],
   [
    47,
    "string.gsub(\"abc\", \"b\", \"%\"), string.gsub(\"a.b.c\", \"%.\", \"/\"), string.gsub(\"  x  \", \"^%s+\", \"\"), string.gsub(\"one two\", \"(%w+) (%w+)\", \"%0 %0\")",
    "47\ttrue\t\"a\\000c\"\t\"a/b/c\"\t\"x  \"\t\"one two one two\"\t1"
   ],
   [
    48,
    "string.format(\"%d %5d %-5d| %05d %+d % d\", 42, 42, 42, 42, 42, 42)",
    "48\ttrue\t\"42    42 42   | 00042 +42  42\""
   ],
   [
    49,
    "string.format(\"%d\", 3.7), string.format(\"%d\", -3.7), string.format(\"%d\", \"12\"), string.format(\"%i\", 2^31), string.format(\"%d\", 2^53+1), string.format(\"%d\", -2^63), string.format(\"%d\", 1e100)",
    "49\ttrue\t\"3\"\t\"-3\"\t\"12\"\t\"2147483648\"\t\"9007199254740992\"\t\"-9223372036854775808\"\t\"-9223372036854775808\""
   ],
   [
    50,
    "string.format(\"%x %X %o %#x %#o %u\", 255, 255, 8, 255, 8, 3000000000)",
    "50\ttrue\t\"ff FF 10 0xff 010 3000000000\""
   ],
   [
    51,
    "string.format(\"%x\", -1), string.format(\"%u\", -1), string.format(\"%5.3x\", 10), string.format(\"%.0x\", 0), string.format(\"%#.0o\", 0)",
    "51\ttrue\t\"ffffffffffffffff\"\t\"18446744073709551615\"\t\"  00a\"\t\"\"\t\"0\""
   ],
   [
    52,
    "string.format(\"%f %.2f %10.3f %-10.1f| %+.1f %e %.3E %g %g %g %g\", 3.14159, 2.005, 1/3, 2.5, 1, 12345.678, 0.000123, 100000, 1000000, 1e-5, 0.0001)",
    "52\ttrue\t\"3.141590 2.00      0.333 2.5       | +1.0 1.234568e+04 1.230E-04 100000 1e+06 1e-05 0.0001\""
   ],
   [
    53,
    "string.format(\"%.0f %.0f %.0f %.1f %.1f %.2f\", 0.5, 1.5, 2.5, 0.05, 0.25, 1.005)",
    "53\ttrue\t\"0 2 2 0.1 0.2 1.00\""
   ],
   [
    54,
    "string.format(\"%g %g %g %.3g %.10g %#g %G\", 0.1, 1/3, 2^60, 1234567, 1/3, 1, 1e-10)",
    "54\ttrue\t\"0.1 0.333333 1.15292e+18 1.23e+06 0.3333333333 1.00000 1E-10\""
   ],
   [
    55,
    "string.format(\"%.14g %.14g %.14g %.14g\", 100000000000005, 123456789012345, 0.1+0.2, 1e15)",
    "55\ttrue\t\"1e+14 1.2345678901234e+14 0.3 1e+15\""
   ],
   [
    56,
    "string.format(\"%5.1s|%-5s|%5s|%.0s|%s\", \"abc\", \"ab\", \"ab\", \"abc\", 12.5)",
    "56\ttrue\t\"    a|ab   |   ab||12.5\""
   ],
   [
    57,
    "string.format(\"%s %s %s\", 1, 1.5, -0.0), string.format(\"%10.4s|\", \"abcdefgh\"), string.format(\"%%\"), string.format(\"a%%b%s\", \"c\")",
    "57\ttrue\t\"1 1.5 -0\"\t\"      abcd|\"\t\"%\"\t\"a%bc\""
   ],
   [
    58,
    "string.format(\"%q\", \"line1\\nline2\\0end\\r\\\"q\\\"\\\\\"), string.format(\"%q\", 12), string.format(\"%c%c%c\", 72, 105, 256+33)",
    "58\ttrue\t\"\\\"line1\\\\\\\nline2\\\\000end\\\\r\\\\\\\"q\\\\\\\"\\\\\\\\\\\"\"\t\"\\\"12\\\"\"\t\"Hi!\""
   ],
   [
    59,
    "string.format(\"%s\", string.rep(\"x\", 150)):len(), string.format(\"%5s\", \"a\\0b\"), string.format(\"%s\", \"a\\0b\")",
    "59\ttrue\t150\t\"    a\"\t\"a\""
   ],
   [
    60,
    "string.format(\"%y\", 1)",
    "60\tfalse\t\"str.lua:77: invalid option '%y' to 'format'\""
   ],
   [
    61,
    "string.format(\"%d\", \"x\")",
    "61\tfalse\t\"str.lua:78: bad argument #2 to 'format' (number expected, got string)\""
   ],
   [
    62,
    "string.format(\"%d\")",
    "62\tfalse\t\"str.lua:79: bad argument #2 to 'format' (no value)\""
   ],
   [
    63,
    "string.format(\"%s\")",
    "63\tfalse\t\"str.lua:80: bad argument #2 to 'format' (no value)\""
   ],
   [
    64,
    "string.format(\"%s\", {})",
    "64\tfalse\t\"str.lua:81: bad argument #2 to 'format' (string expected, got table)\""
   ],
   [
    65,
    "string.format(\"%123d\", 1)",
    "65\tfalse\t\"str.lua:82: invalid format (width or precision too long)\""
   ],
   [
    66,
    "string.format(\"%-----5d\", 1)",
    "66\ttrue\t\"1    \""
   ],
   [
    67,
    "string.format(\"%\", 1)",
    "67\tfalse\t\"str.lua:84: invalid option '%' to 'format'\""
   ],
   [
    69,
    "string.format(\"%.3f %.20f\", 2^70, 0.1)",
    "69\ttrue\t\"1180591620717411303424.000 0.10000000000000000555\""
   ],
   [
    70,
    "string.format(\"%.99f\", 1):len(), string.format(\"%99.99f\", -1e308):len()",
    "70\ttrue\t101\t410"
   ],
   [
    71,
    "string.format(\"%a\", 1)",
    "71\tfalse\t\"str.lua:88: invalid option '%a' to 'format'\""
   ],
   [
    72,
    "string.gfind ~= nil, string.gmatch ~= nil",
    "72\ttrue\ttrue\ttrue"
   ],
   [
    73,
    "(function() local r = {} for k, v in string.gmatch(\"a=1, b=2\", \"(%w+)=(%w+)\") do r[#r+1] = k .. v end return table.concat(r, \";\") end)()",
    "73\ttrue\t\"a1;b2\""
   ],
   [
    74,
    "(function() local r = {} for w in string.gmatch(\"one two  three\", \"%a+\") do r[#r+1] = w end return table.concat(r, \",\") end)()",
    "74\ttrue\t\"one,two,three\""
   ],
   [
    75,
    "(function() local r = {} for w in string.gmatch(\"abc\", \"\") do r[#r+1] = \"[\" .. w .. \"]\" end return table.concat(r, \",\") end)()",
    "75\ttrue\t\"[],[],[],[]\""
   ],
   [
    76,
    "(function() local r = {} for a, b in string.gmatch(\"abc\", \"()(.)\") do r[#r+1] = a .. b end return table.concat(r, \",\") end)()",
    "76\ttrue\t\"1a,2b,3c\""
   ],
   [
    77,
    "(function() local r = {} for w in string.gmatch(\"^a^a\", \"^a\") do r[#r+1] = w end return #r end)()",
    "77\ttrue\t2"
   ],
   [
    78,
    "string.dump(tostring) ~= nil",
    "78\tfalse\t\"str.lua:95: unable to dump given function\""
   ],
   [
    79,
    "string.dump(1)",
    "79\tfalse\t\"str.lua:96: bad argument #1 to 'dump' (function expected, got number)\""
   ],
   [
    80,
    "(\"%d\"):format(5), (\"abc\"):sub(2), (5):type()",
    "80\tfalse\t\"str.lua:97: attempt to index a number value\""
   ],
   [
    81,
    "#string.dump(function() end) > 0",
    "81\ttrue\ttrue"
   ]
  ]
 },
 {
  "title": "patterns",
  "chunk": "pat.lua",
  "valkey": false,
  "cases": [
   [
    1,
    "string.gsub(\"hello world\", \"%w+\", \"%0 %0\", 1), string.gsub(\"abc\", \"%w*\", \"-\"), string.gsub(\"a,b,,c\", \",\", \";\"), string.gsub(\"\", \"\", \"x\"), string.gsub(\"\", \"x*\", \"y\")",
    "1\ttrue\t\"hello hello world\"\t\"--\"\t\"a;b;;c\"\t\"x\"\t\"y\"\t1"
   ],
   [
    2,
    "string.gsub(\"abc\", \".-\", \"-\"), string.gsub(\"aaa\", \"a-\", \"x\"), string.gsub(\"abc\", \"a?\", \"!\"), string.gsub(\"path/to/file\", \"[^/]+$\", \"X\")",
    "2\ttrue\t\"-a-b-c-\"\t\"xaxaxax\"\t\"!!b!c!\"\t\"path/to/X\"\t1"
   ],
   [
    3,
    "string.find(\"a\\0b\\0c\", \"\\0\", 1, true), string.find(\"a\\0b\", \"b\\0\"), string.find(\"abc\", \"b\\0zzz\"), string.match(\"a\\0b\", \"(.)%z(.)\")",
    "3\ttrue\t2\tnil\tnil\t\"a\"\t\"b\""
   ],
   [
    4,
    "string.find(\"aXb\", \"%u\"), string.find(\"x\", \"[%]]\"), string.find(\"]\", \"[]]\"), string.find(\"-\", \"[a-]\"), string.find(\"b\", \"[a-c]\"), string.find(\"-\", \"[-a]\")",
    "4\ttrue\t2\tnil\t1\t1\t1\t1\t1"
   ],
   [
    5,
    "string.match(\"hello\", \"(h)(.-)(o)\"), string.match(\"key = val\", \"^(%w+)%s*=%s*(%w+)$\"), string.match(\"aaab\", \"a-b\"), string.match(\"aaab\", \"^a-$\")",
    "5\ttrue\t\"h\"\t\"key\"\t\"aaab\"\tnil"
   ],
   [
    6,
    "string.match(\"x\", \"x$$\"), string.match(\"x$\", \"x$$\"), string.match(\"$\", \"^$\"), string.match(\"\", \"^$\"), string.match(\"a\", \"^$\")",
    "6\ttrue\tnil\t\"x$\"\tnil\t\"\"\tnil"
   ],
   [
    7,
    "string.match(\"[[x]]\", \"%[%[(.-)%]%]\"), string.match(\"ab\", \"%bab\"), string.match(\"((a)\", \"%b()\"), string.match(\"a(b(c)d)e\", \"%b()\", 3)",
    "7\ttrue\t\"x\"\t\"ab\"\t\"(a)\"\t\"(c)\""
   ],
   [
    8,
    "string.match(\"THE END\", \"%f[%l]\"), string.match(\"hello\", \"%f[%z]\"), string.match(\"hello\", \".%f[%z]\"), string.match(\"abc\", \"%f[^%z]\")",
    "8\ttrue\tnil\t\"\"\t\"o\"\t\"\""
   ],
   [
    9,
    "string.find(\"abc\", \"[\")",
    "9\tfalse\t\"pat.lua:26: malformed pattern (missing ']')\""
   ],
   [
    10,
    "string.find(\"abc\", \"[^\")",
    "10\tfalse\t\"pat.lua:27: malformed pattern (missing ']')\""
   ],
   [
    11,
    "string.find(\"abc\", \"[a\")",
    "11\tfalse\t\"pat.lua:28: malformed pattern (missing ']')\""
   ],
   [
    12,
    "string.find(\"abc\", \"%f\")",
    "12\tfalse\t\"pat.lua:29: missing '[' after '%f' in pattern\""
   ],
   [
    13,
    "string.find(\"abc\", \"%fa\")",
    "13\tfalse\t\"pat.lua:30: missing '[' after '%f' in pattern\""
   ],
   [
    14,
    "string.find(\"abc\", \"%b\")",
    "14\tfalse\t\"pat.lua:31: unbalanced pattern\""
   ],
   [
    15,
    "string.find(\"abc\", \"%ba\")",
    "15\tfalse\t\"pat.lua:32: unbalanced pattern\""
   ],
   [
    16,
    "string.match(\"abc\", \"(a\")",
    "16\tfalse\t\"pat.lua:33: unfinished capture\""
   ],
   [
    17,
    "string.match(\"abc\", \"a)\")",
    "17\tfalse\t\"pat.lua:34: invalid pattern capture\""
   ],
   [
    18,
    "string.match(\"abc\", \"%0\")",
    "18\tfalse\t\"pat.lua:35: invalid capture index\""
   ],
   [
    19,
    "string.gsub(\"abc\", \"(a)\", \"%2\")",
    "19\tfalse\t\"pat.lua:36: invalid capture index\""
   ],
   [
    20,
    "string.gsub(\"abc\", \"a\", \"%0%1\")",
    "20\ttrue\t\"aabc\"\t1"
   ],
   [
    21,
    "string.match(string.rep(\"ab\", 5000), \"(.-)b$\"):len()",
    "21\ttrue\t9999"
   ],
   [
    22,
    "string.gsub(string.rep(\"a b \", 1000), \"%s\", \"\"):len()",
    "22\ttrue\t2000"
   ],
   [
    23,
    "(function() local n = 0 for k in (\"k1=v1;k2=v2;\"):gmatch(\"(%w+)=\") do n = n + 1 end return n end)()",
    "23\ttrue\t2"
   ],
   [
    24,
    "(function() local it = string.gmatch(\"ab\", \".\") return it(), it(), it(), it() end)()",
    "24\ttrue\t\"a\"\t\"b\"\tnil"
   ],
   [
    25,
    "string.format(\"%-+5d|%+-5d|%0-5d|% -5d|%#5x|%#-8o|\", 1, 2, 3, 4, 255, 8)",
    "25\ttrue\t\"+1   |+2   |3    | 4   | 0xff|010     |\""
   ],
   [
    26,
    "string.format(\"%.3d|%.3x|%8.3d|%-8.3d|%08.3d|%+.0d|% .0d\", 7, 7, -7, -7, 7, 0, 0)",
    "26\ttrue\t\"007|007|    -007|-007    |     007|+| \""
   ],
   [
    27,
    "string.format(\"%5.2e|%-12.4E|%+g|% g|%08.3f|%-08.2f|%#.3g|%#x\", 1234.5, -0.000123, 5, 5, -3.14159, 2.5, 1, 0)",
    "27\ttrue\t\"1.23e+03|-1.2300E-04 |+5| 5|-003.142|2.50    |1.00|0\""
   ],
   [
    28,
    "string.format(\"%.15g|%.16g|%.17g|%.20g|%.0e|%#.0e\", 0.1, 0.1, 0.1, 0.1, 12345, 12345)",
    "28\ttrue\t\"0.1|0.1|0.10000000000000001|0.10000000000000000555|1e+04|1.e+04\""
   ],
   [
    29,
    "string.format(\"%g|%g|%g|%g|%g|%g\", 1e15, 1e16, 123456, 1234567, 0.00001234, 9.9999999)",
    "29\ttrue\t\"1e+15|1e+16|123456|1.23457e+06|1.234e-05|10\""
   ],
   [
    30,
    "string.format(\"%.2f|%.2f|%.2f|%.3f|%.1f|%.0f\", 0.125, 0.375, 1.115, 2.0005, 0.95, 1e15 + 0.5)",
    "30\ttrue\t\"0.12|0.38|1.11|2.001|0.9|1000000000000000\""
   ],
   [
    31,
    "string.format(\"%f|%.1f|%.30f\", 1e20, 1e22, 1/3)",
    "31\ttrue\t\"100000000000000000000.000000|10000000000000000000000.0|0.333333333333333314829616256247\""
   ],
   [
    32,
    "string.format(\"%e|%.10e|%g\", 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308)",
    "32\ttrue\t\"4.940656e-324|2.2250738585e-308|1.79769e+308\""
   ],
   [
    33,
    "string.format(\"%c\", 0):len(), string.format(\"x%cy\", 0), string.format(\"%3c|\", 0)",
    "33\ttrue\t0\t\"xy\"\t\"  |\""
   ],
   [
    34,
    "string.format(\"%s|%10s|%-10s|\", \"\\0ab\", \"\\0ab\", \"a\")",
    "34\ttrue\t\"|          |a         |\""
   ],
   [
    35,
    "string.format(\"%i|%5.1i\", 42.9, -3)",
    "35\ttrue\t\"42|   -3\""
   ],
   [
    36,
    "string.format(\"%o|%X|%x\", 2^53, 2^60, -2^53)",
    "36\ttrue\t\"400000000000000000|1000000000000000|ffe0000000000000\""
   ],
   [
    37,
    "string.format(\"%5q\", \"x\")",
    "37\ttrue\t\"\\\"x\\\"\""
   ],
   [
    38,
    "string.format(\"%d %d\", 1)",
    "38\tfalse\t\"pat.lua:55: bad argument #3 to 'format' (no value)\""
   ],
   [
    39,
    "string.rep(\"x\", 2^31)",
    "39\ttrue\t\"\""
   ]
  ]
 },
 {
  "title": "table+math+os",
  "chunk": "tab.lua",
  "valkey": false,
  "cases": [
   [
    1,
    "table.concat({1, 2, \"x\", 3.5}), table.concat({1, 2, 3}, \", \"), table.concat({1, 2, 3}, \", \", 2), table.concat({1, 2, 3}, \", \", 2, 3), table.concat({}, \"x\"), table.concat({1, 2}, \"-\", 3), table.concat({1,2,3}, nil, 3, 3)",
    "1\ttrue\t\"12x3.5\"\t\"1, 2, 3\"\t\"2, 3\"\t\"2, 3\"\t\"\"\t\"\"\t\"3\""
   ],
   [
    2,
    "table.concat({1, {}, 3})",
    "2\tfalse\t\"tab.lua:19: invalid value (table) at index 2 in table for 'concat'\""
   ],
   [
    3,
    "table.concat({1, 2}, \"-\", 1, 3)",
    "3\tfalse\t\"tab.lua:20: invalid value (nil) at index 3 in table for 'concat'\""
   ],
   [
    4,
    "table.concat(\"x\")",
    "4\tfalse\t\"tab.lua:21: bad argument #1 to 'concat' (table expected, got string)\""
   ],
   [
    5,
    "table.concat({}, {})",
    "5\tfalse\t\"tab.lua:22: bad argument #2 to 'concat' (string expected, got table)\""
   ],
   [
    6,
    "table.concat({1, 2, 3}, \"\", \"a\")",
    "6\tfalse\t\"tab.lua:23: bad argument #3 to 'concat' (number expected, got string)\""
   ],
   [
    7,
    "(function() local t = {1, 2, 3} table.insert(t, 4) table.insert(t, 1, 0) table.insert(t, 3, \"m\") return table.concat(t, \",\") end)()",
    "7\ttrue\t\"0,1,m,2,3,4\""
   ],
   [
    8,
    "(function() local t = {} table.insert(t, 5, \"x\") return t[5], #t end)()",
    "8\ttrue\t\"x\"\t0"
   ],
   [
    9,
    "(function() local t = {1,2} table.insert(t, 1, nil) return t[1], t[2], t[3] end)()",
    "9\ttrue\tnil\t1\t2"
   ],
   [
    10,
    "table.insert({}, 1, 2, 3)",
    "10\tfalse\t\"tab.lua:27: wrong number of arguments to 'insert'\""
   ],
   [
    11,
    "table.insert({})",
    "11\tfalse\t\"tab.lua:28: wrong number of arguments to 'insert'\""
   ],
   [
    12,
    "table.insert(nil, 1)",
    "12\tfalse\t\"tab.lua:29: bad argument #1 to 'insert' (table expected, got nil)\""
   ],
   [
    13,
    "table.insert({}, \"a\", 1)",
    "13\tfalse\t\"tab.lua:30: bad argument #2 to 'insert' (number expected, got string)\""
   ],
   [
    14,
    "(function() local t = {1, 2, 3} local a = table.remove(t) local b = table.remove(t, 1) return a, b, #t, t[1] end)()",
    "14\ttrue\t3\t1\t1\t2"
   ],
   [
    15,
    "(function() local t = {} return table.remove(t) end)()",
    "15\ttrue"
   ],
   [
    16,
    "(function() local t = {1, 2, 3} return table.remove(t, 5) end)()",
    "16\ttrue"
   ],
   [
    17,
    "(function() local t = {1, 2, 3} return table.remove(t, 0) end)()",
    "17\ttrue"
   ],
   [
    18,
    "(function() local t = {n=1} return table.remove(t), #t end)()",
    "18\ttrue\tnil\t0"
   ],
   [
    19,
    "table.remove()",
    "19\tfalse\t\"tab.lua:36: bad argument #1 to 'remove' (table expected, got no value)\""
   ],
   [
    20,
    "table.getn({1, 2, 3}), table.getn({}), table.maxn({1, 2, [10] = 3, [2.5] = 4}), table.maxn({}), table.maxn({[-1] = 1})",
    "20\ttrue\t3\t0\t10\t0\t0"
   ],
   [
    21,
    "table.getn(1)",
    "21\tfalse\t\"tab.lua:38: bad argument #1 to 'getn' (table expected, got number)\""
   ],
   [
    22,
    "table.setn({}, 1)",
    "22\tfalse\t\"tab.lua:39: 'setn' is obsolete\""
   ],
   [
    23,
    "(function() local t = {5, 2, 8, 1, 9, 3} table.sort(t) return table.concat(t, \",\") end)()",
    "23\ttrue\t\"1,2,3,5,8,9\""
   ],
   [
    24,
    "(function() local t = {5, 2, 8, 1, 9, 3} table.sort(t, function(a, b) return a > b end) return table.concat(t, \",\") end)()",
    "24\ttrue\t\"9,8,5,3,2,1\""
   ],
   [
    25,
    "(function() local t = {\"banana\", \"apple\", \"Cherry\", \"date\"} table.sort(t) return table.concat(t, \",\") end)()",
    "25\ttrue\t\"Cherry,apple,banana,date\""
   ],
   [
    26,
    "(function() local t = {} for i = 1, 100 do t[i] = (i * 37) % 101 end table.sort(t) local ok = true for i = 2, 100 do if t[i-1] > t[i] then ok = false end end return ok, t[1], t[100] end)()",
    "26\ttrue\ttrue\t1\t100"
   ],
   [
    27,
    "table.sort({1, \"x\", 3})",
    "27\tfalse\t\"attempt to compare string with number\""
   ],
   [
    28,
    "table.sort({1, 2, 3}, 5)",
    "28\tfalse\t\"tab.lua:45: bad argument #2 to 'sort' (function expected, got number)\""
   ],
   [
    29,
    "table.sort({{}, {}})",
    "29\tfalse\t\"attempt to compare two table values\""
   ],
   [
    30,
    "table.sort({3, 1, 2}, function(a, b) return true end)",
    "30\ttrue"
   ],
   [
    31,
    "(function() local t = {} for i = 1, 20 do t[i] = 21 - i end table.sort(t, function(a, b) return true end) return t[1] end)()",
    "31\tfalse\t\"tab.lua:48: invalid order function for sorting\""
   ],
   [
    32,
    "(function() local r = {} table.foreach({10, 20, x = 1}, function(k, v) r[#r+1] = tostring(k) .. \"=\" .. v end) table.sort(r) return table.concat(r, \",\") end)()",
    "32\ttrue\t\"1=10,2=20,x=1\""
   ],
   [
    33,
    "(function() local r = {} local x = table.foreachi({10, 20, 30}, function(i, v) r[#r+1] = i .. \":\" .. v if i == 2 then return \"stop\" end end) return x, table.concat(r, \",\") end)()",
    "33\ttrue\t\"stop\"\t\"1:10,2:20\""
   ],
   [
    34,
    "table.foreach({}, 1)",
    "34\tfalse\t\"tab.lua:51: bad argument #2 to 'foreach' (function expected, got number)\""
   ],
   [
    35,
    "table.foreachi({1}, nil)",
    "35\tfalse\t\"tab.lua:52: bad argument #2 to 'foreachi' (function expected, got nil)\""
   ],
   [
    36,
    "math.abs(-3), math.ceil(3.2), math.floor(-3.2), math.sqrt(16), math.max(1, 5, 3), math.min(4, 2, 8), math.huge, -math.huge, math.pi",
    "36\ttrue\t3\t4\t-4\t4\t5\t2\tinf\t-inf\t3.1415926535898"
   ],
   [
    37,
    "math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(1, 0), math.modf(3.7), math.modf(-3.7), math.modf(5)",
    "37\ttrue\t1\t-1\t1\t-nan\t3\t-3\t5\t0"
   ],
   [
    38,
    "math.modf(1/0), math.modf(-1/0), math.frexp(8), math.frexp(0), math.frexp(-3), math.frexp(1e-310), math.ldexp(0.5, 4), math.ldexp(1, -1074), math.ldexp(1, 1024)",
    "38\ttrue\tinf\t-inf\t0.5\t0\t-0.75\t0.57526180315594\t8\t4.9406564584125e-324\tinf"
   ],
   [
    39,
    "math.pow(2, 10), math.pow(1, 0/0), math.pow(-1, 1/0), math.pow(0, 0), math.pow(-8, 1/3), math.exp(1), math.log(10), math.log10(1000)",
    "39\ttrue\t1024\t1\t1\t1\t-nan\t2.718281828459\t2.302585092994\t3"
   ],
   [
    40,
    "math.sin(1), math.cos(1), math.tan(1), math.asin(0.5), math.acos(0.5), math.atan(1), math.atan2(1, -1), math.sinh(1), math.cosh(1), math.tanh(1)",
    "40\ttrue\t0.8414709848079\t0.54030230586814\t1.5574077246549\t0.5235987755983\t1.0471975511966\t0.78539816339745\t2.3561944901923\t1.1752011936438\t1.5430806348152\t0.76159415595576"
   ],
   [
    41,
    "math.deg(math.pi), math.rad(180), math.floor(2^40 + 0.5), math.mod(7, 3)",
    "41\ttrue\t180\t3.1415926535898\t1099511627776\t1"
   ],
   [
    42,
    "math.max()",
    "42\tfalse\t\"tab.lua:59: bad argument #1 to 'max' (number expected, got no value)\""
   ],
   [
    43,
    "math.min(1, \"x\")",
    "43\tfalse\t\"tab.lua:60: bad argument #2 to 'min' (number expected, got string)\""
   ],
   [
    44,
    "math.floor(\"3.7\"), math.abs(\"-2\")",
    "44\ttrue\t3\t2"
   ],
   [
    45,
    "math.floor()",
    "45\tfalse\t\"tab.lua:62: bad argument #1 to 'floor' (number expected, got no value)\""
   ],
   [
    46,
    "math.sqrt(-1) ~= math.sqrt(-1), math.huge > 1e308",
    "46\ttrue\ttrue\ttrue"
   ],
   [
    47,
    "math.random(1, 2, 3)",
    "47\tfalse\t\"tab.lua:64: wrong number of arguments\""
   ],
   [
    48,
    "math.random(0)",
    "48\tfalse\t\"tab.lua:65: bad argument #1 to 'random' (interval is empty)\""
   ],
   [
    49,
    "math.random(5, 1)",
    "49\tfalse\t\"tab.lua:66: bad argument #2 to 'random' (interval is empty)\""
   ],
   [
    50,
    "os.clock() >= 0, type(os.clock()), os.time, os.date, os.getenv",
    "50\ttrue\ttrue\t\"number\"\tnil\tnil\tnil"
   ]
  ]
 },
 {
  "title": "cjson",
  "chunk": "user_script",
  "valkey": true,
  "cases": [
   [
    1,
    "cjson.encode({1, 2, 3}), cjson.encode({}), cjson.encode({a = 1}), cjson.encode(\"x\"), cjson.encode(1.5), cjson.encode(true), cjson.encode(nil), cjson.encode(cjson.null)",
    "1\ttrue\t\"[1,2,3]\"\t\"{}\"\t\"{\\\"a\\\":1}\"\t\"\\\"x\\\"\"\t\"1.5\"\t\"true\"\t\"null\"\t\"null\""
   ],
   [
    2,
    "cjson.encode({1, nil, 3}), cjson.encode({[1] = 1, [2] = 2, [4] = 4}), cjson.encode({[3] = 1}), cjson.encode({[20] = 1})",
    "2\tfalse\t\"user_script:20: Cannot serialise table: excessively sparse array\""
   ],
   [
    3,
    "cjson.encode({[1] = \"a\", x = \"b\"}), cjson.encode({[1.5] = 1}), cjson.encode({[-1] = 1}), cjson.encode({[0] = 1})",
    "3\ttrue\t\"{\\\"1\\\":\\\"a\\\",\\\"x\\\":\\\"b\\\"}\"\t\"{\\\"1.5\\\":1}\"\t\"{\\\"-1\\\":1}\"\t\"{\\\"0\\\":1}\""
   ],
   [
    4,
    "cjson.encode(0.1), cjson.encode(1/3), cjson.encode(1e100), cjson.encode(-0.0), cjson.encode(123456789012345), cjson.encode(2^53), cjson.encode(100000000000005)",
    "4\ttrue\t\"0.1\"\t\"0.33333333333333\"\t\"1e+100\"\t\"-0\"\t\"1.2345678901234e+14\"\t\"9.007199254741e+15\"\t\"1e+14\""
   ],
   [
    5,
    "cjson.encode(\"\\0\\1\\8\\9\\10\\12\\13\\31\\\"\\\\/\\127\\128\\255\")",
    "5\ttrue\t\"\\\"\\\\u0000\\\\u0001\\\\b\\\\t\\\\n\\\\f\\\\r\\\\u001f\\\\\\\"\\\\\\\\\\\\/\\\\u007f\u0080\u00ff\\\"\""
   ],
   [
    6,
    "cjson.encode({[false] = 1})",
    "6\tfalse\t\"user_script:24: Cannot serialise boolean: table key must be a number or string\""
   ],
   [
    7,
    "cjson.encode(print)",
    "7\tfalse\t\"user_script:25: Cannot serialise function: type not supported\""
   ],
   [
    8,
    "cjson.encode(0/0)",
    "8\tfalse\t\"user_script:26: Cannot serialise number: must not be NaN or Inf\""
   ],
   [
    9,
    "cjson.encode(1/0)",
    "9\tfalse\t\"user_script:27: Cannot serialise number: must not be NaN or Inf\""
   ],
   [
    10,
    "cjson.encode({{{}}}), cjson.encode({a = {b = {c = {}}}})",
    "10\ttrue\t\"[[{}]]\"\t\"{\\\"a\\\":{\\\"b\\\":{\\\"c\\\":{}}}}\""
   ],
   [
    11,
    "cjson.encode()",
    "11\tfalse\t\"user_script:29: bad argument #1 to 'encode' (expected 1 argument)\""
   ],
   [
    12,
    "cjson.encode(1, 2)",
    "12\tfalse\t\"user_script:30: bad argument #1 to 'encode' (expected 1 argument)\""
   ],
   [
    13,
    "cjson.decode(\"[1,2,3]\"), cjson.decode('{\"a\":1,\"b\":[true,false,null]}').b[3] == cjson.null, cjson.decode('\"x\\\\u0041\\\\n\"'), cjson.decode(\"  5  \")",
    "13\ttrue\t{1=1,2=2,3=3}\ttrue\t\"xA\\\n\"\t5"
   ],
   [
    14,
    "cjson.decode('\"\\\\u00e9\\\\u4e2d\\\\ud83d\\\\ude00\"'), cjson.decode('\"\\\\/\\\\b\\\\f\\\\r\\\\t\\\\\"\\\\\\\\\"')",
    "14\ttrue\t\"\u00c3\u00a9\u00e4\u00b8\u00ad\u00f0\u009f\u0098\u0080\"\t\"/\b\f\\r\t\\\"\\\\\""
   ],
   [
    15,
    "table.concat(cjson.decode(\"[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]\"), \" \")",
    "15\ttrue\t\"0 -5000 -1 0.0003 1023.2 0\""
   ],
   [
    16,
    "cjson.decode(\"\")",
    "16\tfalse\t\"user_script:34: Expected value but found T_END at character 1\""
   ],
   [
    17,
    "cjson.decode(\"[1,]\")",
    "17\tfalse\t\"user_script:35: Expected value but found T_ARR_END at character 4\""
   ],
   [
    18,
    "cjson.decode(\"{1:2}\")",
    "18\tfalse\t\"user_script:36: Expected object key string but found T_NUMBER at character 2\""
   ],
   [
    19,
    "cjson.decode('{\"a\" 1}')",
    "19\tfalse\t\"user_script:37: Expected colon but found T_NUMBER at character 6\""
   ],
   [
    20,
    "cjson.decode('{\"a\":1 \"b\":2}')",
    "20\tfalse\t\"user_script:38: Expected comma or object end but found T_STRING at character 8\""
   ],
   [
    21,
    "cjson.decode(\"[1 2]\")",
    "21\tfalse\t\"user_script:39: Expected comma or array end but found T_NUMBER at character 4\""
   ],
   [
    22,
    "cjson.decode(\"nul\")",
    "22\tfalse\t\"user_script:40: Expected value but found invalid token at character 1\""
   ],
   [
    23,
    "cjson.decode(\"[1] x\")",
    "23\tfalse\t\"user_script:41: Expected the end but found invalid token at character 5\""
   ],
   [
    24,
    "cjson.decode('\"abc')",
    "24\tfalse\t\"user_script:42: Expected value but found unexpected end of string at character 5\""
   ],
   [
    25,
    "cjson.decode('\"\\\\q\"')",
    "25\tfalse\t\"user_script:43: Expected value but found invalid escape code at character 2\""
   ],
   [
    26,
    "cjson.decode('\"\\\\u12\"')",
    "26\tfalse\t\"user_script:44: Expected value but found invalid unicode escape code at character 2\""
   ],
   [
    27,
    "cjson.decode('\"\\\\udc00\"')",
    "27\tfalse\t\"user_script:45: Expected value but found invalid unicode escape code at character 2\""
   ],
   [
    28,
    "cjson.decode('\"\\\\ud800x\"')",
    "28\tfalse\t\"user_script:46: Expected value but found invalid unicode escape code at character 2\""
   ],
   [
    29,
    "cjson.decode(\"\\0a\")",
    "29\tfalse\t\"user_script:47: JSON parser does not support UTF-16 or UTF-32\""
   ],
   [
    30,
    "cjson.decode(\"-\")",
    "30\tfalse\t\"user_script:48: Expected value but found invalid number at character 1\""
   ],
   [
    31,
    "cjson.decode(\"[NaN, Infinity, -Infinity, 0x10, +5, 1e400]\")[4], cjson.decode(\"[NaN, Infinity, -Infinity, 0x10, +5, 1e400]\")[5], cjson.decode(\"Infinity\"), cjson.decode(\"-inf\")",
    "31\ttrue\t16\t5\tinf\t-inf"
   ],
   [
    32,
    "cjson.decode('{\"a\":1,\"a\":2}').a, cjson.decode('{\"1\":2}')[\"1\"], cjson.decode(\"[[[[1]]]]\")[1][1][1][1]",
    "32\ttrue\t2\t2\t1"
   ],
   [
    33,
    "cjson.decode()",
    "33\tfalse\t\"user_script:51: bad argument #1 to 'decode' (expected 1 argument)\""
   ],
   [
    34,
    "cjson.decode({})",
    "34\tfalse\t\"user_script:52: bad argument #1 to 'decode' (string expected, got table)\""
   ],
   [
    35,
    "cjson.decode_invalid_numbers(), cjson.encode_invalid_numbers(), cjson.encode_max_depth(), cjson.decode_max_depth(), cjson.encode_number_precision(), cjson.encode_keep_buffer(), cjson.encode_sparse_array()",
    "35\ttrue\ttrue\tfalse\t1000\t1000\t14\ttrue\tfalse\t2\t10"
   ],
   [
    36,
    "cjson.encode_number_precision(3), cjson.encode(1/3), cjson.encode(12345), cjson.encode_number_precision(14)",
    "36\ttrue\t3\t\"0.333\"\t\"1.23e+04\"\t14"
   ],
   [
    37,
    "cjson.encode_number_precision(15)",
    "37\tfalse\t\"user_script:55: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)\""
   ],
   [
    38,
    "cjson.encode_number_precision(0)",
    "38\tfalse\t\"user_script:56: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)\""
   ],
   [
    39,
    "cjson.encode_max_depth(1, 2)",
    "39\tfalse\t\"user_script:57: bad argument #2 to 'encode_max_depth' (found too many arguments)\""
   ],
   [
    40,
    "cjson.encode_invalid_numbers(\"null\"), cjson.encode(0/0), cjson.encode({1/0}), cjson.encode_invalid_numbers(true), cjson.encode(1/0), cjson.encode(0/0), cjson.encode(-1/0), cjson.encode_invalid_numbers(false)",
    "40\ttrue\t\"null\"\t\"null\"\t\"[null]\"\ttrue\t\"inf\"\t\"nan\"\t\"-inf\"\tfalse"
   ],
   [
    41,
    "cjson.encode_invalid_numbers(\"maybe\")",
    "41\tfalse\t\"user_script:59: bad argument #1 to 'encode_invalid_numbers' (invalid option 'maybe')\""
   ],
   [
    42,
    "cjson.encode_sparse_array(true), cjson.encode({[20] = 1}), cjson.encode_sparse_array(false, 0), cjson.encode({[20] = 1}), cjson.encode_sparse_array(false, 2, 10)",
    "42\ttrue\ttrue\t\"{\\\"20\\\":1}\"\tfalse\t\"[null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,1]\"\tfalse\t2\t10"
   ],
   [
    43,
    "cjson.encode_max_depth(2), pcall(cjson.encode, {{{1}}}), cjson.encode_max_depth(1000)",
    "43\ttrue\t2\tfalse\t1000"
   ],
   [
    44,
    "cjson.decode_max_depth(2), pcall(cjson.decode, \"[[[1]]]\"), pcall(cjson.decode, '{\"a\":{\"b\":{}}}'), cjson.decode_max_depth(1000)",
    "44\ttrue\t2\tfalse\tfalse\t1000"
   ],
   [
    45,
    "cjson.decode_invalid_numbers(false), pcall(cjson.decode, \"NaN\"), pcall(cjson.decode, \"0x10\"), pcall(cjson.decode, \"+1\"), pcall(cjson.decode, \"01\"), cjson.decode(\"-0\"), cjson.decode_invalid_numbers(true)",
    "45\ttrue\tfalse\tfalse\tfalse\tfalse\tfalse\t-0\ttrue"
   ],
   [
    46,
    "cjson._NAME, cjson._VERSION, type(cjson.null), type(cjson.new), type(cjson.new().encode)",
    "46\ttrue\t\"cjson\"\t\"2.1.0\"\t\"userdata\"\t\"function\"\t\"function\""
   ],
   [
    47,
    "cjson.encode(cjson.decode('{\"k\":[1,2,{\"x\":null}]}'))",
    "47\ttrue\t\"{\\\"k\\\":[1,2,{\\\"x\\\":null}]}\""
   ]
  ]
 },
 {
  "title": "cmsgpack+bit+struct",
  "chunk": "user_script",
  "valkey": true,
  "cases": [
   [
    1,
    "(function() local s = cmsgpack.pack(0.1) local h = \"\" for i = 1, #s do h = h .. string.format(\"%02x\", s:byte(i)) end return h end)()",
    "1\ttrue\t\"cb3fb999999999999a\""
   ],
   [
    2,
    "(function() local s = cmsgpack.pack(-1099511627776, 1, -1, 127, 128, 255, 256, 65535, 65536, 2^32-1, 2^32, -32, -33, -128, -129, -32768, -32769, -2^31, -2^31-1, 2^63, -2^63, 1.5, 1e300, 0/0, 1/0, -0.0) local h = \"\" for i = 1, #s do h = h .. string.format(\"%02x\", s:byte(i)) end return h end)()",
    "2\ttrue\t\"d3ffffff000000000001ff7fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000e0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffffca5f000000d38000000000000000ca3fc00000cb7e37e43c8800759ccbfff8000000000000ca7f80000000\""
   ],
   [
    3,
    "(function() local s = cmsgpack.pack(\"\", \"abc\", string.rep(\"x\", 31), string.rep(\"x\", 32), string.rep(\"y\", 256), true, false, nil, print) local h = \"\" for i = 1, math.min(#s, 80) do h = h .. string.format(\"%02x\", s:byte(i)) end return h, #s end)()",
    "3\ttrue\t\"a0a3616263bf78787878787878787878787878787878787878787878787878787878787878d9207878787878787878787878787878787878787878787878787878787878787878da0100797979797979\"\t334"
   ],
   [
    4,
    "(function() local s = cmsgpack.pack({}, {1, 2, 3}, {a = 1}, {1, nil, 3}, {[2] = 1}, {[1.5] = 1}, {n = {1, {x = \"y\"}}}) local h = \"\" for i = 1, #s do h = h .. string.format(\"%02x\", s:byte(i)) end return h end)()",
    "4\ttrue\t\"909301020381a16101820101030381020181ca3fc000000181a16e920181a178a179\""
   ],
   [
    5,
    "(function() local t = {} for i = 1, 20 do t[i] = i end local s = cmsgpack.pack(t) return #s, s:byte(1), s:byte(2), s:byte(3) end)()",
    "5\ttrue\t23\t220\t0\t20"
   ],
   [
    6,
    "(function() local a = {x=nil,y=5} local b = {x=a} a['x'] = b local encoded = cmsgpack.pack(a) local h = \"\" for i = 1, #encoded do h = h .. string.format(\"%02x\",string.byte(encoded,i)) end local re = cmsgpack.unpack(encoded) return h, re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.y, re.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x end)()",
    "6\ttrue\t\"82a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a17882a17905a17881a178c0\"\t5\tnil"
   ],
   [
    7,
    "cmsgpack.unpack(cmsgpack.pack(1, \"two\", {3}, {k = \"v\"}, true, 1.5, -7))",
    "7\ttrue\t1\t\"two\"\t{1=3}\t{k=v}\ttrue\t1.5\t-7"
   ],
   [
    8,
    "cmsgpack.unpack(cmsgpack.pack(2^40, -2^40, 0.25, 3.3))",
    "8\ttrue\t1099511627776\t-1099511627776\t0.25\t3.3"
   ],
   [
    9,
    "cmsgpack.unpack(\"\\207\\255\\255\\255\\255\\255\\255\\255\\255\"), cmsgpack.unpack(\"\\207\\128\\0\\0\\0\\0\\0\\0\\0\"), cmsgpack.unpack(\"\\211\\255\\255\\255\\255\\255\\255\\255\\254\")",
    "9\ttrue\t-1\t-9.2233720368548e+18\t-2"
   ],
   [
    10,
    "cmsgpack.unpack(\"\"), cmsgpack.unpack_one(cmsgpack.pack(1, 2)), cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1), cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2), cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 0)",
    "10\ttrue\tnil\t1\t-1\t2\t1\t2\t3"
   ],
   [
    11,
    "cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 2)",
    "11\ttrue\t-1\t3"
   ],
   [
    12,
    "cmsgpack.unpack(\"\\193\")",
    "12\tfalse\t\"user_script:30: Bad data format in input.\""
   ],
   [
    13,
    "cmsgpack.unpack(\"\\205\\1\")",
    "13\tfalse\t\"user_script:31: Missing bytes in input.\""
   ],
   [
    14,
    "cmsgpack.unpack(\"\\146\\1\")",
    "14\tfalse\t\"user_script:32: Missing bytes in input.\""
   ],
   [
    15,
    "cmsgpack.unpack(\"\\196\\1a\")",
    "15\tfalse\t\"user_script:33: Bad data format in input.\""
   ],
   [
    16,
    "cmsgpack.unpack_one(\"abc\", -1)",
    "16\tfalse\t\"user_script:34: Invalid request to unpack with offset of -1 and limit of 3.\""
   ],
   [
    17,
    "cmsgpack.unpack_one(\"abc\", 10)",
    "17\tfalse\t\"user_script:35: Start offset 10 greater than input length 3.\""
   ],
   [
    18,
    "cmsgpack.unpack_limit(\"\\1\", -1)",
    "18\tfalse\t\"user_script:36: Invalid request to unpack with offset of 0 and limit of 1.\""
   ],
   [
    19,
    "cmsgpack.pack()",
    "19\tfalse\t\"user_script:37: bad argument #0 to 'pack' (MessagePack pack needs input.)\""
   ],
   [
    20,
    "cmsgpack.unpack()",
    "20\tfalse\t\"user_script:38: bad argument #1 to 'unpack' (string expected, got no value)\""
   ],
   [
    21,
    "cmsgpack.unpack({})",
    "21\tfalse\t\"user_script:39: bad argument #1 to 'unpack' (string expected, got table)\""
   ],
   [
    22,
    "cmsgpack.unpack_limit(\"\\1\")",
    "22\tfalse\t\"user_script:40: bad argument #2 to 'unpack_limit' (number expected, got no value)\""
   ],
   [
    23,
    "cmsgpack.unpack(\"\\129\\192\\1\")",
    "23\tfalse\t\"table index is nil\""
   ],
   [
    24,
    "cmsgpack.unpack(\"\\130\\1\\192\\2\\3\")[2], cmsgpack.unpack(\"\\147\\1\\192\\3\")[3]",
    "24\ttrue\t3\t3"
   ],
   [
    25,
    "cmsgpack._NAME, cmsgpack._VERSION, cmsgpack._COPYRIGHT, cmsgpack._DESCRIPTION",
    "25\ttrue\t\"cmsgpack\"\t\"lua-cmsgpack 0.4.0\"\t\"Copyright (C) 2012, Redis Ltd.\"\t\"MessagePack C implementation for Lua\""
   ],
   [
    26,
    "bit.tobit(1), bit.tobit(2^32 + 5), bit.tobit(-1), bit.tobit(2^31), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit(2^52 + 3), bit.tobit(1e300), bit.tobit(\"12\")",
    "26\ttrue\t1\t5\t-1\t-2147483648\t2\t2\t-2\t2\t-2013235812\t12"
   ],
   [
    27,
    "bit.bnot(0), bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4, 8, 16, 32, 64, 128), bit.bxor(1, 3), bit.band(1), bit.bor(), nil",
    "27\tfalse\t\"user_script:45: bad argument #1 to 'bor' (number expected, got no value)\""
   ],
   [
    28,
    "bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678), bit.lshift(1, -1)",
    "28\ttrue\t-2147483648\t1\t15\t-16\t878082066\t2014458966\t2018915346\t-2147483648"
   ],
   [
    29,
    "bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -4), bit.tohex(65535, -2147483648), bit.tohex(1, 0), bit.tohex(0x12345678, 20)",
    "29\ttrue\t\"000000ff\"\t\"ffffffff\"\t\"ff\"\t\"00FF\"\t\"0000FFFF\"\t\"\"\t\"12345678\""
   ],
   [
    30,
    "bit.tobit()",
    "30\tfalse\t\"user_script:48: bad argument #1 to 'tobit' (number expected, got no value)\""
   ],
   [
    31,
    "bit.band(1, \"x\")",
    "31\tfalse\t\"user_script:49: bad argument #2 to 'band' (number expected, got string)\""
   ],
   [
    32,
    "bit.tohex(1, nil)",
    "32\tfalse\t\"user_script:50: bad argument #2 to 'tohex' (number expected, got nil)\""
   ],
   [
    33,
    "bit.bor(\"a\", {})",
    "33\tfalse\t\"user_script:51: bad argument #1 to 'bor' (number expected, got string)\""
   ],
   [
    34,
    "struct.pack(\"i\", 1), struct.pack(\">i\", 1), struct.pack(\"<h\", -2), struct.pack(\"b\", 200), struct.pack(\"B\", -1), struct.pack(\">I2\", 258)",
    "34\ttrue\t\"\u0001\\000\\000\\000\"\t\"\\000\\000\\000\u0001\"\t\"\u00fe\u00ff\"\t\"\u00c8\"\t\"\u00ff\"\t\"\u0001\u0002\""
   ],
   [
    35,
    "struct.pack(\"d\", 1.5):byte(1, -1)",
    "35\ttrue\t0\t0\t0\t0\t0\t0\t248\t63"
   ],
   [
    36,
    "struct.pack(\">f\", 0.1):byte(1, -1)",
    "36\ttrue\t61\t204\t204\t205"
   ],
   [
    37,
    "struct.pack(\"s\", \"ab\"), struct.pack(\"c3\", \"abcdef\"), struct.pack(\"c0\", \"xyz\"), struct.pack(\"x\"), struct.pack(\"!4 b i\", 1, 2), struct.pack(\">l\", -2)",
    "37\ttrue\t\"ab\\000\"\t\"abc\"\t\"xyz\"\t\"\\000\"\t\"\u0001\\000\\000\\000\u0002\\000\\000\\000\"\t\"\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00fe\""
   ],
   [
    38,
    "struct.pack(\">L\", 2^63), struct.pack(\">l\", 2^63), struct.pack(\">L\", 2^64), struct.pack(\">i16\", -1)",
    "38\ttrue\t\"\u0080\\000\\000\\000\\000\\000\\000\\000\"\t\"\u0080\\000\\000\\000\\000\\000\\000\\000\"\t\"\\000\\000\\000\\000\\000\\000\\000\\000\"\t\"\\000\\000\\000\\000\\000\\000\\000\\000\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\""
   ],
   [
    39,
    "struct.unpack(\">i\", struct.pack(\">i\", -123456)), struct.unpack(\"<I2\", \"\\1\\2\"), struct.unpack(\"b\", \"\\255\"), struct.unpack(\"B\", \"\\255\")",
    "39\ttrue\t-123456\t513\t-1\t255\t2"
   ],
   [
    40,
    "struct.unpack(\"s\", \"abc\\0def\"), struct.unpack(\"c3\", \"abcdef\"), struct.unpack(\"bc0\", \"\\3abcd\"), struct.unpack(\"i\", \"\\1\\0\\0\\0\\2\\0\\0\\0\", 5)",
    "40\ttrue\t\"abc\"\t\"abc\"\t\"abc\"\t2\t9"
   ],
   [
    41,
    "struct.unpack(\">d\", struct.pack(\">d\", 3.25)), struct.unpack(\"<f\", struct.pack(\"<f\", 0.5)), struct.unpack(\"!4 b i\", struct.pack(\"!4 b i\", 7, 9))",
    "41\ttrue\t3.25\t0.5\t7\t9\t9"
   ],
   [
    42,
    "struct.unpack(\">L\", \"\\255\\255\\255\\255\\255\\255\\255\\255\"), struct.unpack(\">l\", \"\\128\\0\\0\\0\\0\\0\\0\\0\"), struct.unpack(\">i16\", string.rep(\"\\255\", 16))",
    "42\ttrue\t1.844674407371e+19\t-9.2233720368548e+18\t-1\t17"
   ],
   [
    43,
    "struct.size(\"i\"), struct.size(\"!8 b d\"), struct.size(\"c10\"), struct.size(\"bhilfdT\"), struct.size(\"!bhilfd\"), struct.size(\"z\")",
    "43\ttrue\t4\t16\t10\t35\t32\t0"
   ],
   [
    44,
    "struct.size(\"s\")",
    "44\tfalse\t\"user_script:62: bad argument #1 to 'size' (option 's' has no fixed size)\""
   ],
   [
    45,
    "struct.size(\"c0\")",
    "45\tfalse\t\"user_script:63: bad argument #1 to 'size' (option 'c0' has no fixed size)\""
   ],
   [
    46,
    "struct.pack(\"z\", 1)",
    "46\tfalse\t\"user_script:64: bad argument #1 to 'pack' (invalid format option 'z')\""
   ],
   [
    47,
    "struct.pack(\"i33\", 1)",
    "47\tfalse\t\"user_script:65: integral size 33 is larger than limit of 32\""
   ],
   [
    48,
    "struct.pack(\"!3 i\", 1)",
    "48\tfalse\t\"user_script:66: alignment 3 is not a power of 2\""
   ],
   [
    49,
    "struct.pack(\"i\")",
    "49\tfalse\t\"user_script:67: bad argument #2 to 'pack' (number expected, got nil)\""
   ],
   [
    50,
    "struct.pack(\"c5\", \"ab\")",
    "50\tfalse\t\"user_script:68: bad argument #3 to 'pack' (string too short)\""
   ],
   [
    51,
    "struct.unpack(\"i\", \"ab\")",
    "51\tfalse\t\"user_script:69: bad argument #2 to 'unpack' (data string too short)\""
   ],
   [
    52,
    "struct.unpack(\"i\", \"abcd\", 0)",
    "52\tfalse\t\"user_script:70: bad argument #3 to 'unpack' (offset must be 1 or greater)\""
   ],
   [
    53,
    "struct.unpack(\"s\", \"abc\")",
    "53\tfalse\t\"user_script:71: unfinished string in data\""
   ],
   [
    54,
    "struct.unpack(\"c0\", \"abc\")",
    "54\tfalse\t\"user_script:72: format 'c0' needs a previous size\""
   ],
   [
    55,
    "struct.unpack(\"i\", \"abcd\", -1)",
    "55\tfalse\t\"user_script:73: bad argument #2 to 'unpack' (data string too short)\""
   ],
   [
    56,
    "struct.unpack(\"\", \"abcd\", 3)",
    "56\ttrue\t3"
   ],
   [
    57,
    "struct.pack(\"i99999999999\", 1)",
    "57\tfalse\t\"user_script:75: integral size overflow\""
   ],
   [
    58,
    "struct.pack(\">d\", 0/0):byte(1, -1)",
    "58\ttrue\t255\t248\t0\t0\t0\t0\t0\t0"
   ],
   [
    59,
    "struct.pack(\"<d\", 0/0):byte(1, -1)",
    "59\ttrue\t0\t0\t0\t0\t0\t0\t248\t255"
   ],
   [
    60,
    "struct.pack(\">f\", 0/0):byte(1, -1)",
    "60\ttrue\t255\t192\t0\t0"
   ],
   [
    61,
    "struct.pack(\"<f\", 1/0):byte(1, -1)",
    "61\ttrue\t0\t0\t128\t127"
   ],
   [
    62,
    "struct.pack(\"ii\", 1)",
    "62\tfalse\t\"user_script:80: bad argument #3 to 'pack' (number expected, got nil)\""
   ]
  ]
 },
 {
  "title": "math.random",
  "chunk": "user_script",
  "valkey": true,
  "cases": [
   [
    1,
    "math.randomseed(10), math.random(), math.random(), math.random(100), math.random(5, 10), math.random(-3, 3)",
    "1\ttrue\tnil\t0.87885112309775\t0.7958066229689\t49\t8\t0"
   ],
   [
    2,
    "math.randomseed(-5), math.random(), math.random(1000000)",
    "2\ttrue\tnil\t0.8168164928522\t226950"
   ],
   [
    3,
    "math.randomseed(2^31 + 7), math.random(), math.randomseed(\"42\"), math.random()",
    "3\ttrue\tnil\t0.76644419681581\tnil\t0.74452500033403"
   ],
   [
    4,
    "math.randomseed(0), math.random(), math.random(2^31)",
    "4\tfalse\t\"user_script:22: bad argument #1 to 'random' (interval is empty)\""
   ],
   [
    5,
    "math.randomseed()",
    "5\tfalse\t\"user_script:23: bad argument #1 to 'randomseed' (number expected, got no value)\""
   ]
  ]
 },
 {
  "title": "result limits",
  "chunk": "user_script",
  "valkey": true,
  "cases": [
   [
    1,
    "select(\"#\", string.byte(string.rep(\"a\", 7997), 1, -1))",
    "1\ttrue\t7997"
   ],
   [
    2,
    "select(\"#\", string.byte(string.rep(\"a\", 7998), 1, -1))",
    "2\tfalse\t\"user_script:20: stack overflow (string slice too long)\""
   ],
   [
    3,
    "select(\"#\", cmsgpack.unpack(string.rep(\"\\1\", 7998)))",
    "3\ttrue\t7998"
   ],
   [
    4,
    "select(\"#\", cmsgpack.unpack(string.rep(\"\\1\", 7999)))",
    "4\ttrue\t7999"
   ],
   [
    5,
    "select(\"#\", struct.unpack(string.rep(\"b\", 7996), string.rep(\"\\1\", 8000)))",
    "5\ttrue\t7997"
   ],
   [
    6,
    "select(\"#\", struct.unpack(string.rep(\"b\", 7997), string.rep(\"\\1\", 8000)))",
    "6\ttrue\t7998"
   ]
  ]
 }
]
;

function newState(): LuaState {
  const L = new LuaState();
  openAll(L);
  return L;
}

function run(L: LuaState, src: string, chunk = '@user_script'): LuaValue[] {
  return L.call(L.load(src, chunk), []);
}

for (const g of GROUPS) {
  describe(`lua libs vs real Lua: ${g.title}`, () => {
    // One state per group, cases in order (as they were run for real: some change cjson settings).
    const L = newState();
    for (const [n, code, expected] of g.cases) {
      it(`${n}: ${code.length > 90 ? code.slice(0, 90) + '...' : code}`, () => {
        const src = (g.valkey ? HEAD + '\n' : HEAD + ' ') + PRELUDE + '\n'.repeat(n - 1) +
          `emit(${n}, pcall(function() return ${code} end))\n` + TAIL;
        const out = run(L, src, '@' + g.chunk)[0];
        assert.equal(out, expected);
      });
    }
  });
}

describe('lua libs: registration', () => {
  it('installs the libraries and the string metatable', () => {
    const L = newState();
    for (const name of ['string', 'table', 'math', 'os', 'cjson', 'cmsgpack', 'bit', 'struct']) {
      assert.ok(L.globals.get(name) instanceof LuaTable, name);
    }
    assert.ok(L.stringMeta instanceof LuaTable);
    assert.equal(L.stringMeta!.get('__index'), L.globals.get('string'));
    assert.deepEqual(run(L, 'return ("abc"):upper(), ("x"):rep(3, ""), #("abc"):reverse()'), ['ABC', 'xxx', 3]);
  });

  it('os keeps only clock, which measures processor time', () => {
    const L = newState();
    const os = L.globals.get('os') as LuaTable;
    const keys: LuaValue[] = [];
    let k: LuaValue = undefined;
    for (let e = os.next(k); e !== undefined; e = os.next(k)) { keys.push(e[0]); k = e[0]; }
    assert.deepEqual(keys, ['clock']);
    const [t0, t1] = run(L, 'local a = os.clock() local x = 0 for i = 1, 3000000 do x = x + i end return a, os.clock()');
    assert.equal(typeof t0, 'number');
    assert.ok((t1 as number) > (t0 as number));
  });
});

describe('lua libs: error positions', () => {
  it('argument errors carry the calling Lua line', () => {
    const L = newState();
    assert.throws(() => run(L, 'local x = 1\nreturn string.rep()'),
      (e: { value?: unknown }) => e.value === "user_script:2: bad argument #1 to 'rep' (string expected, got no value)");
    assert.throws(() => run(L, '\n\nreturn string.format("%d", {})'),
      (e: { value?: unknown }) => e.value === "user_script:3: bad argument #2 to 'format' (number expected, got table)");
  });

  it('a library function called by pcall directly has no position', () => {
    const L = newState();
    assert.deepEqual(run(L, 'return pcall(string.rep)'),
      [false, "bad argument #1 to 'rep' (string expected, got no value)"]);
  });

  it('errors raised from a comparator belong to the comparator', () => {
    const L = newState();
    const [ok, msg] = run(L, 'return pcall(function()\n table.sort({3, 2, 1}, function(a, b)\n return string.rep() end) end)');
    assert.equal(ok, false);
    assert.equal(msg, "user_script:3: bad argument #1 to 'rep' (string expected, got no value)");
  });

  it('comparison errors inside sort have no position (raised inside the C function)', () => {
    const L = newState();
    assert.deepEqual(run(L, 'return pcall(function() table.sort({1, {}, 2}) end)'),
      [false, 'attempt to compare table with number']);
  });
});

describe('lua libs: tables made read-only by the sandbox', () => {
  it('insert/remove/sort on a read-only table raise', () => {
    const L = newState();
    const t = LuaTable.fromArray([3, 1, 2]);
    t.readonly = true;
    L.globals.set('ro', t);
    for (const code of ['table.insert(ro, 4)', 'table.insert(ro, 1, 4)', 'table.remove(ro)', 'table.sort(ro)']) {
      assert.deepEqual(run(L, `return pcall(function() ${code} end)`), [false, 'Attempt to modify a readonly table'], code);
    }
    assert.deepEqual(t.arr, [3, 1, 2]);
    assert.deepEqual(run(L, 'return table.concat(ro, ","), table.getn(ro), table.maxn(ro)'), ['3,1,2', 3, 3]);
  });
});

describe('lua libs: table.sort', () => {
  it('sorts large arrays with and without a comparator', () => {
    const L = newState();
    const [a, b, c] = run(L, `
      local t, u = {}, {}
      for i = 1, 5000 do t[i] = (i * 7919) % 5003; u[i] = tostring(t[i]) end
      table.sort(t)
      table.sort(u, function(x, y) return #x < #y or (#x == #y and x < y) end)
      for i = 2, #t do if t[i-1] > t[i] then return false end end
      for i = 2, #u do if tonumber(u[i-1]) > tonumber(u[i]) then return false end end
      local d = {} for i = 1, 1000 do d[i] = i % 3 end
      table.sort(d, function(x, y) return x > y end)
      return true, #t, d[1] == 2 and d[1000] == 0`);
    assert.deepEqual([a, b, c], [true, 5000, true]);
  });

  it('uses __lt for tables that share it', () => {
    const L = newState();
    assert.deepEqual(run(L, `
      local mt = {__lt = function(a, b) return a.v < b.v end}
      local t = {}
      for i, v in ipairs({5, 3, 9, 1}) do t[i] = setmetatable({v = v}, mt) end
      table.sort(t)
      return t[1].v, t[2].v, t[3].v, t[4].v`), [1, 3, 5, 9]);
  });
});

describe('lua libs: cjson', () => {
  it('cjson.null is one shared value and decodes back to itself', () => {
    const L = newState();
    const cj = L.globals.get('cjson') as LuaTable;
    assert.equal(cj.get('null'), CJSON_NULL);
    assert.deepEqual(run(L, 'local t = cjson.decode("[null]") return t[1] == cjson.null, type(t[1]), cjson.encode(t)'),
      [true, 'userdata', '[null]']);
  });

  it('round-trips large documents', () => {
    const L = newState();
    const [same, len] = run(L, `
      local t = {}
      for i = 1, 20000 do t[i] = {id = i, name = "item" .. i, tags = {"a", "b"}, score = i / 7} end
      local s = cjson.encode(t)
      local d = cjson.decode(s)
      for i = 1, 20000 do
        if d[i].id ~= i or d[i].name ~= "item" .. i or d[i].tags[2] ~= "b" then return false end
      end
      return cjson.encode(d) == s, #d`);
    assert.deepEqual([same, len], [true, 20000]);
  });

  it('encodes binary strings byte for byte and decodes \\u escapes to UTF-8 bytes', () => {
    const L = newState();
    const [enc, dec] = run(L, 'return cjson.encode("\\200\\255é"), cjson.decode(\'"\\\\u00ff"\')');
    assert.equal(enc, '"\xc8\xff\xe9"');
    assert.equal(dec, '\xc3\xbf');
  });

  it('cjson.new gives an independent configuration', () => {
    const L = newState();
    assert.deepEqual(run(L, 'local c2 = cjson.new() c2.encode_number_precision(2) return c2.encode(1/3), cjson.encode(1/3)'),
      ['0.33', '0.33333333333333']);
  });
});

describe('lua libs: cmsgpack', () => {
  it('uses 16/32-bit array, map and string headers for large values', () => {
    const L = newState();
    const [hdrA, hdrM, hdrS, n1, n2, n3] = run(L, `
      local a = {} for i = 1, 70000 do a[i] = i end
      local m = {} for i = 1, 20 do m["k" .. i] = i end
      local s = string.rep("z", 70000)
      local pa, pm, ps = cmsgpack.pack(a), cmsgpack.pack(m), cmsgpack.pack(s)
      local ua, um, us = cmsgpack.unpack(pa), cmsgpack.unpack(pm), cmsgpack.unpack(ps)
      return pa:byte(1), pm:byte(1), ps:byte(1), #ua + ua[70000], um.k20, #us`);
    assert.deepEqual([hdrA, hdrM, hdrS, n1, n2, n3], [0xdd, 0xde, 0xdb, 140000, 20, 70000]);
  });

  it('packs several values into one stream that unpack_limit walks', () => {
    const L = newState();
    assert.deepEqual(run(L, `
      local s = cmsgpack.pack("a", {1, 2}, 3)
      local o1, v1 = cmsgpack.unpack_limit(s, 1)
      local o2, v2 = cmsgpack.unpack_limit(s, 1, o1)
      local o3, v3 = cmsgpack.unpack_one(s, o2)
      return v1, v2[2], v3, o3`), ['a', 2, 3, -1]);
  });
});

describe('lua libs: math.random (Valkey PRNG)', () => {
  it('is the drand48 generator: same sequence for a seed, shared by all states', () => {
    lrand48Seed(10);
    const a = [lrand48(), lrand48(), lrand48()];
    lrand48Seed(10);
    assert.deepEqual([lrand48(), lrand48(), lrand48()], a);
    const L1 = newState();
    const L2 = newState();
    run(L1, 'math.randomseed(7)');
    const x = run(L1, 'return math.random()')[0];
    run(L2, 'math.randomseed(7)');
    assert.equal(run(L2, 'return math.random()')[0], x);
    // Values stay in [0, 1) and integers in range.
    const [ok] = run(L1, `
      for i = 1, 10000 do
        local r = math.random() if r < 0 or r >= 1 then return false end
        local n = math.random(3, 5) if n < 3 or n > 5 or n % 1 ~= 0 then return false end
      end
      return true`);
    assert.equal(ok, true);
  });
});

describe('lua libs: string.format number conversions', () => {
  it('matches C printf on exact ties and long precisions', () => {
    const L = newState();
    assert.deepEqual(run(L, `return string.format("%.1f %.1f %.1f %.1f", 0.25, 0.35, 0.45, -0.25),
      string.format("%.3e %.2e", 1.0005, 2.5e-5), string.format("%.14g %.14g", 2^63, -2^-1074),
      string.format("%.60f", 0.1):sub(1, 40)`),
      ['0.2 0.3 0.5 -0.2', '1.000e+00 2.50e-05', '9.2233720368548e+18 -4.9406564584125e-324',
        '0.10000000000000000555111512312578270211']);
  });
});

describe('lua libs: numbers as strings', () => {
  it('string functions convert numbers with %.14g (ties to even)', () => {
    const L = newState();
    assert.deepEqual(run(L, `return string.format("%s %s", 123456789012345, 100000000000005), string.len(1/3),
      table.concat({0.1, 2^63, -0.0}, " "), cjson.encode({123456789012345})`),
      ['1.2345678901234e+14 1e+14', 16, '0.1 9.2233720368548e+18 -0', '[1.2345678901234e+14]']);
  });
});

describe('lua libs: string patterns', () => {
  it('gsub with a table that has __index, function replacements returning numbers', () => {
    const L = newState();
    assert.deepEqual(run(L, `
      local t = setmetatable({}, {__index = function(_, k) return k:upper() end})
      return (string.gsub("ab cd", "%w+", t)), (string.gsub("1 2 3", "%d", function(d) return d * 2 end))`),
      ['AB CD', '2 4 6']);
  });

  it('handles long subjects without deep recursion', () => {
    const L = newState();
    assert.deepEqual(run(L, `
      local s = string.rep("a", 200000) .. "b"
      return #s:match("a*"), s:find("b", 1, true), #(s:gsub("a", "")), select(2, s:gsub("a", "%0"))`),
      [200000, 200001, 1, 200000]);
  });
});

// Generated corpora (random patterns and subjects, random format specifications, random JSON token
// soups, random MessagePack bytes), each case's result as the real thing printed it.
interface FuzzGroup { title: string; chunk: string; valkey: boolean; cases: [string, string][] }
const FUZZ: FuzzGroup[] = JSON.parse(readFileSync(new URL('../../test/lua-lib-fuzz.json', import.meta.url), 'utf8'));

describe('lua libs vs real Lua: generated cases', () => {
  for (const g of FUZZ) {
    it(`${g.title} (${g.cases.length} cases)`, () => {
      const L = newState();
      let src = (g.valkey ? HEAD + '\n' : HEAD + ' ') + PRELUDE;
      g.cases.forEach(([code], i) => { src += `emit(${i + 1}, pcall(function() return ${code} end))\n`; });
      src += TAIL;
      const out = String(run(L, src, '@' + g.chunk)[0]);
      const expected = g.cases.map(([, e], i) => `${i + 1}\t${e}`).join('\n');
      if (out !== expected) {
        const a = out.split('\n');
        const b = expected.split('\n');
        let k = 0;
        while (k < a.length && a[k] === b[k]) k++;
        assert.equal(a[k], b[k], `first difference at output line ${k + 1}`);
      }
    });
  }
});
