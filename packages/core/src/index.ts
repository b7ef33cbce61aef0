// @latchkey/core: the pure rules of Latchkey (names, scope visibility, TTLs, leases, the keychain record format,
// configuration and the error catalogue). No file system, network or process access lives here.
export * from './errors.js';
export * from './names.js';
export * from './scope.js';
export * from './leases.js';
export * from './ttl.js';
export * from './record.js';
export * from './config.js';
export * from './manifest.js';
export * from './needs.js';
export * from './dotenv.js';
export * from './audit-chain.js';
export * from './redact.js';
export * from './display.js';
export * from './proc-stat.js';
export * from './expand.js';
export * from './scan/index.js';
export * from './token-kinds.js';
export * from './database-kinds.js';
export * from './iso-time.js';
