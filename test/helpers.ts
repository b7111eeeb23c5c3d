import assert from 'node:assert/strict';
// Shared test fixtures.
import { before, after } from 'node:test';
import { Valkey, type RedisOptions } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';

/**
 * One server and one connected client for a whole test file: started in `before`, closed in
 * `after`. `ready` receives them (files keep them in their own variables).
 */
export function serverForFile(
  config: Record<string, string | number | boolean>,
  ready: (srv: RunningServer, r: Valkey) => void,
  clientOptions: RedisOptions = {},
): void {
  let srv: RunningServer | null = null;
  let r: Valkey | null = null;
  before(async () => {
    srv = await startServer({ config });
    r = new Valkey({ port: srv.port, lazyConnect: false, ...clientOptions });
    ready(srv, r);
  });
  after(async () => {
    r?.disconnect();
    await srv?.close();
  });
}

/** The message of the error `p` rejects with; fails the test if it resolves. */
export async function err(p: Promise<unknown>): Promise<string> {
  try {
    const v = await p;
    assert.fail(`expected an error, got ${JSON.stringify(v)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    return (e as Error).message;
  }
}
