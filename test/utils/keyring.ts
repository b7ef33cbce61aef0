// Moved to @latchkey/test-utils (packages/test-utils/src/keyring.ts); this path stays for tests not moved yet.
export * from '@latchkey/test-utils/keyring';
