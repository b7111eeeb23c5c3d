// Node's `stream_wrap` binding, which Node still exposes through `process.binding`: the write
// request class and the shared result array that stream handles report each read's byte count
// and each write's outcome in (server/handle-write.ts, server/readbuf.ts). null where this Node
// lacks any of it; callers then use the public socket paths.

export interface StreamBinding {
  WriteWrap: new () => object;
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kLastWriteWasAsync: number;
}

function load(): StreamBinding | null {
  try {
    const binding = (process as unknown as { binding?: (name: string) => Partial<StreamBinding> }).binding;
    if (typeof binding !== 'function') return null;
    const b = binding('stream_wrap');
    if (typeof b.WriteWrap !== 'function' || !(b.streamBaseState instanceof Int32Array) ||
        typeof b.kReadBytesOrError !== 'number' || typeof b.kLastWriteWasAsync !== 'number') return null;
    return b as StreamBinding;
  } catch {
    return null;
  }
}

export const streamBinding: StreamBinding | null = load();
