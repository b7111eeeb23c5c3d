// The one table of error replies. Texts are byte-identical to Valkey's (without the leading
// '-' and trailing CRLF, which the writer adds). Parameterised errors are functions.

export const E = {
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  notFloat: 'ERR value is not a valid float',
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  noSuchKey: 'ERR no such key',
  outOfRange: 'ERR index out of range',
  overflow: 'ERR increment or decrement would overflow',
  nanOrInf: 'ERR increment would produce NaN or Infinity',
  dbIndex: 'ERR DB index is out of range',
  invalidDb: 'ERR invalid DB index',
  sameObject: 'ERR source and destination objects are the same',
  noAuth: 'NOAUTH Authentication required.',
  wrongPass: 'WRONGPASS invalid username-password pair or user is disabled.',
  authNoPassword: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  stringTooLong: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  offsetOutOfRange: 'ERR offset is out of range',
  bitOffset: 'ERR bit offset is not an integer or out of range',
  positive: 'ERR value is out of range, must be positive',
  timeoutNegative: 'ERR timeout is negative',
  timeoutInvalid: 'ERR timeout is not a float or out of range',
  oom: "OOM command not allowed when used memory > 'maxmemory'.",
  readonly: "READONLY You can't write against a read only replica.",
  loading: 'LOADING Valkey is loading the dataset in memory',
  busy: 'BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.',
  noScript: 'NOSCRIPT No matching script. Please use EVAL.',
  execAbort: 'EXECABORT Transaction discarded because of previous errors.',
  multiNested: 'ERR MULTI calls can not be nested',
  noMulti: 'ERR EXEC without MULTI',
  discardNoMulti: 'ERR DISCARD without MULTI',
  watchInMulti: 'ERR WATCH inside MULTI is not allowed',
  noDebug: "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
  invalidCursor: 'ERR invalid cursor',
  invalidFirstDb: 'ERR invalid first DB index',
  invalidSecondDb: 'ERR invalid second DB index',
  expireNxConflict: 'ERR NX and XX, GT or LT options at the same time are not compatible',
  expireGtLtConflict: 'ERR GT and LT options at the same time are not compatible',
  unknownTypeObject: 'ERR unknown type object',
  moveCluster: 'ERR MOVE is not allowed in cluster mode',
  copyCluster: 'ERR Copying to another database is not allowed in cluster mode',
  swapdbCluster: 'ERR SWAPDB is not allowed in cluster mode',
  lfuNotSelected: 'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  lfuSelected: 'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  unsupportedOption: (opt: string) => `ERR Unsupported option ${opt}`,
  unknownTypeName: (name: string) => `ERR unknown type name '${name}'`,
  intRange: 'ERR value is out of range, value must between -2147483648 and 2147483647',
  selectCluster: 'ERR SELECT is not allowed in cluster mode',
  noProto: 'NOPROTO unsupported protocol version',
  helloNoAuth: 'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
  clientNameChars: 'ERR Client names cannot contain spaces, newlines or special characters.',
  noSuchClient: 'ERR No such client',
  unblockedByClient: 'UNBLOCKED client unblocked via CLIENT UNBLOCK',
  timeoutNotInteger: 'ERR timeout is not an integer or out of range',
  timeoutOutOfRange: 'ERR timeout is out of range',
  shutdownErrors: 'ERR Errors trying to SHUTDOWN. Check logs.',
  decrOverflow: 'ERR decrement would overflow',
  lcsNotStrings: 'ERR The specified keys must contain string values',
  lcsLenAndIdx: 'ERR If you want both the length and indexes, please just use IDX.',
  lcsTooLong: 'ERR String too long for LCS',
  lcsTooMuchMemory: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
  lcsAllocFailed: 'ERR Insufficient memory, failed allocating transient memory for LCS',
  invalidExpire: (cmd: string) => `ERR invalid expire time in '${cmd}' command`,
  unknownCommand: (name: string, argsPreview: string) =>
    `ERR unknown command '${name}', with args beginning with: ${argsPreview}`,
  unknownSubcommand: (sub: string, cmd: string) =>
    `ERR unknown subcommand '${sub}'. Try ${cmd.toUpperCase()} HELP.`,
  unknownSubcommandOrArgs: (sub: string, cmd: string) =>
    `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${cmd.toUpperCase()} HELP.`,
  arity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
  protocol: (msg: string) => `ERR Protocol error: ${msg}`,
  pubsubContext: (name: string) =>
    `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
  noPerm: (user: string, name: string) =>
    `NOPERM User ${user} has no permissions to run the '${name}' command`,
} as const;

/** The error code (first word) of an error text, for INFO errorstats. */
export function errorCode(msg: string): string {
  const sp = msg.indexOf(' ');
  return sp < 0 ? msg : msg.slice(0, sp);
}
