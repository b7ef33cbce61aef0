import { describe, it, expect } from 'vitest';
import { expectLatchkeyError } from '@latchkey/test-utils/errors';
import { LatchkeyError, isLatchkeyError, usageError, inputError, notFoundError, unavailableError, deniedError } from './errors.js';
import {
  accountOf,
  assertSecretName,
  GLOBAL_SCOPE,
  isScope,
  parseAccount,
  quote,
  SECRET_NAME,
  secretNameProblem,
  visibleScopes,
  type Scope,
} from './names.js';

describe('error catalogue', () => {
  it.each([
    [usageError, 'usage', 64],
    [inputError, 'input', 65],
    [notFoundError, 'notFound', 1],
    [unavailableError, 'unavailable', 69],
    [deniedError, 'denied', 77],
  ] as const)('%o makes kind %s with exit code %i', (make, kind, code) => {
    const err = make('something failed', 'do this next');
    expect(err).toBeInstanceOf(LatchkeyError);
    expect(err.kind).toBe(kind);
    expect(err.exitCode).toBe(code);
    expect(err.message).toBe('something failed');
    expect(err.hint).toBe('do this next');
    expect(err.name).toBe('LatchkeyError');
    expect(isLatchkeyError(err)).toBe(true);
  });

  it('isLatchkeyError rejects plain errors and non-errors', () => {
    expect(isLatchkeyError(new Error('x'))).toBe(false);
    expect(isLatchkeyError('LatchkeyError')).toBe(false);
    expect(isLatchkeyError(undefined)).toBe(false);
  });

  it('isLatchkeyError accepts a look-alike from another module copy', () => {
    const foreign = Object.assign(new Error('x'), { name: 'LatchkeyError', kind: 'input' });
    expect(isLatchkeyError(foreign)).toBe(true);
  });
});

describe('secret names', () => {
  const max = 'a'.repeat(128);
  const over = 'a'.repeat(129);

  it.each([
    'a',
    '0',
    'stripe-test',
    'team/db.password',
    'a_b',
    'a.b-c_d/e9',
    'temporary/x',
    'temp.x',
    'x/temp',
    'my-temp',
    max,
  ])('accepts %j', (name) => {
    expect(secretNameProblem(name)).toBeUndefined();
    expect(assertSecretName(name)).toBe(name);
  });

  it.each([
    ['', /empty/],
    ['Stripe', /invalid secret name/],
    ['STRIPE-TEST', /invalid secret name/],
    ['-a', /invalid secret name/],
    ['a-', /invalid secret name/],
    ['.a', /invalid secret name/],
    ['a.', /invalid secret name/],
    ['_a', /invalid secret name/],
    ['a_', /invalid secret name/],
    ['/a', /invalid secret name/],
    ['a/', /invalid secret name/],
    [over, /invalid secret name/],
    ['temp', /"temp" is reserved/],
    ['temp/x', /"temp" is reserved/],
    ['temp/random', /"temp" is reserved/],
    ['a//b', /path segments/],
    ['a/../b', /path segments/],
    ['a/./b', /path segments/],
    ['café', /invalid secret name/],
    ['naïve-key', /invalid secret name/],
    ['ключ', /invalid secret name/],
    ['a b', /invalid secret name/],
    ['a:b', /invalid secret name/],
    ['a\nb', /invalid secret name/],
    ['ab\n', /invalid secret name/],
    ['a\0b', /invalid secret name/],
  ])('refuses %j', (name, why) => {
    const problem = secretNameProblem(name);
    expect(problem).toMatch(why);
    const err = expectLatchkeyError(() => assertSecretName(name), 'input');
    expect(err.exitCode).toBe(65);
    expect(err.message).toBe(problem);
    expect(err.hint).toMatch(/stripe-test/);
  });

  it('128 characters is the limit, 129 is one too many', () => {
    expect(max).toHaveLength(128);
    expect(over).toHaveLength(129);
    expect(secretNameProblem(max)).toBeUndefined();
    expect(secretNameProblem(over)).toBeDefined();
  });

  it('keeps a long name short in messages', () => {
    const problem = secretNameProblem('A'.repeat(500)) ?? '';
    expect(problem).toContain('500-character argument');
    expect(problem).not.toContain('AAAA');
    expect(problem.length).toBeLessThan(200);
  });
});

