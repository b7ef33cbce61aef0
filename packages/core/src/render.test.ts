// The one renderer of errors: what each kind prints on stderr and the exit code it stands for.
import { describe, expect, it } from 'vitest';
import { BUG_HINT, Cancelled, ExitCode, InternalError, LatchkeyError, render, type ErrorKind } from './errors.js';

function rendered(err: unknown, env: Record<string, string> = {}): { code: number; text: string } {
  let text = '';
  const code = render(err, { stderr: { write: (s: string) => (text += s) }, env });
  return { code, text };
}

describe('render', () => {
  it.each([
    ['usage', 64],
    ['input', 65],
    ['notFound', 1],
    ['unavailable', 69],
    ['denied', 77],
    ['exhausted', 69],
    ['failed', 1],
    ['cancelled', 130],
  ] as Array<[ErrorKind, number]>)('an expected %s error prints its message and hint and exits %i', (kind, exit) => {
    const { code, text } = rendered(new LatchkeyError(kind, 'something about "stripe-test"', 'run agent ls'));
    expect(code).toBe(exit);
    expect(text).toBe('agent: error: something about "stripe-test"\nagent: hint: run agent ls\n');
  });

  it('prints the details before the message, and escapes control characters everywhere', () => {
    const err = new LatchkeyError('input', 'nothing was imported: 2 problems in .env', 'fix \x1b[2Kthem', { details: ['.env:1: bad\x07', '.env:2: worse'] });
    expect(rendered(err).text).toBe(
      'agent: error: .env:1: bad\\x07\nagent: error: .env:2: worse\nagent: error: nothing was imported: 2 problems in .env\nagent: hint: fix \\x1b[2Kthem\n',
    );
  });

  it('Ctrl-C at a prompt is `cancelled`, exit 130', () => {
    expect(rendered(new Cancelled())).toEqual({ code: 130, text: 'agent: error: cancelled\n' });
    expect(rendered(new Cancelled('onboarding cancelled; stored before that: a')).text).toBe('agent: error: onboarding cancelled; stored before that: a\n');
  });

  it('a passed-through exit code prints nothing', () => {
    expect(rendered(new ExitCode(3))).toEqual({ code: 3, text: '' });
    expect(rendered(new ExitCode(0))).toEqual({ code: 0, text: '' });
  });

  it('an unexpected exception prints as a bug: how to report it, and LATCHKEY_DEBUG=1 for the stack', () => {
    const { code, text } = rendered(new TypeError("Cannot read properties of undefined (reading 'value')\nsecond line"));
    expect(code).toBe(1);
    expect(text).toBe(
      "agent: error: internal error: TypeError: Cannot read properties of undefined (reading 'value')\n" +
        'agent: hint: this is a bug in latchkey: please report it to its maintainers with the command you ran and this output; LATCHKEY_DEBUG=1 prints the stack\n',
    );
    expect(text).toContain(`agent: hint: ${BUG_HINT}\n`);
    expect(text).not.toContain('    at ');
    expect(rendered('a thrown string').text).toMatch(/^agent: error: internal error: a thrown string\nagent: hint: this is a bug/);
  });

  it('with LATCHKEY_DEBUG=1, prints the stack of the error and of its cause', () => {
    const cause = new RangeError('deep down');
    const { text } = rendered(new InternalError('the lease table lost a lease', { cause }), { LATCHKEY_DEBUG: '1' });
    expect(text).toMatch(/^agent: error: internal error: the lease table lost a lease\nagent: hint: this is a bug/);
    expect(text).toContain('LatchkeyError: the lease table lost a lease\n    at ');
    expect(text).toContain('RangeError: deep down\n    at ');
  });

  it("the daemon's internal error (kind internal over the wire) prints as a bug, its own message kept", () => {
    const { code, text } = rendered(new LatchkeyError('internal', 'internal error in the daemon (see daemon.log)', 'ignored'));
    expect(code).toBe(1);
    expect(text.split('\n')[0]).toBe('agent: error: internal error in the daemon (see daemon.log)');
    expect(text).toContain('agent: hint: this is a bug in latchkey');
    expect(text).not.toContain('ignored');
  });
});
