#!/usr/bin/env node
// Bundles the lean entry point of the CLI (run by `pnpm build` after tsc) into one CommonJS module with
// nothing external on the hot path but Node's own modules: dist/exec/bundle.cjs for `agent exec`
// (h2lite, the codec, core's errors and the exec steps). CommonJS because Node 20 loads it ~5 ms sooner
// than the same bundle as an ES module. What a rare branch needs (auto-start, approval, --watch, --mask)
// stays a separate ES module of dist/exec, imported then.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli', 'dist');
await build({
  entryPoints: [join(cli, 'exec', 'main.js')],
  outfile: join(cli, 'exec', 'bundle.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['./approve.js', './watch.js', './masked.js', './start-daemon.js'],
  // import.meta.url (createRequire in daemon-program.ts) as the bundle's own URL: a folder of the same package.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
