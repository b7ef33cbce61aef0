// holdValues in a process of its own: every step reports success and the core limit is 0 (/proc shows no
// dumpable flag, so prctl's own success is what is checked of it), and on Linux x64/arm64 it opens koffi's
// native module directly, never koffi's index (which loads koffi's installer tools, node:https among them).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HARDEN = fileURLToPath(new URL('../dist/harden.js', import.meta.url));

describe.runIf(process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64'))('holdValues', () => {
  it('reports every step applied and leaves a core limit of 0, through koffi.node alone (never its index)', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { createRequire } from 'node:module';
      const h = await import(${JSON.stringify(HARDEN)});
      h.prepareHardening();
      const missing = h.holdValues();
      const status = readFileSync('/proc/self/limits', 'utf8').split('\\n').find((l) => l.startsWith('Max core file size'));
      const cache = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ missing, core: status.split(/\\s{2,}/)[1], index: cache.filter((k) => /koffi[\\\\/]index\\.js$/.test(k)), https: process.moduleLoadList.some((m) => m === 'NativeModule https') }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { missing: string[]; core: string; index: string[]; https: boolean };
    expect(out.missing).toEqual([]);
    expect(out.core).toBe('0');
    expect(out.index).toEqual([]);
    expect(out.https).toBe(false);
  });
});
