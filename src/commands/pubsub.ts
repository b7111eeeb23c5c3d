// SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE / SSUBSCRIBE / SUNSUBSCRIBE, PUBLISH /
// SPUBLISH and PUBSUB introspection. The registries and delivery live in pubsub/pubsub.ts.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { KIND_CHANNEL, KIND_PATTERN, KIND_SHARD, PubSub, pubsubOf, type Kind } from '../pubsub/pubsub.js';
import { stringMatch } from '../util/glob.js';
import { replyHelp } from './client.js';
import { E } from '../errors.js';
import { PROPAGATE_REPL } from '../replication/propagate.js';

function bulk(s: string): Buffer { return Buffer.from(`$${s.length}\r\n${s}\r\n`); }

const SUBSCRIBE_MSG: Record<Kind, Buffer> = {
  [KIND_CHANNEL]: bulk('subscribe'), [KIND_PATTERN]: bulk('psubscribe'), [KIND_SHARD]: bulk('ssubscribe'),
};
const UNSUBSCRIBE_MSG: Record<Kind, Buffer> = {
  [KIND_CHANNEL]: bulk('unsubscribe'), [KIND_PATTERN]: bulk('punsubscribe'), [KIND_SHARD]: bulk('sunsubscribe'),
};

function subscribeGeneric(c: Client, argv: Buffer[], kind: Kind, cmdName: string): void {
  // Scripts (and, for shard channels, transactions too) may not enter subscribed mode.
  if (c.denyBlocking && (kind === KIND_SHARD || !c.inMulti)) {
    c.w.error(`ERR ${cmdName} isn't allowed for a DENY BLOCKING client`);
    return;
  }
  const ps = pubsubOf(c.server);
  for (let i = 1; i < argv.length; i++) {
    ps.subscribe(c, kind, argv[i]!);
    ps.confirm(c, SUBSCRIBE_MSG[kind], argv[i]!, PubSub.countFor(c, kind));
  }
}

function unsubscribeGeneric(c: Client, argv: Buffer[], kind: Kind): void {
  const ps = pubsubOf(c.server);
  if (argv.length === 1) {
    const names = ps.namesOf(c, kind);
    for (const [key, name] of names) {
      ps.unsubscribe(c, kind, key);
      ps.confirm(c, UNSUBSCRIBE_MSG[kind], name, PubSub.countFor(c, kind));
    }
    if (names.length === 0) ps.confirm(c, UNSUBSCRIBE_MSG[kind], null, PubSub.countFor(c, kind));
    return;
  }
  for (let i = 1; i < argv.length; i++) {
    ps.unsubscribe(c, kind, argv[i]!);
    ps.confirm(c, UNSUBSCRIBE_MSG[kind], argv[i]!, PubSub.countFor(c, kind));
  }
}

function publish(c: Client, argv: Buffer[]): void {
  const n = pubsubOf(c.server).publish(argv[1]!, argv[2]!, false);
  c.server.propagator.forceCurrent(PROPAGATE_REPL);
  c.w.int(n);
}

function spublish(c: Client, argv: Buffer[]): void {
  const n = pubsubOf(c.server).publish(argv[1]!, argv[2]!, true);
  c.server.propagator.forceCurrent(PROPAGATE_REPL);
  c.w.int(n);
}

function channelList(c: Client, argv: Buffer[], map: Map<string, { name: Buffer }>): void {
  if (argv.length > 3) { c.w.error(E.unknownSubcommandOrArgs(argv[1]!.toString('latin1'), 'pubsub')); return; }
  const pat = argv.length === 3 ? argv[2]!.latin1Slice(0, argv[2]!.length) : null;
  const out: Buffer[] = [];
  for (const [key, sub] of map) if (pat === null || stringMatch(pat, key, false)) out.push(sub.name);
  c.w.arr(out.length);
  for (const b of out) c.w.bulk(b);
}

function numsub(c: Client, argv: Buffer[], map: Map<string, { clients: Set<Client> }>): void {
  c.w.arr((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    const b = argv[i]!;
    c.w.bulk(b);
    c.w.int(map.get(b.latin1Slice(0, b.length))?.clients.size ?? 0);
  }
}

const PUBSUB_HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

export function registerPubsub(r: Registry): void {
  r.handle('subscribe', (c, argv) => subscribeGeneric(c, argv, KIND_CHANNEL, 'SUBSCRIBE'));
  r.handle('psubscribe', (c, argv) => subscribeGeneric(c, argv, KIND_PATTERN, 'PSUBSCRIBE'));
  r.handle('ssubscribe', (c, argv) => subscribeGeneric(c, argv, KIND_SHARD, 'SSUBSCRIBE'));
  r.handle('unsubscribe', (c, argv) => unsubscribeGeneric(c, argv, KIND_CHANNEL));
  r.handle('punsubscribe', (c, argv) => unsubscribeGeneric(c, argv, KIND_PATTERN));
  r.handle('sunsubscribe', (c, argv) => unsubscribeGeneric(c, argv, KIND_SHARD));
  r.handle('publish', publish);
  r.handle('spublish', spublish);
  r.handle('pubsub|help', (c) => replyHelp(c, PUBSUB_HELP));
  r.handle('pubsub|channels', (c, argv) => channelList(c, argv, pubsubOf(c.server).channels));
  r.handle('pubsub|shardchannels', (c, argv) => channelList(c, argv, pubsubOf(c.server).shard));
  r.handle('pubsub|numsub', (c, argv) => numsub(c, argv, pubsubOf(c.server).channels));
  r.handle('pubsub|shardnumsub', (c, argv) => numsub(c, argv, pubsubOf(c.server).shard));
  r.handle('pubsub|numpat', (c) => c.w.int(pubsubOf(c.server).patterns.size));
}
