import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readHidden } from './prompt.js';

/** A fake terminal: stdin accepts raw mode, stderr collects what is shown. */
function terminal() {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[], setRawMode(m: boolean) { this.modes.push(m); } });
  const shown: string[] = [];
  const stderr = Object.assign(new PassThrough(), { isTTY: true });
  stderr.on('data', (b: Buffer) => shown.push(b.toString()));
  return { stdin, stderr, shown };
}

describe('readHidden', () => {
  it.each([
    ['plain text ends at Enter', ['secret\r'], 'secret'],
    ['backspace removes a whole two-byte character', ['aé\x7f', 'b\r'], 'ab'],
    ['backspace removes a whole four-byte character', ['x🎉\x7f\r'], 'x'],
    ['backspace on nothing is harmless', ['\x7f\x7fok\n'], 'ok'],
  ])('%s', async (_name, chunks, expected) => {
    const t = terminal();
    const pending = readHidden(t as never, 'value: ');
    for (const c of chunks) t.stdin.write(Buffer.from(c));
    const bytes = await pending;
    expect(bytes.toString('utf8')).toBe(expected);
    expect(t.stdin.modes).toEqual([true, false]);
    expect(t.shown.join('')).not.toContain(expected || '\u0000');
  });

  it('Ctrl-C cancels without a value', async () => {
    const t = terminal();
    const pending = readHidden(t as never, 'value: ');
    t.stdin.write(Buffer.from('abc\x03'));
    await expect(pending).rejects.toMatchObject({ kind: 'usage', message: 'cancelled' });
  });
});
