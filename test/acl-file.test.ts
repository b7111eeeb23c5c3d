import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Valkey } from 'iovalkey';
import { startServer } from '../src/index.js';
import { err } from './helpers.js';

function tmp(): string { return mkdtempSync(join(tmpdir(), 'acl-file-')); }

test('user directives in the config file', async () => {
  const d = tmp();
  const conf = join(d, 'valkey.conf');
  writeFileSync(conf, 'user alice on >pw ~a* +get\nuser default on nopass ~* &* +@all -flushdb\n');
  const srv = await startServer({ configFile: conf });
  const r = new Valkey({ port: srv.port, lazyConnect: false });
  try {
    assert.deepEqual(await r.call('ACL', 'LIST'), [
      `user alice on sanitize-payload #${'30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4'} ~a* resetchannels -@all +get`,
      'user default on nopass sanitize-payload ~* &* +@all -flushdb',
    ]);
    assert.match(await err(r.call('FLUSHDB')), /NOPERM User default has no permissions to run the 'flushdb' command/);
    assert.equal(await r.call('AUTH', 'alice', 'pw'), 'OK');
    // CONFIG REWRITE writes the users back.
    await r.call('AUTH', 'default', 'x');
    await r.call('ACL', 'SETUSER', 'bob', 'on', 'nopass');
    assert.equal(await r.call('CONFIG', 'REWRITE'), 'OK');
    const text = readFileSync(conf, 'utf8');
    assert.match(text, /^user bob off|^user bob on nopass sanitize-payload resetchannels -@all$/m);
    assert.match(text, /^user alice on /m);
  } finally {
    r.disconnect();
    await srv.close();
    rmSync(d, { recursive: true, force: true });
  }
});

test('a bad user directive stops the start', async () => {
  const d = tmp();
  try {
    const conf = join(d, 'valkey.conf');
    writeFileSync(conf, 'user alice on +nosuchcommandatall bogus\n');
    await assert.rejects(startServer({ configFile: conf, logSink: () => {} }));
    writeFileSync(conf, `user alice on\naclfile ${join(d, 'users.acl')}\n`);
    writeFileSync(join(d, 'users.acl'), '');
    await assert.rejects(startServer({ configFile: conf, logSink: () => {} }));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('aclfile: loaded at start, ACL SAVE and ACL LOAD', async () => {
  const d = tmp();
  const file = join(d, 'users.acl');
  writeFileSync(file, 'user alice on allcommands allkeys &* >alice\nuser bob on -@all +@set +acl ~set* &* >bob\n');
  const srv = await startServer({ config: { aclfile: file } });
  const r = new Valkey({ port: srv.port, lazyConnect: false });
  const b = new Valkey({ port: srv.port, lazyConnect: false, retryStrategy: () => null });
  b.on('error', () => {});
  try {
    assert.deepEqual(await r.call('ACL', 'USERS'), ['alice', 'bob', 'default']);
    assert.equal(await b.call('AUTH', 'bob', 'bob'), 'OK');
    assert.equal(await b.call('SADD', 'set1', 'x'), 1);
    assert.match(await err(b.call('GET', 'set1')), /NOPERM/);
    await r.call('ACL', 'SETUSER', 'carol', 'on', '>c', '+get');
    assert.equal(await r.call('ACL', 'SAVE'), 'OK');
    const saved = readFileSync(file, 'latin1');
    assert.equal(saved, ((await r.call('ACL', 'LIST')) as string[]).join('\n') + '\n');
    // LOAD replaces every user; connections of users that are gone are closed.
    writeFileSync(file, 'user alice on allcommands allkeys &* >alice\n');
    const closed = new Promise((res) => b.once('end', res));
    assert.equal(await r.call('ACL', 'LOAD'), 'OK');
    await closed;
    assert.deepEqual(await r.call('ACL', 'USERS'), ['alice', 'default']);
    // Errors change nothing.
    writeFileSync(file, 'user x on +nosuch\nnotuser y\nuser z bogus\n');
    const e = await err(r.call('ACL', 'LOAD'));
    assert.ok(e.includes(`${file}:1: Error in applying operation '+nosuch': Unknown command or category name in ACL. `), e);
    assert.ok(e.includes(`${file}:2 should start with user keyword followed by the username. `), e);
    assert.ok(e.includes(`${file}:3: Syntax error. `), e);
    assert.ok(e.endsWith('WARNING: ACL errors detected, no change to the previously active ACL rules was performed'), e);
    assert.deepEqual(await r.call('ACL', 'USERS'), ['alice', 'default']);
    rmSync(file);
    assert.match(await err(r.call('ACL', 'LOAD')), /Error loading ACLs, opening file '.*users\.acl': No such file or directory/);
  } finally {
    b.disconnect();
    r.disconnect();
    await srv.close();
    rmSync(d, { recursive: true, force: true });
  }
});
