import { describe, expect, it } from 'vitest';
import { REDACTED, redactValues } from './redact.js';

describe('redactValues', () => {
  it.each([
    ['a value in the middle', 'error: token tok-123 refused', ['tok-123'], `error: token ${REDACTED} refused`],
    ['every occurrence', 'x1 x1', ['x1'], `${REDACTED} ${REDACTED}`],
    ['a short value too', 'pin 42 wrong', ['42'], `pin ${REDACTED} wrong`],
    ['the longer of two overlapping values whole', 'abcdef', ['abc', 'abcdef'], REDACTED],
    ['each line of a multi-line value', 'line one\nbad: line two', ['line one\nline two'], `${REDACTED}\nbad: ${REDACTED}`],
    ['nothing when no value occurs', 'all fine', ['zzz', ''], 'all fine'],
  ])('%s', (_what, text, values, expected) => {
    expect(redactValues(text, values)).toBe(expected);
  });
});
