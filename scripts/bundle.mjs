#!/usr/bin/env node
// Bundles the lean entry points of the CLI (run by `pnpm build` after tsc) into CommonJS modules with
// nothing external on the hot path but Node's own modules: dist/exec/bundle.cjs for `agent exec`
// (h2lite, the codec, core's errors and the exec steps), dist/lean/get.cjs for `agent get NAME` and
// dist/lean/status.cjs for `agent daemon status [--json]`, dist/lean/{ls,set,leases}.cjs for the plain forms
// of those commands, dist/lean/scan.cjs for `agent scan --staged [--no-answer]` (the pre-commit hook's). CommonJS because Node 20 loads it ~5 ms sooner than the same bundle as an ES module. What a rare branch needs (auto-start, approval, --watch, --mask)
// stays a separate ES module of dist/exec, imported then.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
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
    // import.meta.dirname (libc.ts) as the bundle's folder and import.meta.url (daemon-program.ts) as its
    // URL: a folder of the CLI's package, which depends on what those require (koffi, @latchkey/daemon).
    // The URL is made when first read: pathToFileURL and the URL parsing it starts took 1.2 ms of a cold
    // `agent exec` on Node 20, which needs only the folder.
    define: { 'import.meta.url': '__latchkeyMeta.url', 'import.meta.dirname': '__dirname' },
    banner: { js: "const __latchkeyMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
    logLevel: 'warning',
  });
}

/**
 * Routes the dynamic imports of the bundle `outfile` through `__lkImport` when the code cache loader
 * (bin/run.js's, which runs it as a script of node:vm) supplies one, else through its own
 * import(), and ends it with the hash of its content.
 */
function importsThroughLoader(outfile, specifiers) {
  const file = join(cli, outfile);
  let text = readFileSync(file, 'utf8');
  for (const s of specifiers) {
    const call = `import(${JSON.stringify(s)})`;
    if (!text.includes(call)) throw new Error(`${outfile}: no ${call} to route through the loader`);
    text = text.split(call).join(`__import(${JSON.stringify(s)})`);
  }
  if (/\bimport\(/.test(text)) throw new Error(`${outfile}: an import() the code cache loader cannot run`);
  const banner = "const __import = typeof __lkImport === 'function' ? __lkImport : (s) => import(s);\n";
  text = banner + text;
  // The loader keys its cache by this line too (V8 checks only a cache's source length).
  writeFileSync(file, `${text}//# latchkey-build ${createHash('sha256').update(text).digest('hex')}\n`);
}

const execLazy = ['./approve.js', './watch.js', './masked.js', './start-daemon.js'];
await bundle('exec/main.js', 'exec/bundle.cjs', execLazy);
importsThroughLoader('exec/bundle.cjs', execLazy);
await bundle('lean/get.js', 'lean/get.cjs', ['../exec/start-daemon.js']);
importsThroughLoader('lean/get.cjs', ['../exec/start-daemon.js']);
await bundle('lean/status.js', 'lean/status.cjs', []);
for (const command of ['ls', 'set', 'leases', 'scan']) await bundle(`lean/${command}.js`, `lean/${command}.cjs`, ['../exec/start-daemon.js']);
