// Embedded API: run a Valkey-compatible server inside a Node process.
//
//   import { startServer } from 'peregrine';
//   const srv = await startServer();            // free port on 127.0.0.1
//   ... connect any Valkey/Redis client to srv.port ...
//   await srv.close();
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerOptions } from './server/server.js';

export { Server } from './server/server.js';
export type { ServerOptions } from './server/server.js';
export { REDIS_VERSION, VALKEY_VERSION, PEREGRINE_VERSION } from './version.js';

export interface StartOptions extends ServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind; defaults to 127.0.0.1. */
  host?: string;
}

export interface RunningServer {
  readonly port: number;
  readonly host: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const user = opts.config ?? {};
  // By default an embedded server touches no files of the host: it works in a private temporary
  // directory (removed on close) and has no save points.
  const tempDir = user.dir === undefined ? mkdtempSync(join(tmpdir(), 'peregrine-')) : null;
  const config: Record<string, string | number | boolean> = {
    port: opts.port ?? 0,
    bind: opts.host ?? '127.0.0.1',
    loglevel: 'warning',
    save: '',
    ...(tempDir ? { dir: tempDir } : {}),
    ...user,
  };
  const server = new Server({ ...opts, config, embedded: true });
  try {
    await server.start();
  } catch (e) {
    await server.close().catch(() => {});
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    throw e;
  }
  return {
    port: server.port,
    host: opts.host ?? '127.0.0.1',
    server,
    close: async () => {
      await server.close();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
