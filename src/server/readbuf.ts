// Reading client sockets into one shared buffer.
//
// By default Node allocates a fresh buffer for every read (a malloc, a backing store and a JS
// Buffer object) and delivers it through the Readable stream machinery ('data' events). Node's
// documented `onread` socket option instead reads into a buffer the caller owns and calls a
// callback with the byte count — but `net.Server` offers no way to pass that option for the
// sockets it accepts. The socket keeps the option's two fields under symbols named `kBuffer` and
// `kBufferCb`, and the handle has `useUserBuffer()`, which is what `net.Socket` itself calls for
// the option: setting those on an accepted socket gives it the same behaviour. Where any of this
// is missing (another Node version), the caller falls back to 'data' events.
//
// Every socket shares one buffer: reads are delivered one at a time on this thread, and the
// callback must not keep anything pointing into the buffer once it returns (Client.onData
// detaches the parser's unparsed bytes before it returns; see RespParser.detach).
import type { Socket } from 'node:net';
import { viewAt } from '../util/bufview.js';
import { streamBinding } from './stream-binding.js';

const SHARED_SIZE = 64 * 1024;
let shared: Buffer | null = null;
let sharedAb: ArrayBuffer | null = null;
let symbols: { buf: symbol; cb: symbol } | null | undefined;

/** The ArrayBuffer behind the shared read buffer (null until the first socket uses it). */
export function sharedReadMemory(): ArrayBufferLike | null { return sharedAb; }

function findSymbols(socket: Socket): { buf: symbol; cb: symbol } | null {
  let buf: symbol | null = null, cb: symbol | null = null;
  for (const s of Object.getOwnPropertySymbols(socket)) {
    if (s.description === 'kBuffer') buf = s;
    else if (s.description === 'kBufferCb') cb = s;
  }
  return buf !== null && cb !== null ? { buf, cb } : null;
}

/**
 * Makes `socket` read into the shared buffer and call `onData` with a view of each read's bytes
 * (valid only during the call). Returns false, changing nothing, when this Node cannot.
 */
export function readIntoSharedBuffer(socket: Socket, onData: (chunk: Buffer) => void): boolean {
  if (process.env.PEREGRINE_STREAM_READS === '1') return false;
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void } })._handle;
  if (handle === undefined || handle === null || typeof handle.useUserBuffer !== 'function') return false;
  if (symbols === undefined) symbols = findSymbols(socket);
  if (symbols === null) return false;
  const rec = socket as unknown as Record<symbol, unknown>;
  // Both fields start as null on every net.Socket; anything else means a layout we don't know.
  if (rec[symbols.buf] !== null || rec[symbols.cb] !== null) return false;
  if (shared === null) { shared = Buffer.allocUnsafeSlow(SHARED_SIZE); sharedAb = shared.buffer as ArrayBuffer; }
  const buf = shared;
  rec[symbols.buf] = buf;
  const ab = buf.buffer as ArrayBuffer, base = buf.byteOffset;
  const deliver = (n: number): undefined => { onData(viewAt(ab, base, n)); return undefined; };
  rec[symbols.cb] = deliver;
  handle.useUserBuffer(buf);
  // Node's own read callback (onStreamRead) only forwards a positive byte count to kBufferCb
  // above, after a socket-timeout bookkeeping call we never need (idle timeouts are the cron's).
  // Where the byte count can be read from the stream binding, reads go to onData directly and
  // everything else (end of stream, errors) still goes through Node's callback.
  const h = handle as unknown as { onread?: (this: unknown, ab?: ArrayBuffer) => unknown };
  const nodeOnRead = h.onread;
  if (streamBinding !== null && typeof nodeOnRead === 'function') {
    const st = streamBinding.streamBaseState, kNread = streamBinding.kReadBytesOrError;
    h.onread = function (this: unknown, arrayBuffer?: ArrayBuffer): unknown {
      const n = st[kNread]!;
      if (n > 0 && !socket.destroyed) return deliver(n);
      return nodeOnRead.call(this, arrayBuffer);
    };
  }
  return true;
}
