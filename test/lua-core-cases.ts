// Generated from the reference Lua 5.1.5 interpreter (src, serialized pcall results).
export const REFERENCE_CASES: [string, string][] = [
 [
  "return 1/3, 100/3, 2^63, -2^63, 1e300*1e10, 123456789012345678",
  "true,0.33333333333333,33.333333333333,9.2233720368548e+18,-9.2233720368548e+18,inf,1.2345678901235e+17"
 ],
 [
  "return 5 % 0, -5 % 0, 0/0 ~= 0/0, 5.5 % 2, -5.5 % 2, 5 % -3.5",
  "true,-nan,-nan,true,1.5,0.5,-2"
 ],
 [
  "return \"10\" + 1, \"0x10\" * 1, \"1e1\" .. \"\", 10 .. 20, 1.5e300 .. \"\"",
  "true,11,16,\"1e1\",\"1020\",\"1.5e+300\""
 ],
 [
  "return 3 .. \"\", -0 .. \"\", 2^53 .. \"\", 0.1 + 0.2 .. \"\"",
  "true,\"3\",\"-0\",\"9.007199254741e+15\",\"0.3\""
 ],
 [
  "local t = {} t.x = 1 return t.x.y",
  "false,\"user_script:1: attempt to index field 'x' (a number value)\""
 ],
 [
  "local t = {} return t.x.y",
  "false,\"user_script:1: attempt to index field 'x' (a nil value)\""
 ],
 [
  "return #5",
  "false,\"user_script:1: attempt to get length of a number value\""
 ],
 [
  "local a = \"x\" return a < 1",
  "false,\"user_script:1: attempt to compare string with number\""
 ],
 [
  "return {} .. {}",
  "false,\"user_script:1: attempt to concatenate a table value\""
 ],
 [
  "return -{}",
  "false,\"user_script:1: attempt to perform arithmetic on a table value\""
 ],
 [
  "local t = setmetatable({}, {__index = function(t, k) error(\"idx \" .. k) end}) return t.foo",
  "false,\"user_script:1: idx foo\""
 ],
 [
  "local function f() error(\"in f\", 2) end local function g() f() end return pcall(g)",
  "true,false,\"user_script:1: in f\""
 ],
 [
  "error(setmetatable({}, {__tostring = function() return \"custom\" end}))",
  "false,table"
 ],
 [
  "local x = nil; x()",
  "false,\"user_script:1: attempt to call local 'x' (a nil value)\""
 ],
 [
  "local t = {} t:nomethod()",
  "false,\"user_script:1: attempt to call method 'nomethod' (a nil value)\""
 ],
 [
  "string.nofunc()",
  "false,\"user_script:1: attempt to call field 'nofunc' (a nil value)\""
 ],
 [
  "return (\"x\"):rep(3), (\"%d\"):format(5)",
  "true,\"xxx\",\"5\""
 ],
 [
  "local s = \"abc\" return s:upper(), #s, s:len()",
  "true,\"ABC\",3,3"
 ],
 [
  "return tostring(nil), tostring(1e15), tostring(1e14), tostring(-1e15), tostring(123456.789e3)",
  "true,\"nil\",\"1e+15\",\"1e+14\",\"-1e+15\",\"123456789\""
 ],
 [
  "return tonumber(\"  0x1p4  \"), tonumber(\"1e\"), tonumber(\"\"), tonumber(\" \"), tonumber(\"0x\"), tonumber(\"1 2\")",
  "true,16,nil,nil,nil,nil,nil"
 ],
 [
  "return tonumber(\"10\", 2), tonumber(\"-ff\", 16), tonumber(\"  11  \", 2), tonumber(\"1.5\", 10), tonumber(1.5, 10)",
  "true,2,1.844674407371e+19,3,1.5,1.5"
 ],
 [
  "return select('#'), select('#', nil, nil), select(2)",
  "true,0,2"
 ],
 [
  "return select(1.5, \"a\", \"b\")",
  "true,\"a\",\"b\""
 ],
 [
  "return unpack({1, nil, 3})",
  "true,1,nil,3"
 ],
 [
  "return unpack({n = 3}, 1, 3)",
  "true,nil,nil,nil"
 ],
 [
  "return rawequal(1, 1.0), rawequal(\"1\", 1), rawget(_G, \"rawget\") == rawget",
  "true,true,false,true"
 ],
 [
  "local t = {10, 20, 30, x = 1} local n = 0 for k, v in pairs(t) do n = n + 1 end return n",
  "true,4"
 ],
 [
  "for i = 1, 3 do local x = i * 2 end return i",
  "true,nil"
 ],
 [
  "local a, b, c = (function() return 1, 2, 3 end)() return c, b, a",
  "true,3,2,1"
 ],
 [
  "return (nil)",
  "true,nil"
 ],
 [
  "local t = {1, 2, 3, nil, 5} return #t",
  "true,5"
 ],
 [
  "local t = {nil, nil, 3} return #t",
  "true,3"
 ],
 [
  "return math.huge, -math.huge, math.pi",
  "true,inf,-inf,3.1415926535898"
 ],
 [
  "return 2^-1074, 5e-324, 1e-310",
  "true,4.9406564584125e-324,4.9406564584125e-324,1e-310"
 ],
 [
  "return 255 // 2",
  "SYNTAX \"user_script:1: unexpected symbol near '/'\""
 ],
 [
  "x =",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "local 1 = 2",
  "SYNTAX \"user_script:1: '<name>' expected near '1'\""
 ],
 [
  "return 'abc\ndef'",
  "SYNTAX \"user_script:1: unfinished string near ''abc'\""
 ],
 [
  "return \"\\q\"",
  "true,\"q\""
 ],
 [
  "return \"\\x41\"",
  "true,\"x41\""
 ],
 [
  "return 0x1G",
  "SYNTAX \"user_script:1: malformed number near '0x1G'\""
 ],
 [
  "return 1e+",
  "SYNTAX \"user_script:1: malformed number near '1e+'\""
 ],
 [
  "local t = {} t[1] = \"a\" return t[1.0], t[\"1\"]",
  "true,\"a\",nil"
 ],
 [
  "local function v(...) return select('#', ...) end return v(nil, nil), v(), v(v())",
  "true,2,0,1"
 ],
 [
  "return assert(false)",
  "false,\"user_script:1: assertion failed!\""
 ],
 [
  "return assert(nil, \"msg\")",
  "false,\"user_script:1: msg\""
 ],
 [
  "return assert(1 == 1, \"unused\"), assert(\"x\")",
  "true,true,\"x\""
 ],
 [
  "return setmetatable({}, {__tostring = function() return 42 end})",
  "true,table"
 ],
 [
  "return tostring(setmetatable({}, {__tostring = function() return 42 end}))",
  "true,42"
 ],
 [
  "return tostring(setmetatable({}, {__tostring = function() return {} end}))",
  "true,table"
 ],
 [
  "return getmetatable(\"abc\").__index == string",
  "true,true"
 ],
 [
  "local mt = {__index = function(t, k) return k * 2 end} local t = setmetatable({}, mt) return t[21]",
  "true,42"
 ],
 [
  "local t = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v + 1) end}) t[1] = 1 t[1] = 5 return t[1]",
  "true,5"
 ],
 [
  "local t = setmetatable({}, {__call = 5}) return pcall(t)",
  "true,false,\"attempt to call a table value\""
 ],
 [
  "local a = setmetatable({}, {__add = function(a, b) return \"added\" end}) return 1 + a, a + 1, a + a",
  "true,\"added\",\"added\",\"added\""
 ],
 [
  "local a = setmetatable({}, {__concat = function(a, b) return \"cc\" end}) return 1 .. a, a .. \"x\", \"x\" .. a .. \"y\"",
  "true,\"cc\",\"cc\",\"xcc\""
 ],
 [
  "local a = setmetatable({}, {__lt = function(a, b) return true end}) return pcall(function() return a < 1 end)",
  "true,false,\"user_script:1: attempt to compare table with number\""
 ],
 [
  "local a = setmetatable({}, {__le = function(a, b) return true end}) local b = setmetatable({}, getmetatable(a)) return a <= b, a >= b",
  "true,true,true"
 ],
 [
  "local m = {__eq = function() return true end} local a, b = setmetatable({}, m), setmetatable({}, m) return a == b, a ~= b, rawequal(a, b)",
  "true,true,false,false"
 ],
 [
  "local a = setmetatable({}, {__unm = function(x) return \"neg\" end}) return -a",
  "true,\"neg\""
 ],
 [
  "local a = setmetatable({}, {__len = function(x) return 5 end}) return #a",
  "true,0"
 ],
 [
  "local t = setmetatable({}, {__index = \"abc\"}) return t.len",
  "true,function"
 ],
 [
  "return (\"abc\").x",
  "true,nil"
 ],
 [
  "local s = \"abc\" s.x = 1",
  "false,\"user_script:1: attempt to index local 's' (a string value)\""
 ],
 [
  "return #\"\\0\\0\\0\", \"\\0\" < \"\\1\", \"a\\0b\" == \"a\\0b\"",
  "true,3,true,true"
 ],
 [
  "local n = 0 for i = 10, 1 do n = n + 1 end for i = 1, 3, 0.5 do n = n + 1 end return n",
  "true,5"
 ],
 [
  "for i = 1, 10, 0 do return \"zero step\" end return \"no\"",
  "true,\"no\""
 ],
 [
  "local t = {} for i = 1, 5 do t[#t + 1] = function() return i end end return t[1](), t[5]()",
  "true,1,5"
 ],
 [
  "local i = 1 local t = {} repeat local j = i t[i] = function() return j end i = i + 1 until j >= 3 return t[1](), t[3]()",
  "true,1,3"
 ],
 [
  "local function f(...) local a, b = ... return a, b, select('#', ...) end return f(), f(1), f(1, 2, 3)",
  "true,nil,1,1,2,3"
 ],
 [
  "local function f(...) return ... end return (f(1, 2, 3))",
  "true,1"
 ],
 [
  "local t = {(function() return 1, 2 end)(), (function() return 3, 4 end)()} return #t, t[1], t[2], t[3]",
  "true,3,1,3,4"
 ],
 [
  "return #{n = 1, 1, 2, [3] = 3}",
  "true,3"
 ],
 [
  "local a = {} a[1], a[2] = 1 return a[1], a[2]",
  "true,1,nil"
 ],
 [
  "local a, b, c = 1 return a, b, c",
  "true,1,nil,nil"
 ],
 [
  "local x = 1 local function f() x = x + 1 return x end return f(), f(), x",
  "true,2,3,3"
 ],
 [
  "local t = {} local i = 1 i, t[i] = i + 1, 20 return i, t[1], t[2]",
  "true,2,20,nil"
 ],
 [
  "return 2^0.5, 10 / 3 * 3, 7 // 2",
  "SYNTAX \"user_script:1: unexpected symbol near '/'\""
 ],
 [
  "return math.floor(-3.5), math.fmod(-7, 3), -7 % 3",
  "true,-4,-1,2"
 ],
 [
  "return string.format(\"%5.2f|%d|%s|%q\", 3.14159, 42, \"x\", \"a\\nb\")",
  "true,\" 3.14|42|x|\\34a\\92\\10b\\34\""
 ],
 [
  "local ok, e = pcall(error) return ok, e",
  "true,false,nil"
 ],
 [
  "local ok, e = pcall(error, nil) return ok, e",
  "true,false,nil"
 ],
 [
  "return pcall(error, \"msg\", 0)",
  "true,false,\"msg\""
 ],
 [
  "return pcall(error, \"msg\", 1)",
  "true,false,\"msg\""
 ],
 [
  "return pcall(error, \"msg\", 2)",
  "true,false,\"user_script:1: msg\""
 ],
 [
  "local function lvl() error(\"deep\", 2) end local ok, e = pcall(function() lvl() end) return e",
  "true,\"user_script:1: deep\""
 ],
 [
  "return xpcall(function() error(\"x\") end, function(e) return \"H:\" .. e end)",
  "true,false,\"H:user_script:1: x\""
 ],
 [
  "return xpcall(function() return 1 end)",
  "false,\"user_script:1: bad argument #2 to 'xpcall' (value expected)\""
 ],
 [
  "return loadstring(\"return 1 +\")",
  "true,nil,\"[string \\34return 1 +\\34]:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return loadstring(\"x=\")",
  "true,nil,\"[string \\34x=\\34]:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return loadstring(\"return ...\")(1, 2)",
  "true,1,2"
 ],
 [
  "local f = loadstring(\"local a = ... return a * 2\") return f(21)",
  "true,42"
 ],
 [
  "return loadstring(\"error('e')\")",
  "true,function"
 ],
 [
  "return pcall(loadstring(\"error('e')\"))",
  "true,false,\"[string \\34error('e')\\34]:1: e\""
 ],
 [
  "return pcall(loadstring(\"error('e')\", \"chunky\"))",
  "true,false,\"[string \\34chunky\\34]:1: e\""
 ],
 [
  "return pcall(loadstring(\"error('e')\", \"=chunky\"))",
  "true,false,\"chunky:1: e\""
 ],
 [
  "return pcall(loadstring(\"error('e')\", \"@file.lua\"))",
  "true,false,\"file.lua:1: e\""
 ],
 [
  "return pcall(loadstring(\"\\n\\nerror('e')\"))",
  "true,false,\"[string \\34...\\34]:3: e\""
 ],
 [
  "return pcall(loadstring(\"local x = 1\\nlocal y = 2\\nreturn x.z\"))",
  "true,false,\"[string \\34local x = 1...\\34]:3: attempt to index local 'x' (a number value)\""
 ],
 [
  "return _VERSION, type(_G), _G._G == _G",
  "true,\"Lua 5.1\",\"table\",true"
 ],
 [
  "return collectgarbage(\"count\") > 0, collectgarbage(\"step\"), collectgarbage(\"setpause\", 100)",
  "true,true,false,200"
 ],
 [
  "local t = {} for i = 1, 10 do t[i] = i end for k, v in pairs(t) do t[k] = nil end return next(t)",
  "true,nil"
 ],
 [
  "local t = {a = 1, b = 2, c = 3} for k in pairs(t) do t[k] = nil end return next(t)",
  "true,nil"
 ],
 [
  "local t = {a = 1, b = 2, c = 3} local s = 0 for k, v in pairs(t) do t[k] = v * 2 end return t.a + t.b + t.c",
  "true,12"
 ],
 [
  "return tostring(1e15), tostring(1e16), 1e15 .. \"\", 12345678901234 .. \"\"",
  "true,\"1e+15\",\"1e+16\",\"1e+15\",\"12345678901234\""
 ],
 [
  "return 1e308 * 10, -1e308 * 10, tostring(2^1024)",
  "true,inf,-inf,\"inf\""
 ],
 [
  "return 9007199254740993, 0.1, 1/3, -1/3, 100, -100, 1e-5, 1e-4, 123e-7",
  "true,9.007199254741e+15,0.1,0.33333333333333,-0.33333333333333,100,-100,1e-05,0.0001,1.23e-05"
 ],
 [
  "return (\"%.14g\"):format(0.1), 3.14159265358979, 314.159265358979e10",
  "true,\"0.1\",3.1415926535898,3141592653589.8"
 ],
 [
  "local t = {}\nlocal x = 1 +\n  t.a.b\nreturn x",
  "false,\"user_script:3: attempt to index field 'a' (a nil value)\""
 ],
 [
  "local function f(a,\n  b)\n  return a + b\nend\nreturn f(1,\n  nil)",
  "false,\"user_script:3: attempt to perform arithmetic on local 'b' (a nil value)\""
 ],
 [
  "local s = \"a\" ..\n  \"b\" ..\n  nil",
  "false,\"user_script:3: attempt to concatenate a nil value\""
 ],
 [
  "local t = {\n  a = 1,\n  b = nil .. \"x\",\n}",
  "false,\"user_script:3: attempt to concatenate a nil value\""
 ],
 [
  "local function f() error(\"here\") end\nlocal ok, e = pcall(f)\nreturn e",
  "true,\"user_script:1: here\""
 ],
 [
  "local function f()\n  local x = 1\n  error(\"line3\")\nend\nlocal ok, e = pcall(f)\nreturn e",
  "true,\"user_script:3: line3\""
 ],
 [
  "local function g()\n  error(\"lvl2\", 2)\nend\nlocal function f()\n  local y = 1\n  g()\nend\nlocal ok, e = pcall(f)\nreturn e",
  "true,\"user_script:6: lvl2\""
 ],
 [
  "local function g()\n  error(\"lvl3\", 3)\nend\nlocal function f()\n  g()\nend\nlocal function h()\n  f()\nend\nlocal ok, e = pcall(h)\nreturn e",
  "true,\"user_script:8: lvl3\""
 ],
 [
  "local ok, e = pcall(function()\n  return string.rep()\nend)\nreturn e",
  "true,\"user_script:2: bad argument #1 to 'rep' (string expected, got no value)\""
 ],
 [
  "local ok, e = pcall(function()\n  local t = setmetatable({}, {__index = function(t, k)\n    error(\"from index\")\n  end})\n  return t.x\nend)\nreturn e",
  "true,\"user_script:3: from index\""
 ],
 [
  "local ok, e = pcall(function()\n  local t = setmetatable({}, {__index = function(t, k)\n    error(\"from index\", 2)\n  end})\n  return t.x\nend)\nreturn e",
  "true,\"user_script:5: from index\""
 ],
 [
  "return pcall(function()\n  string.format(\"%d\",\n    \"x\")\nend)",
  "true,false,\"user_script:2: bad argument #2 to 'format' (number expected, got string)\""
 ],
 [
  "local function f(...)\n  local a, b, c = ...\n  return c, b, a\nend\nreturn f(1, 2, 3)",
  "true,3,2,1"
 ],
 [
  "return (function()\n  return\nend)()",
  "true"
 ],
 [
  "local t = {}\nt\n.x\n= 5\nreturn t.x",
  "true,5"
 ],
 [
  "local f = function() return 1 end\nlocal x = f\n(1)\nreturn x",
  "SYNTAX \"user_script:3: ambiguous syntax (function call x new statement) near '('\""
 ],
 [
  "local a = {}\na.b = {}\na.b.c = function(self, v) return v end\nreturn a.b:c(5), a.b.c(nil, 6)",
  "true,5,6"
 ],
 [
  "return (\"abc\"):upper():lower():len()",
  "true,3"
 ],
 [
  "local s = 0\nfor i = 1, 3 do\n  for j = 1, 3 do\n    if j == 2 then break end\n    s = s + j\n  end\nend\nreturn s",
  "true,3"
 ],
 [
  "local i = 0\nwhile true do\n  i = i + 1\n  if i > 5 then break end\nend\nreturn i",
  "true,6"
 ],
 [
  "local a = 1\nlocal b = a < 2 and \"yes\" or \"no\"\nlocal c = a > 2 and \"yes\" or \"no\"\nlocal d = nil and nil or false\nreturn b, c, d, 1 and nil, false and 1, nil or nil",
  "true,\"yes\",\"no\",false,nil,false,nil"
 ],
 [
  "local t = {1, 2, 3}\nlocal s = \"\"\nfor i, v in ipairs(t) do s = s .. i .. \"=\" .. v .. \";\" end\nreturn s",
  "true,\"1=1;2=2;3=3;\""
 ],
 [
  "return table.concat({1, 2, \"x\", 3.5}, \",\"), table.getn({1, 2})",
  "true,\"1,2,x,3.5\",2"
 ],
 [
  "local t = {} table.insert(t, \"a\") table.insert(t, 1, \"b\") return t[1], t[2], #t",
  "true,\"b\",\"a\",2"
 ],
 [
  "return math.max(1, 5, 3), math.min(2, -1), math.floor(2.7), math.abs(-3)",
  "true,5,-1,2,3"
 ],
 [
  "local x = 10\nlocal function f()\n  local x = x + 1\n  return x\nend\nreturn f(), x",
  "true,11,10"
 ],
 [
  "local a, b = 1, 2\nlocal function swap() a, b = b, a end\nswap()\nreturn a, b",
  "true,2,1"
 ],
 [
  "local function mk()\n  local n = 0\n  return function() n = n + 1 return n end, function() return n end\nend\nlocal inc, get = mk()\ninc() inc()\nreturn get()",
  "true,2"
 ],
 [
  "local t = setmetatable({}, {__index = function(t, k) return k end})\nreturn t[1], t.x, rawget(t, \"x\")",
  "true,1,\"x\",nil"
 ],
 [
  "local t = {}\nt[1] = nil\nt.x = nil\nreturn next(t)",
  "true,nil"
 ],
 [
  "return type(nil == false), 1 == 1.0, \"1\" == 1, 0 == -0",
  "true,\"boolean\",true,false,true"
 ],
 [
  "return 10 == \"10\", tostring(10) == \"10\"",
  "true,false,true"
 ],
 [
  "return 2^31, 2^32 + 1, -2^31 - 1, 4294967296 * 4294967296",
  "true,2147483648,4294967297,-2147483649,1.844674407371e+19"
 ],
 [
  "return 1e15 + 0.5, 123456789.123",
  "true,1e+15,123456789.123"
 ],
 [
  "return 3 % math.huge, -3 % math.huge, 3 % -math.huge",
  "true,-nan,-nan,-nan"
 ],
 [
  "return math.huge % 2, 5.3 % 1",
  "true,-nan,0.3"
 ],
 [
  "local a = \"5\" return a + 0, a * \"2\", -a, a ^ 2",
  "true,5,10,-5,25"
 ],
 [
  "return - \"2\", - \" 3 \"",
  "true,-2,-3"
 ],
 [
  "return \"abc\" < \"abd\", \"\" < \"a\", \"a\" < \"\", \"Z\" < \"a\", \"abc\" <= \"abc\"",
  "true,true,true,false,true,true"
 ],
 [
  "local ok, e = pcall(function() return {} < 1 end) return e",
  "true,\"user_script:1: attempt to compare table with number\""
 ],
 [
  "local ok, e = pcall(function() return \"a\" < 1 end) return e",
  "true,\"user_script:1: attempt to compare string with number\""
 ],
 [
  "local ok, e = pcall(function() local a = {} return a <= a end) return e",
  "true,\"user_script:1: attempt to compare two table values\""
 ],
 [
  "local ok, e = pcall(function() local x; return x.y.z end) return e",
  "true,\"user_script:1: attempt to index local 'x' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() return undefinedfn() end) return e",
  "true,\"user_script:1: attempt to call global 'undefinedfn' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} return t.a.b.c end) return e",
  "true,\"user_script:1: attempt to index field 'a' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {a = {}} return t.a.b.c end) return e",
  "true,\"user_script:1: attempt to index field 'b' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} t.x.y = 1 end) return e",
  "true,\"user_script:1: attempt to index field 'x' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local s = \"x\" return s + 1 end) return e",
  "true,\"user_script:1: attempt to perform arithmetic on local 's' (a string value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} return t .. \"x\" end) return e",
  "true,\"user_script:1: attempt to concatenate local 't' (a table value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} return \"x\" .. t end) return e",
  "true,\"user_script:1: attempt to concatenate local 't' (a table value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} return 1 .. t .. 2 end) return e",
  "true,\"user_script:1: attempt to concatenate local 't' (a table value)\""
 ],
 [
  "local ok, e = pcall(function() return #nil end) return e",
  "true,\"user_script:1: attempt to get length of a nil value\""
 ],
 [
  "local ok, e = pcall(function() local a return -a end) return e",
  "true,\"user_script:1: attempt to perform arithmetic on local 'a' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} return t.x + 1 end) return e",
  "true,\"user_script:1: attempt to perform arithmetic on field 'x' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} return 1 + t.x end) return e",
  "true,\"user_script:1: attempt to perform arithmetic on field 'x' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} return t[1] + 1 end) return e",
  "true,\"user_script:1: attempt to perform arithmetic on field '?' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} local k = \"z\" return t[k] + 1 end) return e",
  "true,\"user_script:1: attempt to perform arithmetic on field '?' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {} return t:m() end) return e",
  "true,\"user_script:1: attempt to call method 'm' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local t = {m = 1} return t:m() end) return e",
  "true,\"user_script:1: attempt to call method 'm' (a number value)\""
 ],
 [
  "local ok, e = pcall(function() return (\"x\"):nope() end) return e",
  "true,\"user_script:1: attempt to call method 'nope' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() return math.nope() end) return e",
  "true,\"user_script:1: attempt to call field 'nope' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() return (1)() end) return e",
  "true,\"user_script:1: attempt to call a number value\""
 ],
 [
  "local ok, e = pcall(function() local up = nil; return (function() return up.x end)() end) return e",
  "true,\"user_script:1: attempt to index upvalue 'up' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() local up = nil; return (function() return up() end)() end) return e",
  "true,\"user_script:1: attempt to call upvalue 'up' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() return (nil)() end) return e",
  "true,\"user_script:1: attempt to call a nil value\""
 ],
 [
  "local ok, e = pcall(function() local f = {} f.g.h() end) return e",
  "true,\"user_script:1: attempt to index field 'g' (a nil value)\""
 ],
 [
  "local ok, e = pcall(function() for i = 1, \"x\" do end end) return e",
  "true,\"user_script:1: 'for' limit must be a number\""
 ],
 [
  "local ok, e = pcall(function() for i = 1, 2, {} do end end) return e",
  "true,\"user_script:1: 'for' step must be a number\""
 ],
 [
  "local ok, e = pcall(function() for k, v in {} do end end) return e",
  "true,\"user_script:1: attempt to call a table value\""
 ],
 [
  "local ok, e = pcall(function() local t = setmetatable({}, {__newindex = \"oops\"}) t.x = 1 end) return e",
  "true,\"user_script:1: attempt to index a string value\""
 ],
 [
  "local ok, e = pcall(function() error() end) return ok, e",
  "true,false,nil"
 ],
 [
  "local ok, e = pcall(function() error(nil, 2) end) return ok, e",
  "true,false,nil"
 ],
 [
  "local ok, e = pcall(function() error(true) end) return ok, e",
  "true,false,true"
 ],
 [
  "local ok, e = pcall(function() error(12.5) end) return ok, e",
  "true,false,\"user_script:1: 12.5\""
 ],
 [
  "local ok, e = pcall(function() error(\"x\", \"2\") end) return ok, e",
  "true,false,\"x\""
 ],
 [
  "local ok, e = pcall(function() error(\"x\", \"bad\") end) return ok, e",
  "true,false,\"user_script:1: bad argument #2 to 'error' (number expected, got string)\""
 ],
 [
  "return select(2, pcall(error, \"a\", 1)), select(2, pcall(error, \"a\", 2))",
  "true,\"a\",\"user_script:1: a\""
 ],
 [
  "local f = function() return f end return f()",
  "true,nil"
 ],
 [
  "local function f() return f end return f() == f",
  "true,true"
 ],
 [
  "local a = {} local function m(x) return x end return m(m(m(1))), (m(2)), m(m(3), m(4))",
  "true,1,2,3"
 ],
 [
  "local function two() return 1, 2 end local t = {two(), two(), x = two(), two()} return #t, t[1], t[2], t[3], t[4], t.x",
  "true,4,1,1,1,2,1"
 ],
 [
  "local function two() return 1, 2 end return {two(), nil}, select('#', two(), nil), select('#', nil, two())",
  "true,table,2,3"
 ],
 [
  "local function va(...) return {..., n = select('#', ...)} end local t = va(1, nil, 3) return t.n, t[1], t[3]",
  "true,3,1,nil"
 ],
 [
  "local function va(...) local a = {...} return #a end return va(), va(nil), va(1, 2)",
  "true,0,0,2"
 ],
 [
  "local function va(...) return ..., \"end\" end return va(1, 2)",
  "true,1,\"end\""
 ],
 [
  "local function va(...) local x = ... return x end return va(5, 6)",
  "true,5"
 ],
 [
  "local x = 0 local function inc() x = x + 1 return x end local a, b, c = inc(), inc(), inc() return a, b, c, x",
  "true,1,2,3,3"
 ],
 [
  "local t = {} local i = 1 local function nxt() i = i + 1 return i end t[nxt()], t[nxt()] = nxt(), nxt() return t[2], t[3], t[4], t[5]",
  "true,4,5,nil,nil"
 ],
 [
  "local a, b, c = (function() return 1 end)(), (function() return 2, 3 end)() return a, b, c",
  "true,1,2,3"
 ],
 [
  "local r = {} for i = 1, 3 do local j = i * 10 r[i] = function() j = j + 1 return j end end return r[1](), r[1](), r[2]()",
  "true,11,12,21"
 ],
 [
  "local r = {} local k = 0 repeat k = k + 1 local c = k r[k] = function() return c end until c >= 3 return r[1](), r[2](), r[3]()",
  "true,1,2,3"
 ],
 [
  "local r = {} for k, v in pairs({a = 1, b = 2}) do r[k] = function() return v end end return r.a(), r.b()",
  "true,1,2"
 ],
 [
  "local s = 0 for i = 1, 2, 0.25 do s = s + 1 end return s",
  "true,5"
 ],
 [
  "local s = 0 for i = 5, 1, -1.5 do s = s + i end return s",
  "true,10.5"
 ],
 [
  "local s = 0 for i = 1, 3 do s = s + i i = 10 end return s",
  "true,6"
 ],
 [
  "local t = {} for i = 1, 3 do t[#t + 1] = i end for i = #t, 1, -1 do t[#t + 1] = t[i] end return table.concat(t, \"\")",
  "true,\"123321\""
 ],
 [
  "local x = 1 do local x = 2 do local x = 3 end end return x",
  "true,1"
 ],
 [
  "local x = 1 if true then local x = 2 x = 3 end return x",
  "true,1"
 ],
 [
  "local a = 1 local function f() local a = a + 1 return a end return f(), a",
  "true,2,1"
 ],
 [
  "function G1(n) if n == 0 then return 0 end return n + G1(n - 1) end return G1(10)",
  "true,55"
 ],
 [
  "local t = {x = 1} function t:get() return self.x end function t.set(self, v) self.x = v end t:set(5) return t:get()",
  "true,5"
 ],
 [
  "local obj = {} obj.__index = obj function obj.new(v) return setmetatable({v = v}, obj) end function obj:dbl() return self.v * 2 end local o = obj.new(21) return o:dbl(), getmetatable(o) == obj",
  "true,42,true"
 ],
 [
  "local s = \"hello\" return s:sub(2, 3), s:byte(1), (\"x\"):rep(3, \",\"), #s:upper()",
  "true,\"el\",104,\"xxx\",5"
 ],
 [
  "local a = nil local b = a or {} b.x = 1 return b.x",
  "true,1"
 ],
 [
  "return 1 and 2 or 3, nil and 2 or 3, false or nil, nil and nil",
  "true,2,3,nil,nil"
 ],
 [
  "local function f() return nil, 2 end local a = f() or \"d\" return a",
  "true,\"d\""
 ],
 [
  "local x = 5 return x == 5 and \"five\" or \"other\", x ~= 5 and 1 or 2",
  "true,\"five\",2"
 ],
 [
  "local t = {} t.a = t.a or 0 t.a = t.a + 1 return t.a",
  "true,1"
 ],
 [
  "return not 1, not nil, not not nil, not (1 == 2)",
  "true,false,true,false,true"
 ],
 [
  "local a, b = 3, 4 return a < b and b < 5, a > b or b > 5",
  "true,true,false"
 ],
 [
  "local t = {1, 2, 3} return t[#t], t[#t - 1], #t == 3",
  "true,3,2,true"
 ],
 [
  "local s = \"\" for i = 1, 5 do s = s .. (i % 2 == 0 and \"e\" or \"o\") end return s",
  "true,\"oeoeo\""
 ],
 [
  "local a = {b = {c = {d = 5}}} return a.b.c.d, a[\"b\"][\"c\"][\"d\"], (a.b).c.d",
  "true,5,5,5"
 ],
 [
  "local t = {[1] = \"a\", [2] = \"b\", [3.0] = \"c\"} return #t, t[3]",
  "true,3,\"c\""
 ],
 [
  "local t = {\"a\", \"b\", [2] = \"B\"} return t[2]",
  "true,\"b\""
 ],
 [
  "local t = {[2] = \"B\", \"a\", \"b\"} return t[2]",
  "true,\"b\""
 ],
 [
  "return #{1, 2, nil}, #{nil, nil}, #{1, nil, 3}",
  "true,2,0,3"
 ],
 [
  "local t = {} t[1] = 1 t[3] = 3 t[2] = 2 return #t, t[3]",
  "true,3,3"
 ],
 [
  "local t = {1, 2, 3} t[#t] = nil return #t",
  "true,2"
 ],
 [
  "local t = {} for i = 1, 10 do t[i] = i end for i = 1, 10 do t[i] = nil end return #t, next(t)",
  "true,0,nil"
 ],
 [
  "local t = {n = 1} t.n = nil return next(t)",
  "true,nil"
 ],
 [
  "local keys = {} local t = {10, 20, 30, a = 1, b = 2} for k in pairs(t) do keys[#keys + 1] = tostring(k) end table.sort(keys) return table.concat(keys, \",\")",
  "true,\"1,2,3,a,b\""
 ],
 [
  "local t = {} for i = 1, 200 do t[\"k\" .. i] = i end local n = 0 for k, v in pairs(t) do n = n + v end for i = 1, 100 do t[\"k\" .. i] = nil end local m = 0 for k, v in pairs(t) do m = m + 1 end return n, m, t.k150, t.k50",
  "true,20100,100,150,nil"
 ],
 [
  "local t = {} for i = 1, 200 do t[\"k\" .. i] = i end for k, v in pairs(t) do t[k] = nil end return next(t)",
  "true,nil"
 ],
 [
  "local t = {a = 1, b = 2, c = 3, d = 4} local seen = 0 for k, v in pairs(t) do seen = seen + 1 t[k] = nil end return seen, next(t)",
  "true,4,nil"
 ],
 [
  "local t = {} t[1.5] = \"f\" t[true] = \"t\" t[-1] = \"n\" t[0] = \"z\" local c = 0 for k, v in pairs(t) do c = c + 1 end return c, t[1.5], t[true], t[-1], t[0]",
  "true,4,\"f\",\"t\",\"n\",\"z\""
 ],
 [
  "local t = setmetatable({}, {__mode = \"k\"}) t[{}] = 1 return type(t)",
  "true,\"table\""
 ],
 [
  "local mt = {__index = function(t, k) return k .. \"!\" end} local t = setmetatable({a = \"A\"}, mt) return t.a, t.b, t[1]",
  "true,\"A\",\"b!\",\"1!\""
 ],
 [
  "local proxy = setmetatable({}, {__index = string}) return proxy.rep(\"a\", 2)",
  "true,\"aa\""
 ],
 [
  "local t = setmetatable({}, {__index = setmetatable({}, {__index = setmetatable({}, {__index = {z = 26}})})}) return t.z",
  "true,26"
 ],
 [
  "local log = {} local t = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k rawset(t, k, v) end}) t.a = 1 t.a = 2 t.b = 3 return #log, t.a",
  "true,2,2"
 ],
 [
  "local t = setmetatable({}, {__call = function(self, ...) return select('#', ...), ... end}) return t(1, 2, 3)",
  "true,3,1,2,3"
 ],
 [
  "local C = setmetatable({}, {__call = function(cls, v) return {v = v} end}) return C(5).v",
  "true,5"
 ],
 [
  "local cmp = {__lt = function(a, b) return a.v < b.v end, __le = function(a, b) return a.v <= b.v end} local a, b = setmetatable({v = 1}, cmp), setmetatable({v = 2}, cmp) return a < b, a > b, a <= b, a >= b",
  "true,true,false,true,false"
 ],
 [
  "local v = setmetatable({}, {__concat = function(a, b) return (type(a) == \"table\" and \"T\" or a) .. (type(b) == \"table\" and \"T\" or b) end}) return v .. \"x\", \"x\" .. v, 1 .. v, v .. v",
  "true,\"Tx\",\"xT\",\"1T\",\"TT\""
 ],
 [
  "local v = setmetatable({}, {__concat = function(a, b) return \"C\" end}) return \"a\" .. \"b\" .. v .. \"c\"",
  "true,\"abC\""
 ],
 [
  "local t = setmetatable({}, {__index = function() return nil end}) return t.x, t[1]",
  "true,nil,nil"
 ],
 [
  "local t = setmetatable({}, {__unm = function() return 1 end, __len = function() return 2 end}) return -t, #t",
  "true,1,0"
 ],
 [
  "local u = setmetatable({}, {__tostring = function(s) return \"U!\" end}) return tostring(u), string.format(\"%s\", u)",
  "false,\"user_script:1: bad argument #2 to 'format' (string expected, got table)\""
 ],
 [
  "return tostring(setmetatable({}, {__tostring = function() return nil end}))",
  "true,nil"
 ],
 [
  "local mt = {__metatable = false} return getmetatable(setmetatable({}, mt))",
  "true,false"
 ],
 [
  "return pcall(setmetatable, setmetatable({}, {__metatable = 1}), nil)",
  "true,false,\"cannot change a protected metatable\""
 ],
 [
  "return getmetatable(setmetatable({}, {})) ~= nil, setmetatable({}, nil) ~= nil",
  "true,true,true"
 ],
 [
  "return rawequal(), 1",
  "false,\"user_script:1: bad argument #1 to 'rawequal' (value expected)\""
 ],
 [
  "return rawget({}, nil), rawget({1}, 1.0)",
  "true,nil,1"
 ],
 [
  "return rawset({}, nil, 1)",
  "false,\"table index is nil\""
 ],
 [
  "return rawset({}, 1, nil)[1]",
  "true,nil"
 ],
 [
  "return ipairs({}), type(ipairs({}))",
  "true,function,\"function\""
 ],
 [
  "local n = 0 for i, v in ipairs({1, 2, nil, 4}) do n = n + 1 end return n",
  "true,2"
 ],
 [
  "local t = setmetatable({}, {__index = function(t, i) if i <= 3 then return i * 10 end end}) local s = 0 for i, v in ipairs(t) do s = s + v end return s",
  "true,0"
 ],
 [
  "local s = 0 for k, v in next, {5, 6, 7} do s = s + v end return s",
  "true,18"
 ],
 [
  "local function iter(t, i) i = i + 1 if t[i] then return i, t[i] end end local s = 0 for i, v in iter, {1, 2, 3}, 0 do s = s + v end return s",
  "true,6"
 ],
 [
  "local function range(n) local i = 0 return function() i = i + 1 if i <= n then return i end end end local s = 0 for i in range(4) do s = s + i end return s",
  "true,10"
 ],
 [
  "for k, v in pairs(nil) do end",
  "false,\"user_script:1: bad argument #1 to 'pairs' (table expected, got nil)\""
 ],
 [
  "for i = 1, 2 do local x <const> = 1 end",
  "SYNTAX \"user_script:1: unexpected symbol near '<'\""
 ],
 [
  "return 0x7fffffff + 1, 0xffffffff, -0x10",
  "true,2147483648,4294967295,-16"
 ],
 [
  "return 1e308 + 1e308 == math.huge, -(0/0) ~= -(0/0)",
  "true,true,true"
 ],
 [
  "return 7 // 2",
  "SYNTAX \"user_script:1: unexpected symbol near '/'\""
 ],
 [
  "local t = {} t[2^53] = 1 return t[2^53], next(t)",
  "true,1,9.007199254741e+15,1"
 ],
 [
  "return tostring(2^63), tostring(-2^63), 2^63 == 2^63 + 1",
  "true,\"9.2233720368548e+18\",\"-9.2233720368548e+18\",true"
 ],
 [
  "return string.format(\"%.0f\", 0.5), string.format(\"%g\", 1e20), 1e20",
  "true,\"0\",\"1e+20\",1e+20"
 ],
 [
  "return 123456789012 * 1000, 0.1 * 3, 1 / 7",
  "true,1.23456789012e+14,0.3,0.14285714285714"
 ],
 [
  "local t = {} t.__proto__ = 1 t.constructor = 2 t.toString = 3 return t.__proto__, t.constructor, t.toString, t.hasOwnProperty, t.valueOf",
  "true,1,2,3,nil,nil"
 ],
 [
  "local t = {__proto__ = 5, constructor = 6} return t.__proto__, t.constructor, t[\"__proto__\"]",
  "true,5,6,5"
 ],
 [
  "local class, arguments, eval, this, new, var, let, yield, await, static = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 return class + arguments + eval + this + new + var + let + yield + await + static",
  "true,55"
 ],
 [
  "local function f(class, arguments) return class, arguments end return f(1, 2)",
  "true,1,2"
 ],
 [
  "__proto__ = 1 constructor = 2 return __proto__, constructor, toString",
  "true,1,2,nil"
 ],
 [
  "local t = {} t[\"a b\"] = 1 t[\"1\"] = 2 t[1] = 3 return t[\"a b\"], t[\"1\"], t[1]",
  "true,1,2,3"
 ],
 [
  "local t = {[\"x-y\"] = 1, [\"if\"] = 2} return t[\"x-y\"], t[\"if\"], t[\"\\0\"]",
  "true,1,2,nil"
 ],
 [
  "local s = 0 for k, v in pairs({__proto__ = 1, toString = 2}) do s = s + v end return s",
  "true,3"
 ],
 [
  "return \"\\226\\130\\172\", #\"\\226\\130\\172\"",
  "true,\"\\226\\130\\172\",3"
 ],
 [
  "local t = {} t[\"\\255\"] = 1 return t[\"\\255\"]",
  "true,1"
 ],
 [
  "local co = coroutine.create(function(a, b) local c = coroutine.yield(a + b) local d, e = coroutine.yield(c * 2) return d + e end)\nlocal r = {} \nlocal function add(...) for i = 1, select('#', ...) do r[#r + 1] = tostring((select(i, ...))) end end\nadd(coroutine.resume(co, 1, 2)) add(coroutine.status(co)) add(coroutine.resume(co, 10)) add(coroutine.resume(co, 3, 4)) add(coroutine.status(co)) add(coroutine.resume(co))\nreturn table.concat(r, \" \")",
  "true,\"true 3 suspended true 20 true 7 dead false cannot resume dead coroutine\""
 ],
 [
  "local function gen(n) return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end) end\nlocal s = 0 for v in gen(5) do s = s + v end return s",
  "true,15"
 ],
 [
  "local function inner() coroutine.yield(\"from inner\") return \"inner done\" end\nlocal co = coroutine.create(function() local x = inner() coroutine.yield(x) return \"end\" end)\nreturn coroutine.resume(co), coroutine.resume(co), coroutine.resume(co), coroutine.resume(co)",
  "true,true,true,true,false,\"cannot resume dead coroutine\""
 ],
 [
  "local co = coroutine.create(function() error(\"boom\") end) return coroutine.resume(co)",
  "true,false,\"user_script:1: boom\""
 ],
 [
  "local co = coroutine.create(function() error({code = 1}) end) local ok, e = coroutine.resume(co) return ok, type(e), e.code",
  "true,false,\"table\",1"
 ],
 [
  "return coroutine.yield(1)",
  "false,\"attempt to yield across metamethod/C-call boundary\""
 ],
 [
  "return pcall(coroutine.yield, 1)",
  "true,false,\"attempt to yield across metamethod/C-call boundary\""
 ],
 [
  "local co = coroutine.create(function() pcall(coroutine.yield, 1) return \"x\" end) return coroutine.resume(co)",
  "true,true,\"x\""
 ],
 [
  "local co = coroutine.create(function() local ok, e = pcall(function() coroutine.yield(1) end) return ok, e end) return coroutine.resume(co)",
  "true,true,false,\"attempt to yield across metamethod/C-call boundary\""
 ],
 [
  "local co coroutine.resume(coroutine.create(function() co = coroutine.running() end)) return type(co), coroutine.status(co)",
  "true,\"thread\",\"dead\""
 ],
 [
  "return coroutine.running()",
  "true,nil"
 ],
 [
  "local co = coroutine.create(function() return coroutine.status(coroutine.running()) end) return coroutine.resume(co)",
  "true,true,\"running\""
 ],
 [
  "local outer outer = coroutine.create(function() local inner = coroutine.create(function() return coroutine.status(outer) end) return coroutine.resume(inner) end) return coroutine.resume(outer)",
  "true,true,true,\"normal\""
 ],
 [
  "local f = coroutine.wrap(function() error(\"werr\") end) return pcall(f)",
  "true,false,\"user_script:1: werr\""
 ],
 [
  "local f = coroutine.wrap(function() return 1 end) f() return pcall(f)",
  "true,false,\"cannot resume dead coroutine\""
 ],
 [
  "return type(coroutine.create(function() end)), tostring(coroutine.create(function() end)):match(\"^thread: \") ~= nil",
  "true,\"thread\",true"
 ],
 [
  "local co = coroutine.create(function(...) return select('#', ...), ... end) return coroutine.resume(co, nil, 2, nil)",
  "true,true,3,nil,2,nil"
 ],
 [
  "local t = {} local co = coroutine.wrap(function() for k, v in pairs({a = 1, b = 2, c = 3}) do coroutine.yield(k) end end) for i = 1, 3 do t[#t + 1] = co() end table.sort(t) return table.concat(t)",
  "true,\"abc\""
 ],
 [
  "local obj = {n = 0} function obj:step() self.n = self.n + 1 coroutine.yield(self.n) end\nlocal co = coroutine.wrap(function() while true do obj:step() end end) return co(), co(), co()",
  "true,1,2,3"
 ],
 [
  "local co = coroutine.create(function() local t = setmetatable({}, {__index = function(t, k) coroutine.yield(k) return 1 end}) return t.x end) return coroutine.resume(co)",
  "true,false,\"attempt to yield across metamethod/C-call boundary\""
 ],
 [
  "local co = coroutine.create(function() return table.sort({3, 2, 1}, function(a, b) coroutine.yield() return a < b end) end) return coroutine.resume(co)",
  "true,false,\"attempt to yield across metamethod/C-call boundary\""
 ],
 [
  "return select(2^32 + 2, \"a\", \"b\", \"c\")",
  "true,\"b\",\"c\""
 ],
 [
  "return select(-1.9, \"a\", \"b\")",
  "true,\"b\""
 ],
 [
  "return select(2.9, \"a\", \"b\", \"c\")",
  "true,\"b\",\"c\""
 ],
 [
  "return unpack({1, 2, 3}, 2.7)",
  "true,2,3"
 ],
 [
  "return unpack({1, 2, 3}, -1.5, 1)",
  "true,nil,nil,1"
 ],
 [
  "return getfenv() == _G, getfenv(0) == _G, getfenv(1) == _G, getfenv(print) == _G",
  "true,true,true,true,true"
 ],
 [
  "local u = newproxy(true) getmetatable(u).__index = function(t, k) return k .. \"?\" end return type(u), u.foo",
  "true,\"userdata\",\"foo?\""
 ],
 [
  "local u = newproxy(true) getmetatable(u).__len = function() return 7 end return #u",
  "true,7"
 ],
 [
  "local a = newproxy(true) local b = newproxy(a) return getmetatable(a) == getmetatable(b), getmetatable(newproxy())",
  "true,true,nil"
 ],
 [
  "local u = newproxy(true) getmetatable(u).__eq = function() return true end local v = newproxy(u) return u == v",
  "true,true"
 ],
 [
  "return 10000000000000.5, -10000000000000.5, 10000000000001.5, 0.5, 2.5, 1.25, 123456789012.125, 0.1, 1/3, 2^52 + 0.5",
  "true,10000000000000,-10000000000000,10000000000002,0.5,2.5,1.25,123456789012.12,0.1,0.33333333333333,4.5035996273705e+15"
 ],
 [
  "return tostring(1000000000000.25), tostring(100000000000.125), 3.0000000000000005",
  "true,\"1000000000000.2\",\"100000000000.12\",3"
 ],
 [
  "local",
  "SYNTAX \"user_script:1: '<name>' expected near '<eof>'\""
 ],
 [
  "local function",
  "SYNTAX \"user_script:1: '<name>' expected near '<eof>'\""
 ],
 [
  "local function f",
  "SYNTAX \"user_script:1: '(' expected near '<eof>'\""
 ],
 [
  "function",
  "SYNTAX \"user_script:1: '<name>' expected near '<eof>'\""
 ],
 [
  "function f(",
  "SYNTAX \"user_script:1: <name> or '...' expected near '<eof>'\""
 ],
 [
  "function f(a b) end",
  "SYNTAX \"user_script:1: ')' expected near 'b'\""
 ],
 [
  "function f(...,a) end",
  "SYNTAX \"user_script:1: ')' expected near ','\""
 ],
 [
  "if",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "if x",
  "SYNTAX \"user_script:1: 'then' expected near '<eof>'\""
 ],
 [
  "if x then else",
  "SYNTAX \"user_script:1: 'end' expected near '<eof>'\""
 ],
 [
  "while",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "while x",
  "SYNTAX \"user_script:1: 'do' expected near '<eof>'\""
 ],
 [
  "while x do",
  "SYNTAX \"user_script:1: 'end' expected near '<eof>'\""
 ],
 [
  "repeat",
  "SYNTAX \"user_script:1: 'until' expected near '<eof>'\""
 ],
 [
  "repeat until",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "for",
  "SYNTAX \"user_script:1: '<name>' expected near '<eof>'\""
 ],
 [
  "for i",
  "SYNTAX \"user_script:1: '=' or 'in' expected near '<eof>'\""
 ],
 [
  "for i =",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "for i = 1",
  "SYNTAX \"user_script:1: ',' expected near '<eof>'\""
 ],
 [
  "for i = 1,",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "for i = 1, 2",
  "SYNTAX \"user_script:1: 'do' expected near '<eof>'\""
 ],
 [
  "for i = 1, 2 do",
  "SYNTAX \"user_script:1: 'end' expected near '<eof>'\""
 ],
 [
  "for a, b",
  "SYNTAX \"user_script:1: 'in' expected near '<eof>'\""
 ],
 [
  "for a, b in",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return 1,",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return (",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return )",
  "SYNTAX \"user_script:1: unexpected symbol near ')'\""
 ],
 [
  "return {",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return {1,",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return {[1]",
  "SYNTAX \"user_script:1: '=' expected near '<eof>'\""
 ],
 [
  "return {[1] =",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return {a =",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return a.",
  "SYNTAX \"user_script:1: '<name>' expected near '<eof>'\""
 ],
 [
  "return a:",
  "SYNTAX \"user_script:1: '<name>' expected near '<eof>'\""
 ],
 [
  "return a:b",
  "SYNTAX \"user_script:1: function arguments expected near '<eof>'\""
 ],
 [
  "return a[",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "return a[1",
  "SYNTAX \"user_script:1: ']' expected near '<eof>'\""
 ],
 [
  "x = 1 2",
  "SYNTAX \"user_script:1: unexpected symbol near '2'\""
 ],
 [
  "x, = 1",
  "SYNTAX \"user_script:1: unexpected symbol near '='\""
 ],
 [
  "x = function",
  "SYNTAX \"user_script:1: '(' expected near '<eof>'\""
 ],
 [
  "x = function(",
  "SYNTAX \"user_script:1: <name> or '...' expected near '<eof>'\""
 ],
 [
  "x = function() return end end",
  "SYNTAX \"user_script:1: '<eof>' expected near 'end'\""
 ],
 [
  "t = {} t.1 = 2",
  "SYNTAX \"user_script:1: '=' expected near '.1'\""
 ],
 [
  "local t = {} t:x = 1",
  "SYNTAX \"user_script:1: function arguments expected near '='\""
 ],
 [
  "a = b c = d",
  "true"
 ],
 [
  "a = (b",
  "SYNTAX \"user_script:1: ')' expected near '<eof>'\""
 ],
 [
  "a = #",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "a = not",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "a = 1 and",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "a = 1 ..",
  "SYNTAX \"user_script:1: unexpected symbol near '<eof>'\""
 ],
 [
  "a = ...",
  "true"
 ],
 [
  "function f() local x = ... end",
  "SYNTAX \"user_script:1: cannot use '...' outside a vararg function near '...'\""
 ],
 [
  "do local x = 1",
  "SYNTAX \"user_script:1: 'end' expected near '<eof>'\""
 ],
 [
  "break",
  "SYNTAX \"user_script:1: no loop to break near '<eof>'\""
 ],
 [
  "if x then break end",
  "SYNTAX \"user_script:1: no loop to break near 'end'\""
 ],
 [
  "while true do local function g() break end end",
  "SYNTAX \"user_script:1: no loop to break near 'end'\""
 ],
 [
  "x = '\\",
  "SYNTAX \"user_script:1: unfinished string near '<eof>'\""
 ],
 [
  "x = \"\\065\\066",
  "SYNTAX \"user_script:1: unfinished string near '<eof>'\""
 ],
 [
  "x = [[",
  "SYNTAX \"user_script:1: unfinished long string near '<eof>'\""
 ],
 [
  "]] .. 'a",
  "SYNTAX \"user_script:1: unexpected symbol near ']'\""
 ],
 [
  "f()()",
  "false,\"user_script:1: attempt to call global 'f' (a nil value)\""
 ],
 [
  "f()[1] = 2",
  "false,\"user_script:1: attempt to call global 'f' (a nil value)\""
 ],
 [
  "f().x = 2",
  "false,\"user_script:1: attempt to call global 'f' (a nil value)\""
 ],
 [
  "x = y z = 1",
  "true"
 ],
 [
  "::label::",
  "SYNTAX \"user_script:1: unexpected symbol near ':'\""
 ],
 [
  "local x <close> = 1",
  "SYNTAX \"user_script:1: unexpected symbol near '<'\""
 ],
 [
  "x = a ~= b ~ c",
  "SYNTAX \"user_script:1: unexpected symbol near '~'\""
 ],
 [
  "x = 1 // 2",
  "SYNTAX \"user_script:1: unexpected symbol near '/'\""
 ],
 [
  "x = 1 << 2",
  "SYNTAX \"user_script:1: unexpected symbol near '<'\""
 ],
 [
  "x = 1 & 2",
  "SYNTAX \"user_script:1: unexpected symbol near '&'\""
 ],
 [
  "x = 0x",
  "SYNTAX \"user_script:1: malformed number near '0x'\""
 ],
 [
  "x = 0xg",
  "SYNTAX \"user_script:1: malformed number near '0xg'\""
 ],
 [
  "x = 1e+e",
  "SYNTAX \"user_script:1: malformed number near '1e+e'\""
 ],
 [
  "x = 12abc",
  "SYNTAX \"user_script:1: malformed number near '12abc'\""
 ]
];
