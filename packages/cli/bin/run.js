#!/usr/bin/env -S node --
// The `agent` executable (CommonJS: bin/package.json says so; it starts ~5 ms sooner than an ES module
// on Node 20). `agent exec`, `agent get NAME`, `agent daemon status [--json]`, the plain forms of
// `agent ls`, `agent set` and `agent leases`, and `agent scan --staged [--no-answer]` (the pre-commit hook's)
// take lean paths that load neither oclif nor grpc-js: one bundled CommonJS module each, built by
// `pnpm build`. Every other command (and `agent exec --help`) goes through oclif.
'use strict';

/** Sends the words after `agent` to their lean path, else to oclif. */
function main() {
  let words = process.argv.slice(2);
  // `agent help exec` is `agent exec --help`; `agent help` is `agent --help`.
  if (words[0] === 'help') words = [...words.slice(1).filter((w) => !w.startsWith('-')), '--help'];
  if (words[0] === 'exec' && !wantsHelp(words.slice(1))) {
    const exec = cachedBundle('exec/bundle.cjs');
    exec.exports.main(words.slice(1), exec.save);
  } else if (words[0] === 'get' && words.length === 2 && !words[1].startsWith('-')) {
    // The plain `agent get NAME` scripts call, as lean; any other form of get is oclif's to parse.
    // get exits from within, so its code cache is stored on the way out.
    const get = cachedBundle('lean/get.cjs');
    process.once('exit', get.save);
    get.exports.main(words[1]);
  } else if (words[0] === 'daemon' && words[1] === 'status' && (words.length === 2 || (words.length === 3 && words[2] === '--json'))) {
    require('../dist/lean/status.cjs').main(words.length === 3);
  } else if (words[0] === 'scan' && isStagedForm(words.slice(1))) {
    // What the pre-commit hook runs: the scan action, its Scan stream over h2lite.
    require('../dist/lean/scan.cjs').main(words.slice(1));
  } else if ((words[0] === 'ls' || words[0] === 'set' || words[0] === 'leases') && require(`../dist/lean/${words[0]}.cjs`).main(words.slice(1))) {
    // Taken by the lean path: a plain form of the command (its main() leaves any other to oclif).
  } else {
    // The package's folder, where oclif finds its package.json (this folder's only says CommonJS).
    require('@oclif/core').execute({ args: words, dir: require('node:path').join(__dirname, '..') });
  }
}

/** The bundle dist/`name` through V8's code cache: its functions arrive compiled. */
function cachedBundle(name) {
  return loadBundle(process.getBuiltinModule('node:path').join(__dirname, '../dist', name));
}

// The code cache loader. It lives here rather than in a module of its own: requiring one more file took
// about 1 ms of every `agent exec` on Node 20.
//
// It loads one of the CLI's CommonJS bundles (dist/exec/bundle.cjs, dist/lean/get.cjs) the way require()
// would, but through V8's code cache: the bytecode of every function the last run compiled, so a run
// parses and compiles almost nothing. Node 22's module.enableCompileCache() caches only what compiles
// eagerly, and Node 20 has none.
// Bytecode is code, so the cache lives beside the bundle, in its folder, and is read only from a file of
// the bundle's owner that nobody else can write: whoever can write it could as well rewrite the bundle.
// A run writes it only when it runs as the bundle's owner (a root-owned global install run by a user
// gets none; a clone or a user's own prefix does). It is used only for the very bundle it was made from
// (the hash of its build, and its device, inode, size and change times); anything else, or any failure,
// compiles the bundle as require() would. NODE_DISABLE_COMPILE_CACHE=1 (Node's own switch) turns it off.

/** The first bytes of a cache file, before the key line. */
const MAGIC = 'latchkey-code-cache 1\n';
/** The line scripts/bundle.mjs ends a bundle with: the sha256 of what comes before it. */
const BUILD_LINE = '//# latchkey-build ';

/** The cache of the bundle `file` for this Node: a dot-file beside it, `.<name>.<version>-<arch>.code-cache`. */
function codeCacheFile(file) {
  const { basename, dirname, join } = process.getBuiltinModule('node:path');
  return join(dirname(file), `.${basename(file)}.${process.version}-${process.arch}.code-cache`);
}

/**
 * What the cache of a bundle must have been made from: the bundle file as it is now (its build's hash,
 * and the file's identity and times, which an edit changes), and this Node.
 */
