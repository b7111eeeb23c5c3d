// Declarative catalogue of every configuration parameter the server knows.
//
// This file holds data only: names, aliases, value types, defaults, bounds,
// enum vocabularies and behaviour flags, matching the parameter set of Valkey's
// standard config table. Parsing, formatting, validation and CONFIG GET/SET/
// REWRITE semantics live in config.ts, which builds its runtime index from
// CONFIG_TABLE below.

/** Behaviour flags a parameter may carry. */
export type ConfigFlag =
  | 'immutable' // only settable at startup (config file / command line)
  | 'protected' // CONFIG SET needs enable-protected-configs yes|local
  | 'sensitive' // value must be redacted from logs / MONITOR / SLOWLOG
  | 'hidden' // not returned by glob patterns in CONFIG GET, only by exact name
  | 'deny-loading' // CONFIG SET refused while the dataset is loading
  | 'debug' // included in debug dumps of the configuration
  | 'multi-arg' // takes several space separated arguments
  | 'volatile'; // refers to external state (a file): re-applied even when unchanged

/** C storage type of a numeric parameter; determines signed vs unsigned bound checks. */
export type NumericCType =
  | 'int'
  | 'uint'
  | 'long'
  | 'ulong'
  | 'longlong'
  | 'ulonglong'
  | 'size_t'
  | 'ssize_t'
  | 'off_t'
  | 'time_t';

export type ConfigType =
  | 'bool'
  | 'int' // signed integer
  | 'uint' // unsigned integer (possibly octal)
  | 'memory' // byte count accepting k/kb/m/mb/g/gb units (maybe also `N%`)
  | 'string' // plain string
  | 'sds' // binary-safe string (requirepass, primaryauth, ...)
  | 'enum' // one value out of a vocabulary
  | 'multi-enum' // a set of flags out of a vocabulary (multi-arg)
  | 'special'; // custom parser/formatter in config.ts

interface BaseDef {
  readonly name: string;
  readonly alias?: string;
  readonly flags: readonly ConfigFlag[];
}

export interface BoolDef extends BaseDef {
  readonly type: 'bool';
  readonly default: boolean;
}

export interface NumericDef extends BaseDef {
  readonly type: 'int' | 'uint' | 'memory';
  readonly ctype: NumericCType;
  /** True when the C type is unsigned (bounds are compared as unsigned 64-bit). */
  readonly unsigned: boolean;
  readonly min: bigint;
  readonly max: bigint;
  readonly default: bigint;
  /** Also accepts `N%` (stored as -N). */
  readonly percent?: boolean;
  /** Parsed and printed in octal. */
  readonly octal?: boolean;
}

export interface StringDef extends BaseDef {
  readonly type: 'string' | 'sds';
  /** `null` means "unset"; CONFIG GET shows it as the empty string. */
  readonly default: string | null;
  /** An empty value is stored as unset (null) rather than "". */
  readonly emptyIsNull: boolean;
}

/** A vocabulary entry: name and the numeric value it stands for. Several names may share a value. */
export type EnumEntry = readonly [name: string, value: number];

export interface EnumDef extends BaseDef {
  readonly type: 'enum' | 'multi-enum';
  readonly values: readonly EnumEntry[];
  readonly default: number;
}

export interface SpecialDef extends BaseDef {
  readonly type: 'special';
  /** Default expressed as config-file arguments; null = computed (e.g. dir) or unset (replicaof). */
  readonly default: string | null;
}

export type ConfigDef = BoolDef | NumericDef | StringDef | EnumDef | SpecialDef;

// ---------------------------------------------------------------------------
// Numeric limits (64-bit platform)
// ---------------------------------------------------------------------------

export const INT_MIN = -(2n ** 31n);
export const INT_MAX = 2n ** 31n - 1n;
export const UINT_MAX = 2n ** 32n - 1n;
export const LONG_MAX = 2n ** 63n - 1n;
export const LLONG_MAX = LONG_MAX;
export const SSIZE_MAX = LONG_MAX;
export const ULONG_MAX = 2n ** 64n - 1n;
export const ULLONG_MAX = ULONG_MAX;

