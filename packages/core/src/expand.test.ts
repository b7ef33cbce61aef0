// The expander against dotenv-expand itself (the oracle) on the same files, then the cases where Latchkey
// departs from it on purpose, each with the reason in expand.ts.
import { parse } from 'dotenv';
import { expand } from 'dotenv-expand';
import { describe, expect, it } from 'vitest';
import { expandVariables, hasInterpolation } from './expand.js';

const literals = (source: string) => Object.entries(parse(source)).map(([name, value]) => ({ name, value, literal: true }));

/** What dotenv-expand makes of a file, given an environment that sets none of the file's own names. */
function oracle(source: string, inherited: Record<string, string>): Record<string, string> {
  return expand({ parsed: parse(source), processEnv: { ...inherited } }).parsed as Record<string, string>;
}

const INHERITED = { HOME: '/home/dev', USER: 'dev', EMPTY: '', PORT_FROM_SHELL: '8080' };

describe('expandVariables agrees with dotenv-expand', () => {
  it.each([
    ['plain values', 'A=1\nB=two words\n'],
    ['a braced reference to an earlier variable', 'HOST=localhost\nURL=http://${HOST}:3000\n'],
    ['an unbraced reference', 'HOST=localhost\nURL=http://$HOST/x\n'],
    ['the inherited environment', 'DIR=${HOME}/app\nWHO=$USER\n'],
    ['an unset name', 'A=x${NOPE}y\n'],
    ['a default for an unset name', 'A=${NOPE:-fallback}\n'],
    ['a default for an empty name', 'A=${EMPTY:-fallback}\n'],
    ['a dash default', 'A=${NOPE-fallback}\nB=${EMPTY-fallback}\n'],
    ['a default that is not used', 'A=${USER:-fallback}\n'],
    ['an alternate for a set name', 'A=${USER:+is-set}\nB=${NOPE:+is-set}\nC=${USER+x}\n'],
    ['a default that expands', 'A=${NOPE:-$HOME/cache}\nB=${NOPE:-${USER}}\n'],
    ['an escaped dollar', 'A=\\$HOME\nB=cost \\${USER}\n'],
    ['a chain of literals', 'A=a\nB=${A}b\nC=${B}c\n'],
    ['a lone dollar and digits', 'A=$\nB=$5 off\nC=a$-b\n'],
    ['an empty pair of braces', 'A=${}\n'],
    ['an unclosed brace', 'A=${HOME\n'],
    ['a URL with a password', 'DB_PASSWORD=hunter2\nDATABASE_URL=postgres://app:${DB_PASSWORD}@localhost:5432/app\n'],
    ['a port from the shell with a default', 'PORT=${PORT_FROM_SHELL:-3000}\nOTHER=${NO_PORT:-3000}\n'],
    ['quoted values', 'A="${HOME} quoted"\nB=\'${USER}\'\n'],
  ])('%s', (_why, source) => {
    const ours = expandVariables(literals(source), INHERITED).values;
    expect(ours).toEqual(oracle(source, INHERITED));
  });
});

describe('where expandVariables departs from dotenv-expand', () => {
  it('inserts a secret value as it is, never expanding what it holds', () => {
    const r = expandVariables(
      [
        { name: 'DB_PASSWORD', value: 'pa$word${HOME}', literal: false },
        { name: 'URL', value: 'postgres://app:${DB_PASSWORD}@db/app', literal: true },
      ],
      INHERITED,
    );
    expect(r.values).toEqual({ DB_PASSWORD: 'pa$word${HOME}', URL: 'postgres://app:pa$word${HOME}@db/app' });
    expect(r.uses.URL).toEqual(['DB_PASSWORD']);
    // dotenv-expand re-reads what it substituted and loses the `$word` of the password.
    expect(oracle('DB_PASSWORD=pa$word\nURL=postgres://app:${DB_PASSWORD}@db/app\n', {}).URL).toBe('postgres://app:pa@db/app');
  });

  it('reads a variable defined further down the manifest', () => {
    const r = expandVariables(literals('URL=postgres://app:${DB_PASSWORD}@db/app\nDB_PASSWORD=hunter2\n'), {});
    expect(r.values.URL).toBe('postgres://app:hunter2@db/app');
  });

  it('lets the manifest win over the inherited environment', () => {
    expect(expandVariables(literals('USER=app\nWHO=${USER}\n'), INHERITED).values.WHO).toBe('app');
  });

  it('reads the inherited value where a variable refers to itself', () => {
    expect(expandVariables(literals('HOME=${HOME}/sandbox\n'), INHERITED).values.HOME).toBe('/home/dev/sandbox');
    expect(expandVariables(literals('HOME=${HOME}/sandbox\n'), {}).values.HOME).toBe('/sandbox');
  });

  it('refuses variables that name each other in a cycle, naming the cycle', () => {
    let err: unknown;
    try {
      expandVariables(literals('A=${B}a\nB=${C}b\nC=$A\n'), {});
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: 'input', exitCode: 65, message: "the manifest's variables refer to each other in a cycle: A -> B -> C -> A" });
  });

  it('names every variable a literal used, through other literals too', () => {
    const r = expandVariables(
      [
        { name: 'TOKEN', value: 'secret-token-value', literal: false },
        { name: 'AUTH', value: 'Bearer ${TOKEN}', literal: true },
        { name: 'HEADER', value: 'Authorization: ${AUTH}', literal: true },
        { name: 'PLAIN', value: 'nothing here', literal: true },
        { name: 'SHELL_ONLY', value: '${HOME}', literal: true },
      ],
      INHERITED,
    );
    expect(r.uses).toEqual({ AUTH: ['TOKEN'], HEADER: ['AUTH', 'TOKEN'], PLAIN: [], SHELL_ONLY: [] });
  });
});

describe('hasInterpolation', () => {
  it.each([
    ['postgres://app:${DB_PASSWORD}@db', true],
    ['$HOME/x', true],
    ['${NOPE:-x}', true],
    ['plain', false],
    ['\\$HOME', false],
    ['cost $5', false],
    ['${}', false],
    ['${unclosed', false],
  ])('%j is %s', (text, want) => {
    expect(hasInterpolation(text)).toBe(want);
  });
});
