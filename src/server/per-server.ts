// Per-server state of a subsystem, created on first use. Several servers can live in one process
// (embedded use, tests), so subsystem state hangs off the Server object rather than module globals.
import type { Server } from './server.js';

/** An accessor that returns the server's instance, creating it with `create` the first time. */
export function perServer<T>(create: (s: Server) => T): (s: Server) => T {
  const instances = new WeakMap<Server, T>();
  return (s: Server): T => {
    let v = instances.get(s);
    if (v === undefined) { v = create(s); instances.set(s, v); }
    return v;
  };
}