const KB = 1024n;
const MB = 1024n * KB;
const GB = 1024n * MB;

export const CONFIG_MIN_HZ = 1;
export const CONFIG_MAX_HZ = 500;
/** io-threads values above this are clamped after loading the configuration. */
export const IO_THREADS_MAX_NUM = 16;
export const CONFIG_BINDADDR_MAX = 16;

// ---------------------------------------------------------------------------
// Enum vocabularies
// ---------------------------------------------------------------------------

export const LOGLEVEL_VALUES: readonly EnumEntry[] = [
  ['debug', 0],
  ['verbose', 1],
  ['notice', 2],
  ['warning', 3],
  ['nothing', 4],
];

export const MAXMEMORY_POLICY_VALUES: readonly EnumEntry[] = [
  ['volatile-lru', (0 << 8) | 1],
  ['volatile-lfu', (1 << 8) | 2],
  ['volatile-random', 3 << 8],
  ['volatile-ttl', 2 << 8],
  ['allkeys-lru', (4 << 8) | 1 | 4],
  ['allkeys-lfu', (5 << 8) | 2 | 4],
  ['allkeys-random', (6 << 8) | 4],
  ['noeviction', 7 << 8],
];

const SYSLOG_FACILITY_VALUES: readonly EnumEntry[] = [
  ['user', 1 << 3],
  ['local0', 16 << 3],
  ['local1', 17 << 3],
  ['local2', 18 << 3],
  ['local3', 19 << 3],
  ['local4', 20 << 3],
  ['local5', 21 << 3],
  ['local6', 22 << 3],
  ['local7', 23 << 3],
];

const SUPERVISED_VALUES: readonly EnumEntry[] = [
  ['upstart', 3],
  ['systemd', 2],
  ['auto', 1],
  ['no', 0],
];

const APPENDFSYNC_VALUES: readonly EnumEntry[] = [
  ['everysec', 2],
  ['always', 1],
  ['no', 0],
];

/** Flags for shutdown-on-sigint / shutdown-on-sigterm (bit values as SHUTDOWN flags). */
export const SHUTDOWN_FLAG_VALUES: readonly EnumEntry[] = [
  ['default', 0],
  ['save', 1],
  ['nosave', 2],
  ['now', 4],
  ['force', 8],
];

const REPL_DISKLESS_LOAD_VALUES: readonly EnumEntry[] = [
  ['disabled', 0],
  ['on-empty-db', 1],
  ['swapdb', 2],
  ['flush-before-load', 3],
];

const TLS_AUTH_CLIENTS_VALUES: readonly EnumEntry[] = [
  ['no', 0],
  ['yes', 1],
  ['optional', 2],
];

/** Note: `yes` and `relative` are the same setting; CONFIG GET reports `yes`. */
const OOM_SCORE_ADJ_VALUES: readonly EnumEntry[] = [
  ['no', 0],
  ['yes', 1],
  ['relative', 1],
  ['absolute', 2],
];

const ACL_PUBSUB_DEFAULT_VALUES: readonly EnumEntry[] = [
  ['allchannels', 1 << 3],
  ['resetchannels', 0],
];

const SANITIZE_DUMP_PAYLOAD_VALUES: readonly EnumEntry[] = [
  ['no', 0],
  ['yes', 1],
  ['clients', 2],
];

/** Shared by enable-protected-configs / enable-debug-command / enable-module-command. */
export const PROTECTED_ACTION_VALUES: readonly EnumEntry[] = [
  ['no', 0],
  ['yes', 1],
  ['local', 2],
];

const CLUSTER_ENDPOINT_TYPE_VALUES: readonly EnumEntry[] = [
  ['ip', 0],
  ['hostname', 1],
  ['unknown-endpoint', 2],
];

const PROPAGATION_ERROR_BEHAVIOR_VALUES: readonly EnumEntry[] = [
  ['ignore', 0],
  ['panic', 1],
  ['panic-on-replicas', 2],
];

