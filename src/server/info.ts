// INFO: the sections and fields Valkey 9 reports, filled from Peregrine's own counters.
//
// Subsystems that own figures this module cannot see (replication, persistence, pub/sub,
// client tracking, WATCH, ...) register field providers with `registerInfoFields`: a provider
// returns name → value pairs for one section, which replace the default of a field of the same
// name or are appended after the defaults. `onResetStats` lets them join CONFIG RESETSTAT.
import os from 'node:os';
import { createHash } from 'node:crypto';
import type { Server } from './server.js';
import type { Client } from './client.js';
import type { Command } from '../commands/registry.js';
import { REDIS_VERSION, VALKEY_VERSION, PEREGRINE_VERSION } from '../version.js';

export type InfoValue = string | number;
export type InfoProvider = (s: Server) => Record<string, InfoValue>;

/** Every section in Valkey's order; `default` marks the ones INFO without arguments shows. */
export const INFO_SECTIONS: ReadonlyArray<{ name: string; title: string; default: boolean }> = [
  { name: 'server', title: 'Server', default: true },
  { name: 'clients', title: 'Clients', default: true },
  { name: 'memory', title: 'Memory', default: true },
  { name: 'persistence', title: 'Persistence', default: true },
  { name: 'stats', title: 'Stats', default: true },
  { name: 'replication', title: 'Replication', default: true },
  { name: 'cpu', title: 'CPU', default: true },
  { name: 'modules', title: 'Modules', default: true },
  { name: 'commandstats', title: 'Commandstats', default: false },
  { name: 'errorstats', title: 'Errorstats', default: true },
  { name: 'latencystats', title: 'Latencystats', default: false },
  { name: 'cluster', title: 'Cluster', default: true },
  { name: 'keyspace', title: 'Keyspace', default: true },
];

const providers = new Map<string, InfoProvider[]>();
const resetHooks: Array<(s: Server) => void> = [];

/** Adds fields to (or overrides fields of) an INFO section. */
export function registerInfoFields(section: string, fn: InfoProvider): void {
  const k = section.toLowerCase();
  let list = providers.get(k);
  if (!list) { list = []; providers.set(k, list); }
  list.push(fn);
}

/** Registers a callback run by CONFIG RESETSTAT. */
export function onResetStats(fn: (s: Server) => void): void { resetHooks.push(fn); }

// ------------------------------------------------------------------ per-server state

interface InfoState {
  peakMemory: number;
  replid: string;
  replid2: string;
  /** Offset up to which replid2 is valid (second_repl_offset), -1 without one. */
  secondReplOffset: number;
  /** Unix ms of the last RESETSTAT (or start), for the eviction-exceeded timers. */
  statsSince: number;
}

const states = new WeakMap<Server, InfoState>();
/**
 * The baseline Valkey calls used_memory_startup. The runtime's own heap (compiled code, the command
 * table: some 14 MB) is not server data and is not counted; a fixed figure close to what
 * valkey-server allocates at start stands in for it, so a maxmemory sized for valkey-server leaves
 * the same room for data here.
 */
const STARTUP_MEMORY = 900 * 1024;

function state(s: Server): InfoState {
  let st = states.get(s);
  if (!st) {
    st = {
      peakMemory: 0,
      replid: createHash('sha1').update(`replid:${s.runId}`).digest('hex'),
      replid2: '0'.repeat(40),
      secondReplOffset: -1,
      statsSince: Date.now(),
    };
    states.set(s, st);
  }
  return st;
}

/** The current replication ids (master_replid / master_replid2). */
export function replicationIds(s: Server): { replid: string; replid2: string; secondReplOffset: number } {
  const st = state(s);
  return { replid: st.replid, replid2: st.replid2, secondReplOffset: st.secondReplOffset };
}

/** A previous history this server can still continue (the replication info of a loaded RDB). */
export function setSecondaryReplicationId(s: Server, replid2: string, offset: number): void {
  const st = state(s);
  st.replid2 = replid2;
  st.secondReplOffset = offset;
}

/** A replica adopts its primary's replication id (full sync, or +CONTINUE with a new id). */
export function setReplicationId(s: Server, replid: string): void {
  state(s).replid = replid;
}

/** DEBUG CHANGE-REPL-ID: a fresh random replication id; the secondary id is cleared. */
export function changeReplicationId(s: Server): void {
  const st = state(s);
  st.replid = createHash('sha1').update(`${Math.random()}:${Date.now()}:${s.runId}`).digest('hex');
  st.replid2 = '0'.repeat(40);
  st.secondReplOffset = -1;
}

