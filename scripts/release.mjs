#!/usr/bin/env node
// `pnpm release`: installable tarballs in dist/release/, depending on no unpublished package.
//   latchkey-<version>.tgz         the CLI (`agent`) and the daemon (`latchkey-daemon`): npm i -g ./dist/release/latchkey-<version>.tgz
//   latchkey-client-<version>.tgz  @latchkey/client for test suites:                 npm i -D ./latchkey-client-<version>.tgz
// Each workspace package is packed by pnpm (which turns workspace:* into versions and keeps each package's
// own file layout, so files found next to a module, like the .proto and the keychain worker, stay where the
// code looks for them), then carried inside the tarball as a bundled dependency. Their registry
// dependencies move up to the tarball's own package.json, where npm installs them (keytar builds from
// source there when its prebuilt download is unreachable; it needs libsecret-1-dev and a C++ toolchain).
// Usage: node scripts/release.mjs [--no-build]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'release');
const stage = join(out, 'stage');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const version = readJson(join(root, 'packages/cli/package.json')).version;
const nodeEngine = readJson(join(root, 'package.json')).engines.node;

const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

if (!process.argv.includes('--no-build')) sh('pnpm', ['-s', 'build'], root);
rmSync(out, { recursive: true, force: true });
mkdirSync(join(stage, 'packs'), { recursive: true });

/** Packs a workspace package with pnpm and unpacks it into `dest`; returns its package.json. */
function unpack(name, dest) {
  const dir = join(root, 'packages', name);
  sh('pnpm', ['pack', '--pack-destination', join(stage, 'packs')], dir);
  const tarball = join(stage, 'packs', `latchkey-${name}-${readJson(join(dir, 'package.json')).version}.tgz`);
  mkdirSync(dest, { recursive: true });
  sh('tar', ['xzf', tarball, '-C', dest, '--strip-components=1'], root);
  return readJson(join(dest, 'package.json'));
}

/**
 * Builds one publishable package at `dir` whose own package is `main` and which bundles `bundled`; the
 * registry dependencies of all of them become its dependencies. Returns the tarball's path.
 */
function assemble(dir, pkg, bundled) {
  const external = {};
  const addExternal = (deps = {}, from) => {
    for (const [dep, range] of Object.entries(deps)) {
      if (dep.startsWith('@latchkey/')) continue;
      // scripts/check-deps.mjs holds every package to one range of a dependency; a release never picks one.
      if (external[dep] !== undefined && external[dep] !== range) throw new Error(`${from} wants ${dep}@${range}, another package ${external[dep]}`);
      external[dep] = range;
    }
  };
  addExternal(pkg.dependencies, pkg.name);
  for (const name of bundled) {
    const inner = join(dir, 'node_modules', '@latchkey', name);
    const innerPkg = unpack(name, inner);
    addExternal(innerPkg.dependencies, innerPkg.name);
    // The bundled copy resolves its registry dependencies from the outer package's node_modules.
    innerPkg.dependencies = Object.fromEntries(Object.entries(innerPkg.dependencies ?? {}).filter(([d]) => d.startsWith('@latchkey/')));
    delete innerPkg.devDependencies;
    delete innerPkg.scripts;
    writeFileSync(join(inner, 'package.json'), `${JSON.stringify(innerPkg, null, 2)}\n`);
  }
  const bundledNames = bundled.map((n) => `@latchkey/${n}`);
  const final = {
    ...pkg,
    version,
    private: undefined,
    engines: { node: nodeEngine },
    dependencies: { ...Object.fromEntries(bundledNames.map((n) => [n, version])), ...sortKeys(external) },
    bundleDependencies: bundledNames,
    devDependencies: undefined,
    scripts: undefined,
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(final, null, 2)}\n`);
  const file = sh('npm', ['pack', '--silent', '--pack-destination', out], dir).trim().split('\n').at(-1);
  return join(out, file);
}

function sortKeys(o) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

// The CLI and the daemon: one package named latchkey. Its `agent` is the bundled CLI's bin/run.js itself
// (run as the main module, as in a clone: a wrapper that imported it would load Node's ES module loader
// before every command), its `latchkey-daemon` a wrapper that loads the bundled daemon.
const cliDir = join(stage, 'latchkey');
mkdirSync(join(cliDir, 'bin'), { recursive: true });
writeFileSync(
  join(cliDir, 'bin', 'latchkey-daemon.js'),
  "#!/usr/bin/env node\n// The Latchkey daemon, bundled in this package; `agent` starts it when needed.\nawait import('../node_modules/@latchkey/daemon/dist/latchkey-daemon.js');\n",
);
chmodSync(join(cliDir, 'bin', 'latchkey-daemon.js'), 0o755);
copyFileSync(join(root, 'README.md'), join(cliDir, 'README.md'));
const cliTarball = assemble(
  cliDir,
  {
    name: 'latchkey',
    description: 'A local secrets agent for developers: short-lived tokens in the OS keychain, injected at exec time',
    type: 'module',
    bin: { agent: './node_modules/@latchkey/cli/bin/run.js', 'latchkey-daemon': './bin/latchkey-daemon.js' },
    files: ['bin', 'README.md'],
  },
  ['core', 'protocol', 'client', 'daemon', 'cli'],
);

// The client for test suites: @latchkey/client with core and protocol bundled.
const clientDir = join(stage, 'client');
const clientPkg = unpack('client', clientDir);
delete clientPkg.dependencies['@latchkey/daemon'];
const clientTarball = assemble(clientDir, clientPkg, ['core', 'protocol']);

rmSync(stage, { recursive: true, force: true });
for (const f of readdirSync(out)) if (!f.endsWith('.tgz')) rmSync(join(out, f), { recursive: true, force: true });
process.stdout.write(`${cliTarball}\n${clientTarball}\n`);
