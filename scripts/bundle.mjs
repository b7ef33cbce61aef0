#!/usr/bin/env node
// Bundles the lean entry points of the CLI (run by `pnpm build` after tsc) into CommonJS modules with
// nothing external on the hot path but Node's own modules: dist/exec/bundle.cjs for `agent exec`
// (h2lite, the codec, core's errors and the exec steps), dist/lean/get.cjs for `agent get NAME` and
// dist/lean/status.cjs for `agent daemon status [--json]`, dist/lean/{ls,set,leases}.cjs for the plain forms
// of those commands, dist/lean/scan.cjs for `agent scan --staged [--no-answer]` (the pre-commit hook's). CommonJS because Node 20 loads it ~5 ms sooner than the same bundle as an ES module. What a rare branch needs (auto-start, approval, --watch, --mask)
// stays a separate ES module of dist/exec, imported then.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli', 'dist');
/** One CommonJS bundle of `entry` (a tsc output under dist), `external` left to load when a rare branch needs it. */
function bundle(entry, outfile, external) {
  return build({
    entryPoints: [join(cli, entry)],
    outfile: join(cli, outfile),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    // import.meta.url (createRequire in daemon-program.ts, harden.ts) as the bundle's own URL: a folder of
    // the CLI's package, which depends on what those require (@latchkey/daemon, koffi).
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'warning',
  });
}

await bundle('exec/main.js', 'exec/bundle.cjs', ['./approve.js', './watch.js', './masked.js', './start-daemon.js']);
await bundle('lean/get.js', 'lean/get.cjs', ['../exec/start-daemon.js']);
await bundle('lean/status.js', 'lean/status.cjs', []);
for (const command of ['ls', 'set', 'leases', 'scan']) await bundle(`lean/${command}.js`, `lean/${command}.cjs`, ['../exec/start-daemon.js']);
