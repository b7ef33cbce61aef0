// `${VAR}` in manifests end to end: a .env that dotenv-cli runs with dotenv-expand, imported with `agent import`,
// gives `agent exec` the very variables dotenv-cli gives the same command; --mask hides a literal built around
// a secret; the interpolation stays an interpolation in agent.env, with no value in it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readAudit, ROOT, run, testdir, useLab, type World } from '@latchkey/test-utils';

const PRINT_ENV = join(ROOT, 'test/fixtures/print-env.js');
const DOTENV_CLI = join(ROOT, 'node_modules/.bin/dotenv');
const DB_PASSWORD = 'pw-77f3e2-from-env';

const DOTENV = [
  `DB_PASSWORD=${DB_PASSWORD}`,
  'DB_HOST=localhost',
  'DATABASE_URL=postgres://app:${DB_PASSWORD}@${DB_HOST}:${DB_PORT:-5432}/app',
  'CACHE_DIR=$HOME/.cache/app',
  'GREETING=${NOPE:-hello} ${LK_SHELL_NAME}',
  'PRICE=\\$5',
  '',
].join('\n');

const NAMES = ['DB_PASSWORD', 'DB_HOST', 'DATABASE_URL', 'CACHE_DIR', 'GREETING', 'PRICE'];
const pick = (env: Record<string, string>) => Object.fromEntries(NAMES.map((n) => [n, env[n]]));

describe('${VAR} expansion, against dotenv-cli on the same file', () => {
  const lab = useLab({ store: 'memory', env: { LK_SHELL_NAME: 'from-the-shell' } });
  let world: World;
  let dir: string;
  beforeAll(() => {
    world = lab.world;
    dir = testdir({ '.env': DOTENV }, world.home);
  });

  it('imports the .env keeping interpolations, and exec gives what dotenv-cli gives', async () => {
    const viaDotenv = await run(DOTENV_CLI, ['-e', '.env', '--', process.execPath, PRINT_ENV], { env: world.env, cwd: dir });
    expect(viaDotenv.code, viaDotenv.stderr).toBe(0);
    const expected = pick(JSON.parse(viaDotenv.stdout));
    expect(expected.DATABASE_URL).toBe(`postgres://app:${DB_PASSWORD}@localhost:5432/app`);

    const imported = await world.agent(['import', '--ttl', '1h', '--json'], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout).literals).toEqual(['DATABASE_URL', 'CACHE_DIR', 'GREETING']);
    const manifest = readFileSync(join(dir, 'agent.env'), 'utf8');
    expect(manifest).toContain('DATABASE_URL=postgres://app:${DB_PASSWORD}@${DB_HOST}:${DB_PORT:-5432}/app\n');
    expect(manifest).not.toContain(DB_PASSWORD);

    const viaAgent = await world.agent(['exec', '--', process.execPath, PRINT_ENV], { cwd: dir });
    expect(viaAgent.code, viaAgent.stderr).toBe(0);
    expect(pick(JSON.parse(viaAgent.stdout))).toEqual(expected);
  });

  it('--mask hides a literal built around a secret as a whole', async () => {
    const r = await world.agent(['exec', '--mask', '--', 'sh', '-c', 'echo "url=$DATABASE_URL"; echo "cache=$CACHE_DIR"'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`url=********\ncache=${world.home}/.cache/app\n`);
  });

  it('a read through an interpolation is audited as a use of the secret', async () => {
    // Two execs above (plain and --mask), each reading db-password for DB_PASSWORD, which DATABASE_URL uses.
    const reads = readAudit(world.stateDir).filter((e) => e.event === 'exec' && e.secret === 'db-password' && e.outcome === 'ok');
    expect(reads.map((e) => e.variable)).toEqual(['DB_PASSWORD', 'DB_PASSWORD']);
  });

  it('variables that name each other in a cycle are refused, naming the cycle', async () => {
    const cyc = join(world.home, 'cycle');
    mkdirSync(cyc);
    writeFileSync(join(cyc, 'agent.env'), 'A=${B}\nB=${A}\n');
    expect((await world.agent(['allow'], { cwd: cyc })).code).toBe(0);
    const r = await world.agent(['exec', '--', 'true'], { cwd: cyc });
    expect(r.code).toBe(65);
    expect(r.stderr).toContain("agent: error: the manifest's variables refer to each other in a cycle: A -> B -> A");
  });
});
