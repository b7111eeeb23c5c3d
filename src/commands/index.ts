// Registers every command family with the registry.
import type { Registry } from './registry.js';
import { registerString } from './string.js';
import { registerConnection } from './connection.js';

export function registerAll(r: Registry): void {
  registerConnection(r);
  registerString(r);
}
