// Version identity. Client libraries gate features on redis_version / valkey_version.
export const REDIS_VERSION = '7.2.4';
export const VALKEY_VERSION = '9.0.0';
export const PEREGRINE_VERSION = '0.1.0';
