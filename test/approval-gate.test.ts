// The approval gate against a repository that attacks it (issue 9; SECURITY.md 31, 33, 34, 35, 40, 41),
// end to end: the built CLI and a real daemon; a real keychain, real git clones keeping a committed
// symlink, real FIFOs and devices, files of another uid (65534, through chown and setpriv).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onTerminal, readAudit, spawnDaemon, testdir, useLab, useWorlds, type World } from '@latchkey/test-utils';

const NOBODY = 65534;

/** Reads of `secret` that handed out its value. */
const readsOf = (w: World, secret: string) => readAudit(w.stateDir).filter((r) => r.secret === secret && r.outcome === 'ok');

/** A folder `name` in the world's folder (its real path), holding `manifest` as agent.env when one is given. */
function project(w: World, name: string, manifest?: string): string {
  const dir = join(w.dir, name);
  mkdirSync(dir, { recursive: true });
  if (manifest !== undefined) writeFileSync(join(dir, 'agent.env'), manifest);
  return realpathSync(dir);
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'ignore' });
}

describe('SECURITY 31: a committed symlink does not borrow another repository\'s approval', { timeout: 120_000 }, () => {
  const lab = useLab();

  it('SECURITY 31: evil/agent.env -> ../payments/agent.env is refused until its own path is approved; the listing names both paths', async () => {
    const { world } = lab;
    expect((await world.agent(['set', 'payments-key', '--ttl', '1h'], { input: 'pay-value-31' })).code).toBe(0);
    const origin = join(world.dir, 'origin');
    mkdirSync(join(origin, 'payments'), { recursive: true });
    mkdirSync(join(origin, 'evil'));
    writeFileSync(join(origin, 'payments', 'agent.env'), 'PAY=agent://payments-key\n');
    symlinkSync('../payments/agent.env', join(origin, 'evil', 'agent.env'));
    for (const repo of ['payments', 'evil']) {
      git(join(origin, repo), 'init', '-q');
      git(join(origin, repo), 'add', '-A');
      git(join(origin, repo), 'commit', '-q', '-m', 'init');
    }
    const work = join(world.dir, 'work');
    mkdirSync(work);
    git(work, 'clone', '-q', join(origin, 'payments'), 'payments');
    git(work, 'clone', '-q', join(origin, 'evil'), 'evil');
    const evil = realpathSync(join(work, 'evil'));
    const payments = realpathSync(join(work, 'payments'));
    expect(lstatSync(join(evil, 'agent.env')).isSymbolicLink()).toBe(true);

    expect((await world.agent(['allow'], { cwd: payments })).code).toBe(0);
    const before = readsOf(world, 'payments-key').length;
    const script = ['sh', '-c', 'echo got=$PAY'];
    const refused = await world.agent(['exec', '--', ...script], { cwd: evil });
    expect(refused.code, refused.stderr).toBe(77);
    expect(refused.stdout).not.toContain('pay-value-31');
    expect(refused.stderr).toContain(`${evil}/agent.env is a symlink to ${payments}/agent.env, outside ${evil}`);
    expect(refused.stderr).toContain(`agent allow ${evil}/agent.env`);
    expect(readsOf(world, 'payments-key').length).toBe(before);
    expect(readAudit(world.stateDir).some((r) => r.event === 'exec' && r.outcome === 'denied' && r.reason === 'symlink to an approved manifest')).toBe(true);

    const allow = await world.agent(['allow'], { cwd: evil });
    expect(allow.code, allow.stderr).toBe(0);
    expect(allow.stdout).toContain(`${evil}/agent.env (sha256 `);
    expect(allow.stdout).toContain(`  a symlink to ${payments}/agent.env`);
    const json = JSON.parse((await world.agent(['allow', '--json'], { cwd: evil })).stdout) as { path: string; realPath: string };
    expect(json).toMatchObject({ path: `${evil}/agent.env`, realPath: `${payments}/agent.env` });

    const ran = await world.agent(['exec', '--', ...script], { cwd: evil });
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toBe('got=pay-value-31\n');
  });
});

