// A compact reporter for `node --test` (used by `npm test`). The default TAP output of this suite
// is ~350 KB, more than a CI log keeps, so a failure near the end could go unseen. This prints one
// line per test file (passed / failed / duration), the whole report of every failing test at once,
// all failures again at the end, and the totals. Server log lines the tests print are dropped
// unless their file has a failure, in which case the last of them are shown with it.
import { relative } from 'node:path';

const MAX_LOG_LINES = 60;

export default async function* compactReporter(source) {
  const files = new Map(); // file -> { pass, fail, skip, todo, start, logs: string[] }
  const failures = [];
  let pass = 0, fail = 0, skip = 0, todo = 0;
  const started = Date.now();
  const fileOf = (data) => (data.file ? relative(process.cwd(), data.file) : '(no file)');
  const stats = (file) => {
    let s = files.get(file);
    if (!s) { s = { pass: 0, fail: 0, skip: 0, todo: 0, start: Date.now(), logs: [] }; files.set(file, s); }
    return s;
  };

  for await (const event of source) {
    const data = event.data ?? {};
    switch (event.type) {
      case 'test:stdout':
      case 'test:stderr': {
        const s = stats(fileOf(data));
        for (const line of String(data.message).split('\n')) {
          if (line === '') continue;
          s.logs.push(line);
          if (s.logs.length > MAX_LOG_LINES) s.logs.shift();
        }
        break;
      }
      case 'test:pass': {
        if (data.details?.type === 'suite') break;
        const s = stats(fileOf(data));
        if (data.skip) { s.skip++; skip++; } else if (data.todo) { s.todo++; todo++; } else { s.pass++; pass++; }
        break;
      }
      case 'test:fail': {
        const file = fileOf(data);
        const s = stats(file);
        const err = data.details?.error;
        // A suite fails when one of its tests does; report only the leaves (and suite-level hook
        // errors, whose cause is not a failed subtest).
        if (data.details?.type === 'suite' && err?.failureType === 'subtestsFailed') break;
        s.fail++; fail++;
        const cause = err?.cause ?? err;
        const text = [
          `not ok - ${file} › ${data.name} (${Math.round(data.details?.duration_ms ?? 0)} ms)`,
          indent(String(cause?.stack ?? cause?.message ?? cause ?? 'failed')),
        ];
        if (cause && (cause.expected !== undefined || cause.actual !== undefined)) {
          text.push(indent(`expected: ${safe(cause.expected)}\nactual:   ${safe(cause.actual)}`));
        }
        const block = text.join('\n');
        failures.push({ file, block });
        yield block + '\n';
        break;
      }
      case 'test:diagnostic':
        // File-level diagnostics (the totals are computed here); keep errors such as a file that
        // failed to load.
        if (data.nesting === 0 && !/^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(data.message)) {
          yield `# ${data.message}\n`;
        }
        break;
      default:
        break;
    }
    if (event.type === 'test:pass' || event.type === 'test:fail') {
      // A top-level test of a file ended: when a file's last top-level test ends we cannot know,
      // so print the running per-file line when the top-level test finishes.
      if (data.nesting === 0) {
        const file = fileOf(data);
        const s = stats(file);
        const mark = s.fail > 0 ? 'FAIL' : 'ok  ';
        yield `${mark} ${file} › ${data.name} — ${s.pass} passed${s.fail ? `, ${s.fail} failed` : ''}${s.skip ? `, ${s.skip} skipped` : ''} (${Math.round(data.details?.duration_ms ?? 0)} ms)\n`;
      }
    }
  }

  const out = [];
  if (failures.length > 0) {
    out.push('', `==== ${failures.length} failing test(s):`);
    for (const f of failures) out.push(f.block);
    const logFiles = new Set(failures.map((f) => f.file));
    for (const file of logFiles) {
      const logs = files.get(file)?.logs ?? [];
      if (logs.length > 0) out.push(`---- last ${logs.length} output line(s) of ${file}:`, ...logs.map((l) => `  | ${l}`));
    }
  }
  out.push('', `# tests ${pass + fail + skip + todo}`, `# pass ${pass}`, `# fail ${fail}`, `# skipped ${skip}`, `# todo ${todo}`,
    `# files ${files.size}`, `# duration_ms ${Date.now() - started}`, '');
  yield out.join('\n');
}

function indent(s) {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

function safe(v) {
  try {
    const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
    return s === undefined ? String(v) : s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
  } catch {
    return String(v);
  }
}
