// Assertions about the agent's expected errors.
import { expect } from 'vitest';
import { isLatchkeyError, type ErrorKind, type LatchkeyError } from '@latchkey/core/errors';

/**
 * Calls `fn` and returns what it threw, after checking that it is a LatchkeyError of `kind` (an async `fn`:
 * awaits its rejection). Fails when `fn` returns, or throws anything else.
 */
export function expectLatchkeyError(fn: () => Promise<unknown>, kind: ErrorKind): Promise<LatchkeyError>;
export function expectLatchkeyError(fn: () => unknown, kind: ErrorKind): LatchkeyError;
export function expectLatchkeyError(fn: () => unknown, kind: ErrorKind): LatchkeyError | Promise<LatchkeyError> {
  const check = (err: unknown): LatchkeyError => {
    if (!isLatchkeyError(err)) {
      expect.fail(`expected a LatchkeyError of kind ${kind}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    expect(err.kind, err.message).toBe(kind);
    return err;
  };
  let result: unknown;
  try {
    result = fn();
  } catch (err) {
    return check(err);
  }
  if (result instanceof Promise) {
    return result.then(
      () => expect.fail(`expected a LatchkeyError of kind ${kind}; the call resolved`),
      check,
    );
  }
  return expect.fail(`expected a LatchkeyError of kind ${kind}; the call returned`);
}
