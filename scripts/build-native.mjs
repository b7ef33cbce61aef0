#!/usr/bin/env node
// Builds packages/client/native/libc.c (run by `pnpm build`) into the Node-API module libc.ts and the
// daemon's native.ts load, with the system's C compiler: packages/client/dist/native/ for the client's own
// modules, packages/cli/dist/native/ for the CLI's bundles and packages/daemon/dist/native/ for the daemon.
// Linux only. Where no compiler is found it says so and builds nothing: libc.ts and native.ts then make the
// same calls through koffi.
// Usage: node scripts/build-native.mjs
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = `latchkey-libc-${process.platform}-${process.arch}.node`;
const outputs = ['client', 'cli', 'daemon'].map((pkg) => join(root, 'packages', pkg, 'dist/native', name));

if (process.platform !== 'linux') {
  console.error(`build-native: not Linux (${process.platform}): the CLI and the daemon make their libc calls through koffi`);
  process.exit(0);
}
const compiler = process.env.CC || 'cc';
const [first, ...copies] = outputs;
mkdirSync(dirname(first), { recursive: true });
const partial = `${first}.${process.pid}.tmp`;
try {
  execFileSync(compiler, ['-O2', '-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', '-o', partial, join(root, 'packages/client/native/libc.c')], { stdio: ['ignore', 'inherit', 'inherit'] });
} catch (err) {
  rmSync(partial, { force: true });
  if (err.code === 'ENOENT') {
    for (const file of outputs) rmSync(file, { force: true });
    console.error(`build-native: no C compiler (${compiler}): the CLI and the daemon make their libc calls through koffi`);
    process.exit(0);
  }
  throw err;
}
renameSync(partial, first);
for (const file of copies) {
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(first, `${file}.${process.pid}.tmp`);
  renameSync(`${file}.${process.pid}.tmp`, file);
}
