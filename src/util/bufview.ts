// Cheap Buffer views. `Buffer.prototype.subarray` goes through argument normalisation in
// JavaScript before it constructs the view; on the request path (one view per argument) that
// costs about as much as the construction itself. `view()` constructs the view directly with
// the constructor Node itself uses for Buffers (exposed as `Buffer[Symbol.species]`), so every
// Buffer keeps one object shape and the code handling arguments stays monomorphic. Where that
// constructor is not exposed, a Uint8Array subclass with Buffer.prototype in its chain stands in.

type ViewCtor = new (ab: ArrayBufferLike, offset: number, len: number) => Buffer;

function fastBufferCtor(): ViewCtor {
  const species = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species];
  if (typeof species === 'function' && species !== Buffer) {
    const probe = new (species as ViewCtor)(new ArrayBuffer(4), 1, 2);
    if (Object.getPrototypeOf(probe) === Buffer.prototype && probe.length === 2 && probe.byteOffset === 1) return species as ViewCtor;
  }
  class BufferView extends Uint8Array {}
  Object.setPrototypeOf(BufferView.prototype, Buffer.prototype);
  return BufferView as unknown as ViewCtor;
}

const FastBuffer = fastBufferCtor();

/** A Buffer view of `len` bytes of `b` from `start` (no bounds normalisation: callers pass valid ranges). */
export function view(b: Uint8Array, start: number, len: number): Buffer {
  return new FastBuffer(b.buffer as ArrayBuffer, b.byteOffset + start, len);
}

/**
 * A Buffer view of `len` bytes of `ab` from byte `off`. Reading a typed array's `.buffer` is a
 * runtime call in V8 (tens of ns): hot callers keep the ArrayBuffer and offset of the memory
 * they cut views from and use this.
 */
export function viewAt(ab: ArrayBufferLike, off: number, len: number): Buffer {
  return new FastBuffer(ab, off, len);
}

/** Copies `len` bytes of `src` from `start` into `dst` at `at` (a native copy without Buffer#copy's checks). */
export function copyBytes(src: Uint8Array, start: number, len: number, dst: Uint8Array, at: number): void {
  dst.set(new Uint8Array(src.buffer as ArrayBuffer, src.byteOffset + start, len), at);
}
