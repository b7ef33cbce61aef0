// @latchkey/test-utils: what the unit and end-to-end tests share.
export * from './agent.js';
export * from './keyring.js';
export * from './syslog.js';
export * from './testdir.js';
export * from './errors.js';
export * from './fixture.js';
export * from './grpc.js';
export * from './terminal.js';
export * from './databases.js';
export * from './vitest.js';
export * from './seeded.js';
export * from './stores.js';
