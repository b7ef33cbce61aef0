// Loads one of the CLI's CommonJS bundles (dist/exec/bundle.cjs, dist/lean/get.cjs) the way require()
// would, but through V8's code cache: the bytecode of every function the last run compiled, so a run
// parses and compiles almost nothing (`agent get` 82.0 -> 79.6 ms, `agent exec` 87.3 -> 85.0 ms on this
// project's machine, Node 20, interleaved runs against the same daemon).
// Node 22's module.enableCompileCache() caches only what compiles eagerly, and Node 20 has none.
// Bytecode is code, so the cache lives beside the bundle, in its folder, and is read only from a file of
// the bundle's owner that nobody else can write: whoever can write it could as well rewrite the bundle.
// A run writes it only when it runs as the bundle's owner (a root-owned global install run by a user
// gets none; a clone or a user's own prefix does). It is used only for the very bundle it was made from
// (the hash of its build, and its device, inode, size and change times); anything else, or any failure,
// compiles the bundle as require() would. NODE_DISABLE_COMPILE_CACHE=1 (Node's own switch) turns it off.
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, renameSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/** The first bytes of a cache file, before the key line. */
const MAGIC = 'latchkey-code-cache 1\n';

/** What a loaded bundle gives: its exports, and a call that stores the code compiled so far if the cache needs it. */
export interface LoadedBundle<T> {
  exports: T;
  /** Whether the bundle's code came from the cache. */
  cached: boolean;
  /** Writes the cache when it was missing or stale (sync; for just before the process execs or exits). */
  save: () => void;
}

/** The cache of the bundle `file` for this Node: a dot-file beside it, `.<name>.<version>-<arch>.code-cache`. */
export function codeCacheFile(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.version}-${process.arch}.code-cache`);
}

/** The line scripts/bundle.mjs ends a bundle with: the sha256 of what comes before it. */
const BUILD_LINE = '//# latchkey-build ';

/**
 * What the cache of a bundle must have been made from: the bundle file as it is now (its build's hash,
 * and the file's identity and times, which an edit changes), and this Node.
 */
function keyOf(st: Stats, source: string): string {
  const at = source.lastIndexOf(BUILD_LINE);
  const build = at < 0 ? '-' : source.slice(at + BUILD_LINE.length).trim();
  return `${build} ${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs} ${process.version} ${process.arch}\n`;
}

/** The cached data stored for `key`, or undefined (none, another key, or a file not as trusted as the bundle, owned by `owner`). */
function readCache(file: string, key: string, owner: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== owner || (st.mode & 0o022) !== 0) return undefined;
    const bytes = Buffer.allocUnsafe(st.size);
    let read = 0;
    while (read < st.size) {
      const n = readSync(fd, bytes, read, st.size - read, read);
      if (n === 0) return undefined;
      read += n;
    }
    const head = MAGIC + key;
    if (bytes.length <= head.length || bytes.toString('latin1', 0, head.length) !== head) return undefined;
    return bytes.subarray(head.length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The `require` of a bundle at `file`: Node's modules (`node:` ids, all a bundle requires on its hot path)
 * straight from process.getBuiltinModule, anything else through createRequire(file), made on first use:
 * node:module and the loaders it brings took 0.7 ms of every `agent exec` on Node 20.
 */
function bundleRequire(file: string): NodeJS.Require {
  let full: NodeJS.Require | undefined;
  const real = () => (full ??= (process.getBuiltinModule('node:module') as typeof import('node:module')).createRequire(file));
  // An id Node does not have is left to require, which throws for it as it would in the bundle.
  const req = ((id: string): unknown => (id.startsWith('node:') && process.getBuiltinModule(id)) || real()(id)) as NodeJS.Require;
  for (const name of ['resolve', 'cache', 'main', 'extensions'] as const) Object.defineProperty(req, name, { get: () => real()[name], enumerable: true });
  return req;
}

/**
 * Loads the CommonJS bundle `file` (Node's module wrapper, a require of its own folder) with its code
 * cache. The bundle's dynamic imports arrive as `__lkImport(specifier)`, resolved against
 * the bundle's folder (a script of node:vm has no import() of its own without an experimental flag).
 */
export function loadBundle<T>(file: string, env: Readonly<Record<string, string | undefined>> = process.env): LoadedBundle<T> {
  const fd = openSync(file, 'r');
  let st: Stats;
  let source: string;
  try {
    st = fstatSync(fd);
    source = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const enabled = env.NODE_DISABLE_COMPILE_CACHE === undefined || env.NODE_DISABLE_COMPILE_CACHE === '';
  const key = keyOf(st, source);
  const cacheFile = codeCacheFile(file);
  const cachedData = enabled ? readCache(cacheFile, key, st.uid) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname, __lkImport) { ${source}\n})`, { filename: file, cachedData });
  const folder = dirname(file);
  const mod = { exports: {} as T, filename: file, id: file, loaded: false };
  const importer = (specifier: string): Promise<unknown> => import(pathToFileURL(resolve(folder, specifier)).href);
  (script.runInThisContext() as (...args: unknown[]) => void)(mod.exports, bundleRequire(file), mod, file, folder, importer);
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
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC + key, 'latin1'), script.createCachedData()]), { mode: 0o644, flag: 'wx' });
        renameSync(tmp, cacheFile);
      } catch {
        // No cache this time: the next run compiles again.
      }
    },
  };
}
