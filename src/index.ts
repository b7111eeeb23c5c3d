// Embedded API: run a Valkey-compatible server inside a Node process.
//
//   import { startServer } from 'peregrine';
//   const srv = await startServer();            // free port on 127.0.0.1
//   ... connect any Valkey/Redis client to srv.port ...
//   await srv.close();
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
  const config: Record<string, string | number | boolean> = {
    port: opts.port ?? 0,
    bind: opts.host ?? '127.0.0.1',
    loglevel: 'warning',
    ...(opts.config ?? {}),
  };
  const server = new Server({ ...opts, config });
  await server.start();
  return {
    port: server.port,
    host: opts.host ?? '127.0.0.1',
    server,
    close: () => server.close(),
  };
}
