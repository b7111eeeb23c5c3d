// Cheap Buffer views. `Buffer.prototype.subarray` goes through argument normalisation in
// JavaScript before it constructs the view; on the request path (one view per argument) that
// costs about twice the construction itself. `view()` constructs the view directly: a Uint8Array
// subclass whose prototype chain includes Buffer.prototype, so the result is a Buffer for every
// purpose (Buffer.isBuffer, instanceof, toString/equals/copy/...), as Node's own views are.

class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype);

/** A Buffer view of `len` bytes of `b` from `start` (no bounds normalisation: callers pass valid ranges). */
export function view(b: Uint8Array, start: number, len: number): Buffer {
  return new BufferView(b.buffer as ArrayBuffer, b.byteOffset + start, len) as unknown as Buffer;
}

/** Copies `len` bytes of `src` from `start` into `dst` at `at` (a native copy without Buffer#copy's checks). */
export function copyBytes(src: Uint8Array, start: number, len: number, dst: Uint8Array, at: number): void {
  dst.set(new Uint8Array(src.buffer as ArrayBuffer, src.byteOffset + start, len), at);
}
