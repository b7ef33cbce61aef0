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
    ['Left, Right, Home and End (CSI and SS3) are ignored', ['ab\x1b[D\x1b[Cc\x1b[H\x1bOF\x1b[1;5Dd\r'], 'abcd'],
    ['an escape sequence split across reads is ignored whole', ['ab\x1b', '[', 'Dc\r'], 'abc'],
    ['bracketed-paste markers are dropped, the pasted text kept', ['\x1b[200~pasted\x1b[201~\r'], 'pasted'],
    ['Ctrl-U clears what was typed', ['wrong\x15right\r'], 'right'],
    ['Esc then a key is ignored as Alt+key; Esc then Enter still ends', ['a\x1bxb\x1b\r'], 'ab'],
    ['the value ends at the first pasted line break; the rest is dropped', ['one\ntwo\r'], 'one'],
  ])('%s', async (_name, chunks, expected) => {
    const t = terminal();
    const pending = readHidden(t as never, 'value: ');
    for (const c of chunks) t.stdin.write(Buffer.from(c));
    const bytes = await pending;
    expect(bytes.toString('utf8')).toBe(expected);
    expect(t.stdin.modes[0]).toBe(true);
    expect(t.stdin.modes.at(-1)).toBe(false);
    expect(t.shown.join('')).not.toContain(expected || '\u0000');
  });

  it('Ctrl-C cancels without a value', async () => {
    const t = terminal();
    const pending = readHidden(t as never, 'value: ');
    t.stdin.write(Buffer.from('abc\x03'));
    await expect(pending).rejects.toMatchObject({ message: 'cancelled', exitCode: 130 });
  });
});