function keyOf(st, source) {
  const at = source.lastIndexOf(BUILD_LINE);
  const build = at < 0 ? '-' : source.slice(at + BUILD_LINE.length).trim();
  return `${build} ${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs} ${process.version} ${process.arch}\n`;
}

/** The cached data stored for `key`, or undefined (none, another key, or a file not as trusted as the bundle, owned by `owner`). */
function readCache(fs, file, key, owner) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== owner || (st.mode & 0o022) !== 0) return undefined;
    const bytes = Buffer.allocUnsafe(st.size);
    let read = 0;
    while (read < st.size) {
      const n = fs.readSync(fd, bytes, read, st.size - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    const head = MAGIC + key;
    if (bytes.length <= head.length || bytes.toString('latin1', 0, head.length) !== head) return undefined;
    return bytes.subarray(head.length);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Loads the CommonJS bundle `file` (Node's module wrapper) with its code cache: `{ exports, cached, save }`,
 * where `save()` writes the cache when it was missing or stale (sync: for just before the process execs
 * or exits). The bundle's `require` gives Node's modules (`node:` ids, all a bundle requires on its hot
 * path) from process.getBuiltinModule, anything else through createRequire(file), made on first use
 * (node:module and the loaders it brings took 0.7 ms of every `agent exec` on Node 20). Its dynamic
 * imports arrive as `__lkImport(specifier)`, resolved against its folder (a script of node:vm has no
 * import() of its own without an experimental flag).
 */
function loadBundle(file, env = process.env) {
  const fs = process.getBuiltinModule('node:fs');
  const fd = fs.openSync(file, 'r');
  let st;
  let source;
  try {
    st = fs.fstatSync(fd);
    source = fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
  const enabled = env.NODE_DISABLE_COMPILE_CACHE === undefined || env.NODE_DISABLE_COMPILE_CACHE === '';
  const key = keyOf(st, source);
  const cacheFile = codeCacheFile(file);
  const cachedData = enabled ? readCache(fs, cacheFile, key, st.uid) : undefined;
  const { Script } = process.getBuiltinModule('node:vm');
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __lkImport) { ${source}\n})`, { filename: file, cachedData });
  const { dirname, resolve } = process.getBuiltinModule('node:path');
  const folder = dirname(file);
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  let own;
  const ownRequire = () => (own ??= process.getBuiltinModule('node:module').createRequire(file));
  // process.getBuiltinModule rather than require for `node:` ids: 15 of them took 0.05 against 0.16 ms in a
  // fresh Node 20 process. An id Node does not have is left to require, which throws for it as in the bundle.
  const bundleRequire = (id) => (id.startsWith('node:') && process.getBuiltinModule(id)) || ownRequire()(id);
  bundleRequire.resolve = (id, options) => ownRequire().resolve(id, options);
  const importer = (specifier) => import(process.getBuiltinModule('node:url').pathToFileURL(resolve(folder, specifier)).href);
  script.runInThisContext()(mod.exports, bundleRequire, mod, file, folder, importer);
  mod.loaded = true;
  const cached = cachedData !== undefined && script.cachedDataRejected === false;
  // Written only by the bundle's owner: a file of anyone else's would not be read.
  let stale = enabled && !cached && process.getuid?.() === st.uid;
  return {
    exports: mod.exports,
    cached,
    save: () => {
      if (!stale) return;
      stale = false;
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC + key, 'latin1'), script.createCachedData()]), { mode: 0o644, flag: 'wx' });
        fs.renameSync(tmp, cacheFile);
      } catch (err) {
        // No cache this time: the next run compiles again. A file this run made (a write cut short by a
        // full disk, a rename refused) goes; one that was there before (EEXIST) is not this run's to remove.
        if (err?.code !== 'EEXIST') {
          try {
            fs.unlinkSync(tmp);
          } catch {
            // never made, or already gone
          }
        }
      }
    },
  };
}

/** `--staged`, with `--no-answer` or not, each once: the forms dist/lean/scan.js runs. */
function isStagedForm(rest) {
  return rest.includes('--staged') && new Set(rest).size === rest.length && rest.every((w) => w === '--staged' || w === '--no-answer');
}

/** True when --help or -h comes before the command (after `--` it belongs to the command). */
function wantsHelp(rest) {
  for (const w of rest) {
    if (w === '--') return false;
    if (w === '--help' || w === '-h') return true;
    if (!w.startsWith('-')) return false;
  }
  return rest.length === 0;
}

// Run as the `agent` program; required (by the loader's tests), it only gives the loader.
if (require.main === module) main();
else module.exports = { codeCacheFile, loadBundle };
