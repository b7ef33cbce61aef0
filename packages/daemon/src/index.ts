// @latchkey/daemon: the background service that keeps short-lived secrets in the OS keychain and serves
// them over a private gRPC Unix socket. Non-goals: sharing secrets between users or machines, serving
// over a network, storing anything secret outside the keychain.
export * from './daemon.js';
export * from './service.js';
export * from './audit.js';
export * from './log.js';
export * from './store/store.js';
export * from './store/memory.js';
