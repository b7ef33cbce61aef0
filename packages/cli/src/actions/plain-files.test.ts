import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '@latchkey/test-utils/testdir';
import { findLeaks, isText, MAX_FILE_BYTES, patterns } from './plain-files.js';


const VALUE = 'sk_test_4242abcdef';

describe('findLeaks', () => {
  it('names each text file holding a value, with the secret, and no value', () => {
    const root = testdir({
      '.env.local': `STRIPE_KEY=${VALUE}\n`,
      'src/config.js': `const key = "${VALUE}";\n`,
      'README.md': 'nothing here\n',
      'node_modules/pkg/index.js': `${VALUE}\n`,
      '.git/objects/xx': `${VALUE}\n`,
      'image.bin': Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(VALUE)]),
      'big.log': Buffer.concat([Buffer.alloc(MAX_FILE_BYTES + 1, 0x61), Buffer.from(VALUE)]),
    });
    const r = findLeaks(root, [{ secret: 'stripe-test', value: VALUE }]);
    expect(r.leaks.map((l) => [l.relative, l.secret])).toEqual([
      ['.env.local', 'stripe-test'],
      ['src/config.js', 'stripe-test'],
    ]);
    expect(JSON.stringify(r.leaks)).not.toContain(VALUE);
  });

  it('finds the trimmed form of a value stored with a newline; ignores values under 6 characters', () => {
    const root = testdir({ '.env': 'A=hunter22\nB=abc12\n' });
    const r = findLeaks(root, [
      { secret: 'with-newline', value: 'hunter22\n' },
      { secret: 'short', value: 'abc12' },
    ]);
    expect(r.leaks.map((l) => l.secret)).toEqual(['with-newline']);
    expect(patterns([{ secret: 'short', value: 'abc12' }])).toEqual([]);
  });

  it('does not follow symlinks out of the project', () => {
    const outside = testdir({ 'secret.txt': VALUE });
    const root = testdir({ 'ok.txt': 'fine' });
    symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
    symlinkSync(outside, join(root, 'linkdir'));
    expect(findLeaks(root, [{ secret: 's', value: VALUE }]).leaks).toEqual([]);
  });

  it('reads nothing when there is nothing to look for', () => {
    const root = testdir({ '.env': VALUE });
    expect(findLeaks(root, [])).toEqual({ leaks: [], filesRead: 0, truncated: false });
  });
});

describe('isText', () => {
  it('is false with a NUL byte near the start', () => {
    expect(isText(Buffer.from('plain text'))).toBe(true);
    expect(isText(Buffer.from([0x41, 0, 0x42]))).toBe(false);
  });
});
