import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '@latchkey/test-utils/testdir';
import { codeCacheDir, loadBundle } from './code-cache.js';

/** A folder with a bundle `b.cjs` of `source` (ended by a build line naming `build`) and a cache home. */
function world(source: string, build = 'one') {
  const dir = testdir();
  const file = join(dir, 'b.cjs');
  const write = (src: string, b: string) => writeFileSync(file, `${src}\n//# latchkey-build ${b}\n`);
  write(source, build);
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const cacheFile = () => join(codeCacheDir(env), readdirSync(codeCacheDir(env))[0] as string);
  return { dir, file, env, write, cacheFile };
}

type Answer = { answer: () => number };

describe('the code cache of a bundle', () => {
  it('is written by save(), private to the user, and used by the next load', () => {
    const w = world('exports.answer = () => 42;');
    const first = loadBundle<Answer>(w.file, 't', w.env);
    expect(first.cached).toBe(false);
    expect(first.exports.answer()).toBe(42);
    first.save();
    expect(statSync(w.cacheFile()).mode & 0o777).toBe(0o600);
    expect(statSync(codeCacheDir(w.env)).mode & 0o777).toBe(0o700);
    const second = loadBundle<Answer>(w.file, 't', w.env);
    expect(second.cached).toBe(true);
    expect(second.exports.answer()).toBe(42);
  });

  it('is not used for a rebuilt bundle of the same length: the new code runs', () => {
    const w = world('exports.answer = () => 42;', 'one');
    loadBundle<Answer>(w.file, 't', w.env).save();
    w.write('exports.answer = () => 43;', 'two');
    const again = loadBundle<Answer>(w.file, 't', w.env);
    expect(again.cached).toBe(false);
    expect(again.exports.answer()).toBe(43);
  });

  it('is not used when others may write it, nor with NODE_DISABLE_COMPILE_CACHE', () => {
    const w = world('exports.answer = () => 42;');
    loadBundle<Answer>(w.file, 't', w.env).save();
    expect(loadBundle<Answer>(w.file, 't', { ...w.env, NODE_DISABLE_COMPILE_CACHE: '1' }).cached).toBe(false);
    chmodSync(w.cacheFile(), 0o622);
    expect(loadBundle<Answer>(w.file, 't', w.env).cached).toBe(false);
  });

  it('gives the bundle CommonJS names and an import() resolved against its folder', async () => {
    const w = world(
      "const __import = typeof __lkImport === 'function' ? __lkImport : (s) => import(s);\n" +
        "exports.where = () => [__filename, __dirname, typeof require('node:path').join];\nexports.load = () => __import('./m.mjs');",
    );
    writeFileSync(join(w.dir, 'm.mjs'), 'export const x = 7;\n');
    const b = loadBundle<{ where: () => unknown[]; load: () => Promise<{ x: number }> }>(w.file, 't', w.env);
    expect(b.exports.where()).toEqual([w.file, w.dir, 'function']);
    expect((await b.exports.load()).x).toBe(7);
  });
});