// ------------------------------------------------------------------ memory figures

export interface MemoryOverview {
  used: number;
  rss: number;
  peak: number;
  startup: number;
  /** Key index tables and TTL indexes. */
  dbOverhead: number;
  perDb: Array<{ id: number; main: number; expires: number }>;
  clientsNormal: number;
  overheadTotal: number;
  dataset: number;
  rehashingOverhead: number;
  rehashingCount: number;
  lut: number;
  keys: number;
  heapTotal: number;
}

/**
 * Bytes allocated by the server, counted as an allocator would and not sampled from V8 (whose
 * heap figure moves by megabytes with uncollected garbage, useless for maxmemory): the baseline
 * at start, the arena's live blocks, the out-of-line objects by their memoryUsage() figures, the
 * key index and TTL index tables, and the clients' query and output buffers. Cheap enough for a
 * maxmemory check before every command, and it drops as soon as a key is deleted, as eviction
 * needs.
 */
export function usedMemory(s: Server): number {
  const ar = s.ks.arena;
  ar.settleObjects();
  let n = STARTUP_MEMORY + ar.usedBytes + ar.objBytes;
  const dbs = s.ks.dbs;
  for (let i = 0; i < dbs.length; i++) {
    const db = dbs[i]!;
    const d = db.dict;
    n += d.t0.byteLength + (d.t1 !== null ? d.t1.byteLength : 0) + db.ttl.addrs.byteLength;
  }
  for (const c of s.clients.values()) n += clientMemory(c);
  return n;
}

/** Query buffer, the arguments of a command still being received, and pending replies of a client. */
function clientMemory(c: Client): number {
  const p = c.parser as unknown as { allocated?: number; args?: Buffer[] };
  let n = c.outputBytes + (p.allocated ?? 0);
  const args = p.args;
  if (args !== undefined) for (let i = 0; i < args.length; i++) n += args[i]!.length;
  return n;
}

export function memoryOverview(s: Server): MemoryOverview {
  const m = process.memoryUsage();
  const used = usedMemory(s);
  const st = state(s);
  if (used > st.peakMemory) st.peakMemory = used;
  let dbOverhead = 0, rehashingOverhead = 0, rehashingCount = 0, lut = 0, keys = 0;
  const perDb: MemoryOverview['perDb'] = [];
  for (const db of s.ks.dbs) {
    const d = db.dict;
    const main = d.t0.byteLength + (d.t1 ? d.t1.byteLength : 0);
    const expires = db.ttl.addrs.byteLength;
    lut += main;
    if (d.isRehashing()) { rehashingCount++; rehashingOverhead += d.t0.byteLength; }
    if (db.size > 0) perDb.push({ id: db.id, main, expires });
    dbOverhead += main + expires;
    keys += db.size;
  }
  let clientsNormal = 0;
  for (const c of s.clients.values()) clientsNormal += clientMemory(c);
  const startup = Math.min(STARTUP_MEMORY, used);
  const overheadTotal = startup + dbOverhead + clientsNormal;
  const dataset = Math.max(0, used - overheadTotal);
  return {
    used, rss: m.rss, peak: st.peakMemory, startup, dbOverhead, perDb, clientsNormal, overheadTotal, dataset,
    rehashingOverhead, rehashingCount, lut, keys, heapTotal: m.heapTotal,
  };
}

/** Valkey's bytesToHuman: 100B, 1.50K, 2.00M, ... */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${Math.floor(n)}B`;
  let d = n / 1024;
  for (let i = 0; i < units.length; i++) {
    if (d < 1024 || i === units.length - 1) return `${d.toFixed(2)}${units[i]}`;
    d /= 1024;
  }
  return `${n}B`;
}

// ------------------------------------------------------------------ helpers

/** INFO never shows '#', ':', CR or LF inside a name: they become '_'. */
export function safeInfoString(s: string): string { return s.replace(/[#:\r\n]/g, '_'); }

/** A percentile as Valkey prints it in a field name: %f with trailing zeros removed (50, 99.9). */
export function percentileLabel(p: number): string {
  let t = p.toFixed(6);
  if (t.includes('.')) t = t.replace(/0+$/, '').replace(/\.$/, '');
  return t;
}

function avg(a: number[]): number {
  if (a.length === 0) return 0;
  let t = 0;
  for (const v of a) t += v;
  return t / a.length;
}

function cpuTime(us: number): string {
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(Math.floor(us - sec * 1e6)).padStart(6, '0')}`;
}

