import { describe, expect, it } from 'vitest';
import { MANIFEST_HEADER, planImport, secretNameFor, type PlanInput } from './import-plan.js';

const plan = (dotenvText: string, manifestText?: string, more: Partial<PlanInput> = {}) =>
  planImport({ dotenvText, dotenvFile: '.env', manifestText, manifestFile: '/p/agent.env', allowVars: new Set(), ...more });

describe('secretNameFor', () => {
  it.each([
    ['STRIPE_KEY', 'stripe-key'],
    ['API__TOKEN', 'api-token'],
    ['_LEADING_', 'leading'],
    ['DB2_URL', 'db2-url'],
    ['__', ''],
    ['TEMP', 'temp'],
  ])('%s -> %j', (variable, name) => expect(secretNameFor(variable)).toBe(name));
});

describe('planImport', () => {
  it('writes a new manifest of references after the header', () => {
    const p = plan('A=1\nB=agent://shared\nC=\n');
    expect(p.problems).toEqual([]);
    expect(p.manifestText).toBe(`${MANIFEST_HEADER}A=agent://a\nB=agent://shared\nC=\n`);
    expect(p.items.map((i) => i.kind)).toEqual(['store', 'reference', 'empty']);
  });

  it('keeps an interpolation as an interpolation and imports the variables it names', () => {
    const p = plan('DB_PASSWORD=hunter2-value\nDATABASE_URL=postgres://app:${DB_PASSWORD}@localhost/app\nCACHE=${HOME}/cache\nPRICE=costs \\$5\n');
    expect(p.problems).toEqual([]);
    expect(p.items.map((i) => [i.variable, i.kind])).toEqual([
      ['DB_PASSWORD', 'store'],
      ['DATABASE_URL', 'literal'],
      ['CACHE', 'literal'],
      ['PRICE', 'store'],
    ]);
    expect(p.manifestText).toBe(
      `${MANIFEST_HEADER}DB_PASSWORD=agent://db-password\nDATABASE_URL=postgres://app:\${DB_PASSWORD}@localhost/app\nCACHE=\${HOME}/cache\nPRICE=agent://price\n`,
    );
    expect(p.items.find((i) => i.variable === 'PRICE')).toMatchObject({ kind: 'store', value: 'costs $5' });
    expect(p.notices.join('\n')).toContain('DATABASE_URL interpolates other variables');
    expect(p.notices.join('\n')).not.toContain('hunter2');
  });

  it('replaces a multi-line entry in place, keeps export and the other lines, appends new ones', () => {
    const p = plan('KEY=new\nADD=x\n', '# head\nexport KEY="line1\nline2"\nKEEP=1\n');
    expect(p.manifestText).toBe('# head\nexport KEY=agent://key\nKEEP=1\nADD=agent://add\n');
  });

  it('leaves a manifest variable alone when the .env has it empty', () => {
    const p = plan('KEEP=\n', 'KEEP=agent://kept\n');
    expect(p.manifestText).toBe('KEEP=agent://kept\n');
    expect(p.notices[0]).toMatch(/KEEP is empty in \.env/);
  });

  it('imports the last of a variable set twice, and says so', () => {
    const p = plan('A=1\nA=2\n');
    expect(p.items).toMatchObject([{ kind: 'store', variable: 'A', value: '2', line: 2 }]);
    expect(p.notices).toEqual(['A is set 2 times in .env (lines 1, 2); the last one is imported']);
  });

  it('quotes a carried reference that dotenv would cut at #', () => {
    const p = plan("R='agent://x?desc=a#b'\n");
    expect(p.manifestText).toContain("\nR='agent://x?desc=a#b'\n");
  });

  it('collects every problem, naming lines and never values', () => {
    const p = plan('TEMP=secret-1\nA_B=secret-2\nA__B=secret-3\nN=\0\n');
    expect(p.problems).toHaveLength(3);
    expect(p.problems.join('\n')).not.toMatch(/secret-\d/);
  });

  it.each([
    // held in the target scope, --replace, what happens
    [undefined, false, 'none'],
    ['v-1', false, 'same'],
    ['v-other', true, 'different'],
  ] as const)('a secret holding %j (replace %j) is stored as %j', (held, replace, current) => {
    const existing = new Map(held === undefined ? [] : [['db-url', held]]);
    const p = plan('DB_URL=v-1\n', undefined, { existing, replace });
    expect(p.problems).toEqual([]);
    expect(p.items).toMatchObject([{ kind: 'store', secret: 'db-url', current }]);
  });

  it('refuses to replace a different stored value without --replace, naming the scope, never a value', () => {
    const p = plan('DB_URL=v-new\nOTHER=o-1\n', undefined, { existing: new Map([['db-url', 'v-old']]), scopeText: 'in project /p' });
    expect(p.problems).toEqual(['.env:1: "db-url" already holds a different value in project /p; import with --replace to replace it, or rename DB_URL in .env']);
    expect(p.problems.join('\n')).not.toMatch(/v-new|v-old/);
  });
});
