#!/usr/bin/env node
// Bundles the daemon (run by `pnpm build` after tsc) into one ES module, packages/daemon/dist/daemon-bundle.js,
// which the package's `latchkey-daemon` bin (dist/latchkey-daemon.js) loads: its own modules, core, protocol,
// jose and chokidar in one file, so a start resolves and reads one file instead of some 250 (module loading
// was most of a start: 655 of 1,074 ms at a load average of 18). Native and database modules stay external:
// koffi (a .node), and pg, mysql2 and ioredis, which requireLibrary() loads on first use. The keychain worker
// stays its own program (dist/store/keychain-worker.js) and the tsc output stays beside the bundle.
// A module that finds files next to itself (import.meta.url: the keychain worker) is given the
// URL its tsc output has, so it finds them where they were: the daemon's own files relative to the bundle,
// another package's relative to that package's entry, as resolved from the bundle at run time.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'packages/daemon/dist');
const requireFromDaemon = createRequire(join(dist, 'main.js'));

/** The expression for the URL a bundled module had as its own file. */
function ownUrl(file) {
  const inDaemon = relative(dist, file);
  if (!inDaemon.startsWith('..')) return `new URL(${JSON.stringify(`./${inDaemon}`)}, import.meta.url).href`;
  const pkg = /\/packages\/(core|protocol)\/dist\//.exec(file)?.[1];
  if (!pkg) throw new Error(`bundle-daemon: ${file} uses import.meta.url and lies outside the daemon, core and protocol`);
  const entry = requireFromDaemon.resolve(`@latchkey/${pkg}`);
  return `__latchkeyFileUrl(${JSON.stringify(`@latchkey/${pkg}`)}, ${JSON.stringify(relative(dirname(entry), file))})`;
}

const metaUrl = {
  name: 'own-file-url',
  setup(b) {
    b.onLoad({ filter: /\/packages\/(daemon|protocol|core)\/dist\/.*\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      return { contents: source.replaceAll('import.meta.url', ownUrl(args.path)), loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

await build({
  entryPoints: [join(dist, 'main.js')],
  outfile: join(dist, 'daemon-bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi', 'pg', 'mysql2', 'ioredis'],
  plugins: [metaUrl],
  // A CommonJS module inside would require Node's modules through this; a module's own URL for the others.
  banner: {
    js: [
      "import { createRequire as __latchkeyCreateRequire } from 'node:module';",
      "import { pathToFileURL as __latchkeyPathToFileURL } from 'node:url';",
      'const require = __latchkeyCreateRequire(import.meta.url);',
      'const __latchkeyFileUrl = (pkg, rel) => new URL(rel, __latchkeyPathToFileURL(require.resolve(pkg))).href;',
    ].join('\n'),
  },
  logLevel: 'warning',
});