const LOG_FORMAT_VALUES: readonly EnumEntry[] = [
  ['legacy', 0],
  ['logfmt', 1],
];

const LOG_TIMESTAMP_FORMAT_VALUES: readonly EnumEntry[] = [
  ['legacy', 0],
  ['iso8601', 1],
  ['milliseconds', 2],
];

// ---------------------------------------------------------------------------
// Builders (keep the table below compact and readable)
// ---------------------------------------------------------------------------

function flagList(spec: string): ConfigFlag[] {
  return spec === '' ? [] : (spec.split(' ') as ConfigFlag[]);
}

function withAlias<T extends object>(def: T, alias?: string): T {
  return alias === undefined ? def : { ...def, alias };
}

function bool(name: string, def: boolean, flags = '', alias?: string): BoolDef {
  return withAlias({ name, type: 'bool', default: def, flags: flagList(flags) }, alias);
}

function str(name: string, def: string | null, emptyIsNull: boolean, flags = '', alias?: string): StringDef {
  return withAlias({ name, type: 'string', default: def, emptyIsNull, flags: flagList(flags) }, alias);
}

function sds(name: string, def: string | null, emptyIsNull: boolean, flags = '', alias?: string): StringDef {
  return withAlias({ name, type: 'sds', default: def, emptyIsNull, flags: flagList(flags) }, alias);
}

function enumeration(
  name: string,
  values: readonly EnumEntry[],
  def: number,
  flags = '',
  alias?: string,
): EnumDef {
  const fl = flagList(flags);
  const type = fl.includes('multi-arg') ? 'multi-enum' : 'enum';
  return withAlias({ name, type, values, default: def, flags: fl }, alias);
}

const UNSIGNED_CTYPES: ReadonlySet<NumericCType> = new Set(['uint', 'ulong', 'ulonglong', 'size_t']);

interface NumericOpts {
  flags?: string;
  alias?: string;
  /** 'memory', 'memory%' (memory or percent) or 'octal'; plain integer when absent. */
  format?: 'memory' | 'memory%' | 'octal';
}

function numeric(
  name: string,
  ctype: NumericCType,
  min: bigint,
  max: bigint,
  def: bigint,
  opts: NumericOpts = {},
): NumericDef {
  const unsigned = UNSIGNED_CTYPES.has(ctype);
  const memory = opts.format === 'memory' || opts.format === 'memory%';
  const def0: NumericDef = {
    name,
    type: memory ? 'memory' : unsigned ? 'uint' : 'int',
    ctype,
    unsigned,
    min,
    max,
    default: def,
    flags: flagList(opts.flags ?? ''),
    ...(opts.format === 'memory%' ? { percent: true } : {}),
    ...(opts.format === 'octal' ? { octal: true } : {}),
  };
  return withAlias(def0, opts.alias);
}

const int = (name: string, min: bigint, max: bigint, def: bigint, opts?: NumericOpts) =>
  numeric(name, 'int', min, max, def, opts);

