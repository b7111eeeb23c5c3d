// Keyspace notifications: every keyspace change event (db, key, event, class) whose class is
// enabled by `notify-keyspace-events` is published as pub/sub messages on
//   __keyspace@<db>__:<key>    with the event name as message  (K)
//   __keyevent@<db>__:<event>  with the key as message         (E)
// Key creation ("new", class n) and read misses ("keymiss", class m) are not dataset changes:
// the keyspace reports them through their own hooks, installed only while the class is on.
import type { Server } from './server.js';
import type { Db } from '../store/keyspace.js';
import { pubsubOf, type PubSub } from '../pubsub/pubsub.js';
import {
  NOTIFY_KEYEVENT, NOTIFY_KEYSPACE, NOTIFY_KEY_MISS, NOTIFY_NEW,
} from '../store/types.js';

const SPACE_PREFIX = '__keyspace@';
const EVENT_PREFIX = '__keyevent@';

/** Per-database channel prefixes, built once: "__keyspace@<db>__:" and "__keyevent@<db>__:". */
function prefixes(n: number, head: string): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(Buffer.from(`${head}${i}__:`));
  return out;
}

export class KeyspaceNotifier {
  flags = 0;
  private readonly space: Buffer[];
  private readonly event: Buffer[];
  private readonly eventNames = new Map<string, Buffer>();

  constructor(private readonly s: Server, private readonly ps: PubSub) {
    this.space = prefixes(s.ks.dbs.length, SPACE_PREFIX);
    this.event = prefixes(s.ks.dbs.length, EVENT_PREFIX);
  }

  private eventBuf(event: string): Buffer {
    let b = this.eventNames.get(event);
    if (b === undefined) { b = Buffer.from(event, 'latin1'); this.eventNames.set(event, b); }
    return b;
  }

  /** Publishes the notifications of one event (Valkey's notifyKeyspaceEvent). */
  notify(cls: number, event: string, key: Buffer, dbid: number): void {
    const flags = this.flags;
    if (!(flags & cls) || !this.ps.hasSubscribers) return;
    const ev = this.eventBuf(event);
    if (flags & NOTIFY_KEYSPACE) {
      const p = this.space[dbid] ?? Buffer.from(`${SPACE_PREFIX}${dbid}__:`);
      this.ps.publish(Buffer.concat([p, key], p.length + key.length), ev, false);
    }
    if (flags & NOTIFY_KEYEVENT) {
      const p = this.event[dbid] ?? Buffer.from(`${EVENT_PREFIX}${dbid}__:`);
      this.ps.publish(Buffer.concat([p, ev], p.length + ev.length), key, false);
    }
  }
}

const notifiers = new WeakMap<Server, KeyspaceNotifier>();

/** The notifier of a server (null before installNotify). */
export function notifierOf(s: Server): KeyspaceNotifier | null { return notifiers.get(s) ?? null; }

/** Connects the keyspace change events of a server to pub/sub according to the configuration. */
export function installNotify(s: Server): KeyspaceNotifier {
  const n = new KeyspaceNotifier(s, pubsubOf(s));
  notifiers.set(s, n);
  const ks = s.ks;
  const onNew = (db: Db, key: Buffer) => { if (!s.loading) n.notify(NOTIFY_NEW, 'new', key, db.id); };
  const onMiss = (db: Db, key: Buffer) => n.notify(NOTIFY_KEY_MISS, 'keymiss', key, db.id);
  const refresh = () => {
    n.flags = s.config.num('notify-keyspace-events');
    ks.onNewKey = n.flags & NOTIFY_NEW ? onNew : null;
    ks.onKeyMiss = n.flags & NOTIFY_KEY_MISS ? onMiss : null;
    return null;
  };
  refresh();
  s.config.onChange('notify-keyspace-events', refresh);
  ks.onChange((db, key, event, cls) => {
    // Whole-database events (FLUSHDB, SWAPDB) are not keyspace notifications.
    if (key === null || !(n.flags & cls)) return;
    n.notify(cls, event, key, db);
  });
  return n;
}
