import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '@latchkey/test-utils/testdir';

// The loader lives in bin/run.js (the `agent` program), which gives it when required instead of run.
const bin = join(import.meta.dirname, '..', 'bin', 'run.js');
interface LoadedBundle<T> {
  exports: T;
  cached: boolean;
  save: () => void;
}
const { codeCacheFile, loadBundle } = createRequire(import.meta.url)(bin) as {
  codeCacheFile: (file: string) => string;
  loadBundle: <T>(file: string, env?: Readonly<Record<string, string | undefined>>) => LoadedBundle<T>;
};

/** A folder with a bundle `b.cjs` of `source` (ended by a build line naming `build`). */
function world(source: string, build = 'one') {
  const dir = testdir();
  const file = join(dir, 'b.cjs');
  const write = (src: string, b: string) => writeFileSync(file, `${src}\n//# latchkey-build ${b}\n`);
  write(source, build);
  return { dir, file, write, cacheFile: codeCacheFile(file) };
}

type Answer = { answer: () => number };
const env = {};

describe('the code cache of a bundle', () => {
  it('is written by save() beside the bundle, writable by its owner only, and used by the next load', () => {
    const w = world('exports.answer = () => 42;');
    const first = loadBundle<Answer>(w.file, env);
    expect(first.cached).toBe(false);
    expect(first.exports.answer()).toBe(42);
    first.save();
    expect(w.cacheFile.startsWith(`${w.dir}/.b.cjs.${process.version}-`)).toBe(true);
    expect(statSync(w.cacheFile).mode & 0o777).toBe(0o644);
    const second = loadBundle<Answer>(w.file, env);
    expect(second.cached).toBe(true);
    expect(second.exports.answer()).toBe(42);
  });

  it('is not used for a rebuilt bundle of the same length: the new code runs', () => {
    const w = world('exports.answer = () => 42;', 'one');
    loadBundle<Answer>(w.file, env).save();
    w.write('exports.answer = () => 43;', 'two');
    const again = loadBundle<Answer>(w.file, env);
    expect(again.cached).toBe(false);
    expect(again.exports.answer()).toBe(43);
  });

  it('is not used when others may write it, nor with NODE_DISABLE_COMPILE_CACHE', () => {
    const w = world('exports.answer = () => 42;');
    loadBundle<Answer>(w.file, env).save();
    expect(loadBundle<Answer>(w.file, { NODE_DISABLE_COMPILE_CACHE: '1' }).cached).toBe(false);
    chmodSync(w.cacheFile, 0o664);
    expect(loadBundle<Answer>(w.file, env).cached).toBe(false);
  });

  it('leaves no temporary file behind when the cache cannot be stored, nor removes one it did not make', () => {
    const w = world('exports.answer = () => 42;');
    // The cache's name taken by a folder with something in it: the rename fails after the write.
    mkdirSync(join(w.cacheFile, 'x'), { recursive: true });
    loadBundle<Answer>(w.file, env).save();
    expect(readdirSync(w.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(statSync(w.cacheFile).isDirectory()).toBe(true);
    // A file already at this process's temporary name (a run with the same pid killed mid-write) stays.
    rmSync(w.cacheFile, { recursive: true });
    const stray = `${w.cacheFile}.${process.pid}.tmp`;
    writeFileSync(stray, 'not ours');
    const again = loadBundle<Answer>(w.file, env);
    again.save();
    expect(readFileSync(stray, 'utf8')).toBe('not ours');
    expect(existsSync(w.cacheFile)).toBe(false);
  });

  it.runIf(process.getuid?.() === 0)('is neither written nor read when it and the bundle have different owners', () => {
    // A bundle of another user's (nobody's): this process (root) writes no cache beside it...
    const w = world('exports.answer = () => 42;');
    chownSync(w.file, 65534, 65534);
    loadBundle<Answer>(w.file, env).save();
    expect(existsSync(w.cacheFile)).toBe(false);
    // ...and a cache of another owner than the bundle's is not read: planted by root here, for nobody's bundle.
    chownSync(w.file, 0, 0);
    loadBundle<Answer>(w.file, env).save();
    expect(loadBundle<Answer>(w.file, env).cached).toBe(true);
    chownSync(w.file, 65534, 65534);
    const planted = loadBundle<Answer>(w.file, env);
    expect(planted.cached).toBe(false);
    expect(planted.exports.answer()).toBe(42);
  });

  it('gives the bundle CommonJS names and an import() resolved against its folder', async () => {
    const w = world(
      "const __import = typeof __lkImport === 'function' ? __lkImport : (s) => import(s);\n" +
        "exports.where = () => [__filename, __dirname, typeof require('node:path').join];\nexports.load = () => __import('./m.mjs');",
    );
    writeFileSync(join(w.dir, 'm.mjs'), 'export const x = 7;\n');
    const b = loadBundle<{ where: () => unknown[]; load: () => Promise<{ x: number }> }>(w.file, env);
    expect(b.exports.where()).toEqual([w.file, w.dir, 'function']);
    expect((await b.exports.load()).x).toBe(7);
  });

  it("gives the bundle a require of Node's modules and, made on first use, of its own folder's", () => {
    const w = world(
      "exports.fs = () => require('node:fs') === process.getBuiltinModule('node:fs');\n" +
        "exports.local = () => require('./dep.cjs').y;\nexports.where = () => require.resolve('./dep.cjs');",
    );
    writeFileSync(join(w.dir, 'dep.cjs'), 'exports.y = 9;\n');
    const b = loadBundle<{ fs: () => boolean; local: () => number; where: () => string }>(w.file, env);
    expect(b.exports.fs()).toBe(true);
    expect(b.exports.local()).toBe(9);
    expect(b.exports.where()).toBe(join(w.dir, 'dep.cjs'));
  });

  it('loads a bundle that requires only node: modules without node:module (0.7 ms of a Node 20 start)', () => {
    const w = world("exports.answer = () => require('node:path').join('a', 'b');");
    const script = `const b = require(${JSON.stringify(bin)}).loadBundle(${JSON.stringify(w.file)});
      console.log(JSON.stringify({ answer: b.exports.answer(), module: process.moduleLoadList.includes('NativeModule module') }));`;
    // A script file, as bin/run.js is: \`node -e\` itself loads node:module.
    writeFileSync(join(w.dir, 'main.cjs'), script);
    const r = spawnSync(process.execPath, [join(w.dir, 'main.cjs')], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ answer: join('a', 'b'), module: false });
  });
});