describe('quote', () => {
  it.each([
    ['abc', '"abc"'],
    ['a"b', '"a\\"b"'],
    ['a\nb', '"a\\nb"'],
    ['x'.repeat(80), `"${'x'.repeat(80)}"`],
    ['x'.repeat(81), `"${'x'.repeat(77)}..."`],
  ])('quote(%j) is %s', (input, out) => {
    expect(quote(input)).toBe(out);
  });
});

describe('scopes', () => {
  it.each([
    ['global', true],
    ['/', true],
    ['/home/me/repo', true],
    ['/home/me/c:/weird:path', true],
    ['Global', false],
    ['', false],
    ['relative/path', false],
    ['./repo', false],
    ['/home/\0/repo', false],
  ])('isScope(%j) is %s', (s, ok) => {
    expect(isScope(s)).toBe(ok);
  });

  it.each([
    [undefined, ['global']],
    ['', ['global']],
    ['/home/me/repo', ['/home/me/repo', 'global']],
  ])('visibleScopes(%j) is %j', (root, scopes) => {
    expect(visibleScopes(root)).toEqual(scopes);
  });

  it('puts the project first, global last', () => {
    const scopes = visibleScopes('/srv/app');
    expect(scopes[0]).toBe('/srv/app');
    expect(scopes.at(-1)).toBe(GLOBAL_SCOPE);
  });
});

describe('keychain accounts', () => {
  it.each<[Scope, string, string]>([
    ['global', 'stripe-test', 'global:stripe-test'],
    ['global', 'team/db.password', 'global:team/db.password'],
    ['/home/me/repo', 'api', '/home/me/repo:api'],
    ['/home/me/a:b', 'api', '/home/me/a:b:api'],
    ['/c:/x:y:', 'x/y.z', '/c:/x:y::x/y.z'],
    ['/', 'a', '/:a'],
  ])('accountOf(%j, %j) = %j and parses back', (scope, name, account) => {
    expect(accountOf(scope, name)).toBe(account);
    expect(parseAccount(account)).toEqual({ scope, name });
  });

  it.each([
    '',
    'stripe-test',
    ':stripe-test',
    'global:',
    'global',
    'relative:name',
    'Global:name',
    'global:Name',
    'global:temp/x',
    'global:a//b',
    '/home/me/repo:',
    '/home/\0:name',
    'other-app-item',
  ])('parseAccount(%j) is not one of ours', (account) => {
    expect(parseAccount(account)).toBeUndefined();
  });
});

describe('a value passed as a name is not echoed', () => {
  it('keeps a long invalid argument out of the message', () => {
    const token = 'ghp_' + 'A1b2C3d4'.repeat(5);
    const problem = secretNameProblem(token) ?? '';
    expect(problem).toMatch(/44-character argument/);
    expect(problem).not.toContain(token.slice(4, 20));
  });
});

describe('the secret-name check agrees with SECRET_NAME', () => {
  it('on 20,000 random strings over the name alphabet and its edges', () => {
    const alphabet = 'az09._/-A\u00e9 :';
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let k = 0; k < 20_000; k++) {
      const len = rand(5) === 0 ? 120 + rand(15) : rand(8);
      let name = '';
      for (let i = 0; i < len; i++) name += alphabet[rand(alphabet.length)];
      const grammar = SECRET_NAME.test(name);
      const problem = secretNameProblem(name);
      if (!grammar) expect(problem, JSON.stringify(name)).toBeDefined();
      if (grammar && problem) expect(problem, JSON.stringify(name)).not.toMatch(/use 1-128 of/);
    }
  });
});
