import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('writes what Date.prototype.toISOString writes, across four-digit years and at their edges', () => {
    const edges = [
      0, -1, 1, 999, 1000, -86_400_000, 86_399_999, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */,
      -62_167_219_200_000, -62_167_219_199_999, 253_402_300_799_999, 253_402_300_799_998, -2_208_988_800_001, 1.9, -1.9, -0.5,
    ];
    for (const ms of edges) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1_103_515_245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(-62_167_219_200_000 + next() * (253_402_300_799_999 + 62_167_219_200_000));
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    // Every millisecond of a day around a leap day, sampled each 997 ms.
    for (let ms = 951_696_000_000; ms < 951_868_800_000; ms += 997) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('hands years outside 0000-9999 and invalid times to Date (six-digit years, RangeError)', () => {
    expect(isoTime(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(isoTime(-62_167_219_200_001)).toBe('-000001-12-31T23:59:59.999Z');
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });

  it('loads no time zone data: a process that stamps with it stays at the RSS of one that does not', () => {
    if (process.platform !== 'linux') return;
    // Date's toISOString pulls V8's time zone data in from ICU (about 0.9 MB here); isoTime must not. Each
    // child imports the built module and reads its RSS, does one thing, and reports how much its RSS grew:
    // a difference within one process, since two processes' RSS differ by hundreds of KB under load
    // (isoTime's process read 788 and 828 KB over a plain one in two full runs when their RSS was compared).
    const built = fileURLToPath(new URL('../dist/iso-time.js', import.meta.url));
    const growth = (code: string): number => {
      const script = `import { isoTime } from ${JSON.stringify(pathToFileURL(built).href)}; import { readFileSync } from 'node:fs';
        const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
        rss(); const before = rss(); ${code}; process.stdout.write(String(rss() - before));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^-?\d+$/);
      return Number(r.stdout);
    };
    // Each against a child that does nothing between its readings (whose RSS grows too: 536 KB here,
    // under spawnSync, with its output a pipe).
    const least = (code: string) => Math.min(growth(code), growth(code), growth(code));
    const plain = least('void isoTime');
    const ours = least('if (isoTime(Date.now()).length !== 24) throw new Error("not a stamp")');
    const dates = least('void isoTime; new Date().toISOString()');
    expect(dates - plain).toBeGreaterThan(400); // KB: the cost this avoids is there to be seen
    expect(ours - plain).toBeLessThan((dates - plain) / 2);
  });
});
