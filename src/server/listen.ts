// Listening on a TCP address synchronously, for the apply step of CONFIG SET port / bind: Valkey
// binds while the command runs and rolls the whole CONFIG SET back when that fails, so the result
// must be known before the reply. net.Server.listen() with a host resolves it first and reports
// errors a tick later; binding a TCP handle ourselves and handing it to listen() tells at once.
// The handle class comes from Node's tcp_wrap binding (process.binding, deprecated in the docs
// only); without it listening fails with ENOTSUP, so CONFIG SET port / bind report an error.
import net from 'node:net';
import { getSystemErrorName } from 'node:util';

interface TcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  listen(backlog: number): number;
  close(): void;
}
interface TcpWrap { TCP: new (type: number) => TcpHandle; constants: { SERVER: number } }

/** libuv's UV_TCP_IPV6ONLY bind flag. */
const IPV6_ONLY = 1;

let tcpWrap: TcpWrap | null | undefined;

function tcpBinding(): TcpWrap | null {
  if (tcpWrap === undefined) {
    try {
      tcpWrap = (process as unknown as { binding(name: string): TcpWrap }).binding('tcp_wrap');
    } catch {
      tcpWrap = null;
    }
  }
  return tcpWrap;
}

const NET_ERRNO_TEXT: Readonly<Record<string, string>> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
};

/** A failed bind or listen: the errno name (EADDRINUSE, ...) and the strerror text. */
export interface ListenError { code: string; message: string }

function listenError(status: number): ListenError {
  let code: string;
  try { code = getSystemErrorName(status); } catch { code = `E${-status}`; }
  return { code, message: NET_ERRNO_TEXT[code] ?? code };
}

/**
 * Listens on host:port now. Returns the listening server, or why it could not (nothing is left
 * open then). `host` must be an IP address. IPv6 addresses listen for IPv6 only when `v6only`.
 */
export function listenNow(
  host: string, port: number, v6only: boolean, backlog: number, onConnection: (s: net.Socket) => void,
): net.Server | ListenError {
  const wrap = tcpBinding();
  if (wrap === null) return { code: 'ENOTSUP', message: 'Synchronous listening is not available' };
  // Names would need a resolver, which answers only asynchronously.
  if (net.isIP(host) === 0) return { code: 'EAI_NONAME', message: 'Name or service not known' };
  const handle = new wrap.TCP(wrap.constants.SERVER);
  let status = net.isIPv6(host) ? handle.bind6(host, port, v6only ? IPV6_ONLY : 0) : handle.bind(host, port);
  // On Linux a port in use is reported by listen(), not bind().
  if (status === 0) status = handle.listen(backlog);
  if (status !== 0) {
    handle.close();
    return listenError(status);
  }
  const srv = net.createServer({ noDelay: true }, onConnection);
  // The server adopts the listening handle (listening again on it only restates the backlog).
  srv.on('error', () => {});
  srv.listen(handle, backlog);
  return srv;
}