function pct(v: number): string { return `${(Number.isFinite(v) ? v : 0).toFixed(2)}%`; }
function ratio(v: number): string { return (Number.isFinite(v) ? v : 0).toFixed(2); }

function* commandsAndSubcommands(s: Server): Generator<Command> {
  for (const c of s.registry.commands.values()) {
    yield c;
    if (c.subcommands) for (const sub of c.subcommands.values()) yield sub;
  }
}

let cachedUname: string | null = null;
function uname(): string {
  if (cachedUname === null) cachedUname = `${os.type()} ${os.release()} ${os.machine?.() ?? process.arch}`;
  return cachedUname;
}

// ------------------------------------------------------------------ sections

type Fields = Array<[string, InfoValue]>;

function serverFields(s: Server): Fields {
  const now = Date.now();
  const uptime = Math.floor((now - s.startTime) / 1000);
  const cfg = s.config;
  const hz = Math.max(1, Math.min(500, cfg.num('hz')));
  const binds = cfg.str('bind').split(/\s+/).filter(Boolean);
  const compat = cfg.bool('extended-redis-compatibility');
  const fields: Fields = [
    ['redis_version', REDIS_VERSION],
    ['server_name', 'valkey'],
    ['valkey_version', VALKEY_VERSION],
    ['valkey_release_stage', 'ga'],
    ['peregrine_version', PEREGRINE_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', createHash('sha1').update(`peregrine-${PEREGRINE_VERSION}`).digest('hex').slice(0, 16)],
    [compat ? 'redis_mode' : 'server_mode', cfg.bool('cluster-enabled') ? 'cluster' : 'standalone'],
    ['os', uname()],
    ['arch_bits', process.arch.includes('64') ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', 'libuv'],
    ['gcc_version', '0.0.0'],
    ['node_version', process.versions.node],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', s.runId],
    ['tcp_port', s.port],
    ['server_time_usec', Math.floor(now * 1000)],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', cfg.num('hz')],
    ['lru_clock', s.ks.lruClock],
    ['executable', process.argv[1] ?? ''],
    ['config_file', cfg.configFile ?? ''],
    ['io_threads_active', 0],
    ['availability_zone', cfg.str('availability-zone')],
  ];
  let listener = `name=tcp`;
  for (const b of binds.length ? binds : ['*']) listener += `,bind=${b}`;
  listener += `,port=${s.port}`;
  fields.push(['listener0', listener]);
  const unix = cfg.str('unixsocket');
  if (unix) fields.push(['listener1', `name=unix,bind=${unix}`]);
  return fields;
}

function clientsFields(s: Server): Fields {
  let blocked = 0, pubsub = 0, watching = 0, maxIn = 0, maxOut = 0, timeoutTable = 0;
  for (const c of s.clients.values()) {
    if (c.blocked) blocked++;
    if (c.blocked && c.blockedReason === 'key') timeoutTable++;
    if (c.subs + c.psubs + c.ssubs > 0) pubsub++;
    if (c.watchCount > 0) watching++;
    const qb = (c.parser as unknown as { pending?: number }).pending ?? 0;
    if (qb > maxIn) maxIn = qb;
    const ob = c.outputBytes;
    if (ob > maxOut) maxOut = ob;
  }
  return [
    ['connected_clients', s.clients.size],
    ['cluster_connections', 0],
    ['maxclients', s.config.num('maxclients')],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', blocked],
    ['tracking_clients', 0],
    ['pubsub_clients', pubsub],
    ['watching_clients', watching],
    ['clients_in_timeout_table', timeoutTable],
    ['total_watched_keys', 0],
    ['total_blocking_keys', s.blocking.totalBlockingKeys],
    ['total_blocking_keys_on_nokey', s.blocking.blockedOnNoKey],
  ];
}

function memoryFields(s: Server): Fields {
  const mo = memoryOverview(s);
  const cfg = s.config;
  const maxmemory = cfg.num('maxmemory');
  const total = os.totalmem();
  const allocated = mo.used;
  const active = mo.heapTotal + (mo.used - Math.min(mo.used, process.memoryUsage().heapUsed));
  const resident = mo.rss;
  return [
    ['used_memory', mo.used],
    ['used_memory_human', bytesToHuman(mo.used)],
    ['used_memory_rss', mo.rss],
    ['used_memory_rss_human', bytesToHuman(mo.rss)],
    ['used_memory_peak', mo.peak],
    ['used_memory_peak_human', bytesToHuman(mo.peak)],
    ['used_memory_peak_perc', pct((mo.used * 100) / (mo.peak || 1))],
    ['used_memory_overhead', mo.overheadTotal],
    ['used_memory_startup', mo.startup],
    ['used_memory_dataset', mo.dataset],
    ['used_memory_dataset_perc', pct((mo.dataset * 100) / Math.max(1, mo.used - mo.startup))],
    ['allocator_allocated', allocated],
    ['allocator_active', active],
    ['allocator_resident', resident],
    ['allocator_muzzy', 0],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    ['used_memory_lua', 0],
    ['used_memory_vm_eval', 0],
    ['used_memory_lua_human', '0B'],
    ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0],
    ['used_memory_vm_total_human', '0B'],
    ['used_memory_functions', 0],
    ['used_memory_scripts', 0],
    ['used_memory_scripts_human', '0B'],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', cfg.str('maxmemory-policy')],
    ['allocator_frag_ratio', ratio(active / (allocated || 1))],
    ['allocator_frag_bytes', Math.max(0, active - allocated)],
    ['allocator_rss_ratio', ratio(resident / (active || 1))],
    ['allocator_rss_bytes', resident - active],
    ['rss_overhead_ratio', ratio(mo.rss / (resident || 1))],
    ['rss_overhead_bytes', mo.rss - resident],
    ['mem_fragmentation_ratio', ratio(mo.rss / (mo.used || 1))],
    ['mem_fragmentation_bytes', mo.rss - mo.used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', 0],
    ['mem_clients_normal', mo.clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['mem_overhead_db_hashtable_rehashing', mo.rehashingOverhead],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', s.ks.lazyFreePending],
    ['lazyfreed_objects', s.ks.stats.lazyfreedObjects],
  ];
}

function persistenceFields(s: Server): Fields {
  return [
    ['loading', s.loading ? 1 : 0],
    ['async_loading', 0],
    ['current_cow_peak', 0],
    ['current_cow_size', 0],
    ['current_cow_size_age', 0],
    ['current_fork_perc', '0.00'],
    ['current_save_keys_processed', 0],
    ['current_save_keys_total', 0],
    ['rdb_changes_since_last_save', s.ks.dirty],
    ['rdb_bgsave_in_progress', 0],
    ['rdb_last_save_time', s.lastSave],
    ['rdb_last_bgsave_status', 'ok'],
    ['rdb_last_bgsave_time_sec', -1],
    ['rdb_current_bgsave_time_sec', -1],
    ['rdb_saves', 0],
    ['rdb_last_cow_size', 0],
    ['rdb_last_load_keys_expired', 0],
    ['rdb_last_load_keys_loaded', 0],
    ['aof_enabled', 0],
    ['aof_rewrite_in_progress', 0],
    ['aof_rewrite_scheduled', 0],
    ['aof_last_rewrite_time_sec', -1],
    ['aof_current_rewrite_time_sec', -1],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_rewrites', 0],
    ['aof_rewrites_consecutive_failures', 0],
    ['aof_last_write_status', 'ok'],
    ['aof_last_cow_size', 0],
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
  ];
}

function statsFields(s: Server): Fields {
  const st = s.stats;
  const ks = s.ks.stats;
  let cmdUsec = 0;
  for (const c of commandsAndSubcommands(s)) cmdUsec += c.usec;
  return [
    ['total_connections_received', st.totalConnections],
    ['total_commands_processed', st.commandsProcessed],
    ['instantaneous_ops_per_sec', Math.round(avg(st.opsSamples))],
    ['total_net_input_bytes', st.netInput],
    ['total_net_output_bytes', st.netOutput],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', avg(st.inSamples).toFixed(2)],
    ['instantaneous_output_kbps', avg(st.outSamples).toFixed(2)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', st.rejectedConnections],
    ['sync_full', 0],
    ['sync_partial_ok', 0],
    ['sync_partial_err', 0],
    ['expired_keys', ks.expiredKeys],
    ['expired_fields', ks.expiredSubkeys],
    ['expired_stale_perc', (ks.expiredStalePerc * 100).toFixed(2)],
    ['expired_time_cap_reached_count', ks.expiredTimeCapReached],
    ['expire_cycle_cpu_milliseconds', Math.floor(ks.expireCycleCpuMs)],
    ['evicted_keys', ks.evictedKeys],
    ['evicted_clients', st.evictedClients],
    ['evicted_scripts', 0],
    ['total_eviction_exceeded_time', 0],
    ['current_eviction_exceeded_time', 0],
    ['keyspace_hits', ks.hits],
    ['keyspace_misses', ks.misses],
    ['pubsub_channels', 0],
    ['pubsub_patterns', 0],
    ['pubsubshard_channels', 0],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', 0],
    ['tracking_total_items', 0],
    ['tracking_total_prefixes', 0],
    ['unexpected_error_replies', st.unexpectedErrorReplies],
    ['total_error_replies', st.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', 0],
    ['total_writes_processed', 0],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['io_threaded_freed_objects', 0],
    ['io_threaded_poll_processed', 0],
    ['io_threaded_total_prefetch_batches', 0],
    ['io_threaded_total_prefetch_entries', 0],
    ['client_query_buffer_limit_disconnections', st.clientQueryBufferLimitDisconnections],
    ['client_output_buffer_limit_disconnections', st.clientOutputBufferLimitDisconnections],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
    ['eventloop_cycles', s.cronLoops],
    ['eventloop_duration_sum', 0],
    ['eventloop_duration_cmd_sum', Math.floor(cmdUsec)],
    ['instantaneous_eventloop_cycles_per_sec', 0],
    ['instantaneous_eventloop_duration_usec', 0],
    ['acl_access_denied_auth', 0],
    ['acl_access_denied_cmd', 0],
    ['acl_access_denied_key', 0],
    ['acl_access_denied_channel', 0],
  ];
}

/** A replica's fields (master_host ... replica_announced), which Valkey lists right after `role`. */
export const replicaInfoHook: { fields: ((s: Server) => Fields) | null } = { fields: null };

function replicationFields(s: Server): Fields {
  const ids = replicationIds(s);
  return [
    ['role', 'master'],
    ...(replicaInfoHook.fields ? replicaInfoHook.fields(s) : []),
    ['connected_slaves', 0],
    ['replicas_waiting_psync', 0],
    ['master_failover_state', 'no-failover'],
    ['master_replid', ids.replid],
    ['master_replid2', ids.replid2],
    ['master_repl_offset', 0],
    ['second_repl_offset', ids.secondReplOffset],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', s.config.num('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ];
}

function cpuFields(): Fields {
  const u = process.cpuUsage();
  return [
    ['used_cpu_sys', cpuTime(u.system)],
    ['used_cpu_user', cpuTime(u.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', cpuTime(u.system)],
    ['used_cpu_user_main_thread', cpuTime(u.user)],
  ];
}

function commandstatsFields(s: Server): Fields {
  const out: Fields = [];
  for (const c of commandsAndSubcommands(s)) {
    if (!c.calls && !c.failed && !c.rejected) continue;
    const usec = Math.floor(c.usec);
    const perCall = c.calls === 0 ? 0 : c.usec / c.calls;
    out.push([`cmdstat_${safeInfoString(c.fullName)}`,
      `calls=${c.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${c.rejected},failed_calls=${c.failed}`]);
  }
  return out;
}

function errorstatsFields(s: Server): Fields {
  const codes = [...s.stats.errorStats.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return codes.map((code) => [`errorstat_${safeInfoString(code)}`, `count=${s.stats.errorStats.get(code)}`]);
}

function latencystatsFields(s: Server): Fields {
  if (!s.config.bool('latency-tracking')) return [];
  const ps = s.config.latencyTrackingPercentiles();
  const out: Fields = [];
  for (const c of commandsAndSubcommands(s)) {
    if (c.latency.total === 0) continue;
    out.push([`latency_percentiles_usec_${safeInfoString(c.fullName)}`,
      ps.map((p) => `p${percentileLabel(p)}=${c.latency.percentile(p).toFixed(3)}`).join(',')]);
  }
  return out;
}

/** Counts keys holding collections with per-item TTLs (the hash family installs it). */
let volatileItemsCounter: (s: Server, dbId: number) => number = () => 0;
export function setVolatileItemsCounter(fn: (s: Server, dbId: number) => number): void { volatileItemsCounter = fn; }

function keyspaceFields(s: Server): Fields {
  const out: Fields = [];
  for (const db of s.ks.dbs) {
    const keys = db.size, expires = db.expiresCount;
    if (keys || expires) {
      out.push([`db${db.id}`, `keys=${keys},expires=${expires},avg_ttl=${expires ? Math.floor(db.avgTtl) : 0},keys_with_volatile_items=${volatileItemsCounter(s, db.id)}`]);
    }
  }
  return out;
}

function debugFields(s: Server): Fields {
  let maxUsec = 0;
  for (const c of commandsAndSubcommands(s)) if (c.calls) maxUsec = Math.max(maxUsec, c.usec / c.calls);
  return [
    ['eventloop_duration_aof_sum', 0],
    ['eventloop_duration_cron_sum', 0],
    ['eventloop_duration_max', Math.floor(maxUsec)],
    ['eventloop_cmd_per_cycle_max', 0],
  ];
}

const BUILDERS: Record<string, (s: Server) => Fields> = {
  server: serverFields,
  clients: clientsFields,
  memory: memoryFields,
  persistence: persistenceFields,
  stats: statsFields,
  replication: replicationFields,
  cpu: () => cpuFields(),
  modules: () => [],
  commandstats: commandstatsFields,
  errorstats: errorstatsFields,
  latencystats: latencystatsFields,
  cluster: (s) => [['cluster_enabled', s.config.bool('cluster-enabled') ? 1 : 0]],
  keyspace: keyspaceFields,
  debug: debugFields,
};

/** The fields of one section after the registered providers had their say. */
export function sectionFields(s: Server, name: string): Fields {
  const build = BUILDERS[name];
  const fields = build ? build(s) : [];
  const extra = providers.get(name);
  if (extra) {
    for (const p of extra) {
      for (const [k, v] of Object.entries(p(s))) {
        const i = fields.findIndex((f) => f[0] === k);
        if (i >= 0) fields[i] = [k, v]; else fields.push([k, v]);
      }
    }
  }
  return fields;
}

/**
 * Resolves INFO arguments to the set of sections to print, as Valkey does: no argument means the
 * default sections; `default`, `all` (everything but debug) and `everything` add groups; other
 * names are matched case-insensitively; unknown names print nothing.
 */
export function resolveSections(args: string[]): string[] {
  const want = new Set<string>();
  let all = false;
  if (args.length === 0) {
    for (const sec of INFO_SECTIONS) if (sec.default) want.add(sec.name);
  }
  for (const raw of args) {
    const a = raw.toLowerCase();
    if (a === 'default') { for (const sec of INFO_SECTIONS) if (sec.default) want.add(sec.name); }
    else if (a === 'all' || a === 'everything') all = true;
    else if (a === 'module_list') want.add('modules');
    else want.add(a);
  }
  const out: string[] = [];
  for (const sec of INFO_SECTIONS) if (all || want.has(sec.name)) out.push(sec.name);
  if (want.has('debug')) out.push('debug');
  return out;
}

/** The INFO text for the given arguments (section names). */
export function genInfo(s: Server, args: string[]): string {
  const parts: string[] = [];
  for (const name of resolveSections(args)) {
    const title = INFO_SECTIONS.find((x) => x.name === name)?.title ?? 'Debug';
    let text = `# ${title}\r\n`;
    for (const [k, v] of sectionFields(s, name)) text += `${k}:${v}\r\n`;
    parts.push(text);
  }
  return parts.join('\r\n');
}

/** CONFIG RESETSTAT: server counters, keyspace counters, per-command statistics, error statistics. */
export function resetStats(s: Server): void {
  s.stats.reset();
  const ks = s.ks.stats;
  ks.expiredKeys = 0; ks.expiredStalePerc = 0; ks.expiredTimeCapReached = 0; ks.expireCycleCpuMs = 0;
  ks.evictedKeys = 0; ks.hits = 0; ks.misses = 0; ks.expiredSubkeys = 0; ks.lazyfreedObjects = 0;
  for (const c of commandsAndSubcommands(s)) {
    c.calls = 0; c.usec = 0; c.failed = 0; c.rejected = 0;
    c.latency.reset();
  }
  const st = state(s);
  st.statsSince = Date.now();
  for (const fn of resetHooks) fn(s);
}

/** The peak memory Valkey reports; sampled whenever memory figures are read. */
export function peakMemory(s: Server): number { return state(s).peakMemory; }
