// Moved to @latchkey/test-utils (packages/test-utils/src/agent.ts); this path stays for tests not moved yet.
export * from '@latchkey/test-utils/agent';
