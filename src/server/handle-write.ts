// Writing replies straight to a socket's stream handle.
//
// `socket.write()` runs Node's Writable machinery for every reply batch: the write is wrapped in a
// request object made through a C++ constructor, the stream state is updated, and completion is
// reported through process.nextTick — so every read that produced a reply also makes Node enter
// JavaScript once more to run the tick queue. At pipeline 1 that is a large share of the server's
// own CPU per request.
//
// The socket's handle has the same `writeBuffer(req, buf)` method that the Writable machinery ends
// up calling. It first tries to write synchronously; when the kernel takes everything (the usual
// case for replies), no request object is bound and nothing is reported later. Only when part of
// the data has to wait does libuv keep it queued — in order with every other write on the handle,
// including later `socket.write()` calls — and call the request's `oncomplete` when it is out.
//
// The request class and the shared result array come from the `stream_wrap` binding
// (server/stream-binding.ts). Where it is missing (another Node version), this module reports
// itself unavailable and clients use `socket.write()`.
import type { Socket } from 'node:net';
import { streamBinding } from './stream-binding.js';

interface WriteReq {
  handle: unknown;
  oncomplete: (this: WriteReq, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Buffer | null;
  /** Ours: who to tell, and how many bytes the pending write counts as queued. */
  owner: DirectWriteOwner | null;
  queued: number;
}

export interface DirectWriteOwner {
  /** Bytes handed to the handle that the kernel has not taken yet. */
  directQueued: number;
  /** A queued write failed (the connection is gone). */
  onDirectWriteError(status: number): void;
}

interface StreamHandle { writeBuffer(req: WriteReq, buf: Uint8Array): number }

const binding = process.env.PEREGRINE_STREAM_WRITES === '1' ? null : streamBinding;
const state = binding?.streamBaseState ?? new Int32Array(4);
const kLastWriteWasAsync = binding?.kLastWriteWasAsync ?? 0;
const WriteWrap = binding?.WriteWrap as (new () => WriteReq) | undefined;

function onComplete(this: WriteReq, status: number): void {
  const owner = this.owner;
  this.buffer = null;
  this.owner = null;
  if (owner === null) return;
  owner.directQueued -= this.queued;
  if (status < 0) owner.onDirectWriteError(status);
}

function newReq(): WriteReq {
  const req = new WriteWrap!();
  req.oncomplete = onComplete;
  req.async = false;
  req.bytes = 0;
  req.buffer = null;
  req.owner = null;
  req.queued = 0;
  return req;
}

/** A request object for writes that complete at once (never bound to anything: reused). */
let syncReq: WriteReq | null = null;

/** The socket's stream handle when direct writes can be used on it, else null. */
export function directWriteHandle(socket: Socket): StreamHandle | null {
  if (binding === null) return null;
  const h = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  return h !== null && h !== undefined && typeof h.writeBuffer === 'function' ? h as StreamHandle : null;
}

/**
 * Writes `buf` on `handle`. Returns 0, or a negative libuv error code when nothing was written
 * (the caller then uses the socket's own path, which reports the error as usual). `buf` must
 * not be modified afterwards (it is kept until the kernel has taken all of it).
 */
export function directWrite(handle: StreamHandle, buf: Buffer, owner: DirectWriteOwner): number {
  let req = syncReq;
  if (req === null) req = syncReq = newReq();
  req.handle = handle;
  const err = handle.writeBuffer(req, buf);
  if (err !== 0) return err;
  if (state[kLastWriteWasAsync] !== 0) {
    // Bound to the pending write: keep the bytes alive and take a fresh object for the next one.
    // The whole batch counts as queued until it completes (as socket.writableLength counts it).
    req.buffer = buf;
    req.owner = owner;
    req.queued = buf.length;
    owner.directQueued += buf.length;
    syncReq = null;
  }
  return 0;
}
