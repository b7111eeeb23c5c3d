// Value types and encodings, numbered as Valkey numbers them (they show up in RDB and DEBUG).
export const OBJ_STRING = 0;
export const OBJ_LIST = 1;
export const OBJ_SET = 2;
export const OBJ_ZSET = 3;
export const OBJ_HASH = 4;
export const OBJ_MODULE = 5;
export const OBJ_STREAM = 6;

export const ENC_RAW = 0;
export const ENC_INT = 1;
export const ENC_HT = 2;
export const ENC_INTSET = 6;
export const ENC_SKIPLIST = 7;
export const ENC_EMBSTR = 8;
export const ENC_QUICKLIST = 9;
export const ENC_STREAM = 10;
export const ENC_LISTPACK = 11;

export const TYPE_NAMES = ['string', 'list', 'set', 'zset', 'hash', 'module', 'stream'];
export const ENCODING_NAMES: Record<number, string> = {
  [ENC_RAW]: 'raw', [ENC_INT]: 'int', [ENC_HT]: 'hashtable', [ENC_INTSET]: 'intset',
  [ENC_SKIPLIST]: 'skiplist', [ENC_EMBSTR]: 'embstr', [ENC_QUICKLIST]: 'quicklist',
  [ENC_STREAM]: 'stream', [ENC_LISTPACK]: 'listpack',
};

/** Interface every collection object stored in the arena's object table implements. */
export interface StoredObject {
  /** Approximate heap bytes, for MEMORY USAGE and maxmemory accounting. */
  memoryUsage(): number;
}

/** A string value too large to live inline; `len` <= buf.length leaves room to append. */
export class BigString implements StoredObject {
  constructor(public buf: Buffer, public len: number) {}
  view(): Buffer { return this.buf.subarray(0, this.len); }
  memoryUsage(): number { return this.buf.length + 48; }
}

// Keyspace-notification classes (bit flags, as in notify-keyspace-events).
export const NOTIFY_KEYSPACE = 1 << 0;
export const NOTIFY_KEYEVENT = 1 << 1;
export const NOTIFY_GENERIC = 1 << 2;
export const NOTIFY_STRING = 1 << 3;
export const NOTIFY_LIST = 1 << 4;
export const NOTIFY_SET = 1 << 5;
export const NOTIFY_HASH = 1 << 6;
export const NOTIFY_ZSET = 1 << 7;
export const NOTIFY_EXPIRED = 1 << 8;
export const NOTIFY_EVICTED = 1 << 9;
export const NOTIFY_STREAM = 1 << 10;
export const NOTIFY_KEY_MISS = 1 << 11;
export const NOTIFY_LOADED = 1 << 12;
export const NOTIFY_MODULE = 1 << 13;
export const NOTIFY_NEW = 1 << 14;
