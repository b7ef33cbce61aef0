// holdValues in a process of its own, with each libc binding: every step reports success and the core
// limit is 0 (/proc shows no dumpable flag, so prctl's own success is what is checked of it). Through the
// Node-API module (where the build made it) koffi is not loaded at all; through koffi, on Linux x64/arm64
// it opens koffi's native module directly, never koffi's index (which loads koffi's installer tools,
// node:https among them).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NATIVE_BUILT } from '@latchkey/test-utils/native';

const HARDEN = fileURLToPath(new URL('../dist/harden.js', import.meta.url));
const LIBC = fileURLToPath(new URL('../dist/libc.js', import.meta.url));

describe.runIf(process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64'))('holdValues', () => {
  for (const binding of ['any', 'koffi'] as const) {
    it(`reports every step applied and leaves a core limit of 0 (binding ${binding})`, () => {
      const script = `
        import { readFileSync } from 'node:fs';
        import { createRequire } from 'node:module';
        const libc = await import(${JSON.stringify(LIBC)});
        libc.chooseLibcBinding(${JSON.stringify(binding)});
        const h = await import(${JSON.stringify(HARDEN)});
        h.prepareHardening();
        const missing = h.holdValues();
        const limits = readFileSync('/proc/self/limits', 'utf8').split('\\n').find((l) => l.startsWith('Max core file size'));
        const [soft, hard] = limits.split(/\\s{2,}/).slice(1, 3);
        const cache = Object.keys(createRequire(import.meta.url).cache);
        const koffiNode = readFileSync('/proc/self/maps', 'utf8').includes('koffi.node');
        console.log(JSON.stringify({ missing, soft, hard, binding: libc.libcBinding(), koffiNode, index: cache.filter((k) => /koffi[\\\\/]index\\.js$/.test(k)), https: process.moduleLoadList.some((m) => m === 'NativeModule https') }));
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { missing: string[]; soft: string; hard: string; binding: string; koffiNode: boolean; index: string[]; https: boolean };
      const own = coreLimits();
      expect(out.missing).toEqual([]);
      expect(out.soft).toBe('0');
      // The hard limit stays: a child may raise its own soft limit again.
      expect(out.hard).toBe(own.hard);
      const native = binding === 'any' && NATIVE_BUILT;
      expect(out.binding).toBe(native ? 'native' : 'koffi');
      expect(out.koffiNode).toBe(!native);
      expect(out.index).toEqual([]);
      expect(out.https).toBe(false);
    });
  }
});

/** This process's core limits, as /proc/self/limits shows them. */
function coreLimits(): { soft: string; hard: string } {
  const r = spawnSync('cat', ['/proc/self/limits'], { encoding: 'utf8' });
  const [soft = '', hard = ''] = r.stdout.split('\n').find((l) => l.startsWith('Max core file size'))?.split(/\s{2,}/).slice(1, 3) ?? [];
  return { soft, hard };
}
