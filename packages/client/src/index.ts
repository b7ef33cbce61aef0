// @latchkey/client: a typed promise client for the Latchkey daemon, with discovery and auto-start.
export * from './connection.js';
export * from './discover.js';
export * from './errors.js';
export * from './temp.js';