function special(name: string, def: string | null, flags = '', alias?: string): SpecialDef {
  return withAlias({ name, type: 'special', default: def, flags: flagList(flags) }, alias);
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

export const CONFIG_TABLE: readonly ConfigDef[] = [
  // --- booleans ---------------------------------------------------------------
  bool('rdbchecksum', true, 'immutable'),
  bool('daemonize', false, 'immutable'),
  bool('always-show-logo', false, 'immutable'),
  bool('protected-mode', true),
  bool('rdbcompression', true),
  bool('rdb-del-sync-files', false),
  bool('activerehashing', true),
  bool('stop-writes-on-bgsave-error', true),
  bool('set-proc-title', true, 'immutable'),
  bool('dynamic-hz', true),
  bool('lazyfree-lazy-eviction', true, 'debug'),
  bool('lazyfree-lazy-expire', true, 'debug'),
  bool('lazyfree-lazy-server-del', true, 'debug'),
  bool('lazyfree-lazy-user-del', true, 'debug'),
  bool('lazyfree-lazy-user-flush', true, 'debug'),
  bool('repl-disable-tcp-nodelay', false),
  bool('repl-diskless-sync', true, 'debug'),
  bool('dual-channel-replication-enabled', false, 'debug'),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  bool('cluster-require-full-coverage', true),
  bool('rdb-save-incremental-fsync', true),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-timestamp-enabled', false),
  bool('cluster-replica-no-failover', false, '', 'cluster-slave-no-failover'),
  bool('replica-lazy-flush', true, '', 'slave-lazy-flush'),
  bool('replica-serve-stale-data', true, '', 'slave-serve-stale-data'),
  bool('replica-read-only', true, 'debug', 'slave-read-only'),
  bool('replica-ignore-maxmemory', true, '', 'slave-ignore-maxmemory'),
  bool('jemalloc-bg-thread', true),
  bool('activedefrag', false, 'debug'),
  bool('syslog-enabled', false, 'immutable'),
  bool('cluster-enabled', false, 'immutable'),
  bool('appendonly', false, 'deny-loading'),
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  bool('use-exit-on-panic', false, 'hidden'),
  bool('disable-thp', true, 'immutable'),
  bool('cluster-allow-replica-migration', true),
  bool('replica-announced', true),
  bool('latency-tracking', true),
  bool('aof-disable-auto-gc', false, 'hidden'),
  bool('replica-ignore-disk-write-errors', false),
  bool('extended-redis-compatibility', false),
  bool('enable-debug-assert', false, 'immutable hidden'),
  bool('cluster-slot-stats-enabled', false),
  bool('hide-user-data-from-log', true),

  // --- strings ----------------------------------------------------------------
  str('aclfile', '', false, 'immutable'),
  str('unixsocket', null, true, 'immutable'),
  str('unixsocketgroup', null, true, 'immutable'),
  str('pidfile', null, true, 'immutable'),
  str('replica-announce-ip', null, true, '', 'slave-announce-ip'),
  str('primaryuser', null, true, 'sensitive', 'masteruser'),
  str('cluster-announce-ip', null, true),
  str('cluster-announce-client-ipv4', null, true),
  str('cluster-announce-client-ipv6', null, true),
  str('cluster-config-file', 'nodes.conf', false, 'immutable'),
  str('cluster-announce-hostname', null, true),
  str('cluster-announce-human-nodename', null, true),
  str('syslog-ident', 'valkey', false, 'immutable'),
  str('dbfilename', 'dump.rdb', false, 'protected'),
  str('appendfilename', 'appendonly.aof', false, 'immutable'),
  str('appenddirname', 'appendonlydir', false, 'immutable'),
  str('server-cpulist', null, true, 'immutable', 'server_cpulist'),
  str('bio-cpulist', null, true, 'immutable', 'bio_cpulist'),
  str('aof-rewrite-cpulist', null, true, 'immutable', 'aof_rewrite_cpulist'),
  str('bgsave-cpulist', null, true, 'immutable', 'bgsave_cpulist'),
  str('ignore-warnings', '', false),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', false),
  str('bind-source-addr', null, true),
  str('logfile', '', false, 'immutable'),
  // (req-res-logfile exists only in request/response logging builds; not provided.)
  str('locale-collate', '', false),
  str('debug-context', '', false, 'debug hidden'),

  // --- binary-safe strings ----------------------------------------------------
  sds('primaryauth', null, true, 'sensitive', 'masterauth'),
  sds('requirepass', null, true, 'sensitive'),
  sds('availability-zone', '', false),

  // --- enums ------------------------------------------------------------------
  enumeration('supervised', SUPERVISED_VALUES, 0, 'immutable'),
  enumeration('syslog-facility', SYSLOG_FACILITY_VALUES, 16 << 3, 'immutable'),
  enumeration('repl-diskless-load', REPL_DISKLESS_LOAD_VALUES, 0, 'debug deny-loading'),
  enumeration('loglevel', LOGLEVEL_VALUES, 2),
  enumeration('maxmemory-policy', MAXMEMORY_POLICY_VALUES, 7 << 8),
  enumeration('appendfsync', APPENDFSYNC_VALUES, 2),
  enumeration('oom-score-adj', OOM_SCORE_ADJ_VALUES, 0),
  enumeration('acl-pubsub-default', ACL_PUBSUB_DEFAULT_VALUES, 0),
  enumeration('sanitize-dump-payload', SANITIZE_DUMP_PAYLOAD_VALUES, 0, 'debug'),
  enumeration('enable-protected-configs', PROTECTED_ACTION_VALUES, 0, 'immutable'),
  enumeration('enable-debug-command', PROTECTED_ACTION_VALUES, 0, 'immutable'),
  enumeration('enable-module-command', PROTECTED_ACTION_VALUES, 0, 'immutable'),
  enumeration('cluster-preferred-endpoint-type', CLUSTER_ENDPOINT_TYPE_VALUES, 0),
  enumeration('propagation-error-behavior', PROPAGATION_ERROR_BEHAVIOR_VALUES, 0),
  enumeration('shutdown-on-sigint', SHUTDOWN_FLAG_VALUES, 0, 'multi-arg'),
  enumeration('shutdown-on-sigterm', SHUTDOWN_FLAG_VALUES, 0, 'multi-arg'),
  enumeration('log-format', LOG_FORMAT_VALUES, 0),
  enumeration('log-timestamp-format', LOG_TIMESTAMP_FORMAT_VALUES, 0),

  // --- int --------------------------------------------------------------------
  int('databases', 1n, INT_MAX, 16n, { flags: 'immutable' }),
  int('port', 0n, 65535n, 6379n),
  int('io-threads', 1n, 128n, 1n, { flags: 'debug immutable' }),
  int('events-per-io-thread', 0n, INT_MAX, 2n),
  int('prefetch-batch-max-size', 0n, 128n, 16n),
  int('auto-aof-rewrite-percentage', 0n, INT_MAX, 100n),
  int('cluster-replica-validity-factor', 0n, INT_MAX, 10n, { alias: 'cluster-slave-validity-factor' }),
  int('list-max-listpack-size', INT_MIN, INT_MAX, -2n, { alias: 'list-max-ziplist-size' }),
  int('tcp-keepalive', 0n, INT_MAX, 300n),
  int('cluster-migration-barrier', 0n, INT_MAX, 1n),
  int('active-defrag-cycle-min', 1n, 99n, 1n),
  int('active-defrag-cycle-max', 1n, 99n, 25n),
  int('active-defrag-threshold-lower', 0n, 1000n, 10n),
  int('active-defrag-threshold-upper', 0n, 1000n, 100n),
  int('lfu-log-factor', 0n, INT_MAX, 10n),
  int('lfu-decay-time', 0n, INT_MAX, 1n),
  int('replica-priority', 0n, INT_MAX, 100n, { alias: 'slave-priority' }),
  int('repl-diskless-sync-delay', 0n, INT_MAX, 5n),
  int('maxmemory-samples', 1n, 64n, 5n),
  int('maxmemory-eviction-tenacity', 0n, 100n, 10n),
  int('timeout', 0n, INT_MAX, 0n),
  int('replica-announce-port', 0n, 65535n, 0n, { alias: 'slave-announce-port' }),
  int('tcp-backlog', 0n, INT_MAX, 511n, { flags: 'immutable' }),
  int('cluster-port', 0n, 65535n, 0n, { flags: 'immutable' }),
  int('cluster-announce-bus-port', 0n, 65535n, 0n),
  int('cluster-announce-port', 0n, 65535n, 0n),
  int('cluster-announce-tls-port', 0n, 65535n, 0n),
  int('repl-timeout', 1n, INT_MAX, 60n),
  int('repl-ping-replica-period', 1n, INT_MAX, 10n, { alias: 'repl-ping-slave-period' }),
  int('list-compress-depth', 0n, INT_MAX, 0n, { flags: 'debug' }),
  int('rdb-key-save-delay', INT_MIN, INT_MAX, 0n, { flags: 'hidden' }),
  int('key-load-delay', INT_MIN, INT_MAX, 0n, { flags: 'hidden' }),
  int('active-expire-effort', 1n, 10n, 1n),
  // hz accepts any non-negative int; the stored value is clamped to [CONFIG_MIN_HZ, CONFIG_MAX_HZ].
  int('hz', 0n, INT_MAX, 10n),
  int('min-replicas-to-write', 0n, INT_MAX, 0n, { alias: 'min-slaves-to-write' }),
  int('min-replicas-max-lag', 0n, INT_MAX, 10n, { alias: 'min-slaves-max-lag' }),
  int('watchdog-period', 0n, INT_MAX, 0n, { flags: 'hidden' }),
  int('shutdown-timeout', 0n, INT_MAX, 10n),
  int('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0n),

  // --- unsigned int -----------------------------------------------------------
  numeric('maxclients', 'uint', 1n, UINT_MAX, 10000n),
  numeric('unixsocketperm', 'uint', 0n, 0o777n, 0n, { flags: 'immutable', format: 'octal' }),
  numeric('socket-mark-id', 'uint', 0n, UINT_MAX, 0n, { flags: 'immutable' }),
  numeric('max-new-connections-per-cycle', 'uint', 1n, 1000n, 10n),
  numeric('max-new-tls-connections-per-cycle', 'uint', 1n, 1000n, 1n),
  // (client-default-resp exists only in request/response logging builds; not provided.)

  // --- unsigned long ----------------------------------------------------------
  numeric('active-defrag-max-scan-fields', 'ulong', 1n, LONG_MAX, 1000n),
  numeric('slowlog-max-len', 'ulong', 0n, LONG_MAX, 128n),
  numeric('acllog-max-len', 'ulong', 0n, LONG_MAX, 128n),
  numeric('cluster-blacklist-ttl', 'ulong', 0n, ULONG_MAX, 60n),

  // --- long long --------------------------------------------------------------
  numeric('busy-reply-threshold', 'longlong', 0n, LONG_MAX, 5000n, { alias: 'lua-time-limit' }),
  numeric('cluster-node-timeout', 'longlong', 0n, LLONG_MAX, 15000n),
  numeric('cluster-ping-interval', 'longlong', 0n, LLONG_MAX, 0n, { flags: 'hidden' }),
  numeric('slowlog-log-slower-than', 'longlong', -1n, LLONG_MAX, 10000n),
  numeric('latency-monitor-threshold', 'longlong', 0n, LLONG_MAX, 0n),
  numeric('proto-max-bulk-len', 'longlong', MB, LONG_MAX, 512n * MB, { flags: 'debug', format: 'memory' }),
  numeric('stream-node-max-entries', 'longlong', 0n, LLONG_MAX, 100n),
  numeric('repl-backlog-size', 'longlong', 1n, LLONG_MAX, 10n * MB, { format: 'memory' }),

  // --- unsigned long long -----------------------------------------------------
  numeric('maxmemory', 'ulonglong', 0n, ULLONG_MAX, 0n, { format: 'memory' }),
  numeric('cluster-link-sendbuf-limit', 'ulonglong', 0n, ULLONG_MAX, 0n, { format: 'memory' }),

  // --- size_t / ssize_t -------------------------------------------------------
  numeric('hash-max-listpack-entries', 'size_t', 0n, LONG_MAX, 512n, { alias: 'hash-max-ziplist-entries' }),
  numeric('set-max-intset-entries', 'size_t', 0n, LONG_MAX, 512n),
  numeric('set-max-listpack-entries', 'size_t', 0n, LONG_MAX, 128n),
  numeric('set-max-listpack-value', 'size_t', 0n, LONG_MAX, 64n),
  numeric('zset-max-listpack-entries', 'size_t', 0n, LONG_MAX, 128n, { alias: 'zset-max-ziplist-entries' }),
  numeric('active-defrag-ignore-bytes', 'size_t', 1n, LLONG_MAX, 100n * MB, { format: 'memory' }),
  numeric('hash-max-listpack-value', 'size_t', 0n, LONG_MAX, 64n, {
    format: 'memory',
    alias: 'hash-max-ziplist-value',
  }),
  numeric('stream-node-max-bytes', 'size_t', 0n, LONG_MAX, 4096n, { format: 'memory' }),
  numeric('zset-max-listpack-value', 'size_t', 0n, LONG_MAX, 64n, {
    format: 'memory',
    alias: 'zset-max-ziplist-value',
  }),
  numeric('hll-sparse-max-bytes', 'size_t', 0n, LONG_MAX, 3000n, { format: 'memory' }),
  numeric('tracking-table-max-keys', 'size_t', 0n, LONG_MAX, 1000000n),
  numeric('client-query-buffer-limit', 'size_t', MB, LONG_MAX, GB, { flags: 'debug', format: 'memory' }),
  // Percent values are stored negated (e.g. `10%` -> -10).
  numeric('maxmemory-clients', 'ssize_t', -100n, SSIZE_MAX, 0n, { format: 'memory%' }),

  // --- time_t / off_t ---------------------------------------------------------
  numeric('repl-backlog-ttl', 'time_t', 0n, LONG_MAX, 3600n),
  numeric('auto-aof-rewrite-min-size', 'off_t', 0n, LLONG_MAX, 64n * MB, { format: 'memory' }),
  numeric('loading-process-events-interval-bytes', 'off_t', 1024n, INT_MAX, 2n * MB, { flags: 'hidden' }),

  // --- TLS --------------------------------------------------------------------
  int('tls-port', 0n, 65535n, 0n),
  int('tls-session-cache-size', 0n, INT_MAX, 20n * KB),
  int('tls-session-cache-timeout', 0n, INT_MAX, 300n),
  bool('tls-cluster', false),
  bool('tls-replication', false),
  enumeration('tls-auth-clients', TLS_AUTH_CLIENTS_VALUES, 1),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  str('tls-cert-file', null, true, 'volatile'),
  str('tls-key-file', null, true, 'volatile'),
  str('tls-key-file-pass', null, true, 'sensitive'),
  str('tls-client-cert-file', null, true, 'volatile'),
  str('tls-client-key-file', null, true, 'volatile'),
  str('tls-client-key-file-pass', null, true, 'sensitive'),
  str('tls-dh-params-file', null, true, 'volatile'),
  str('tls-ca-cert-file', null, true, 'volatile'),
  str('tls-ca-cert-dir', null, true, 'volatile'),
  str('tls-protocols', null, true),
  str('tls-ciphers', null, true),
  str('tls-ciphersuites', null, true),

  // --- special (custom parse/format in config.ts) -----------------------------
  special('dir', null, 'protected deny-loading'),
  special('save', '3600 1 300 100 60 10000', 'multi-arg'),
  special(
    'client-output-buffer-limit',
    'normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60',
    'multi-arg',
  ),
  special('oom-score-adj-values', '0 200 800', 'multi-arg'),
  special('notify-keyspace-events', '', ''),
  special('bind', '* -::*', 'multi-arg'),
  special('replicaof', null, 'immutable multi-arg', 'slaveof'),
  special('latency-tracking-info-percentiles', '50 99 99.9', 'multi-arg'),
];

/**
 * Directives of older versions that are still accepted in config files (and
 * silently ignored) when given with an argument count inside [min, max]
 * (counting the directive name itself).
 */
export const DEPRECATED_DIRECTIVES: ReadonlyArray<readonly [name: string, argcMin: number, argcMax: number]> = [
  ['list-max-ziplist-entries', 2, 2],
  ['list-max-ziplist-value', 2, 2],
  ['lua-replicate-commands', 2, 2],
  ['io-threads-do-reads', 2, 2],
];
