#!/usr/bin/env node
// Fault figures: drives real daemons against a real Secret Service (a private gnome-keyring) and prints
// what survived. Not a pass/fail test: it prints figures, and exits 1 only when it could not run.
// The scenarios live in faults.ts, bundled here with esbuild so that they can share the end-to-end
// tests' harness (@latchkey/test-utils); needs `pnpm build` first, and root for the full-disk scenario (tmpfs).
//
// Usage: node scripts/faults/run.mjs [--ops 1000] [--only kill9,keychain,disk] [--json]
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, '.cache', 'faults', 'faults.mjs');
mkdirSync(dirname(out), { recursive: true });
await build({
  entryPoints: [join(root, 'scripts', 'faults', 'faults.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: out,
  logLevel: 'warning',
  // The built client is loaded from the workspace at run time (faults.ts imports it by absolute URL).
  external: ['*/packages/client/dist/index.js'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const { main } = await import(pathToFileURL(out).href);
process.exitCode = await main(process.argv.slice(2), root);