describe('SECURITY 32: a JWT reference is listed, scoped and audited as a use of its signer', { timeout: 120_000 }, () => {
  const lab = useLab();

  it('SECURITY 32: allow and --json name the signer and every claim; the signer\'s project scope applies; the mint is audited as a use of the signer', async () => {
    const { world } = lab;
    const reference = 'TOKEN=agent://temp/jwt?signer=prod-signer&sub=root&aud=api&claim.role=admin&ttl=1h\n';
    const owner = project(world, 'signing-project', reference);
    const other = project(world, 'other-project', reference);
    const signer = await world.agent(['set', 'prod-signer', '--ttl', '1h', '--project'], { cwd: owner, input: 'hs256-signing-key-of-32-bytes-or-more-0123456789' });
    expect(signer.code, signer.stderr).toBe(0);

    const allow = await world.agent(['allow'], { cwd: other });
    expect(allow.code, allow.stderr).toBe(0);
    expect(allow.stdout).toMatch(/^TOKEN\s+1\s+temp\s+temp\/jwt\s+-\s+prod-signer \(signer\)\s+sub=root aud=api claim\.role=admin ttl=1h$/m);
    const json = JSON.parse((await world.agent(['allow', '--json'], { cwd: other })).stdout) as { entries: Array<{ uses: string[]; params: Record<string, string> }> };
    expect(json.entries[0]?.uses).toEqual(['prod-signer']);
    expect(json.entries[0]?.params).toMatchObject({ signer: 'prod-signer', sub: 'root', aud: 'api', 'claim.role': 'admin', ttl: '1h' });

    // Outside the signer's project its key signs nothing.
    const denied = await world.agent(['exec', '--', 'sh', '-c', 'echo token=$TOKEN'], { cwd: other });
    expect(denied.code, denied.stderr).toBe(77);
    expect(denied.stderr).toContain('secret "prod-signer" is bound to another project');
    expect(denied.stdout).not.toContain('token=');

    // Inside it, the mint works and is recorded as a read of the signer, for that variable and manifest.
    expect((await world.agent(['allow'], { cwd: owner })).code).toBe(0);
    const ok = await world.agent(['exec', '--', 'sh', '-c', 'echo token=$TOKEN'], { cwd: owner });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^token=[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(readAudit(world.stateDir)).toContainEqual(
      expect.objectContaining({ event: 'sign', outcome: 'ok', secret: 'prod-signer', variable: 'TOKEN', manifest: `${owner}/agent.env`, cwd: owner }),
    );
  });
});

describe('SECURITY 33, 34, 40, 41: what a repository can put in its manifest', { timeout: 120_000 }, () => {
  const lab = useLab({ store: 'memory' });
  let world: World;
  let shared: string;
  beforeAll(() => {
    world = lab.world;
    // A folder others can write, as /tmp is: root-owned and sticky (0700 world folders keep 65534 out).
    shared = testdir();
    chmodSync(shared, 0o1777);
  });

  it('SECURITY 33: ESC, CR and BEL in owner, desc, docs and the path are printed escaped by allow, onboard, ls and doctor', async () => {
    const dir = project(world, 'esc\x1b[31mred', 'K=agent://esc-secret?owner=%1b[2K%1b[1Gevil&desc=a%0db&docs=%07x\n');
    const outputs: Record<string, string> = {};
    const allow = await world.agent(['allow'], { cwd: dir });
    expect(allow.code, allow.stderr).toBe(0);
    outputs.allow = allow.stdout + allow.stderr;
    expect(allow.stdout).toContain('\\x1b[2K\\x1b[1Gevil');
    expect(allow.stdout).toContain('esc\\x1b[31mred/agent.env');
    const onboard = await world.agent(['onboard', '--check'], { cwd: dir });
    outputs.onboard = onboard.stdout + onboard.stderr;
    expect(onboard.stdout).toContain('\\x1b[2K\\x1b[1Gevil');
    expect(onboard.stdout).toContain('a\\x0db');
    expect(onboard.stdout).toContain('\\x07x');
    const doctor = await world.agent(['doctor'], { cwd: dir });
    outputs.doctor = doctor.stdout + doctor.stderr;
    expect(doctor.stdout).toContain('esc\\x1b[31mred');
    expect((await world.agent(['set', 'esc-secret', '--ttl', '1h', '--owner', 'o\x1b]0;title\x07'], { input: 'v' })).code).toBe(0);
    const ls = await world.agent(['ls']);
    outputs.ls = ls.stdout + ls.stderr;
    expect(ls.stdout).toContain('o\\x1b]0;title\\x07');
    for (const [command, text] of Object.entries(outputs)) {
      expect(/[\x1b\r\x07]/.test(text), `${command} printed a raw control byte: ${JSON.stringify(text)}`).toBe(false);
    }
  });

  it('SECURITY 32, 33: the exec prompt on a terminal names the signer and its claims, and shows control bytes escaped', async () => {
    const dir = project(world, 'prompted', 'K=agent://p-secret?owner=%1b[2K%1b[1Gevil%0d%07\nT=agent://temp/jwt?signer=prod-signer&claim.role=admin\n');
    const r = await onTerminal(world, ['exec', '--', 'true'], [['allow \\S+agent\\.env\\? \\[y/N\\] ', 'n\r']], { cwd: dir });
    expect(r.code, r.stdout).toBe(77);
    expect(r.stdout).toContain('\\x1b[2K\\x1b[1Gevil\\x0d\\x07');
    expect(r.stdout).toMatch(/^T\s+2\s+temp\s+temp\/jwt\s+-\s+prod-signer \(signer\)\s+claim\.role=admin\r?$/m);
    // The terminal turns each \n into \r\n; any other CR, and any ESC or BEL, came from the manifest.
    expect(/[\x1b\x07]|\r(?!\n)/.test(r.stdout), JSON.stringify(r.stdout)).toBe(false);
  });

  it('SECURITY 34: an agent.env of another uid above the project, or in a folder others can write, is refused with its path', async () => {
    // Another uid drops agent.env into the shared folder above the user's project.
    const mine = join(shared, 'mine');
    mkdirSync(mine);
    execFileSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'sh', '-c', `printf 'K=agent://x\\n' > ${shared}/agent.env`]);
    expect(lstatSync(join(shared, 'agent.env')).uid).toBe(NOBODY);
    for (const args of [['exec', '--', 'true'], ['allow'], ['set', 'scoped', '--ttl', '1h', '--project']]) {
      const r = await world.agent(args, { cwd: mine, input: 'v' });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(77);
      expect(r.stderr).toContain(`${shared}/agent.env is owned by uid ${NOBODY}`);
    }
    rmSync(join(shared, 'agent.env'));

    // A root-owned sticky folder (as /tmp) is safe; the user's own manifest below it is used.
    writeFileSync(join(mine, 'agent.env'), 'MODE=ok\n');
    expect((await world.agent(['allow'], { cwd: mine })).code).toBe(0);

    // A folder anyone can write (no sticky bit) above the manifest, and a manifest chowned away.
    const open = project(world, 'open/proj', 'MODE=ok\n');
    chmodSync(join(world.dir, 'open'), 0o777);
    const r = await world.agent(['allow'], { cwd: open });
    expect(r.code, r.stderr).toBe(77);
    expect(r.stderr).toContain(`${join(world.dir, 'open')} is writable by other users (mode 0777)`);
    chmodSync(join(world.dir, 'open'), 0o755);
    chownSync(join(open, 'agent.env'), NOBODY, NOBODY);
    const foreign = await world.agent(['exec', '--env-file', join(open, 'agent.env'), '--', 'true'], { cwd: world.home });
    expect(foreign.code, foreign.stderr).toBe(77);
    expect(foreign.stderr).toContain(`${open}/agent.env is owned by uid ${NOBODY}`);
  });

  it('SECURITY 40: a FIFO, /dev/zero and /dev/stdin as a manifest are exit 65 naming the file, at once; the daemon keeps serving', async () => {
    const dir = project(world, 'fifo');
    const fifo = join(dir, 'agent.env');
    execFileSync('mkfifo', [fifo]);
    const runs = await Promise.all([
      world.agent(['exec', '--env-file', fifo, '--', 'true'], { cwd: dir }),
      world.agent(['exec', '--', 'true'], { cwd: dir }),
      world.agent(['exec', '--env-file', '/dev/zero', '--', 'true']),
      world.agent(['exec', '--env-file', '/dev/stdin', '--', 'true'], { input: 'K=agent://x\n' }),
      world.agent(['exec', '--mask', '--env-file', fifo, '--', 'true'], { cwd: dir }),
      world.agent(['allow', '/dev/zero']),
    ]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(65);
      expect(r.stderr).toMatch(/agent: error: (manifest \S+ is not a regular file|no manifest at \S+)/);
    }
    expect(runs[0]?.stderr).toContain(`manifest ${fifo} is not a regular file`);
    expect(runs[2]?.stderr).toContain('manifest /dev/zero is not a regular file');
    const status = await world.agent(['daemon', 'status']);
    expect(status.code, status.stderr).toBe(0);
  });

  it('SECURITY 41: a manifest over 256 KiB is refused (65); one of 256 KiB is read; other clients are served meanwhile', async () => {
    // 500 variables (a listing of all of them fits a 64 KiB reply) and comments up to exactly 256 KiB.
    let text = '';
    for (let i = 0; i < 500; i++) text += `VAR_${String(i).padStart(6, '0')}=literal-value-${i}\n`;
    while (text.length < 256 * 1024) text += `# ${'c'.repeat(Math.min(100, 256 * 1024 - text.length - 3))}\n`;
    text = text.slice(0, 256 * 1024);
    expect(Buffer.byteLength(text)).toBe(256 * 1024);
    const fits = project(world, 'big-fits', text);
    const over = project(world, 'big-over', `${text}\n`);
    const [a, b, c, s] = await Promise.all([
      world.agent(['allow', '--json'], { cwd: fits }),
      world.agent(['allow'], { cwd: over }),
      world.agent(['exec', '--', 'true'], { cwd: over }),
      world.agent(['daemon', 'status']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect((JSON.parse(a.stdout) as { entries: unknown[] }).entries.length).toBe(500);
    for (const r of [b, c]) {
      expect(r.code, r.stderr).toBe(65);
      expect(r.stderr).toContain(`manifest ${over}/agent.env is larger than 262144 bytes`);
    }
    expect(s.code).toBe(0);
  });
});

describe('SECURITY 35: the daemon refuses state and config folders others could write', { timeout: 60_000 }, () => {
  const freshWorld = useWorlds();

  const refusal = async (prepare: (w: World) => void): Promise<{ code: number | null; output: string; world: World }> => {
    const w = freshWorld();
    mkdirSync(w.stateDir, { recursive: true, mode: 0o700 });
    mkdirSync(w.configDir, { recursive: true, mode: 0o700 });
    prepare(w);
    const d = spawnDaemon(w.env);
    const { code } = await d.exited;
    return { code, output: d.output(), world: w };
  };

  it('SECURITY 35: a world-writable state folder, a foreign approvals.json, a symlinked config.json: refused at start, path named', async () => {
    const open = await refusal((w) => chmodSync(w.stateDir, 0o777));
    expect(open.code, open.output).toBe(77);
    expect(open.output).toContain(`${open.world.stateDir} is writable by others (mode 0777)`);

    const planted = await refusal((w) => {
      writeFileSync(join(w.stateDir, 'approvals.json'), '{"v":1,"manifests":{}}\n');
      chownSync(join(w.stateDir, 'approvals.json'), NOBODY, NOBODY);
    });
    expect(planted.code, planted.output).toBe(77);
    expect(planted.output).toContain(`${planted.world.stateDir}/approvals.json is owned by uid ${NOBODY}`);

    const linked = await refusal((w) => {
      const elsewhere = join(w.dir, 'config.json');
      writeFileSync(elsewhere, '{}\n');
      symlinkSync(elsewhere, join(w.configDir, 'config.json'));
    });
    expect(linked.code, linked.output).toBe(77);
    expect(linked.output).toContain('config.json is a symlink; refusing to use it');
  });
});
