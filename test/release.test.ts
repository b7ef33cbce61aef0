// The release tarballs, installed as a user outside this repository installs them: `pnpm release`, then
// `npm i -g` of the CLI tarball into a fresh prefix with a fresh HOME (keytar built from source there), and
// `npm i -D` of the client tarball into a fresh project outside the workspace. The README's install examples
// run against what got installed, with a real Secret Service.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit, ROOT, run, useKeyring, type Result } from '@latchkey/test-utils';
import { NATIVE_BUILT } from '@latchkey/test-utils/native';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const INSTALL_TIMEOUT_MS = 8 * 60_000;

describe('the release tarballs, installed outside the workspace', () => {
  const ring = useKeyring();
  let dir: string;
  let prefix: string;
  let env: Record<string, string>;
  let tarballs: { cli: string; client: string };
  const agent = (args: string[], opts: { input?: string; cwd?: string } = {}): Promise<Result> =>
    run(join(prefix, 'bin', 'agent'), args, { env, cwd: opts.cwd ?? env.HOME, input: opts.input, timeoutMs: 30_000 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-release-'));
    prefix = join(dir, 'prefix');
    const home = join(dir, 'home');
    const runtime = join(dir, 'run');
    mkdirSync(home, { mode: 0o700 });
    mkdirSync(runtime, { mode: 0o700 });
    const out = execFileSync(process.execPath, [join(ROOT, 'scripts/release.mjs'), '--no-build'], { cwd: ROOT, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS });
    const [cli, client] = out.trim().split('\n');
    tarballs = { cli: cli as string, client: client as string };
    // npm's own settings come from the machine (registry, CA, and nodedir: the Node headers keytar builds
    // against); nothing else of this test run's environment reaches the installs.
    const npmEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
      ...(nodeHeaders() ? { npm_config_nodedir: nodeHeaders() } : {}),
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    const installed = await run('npm', ['i', '-g', '--prefix', prefix, tarballs.cli], { env: npmEnv, cwd: dir, timeoutMs: INSTALL_TIMEOUT_MS });
    expect(installed.code, installed.stderr).toBe(0);
    const project = join(dir, 'suite');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'suite', private: true, type: 'module' }));
    const clientInstalled = await run('npm', ['i', '-D', tarballs.client], { env: npmEnv, cwd: project, timeoutMs: INSTALL_TIMEOUT_MS });
    expect(clientInstalled.code, clientInstalled.stderr).toBe(0);
    env = {
      ...ring.keyring.env,
      PATH: `${join(prefix, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
      HOME: home,
      LANG: 'C.UTF-8',
      XDG_RUNTIME_DIR: runtime,
      LATCHKEY_STORE: 'keychain',
      LATCHKEY_KEYCHAIN_SERVICE: `latchkey-release-${process.pid}`,
    };
    // State and config where a fresh user has them, under the fresh HOME (the keyring's env points elsewhere).
    delete env.XDG_STATE_HOME;
    delete env.XDG_CONFIG_HOME;
  }, INSTALL_TIMEOUT_MS * 2);

  afterAll(async () => {
    if (prefix) await agent(['daemon', 'stop']).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs `agent` as the bundled CLI's bin/run.js itself, not a wrapper that imports it", () => {
    // A wrapper that imported it would load Node's ES module loader first: 5.9 ms more per agent exec
    // (1.44 against 1.26 x of node -e 0, 100 interleaved runs, Node 20). bin/run.js runs only as the main module.
    const installedCli = join(prefix, 'lib', 'node_modules', 'latchkey', 'node_modules', '@latchkey', 'cli');
    expect(realpathSync(join(prefix, 'bin', 'agent'))).toBe(join(installedCli, 'bin', 'run.js'));
  });

  it('the tarballs depend on no unpublished package', () => {
    for (const tarball of [tarballs.cli, tarballs.client]) {
      const pkg = JSON.parse(execFileSync('tar', ['xzf', tarball, '-O', 'package/package.json'], { encoding: 'utf8' })) as {
        dependencies: Record<string, string>;
        bundleDependencies: string[];
      };
      for (const [name, range] of Object.entries(pkg.dependencies)) {
        expect(range, name).not.toMatch(/^(workspace|file|link):/);
        if (name.startsWith('@latchkey/')) expect(pkg.bundleDependencies, name).toContain(name);
      }
    }
  });

  it('puts a working agent on PATH: set, get, ls, and the value in the real keychain', async () => {
    expect((await agent(['--version'])).stdout).toContain(`/${VERSION} `);
    const set = await agent(['set', 'github-token', '--ttl', '1d'], { input: 'ghp_release_test_value' });
    expect(set.code, set.stderr).toBe(0);
    const item = await ring.keyring.secretTool(['lookup', 'service', env.LATCHKEY_KEYCHAIN_SERVICE as string, 'account', 'global:github-token']);
    expect(JSON.parse(item.stdout).value).toBe('ghp_release_test_value');
    const get = await agent(['get', 'github-token']);
    expect(get.stdout).toBe('ghp_release_test_value');
    const ls = await agent(['ls', '--json']);
    expect((JSON.parse(ls.stdout) as { name: string }[]).map((s) => s.name)).toEqual(['github-token']);
  });

  it('runs agent exec in a project of its own, after agent allow', async () => {
    const project = join(dir, 'app');
    mkdirSync(project);
    writeFileSync(join(project, 'agent.env'), 'GITHUB_TOKEN=agent://github-token\nGREETING=hello\n');
    const allow = await agent(['allow'], { cwd: project });
    expect(allow.code, allow.stderr).toBe(0);
    const exec = await agent(['exec', '--', 'sh', '-c', 'printf "%s %s" "$GREETING" "${#GITHUB_TOKEN}"'], { cwd: project });
    expect(exec.code, exec.stderr).toBe(0);
    expect(exec.stdout).toBe(`hello ${'ghp_release_test_value'.length}`);
    const status = await agent(['daemon', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ store: 'keychain' });
  });

  it.runIf(NATIVE_BUILT)('ships the libc module the build made, which the installed agent uses', async () => {
    const name = `latchkey-libc-${process.platform}-${process.arch}.node`;
    const cliFiles = execFileSync('tar', ['tzf', tarballs.cli], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n');
    expect(cliFiles).toContain(`package/node_modules/@latchkey/cli/dist/native/${name}`);
    const clientFiles = execFileSync('tar', ['tzf', tarballs.client], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n');
    expect(clientFiles).toContain(`package/dist/native/${name}`);
    // The installed agent's exec maps that module, not koffi's, just before it hands over.
    const installedCli = join(prefix, 'lib', 'node_modules', 'latchkey', 'node_modules', '@latchkey', 'cli');
    const script = join(dir, 'maps.cjs');
    writeFileSync(script, `const fs = require('node:fs'); const dlopen = process.dlopen;
      process.dlopen = function (...a) { const r = dlopen.apply(this, a); fs.writeFileSync(${JSON.stringify(join(dir, 'maps.txt'))}, fs.readFileSync('/proc/self/maps', 'utf8')); return r; };`);
    // In the project the test before allowed: its manifest has a reference, so exec asks the daemon.
    const exec = await run(process.execPath, ['-r', script, join(installedCli, 'bin', 'run.js'), 'exec', '--', 'true'], { env, cwd: join(dir, 'app'), timeoutMs: 30_000 });
    expect(exec.code, exec.stderr).toBe(0);
    const maps = readFileSync(join(dir, 'maps.txt'), 'utf8');
    expect(maps).toContain(join(installedCli, 'dist', 'native', name));
    expect(maps).not.toContain('koffi.node');
  });

  it('gives a test suite a working connect() and vitest global setup', async () => {
    const project = join(dir, 'suite');
    writeFileSync(
      join(project, 'mint.mjs'),
      `import { connect } from '@latchkey/client';
const agent = await connect();
const key = await agent.tempKey({ kind: 'random', ttl: '2m', params: { bytes: 16, encoding: 'hex' } });
const before = (await agent.introspectTempKey(key.value)).active;
await key.revoke();
const after = (await agent.introspectTempKey(key.value)).active;
agent.close();
console.log(JSON.stringify({ length: key.value.length, before, after }));
`,
    );
    // No daemon runs: connect() must start the installed one, found as the latchkey-daemon program on PATH.
    expect((await agent(['daemon', 'stop'])).code).toBe(0);
    const mint = await run(process.execPath, ['mint.mjs'], { env, cwd: project });
    expect(mint.code, mint.stderr).toBe(0);
    expect(JSON.parse(mint.stdout)).toEqual({ length: 32, before: true, after: false });

    writeFileSync(
      join(project, 'vitest.config.mjs'),
      `export default { test: { globalSetup: ['@latchkey/client/vitest'], provide: { latchkeyKeys: { API_KEY: { kind: 'random', ttl: '15m', params: { bytes: 32, encoding: 'hex' } } } } } };\n`,
    );
    writeFileSync(join(project, 'key.test.mjs'), `import { test, expect } from 'vitest';\ntest('has a key', () => { expect(process.env.API_KEY).toMatch(/^[0-9a-f]{64}$/); });\n`);
    const suite = await run(process.execPath, [VITEST, 'run', '--root', project], { env, cwd: project, timeoutMs: 60_000 });
    expect(suite.code, suite.stdout + suite.stderr).toBe(0);
    expect(suite.stdout).toMatch(/1 passed/);
    const stateDir = join(env.HOME as string, '.local', 'state', 'latchkey');
    // One key from mint.mjs, one from the global setup: both issued and both revoked, by the installed daemon.
    const records = readAudit(stateDir);
    const outcomes = records.filter((r) => r.event === 'lease').map((r) => r.outcome);
    expect(records.length, `audit records in ${stateDir}`).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 'issued')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'revoked')).toHaveLength(2);
  });
});

/**
 * Where node-gyp finds Node's headers for keytar, by scripts/setup.sh's rule: npm_config_nodedir, else npm's
 * own nodedir setting, else the prefix of the running node when it holds include/node/node.h. With none
 * of them, '' (and npm is given no nodedir: node-gyp then downloads the headers).
 */
function nodeHeaders(): string {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const configured = execFileSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' }).trim();
  if (configured && configured !== 'undefined' && configured !== 'null') return configured;
  const prefix = dirname(dirname(realpathSync(process.execPath)));
  return existsSync(join(prefix, 'include', 'node', 'node.h')) ? prefix : '';
}
