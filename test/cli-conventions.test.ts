// The conventions people expect of a CLI: help, version, a mistyped command, flag errors that say why, help that
// fits an 80-column terminal, and shell completion in bash, zsh and fish run by the shells themselves.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canConnect, CLI, cliNode, makeWorld, ROOT, run, useLab, type World } from '@latchkey/test-utils';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;

describe('agent, used as people use CLIs', () => {
  const lab = useLab({ store: 'memory' });
  let world: World;
  let binDir: string;
  beforeAll(async () => {
    world = lab.world;
    // `agent` on PATH, as an install puts it, for the shells' completion scripts.
    binDir = join(world.dir, 'bin');
    mkdirSync(binDir);
    writeFileSync(join(binDir, 'agent'), `#!/bin/sh\nexec ${JSON.stringify(cliNode())} -- ${JSON.stringify(CLI)} "$@"\n`);
    chmodSync(join(binDir, 'agent'), 0o755);
    for (const name of ['stripe-test', 'stripe-live', 'github-token']) {
      expect((await world.agent(['set', name, '--ttl', '1h'], { input: 'value-for-completion' })).code).toBe(0);
    }
  });

  it('agent help exec prints what agent exec --help prints', async () => {
    const viaHelp = await world.agent(['help', 'exec']);
    const viaFlag = await world.agent(['exec', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toContain('Run a command with the secrets of the approved manifest');
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    const topic = await world.agent(['help', 'daemon', 'start']);
    expect(topic.stdout).toContain('agent daemon start');
  });

  it.each([['--version'], ['-v']])('%s prints the version', async (flag) => {
    const r = await world.agent([flag]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`/${VERSION} `);
  });

  it.each([
    [['exce'], 'unknown command "exce"', 'did you mean exec?'],
    [['sett'], 'unknown command "sett"', 'did you mean set?'],
    [['daemon', 'strat'], 'unknown command "daemon strat"', 'did you mean daemon start?'],
    [['frobnicate'], 'unknown command "frobnicate"', 'run agent --help to see the commands'],
  ])('%j is a usage error with a suggestion', async (args, error, hint) => {
    const r = await world.agent(args);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(`agent: error: ${error}\nagent: hint: ${hint}\n`);
  });

  it('a flag out of range says the allowed range', async () => {
    const r = await world.agent(['temp', 'random', '--bytes', '0']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('agent: error: --bytes must be an integer from 1 to 1024 (got "0")');
  });

  it('a ttl without a unit is refused with a hint, and nothing is stored', async () => {
    const r = await world.agent(['set', 'unitless', '--ttl', '5'], { input: 'some-value' });
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('agent: error: the duration "5" has no unit');
    expect(r.stderr).toContain('agent: hint: did you mean 5s or 5m?');
    const ls = await world.agent(['ls', '--json']);
    expect((JSON.parse(ls.stdout) as { name: string }[]).map((s) => s.name)).not.toContain('unitless');
  });

  it('every command help fits an 80-column terminal', async () => {
    const ids = ['', 'set', 'get', 'ls', 'rm', 'rotate', 'temp random', 'temp jwt', 'leases', 'revoke', 'import', 'allow', 'deny', 'daemon start', 'daemon stop', 'daemon status', 'daemon install', 'daemon uninstall', 'onboard', 'audit', 'audit verify', 'doctor', 'exec', 'completion', 'scan', 'hook install', 'hook uninstall'];
    const tooWide: string[] = [];
    // Three at a time: 27 CLIs started at once on a loaded 2-core machine outran every timeout.
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const r = await world.agent([...id.split(' ').filter(Boolean), '--help'], { env: { COLUMNS: '80' }, timeoutMs: 60_000 });
        expect(r.code, id).toBe(0);
        for (const line of r.stdout.split('\n')) if (line.length > 80) tooWide.push(`${id}: ${line}`);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    expect(tooWide).toEqual([]);
  }, 300_000);

  describe('completion', () => {
    const shellEnv = () => ({ ...world.env, PATH: `${binDir}:${world.env.PATH}` });

    it('bash completes commands, subcommands, flags and stored secret names', async () => {
      const complete = async (...words: string[]) => {
        const script = `eval "$(agent completion bash)"; COMP_WORDS=(agent ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _agent_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const r = await run('bash', ['--norc', '-c', script], { env: shellEnv() });
        expect(r.stderr).toBe('');
        return r.stdout.split('\n').filter(Boolean);
      };
      expect(await complete('dae')).toEqual(['daemon']);
      expect(await complete('daemon', 'st')).toEqual(['start', 'status', 'stop']);
      expect(await complete('exec', '--ma')).toEqual(['--mask']);
      expect(await complete('get', 'stripe-')).toEqual(['stripe-live', 'stripe-test']);
      expect(await complete('rm', '')).toEqual(['github-token', 'stripe-live', 'stripe-test']);
      expect(await complete('temp', 'random', '--encoding', '')).toEqual(['hex', 'base64url']);
    });

    it('zsh completes through compadd', async () => {
      // compdef and compadd belong to zsh's completion system; stand-ins record what the script hands them.
      const script = `compdef() { :; }; eval "$(agent completion zsh)"; compadd() { print -l -- \${(P)2}; }; _files() { print FILES; }; words=(agent daemon st); CURRENT=3; _agent_complete; words=(agent get stripe-); CURRENT=3; _agent_complete`;
      const r = await run('zsh', ['-f', '-c', script], { env: shellEnv() });
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(['start', 'status', 'stop', 'stripe-live', 'stripe-test']);
    });

    it('fish completes with complete -C', async () => {
      const script = `agent completion fish | source; complete -C 'agent daemon st'; complete -C 'agent get stripe-'`;
      const r = await run('fish', ['--no-config', '-c', script], { env: shellEnv() });
      expect(r.stderr).toBe('');
      expect(r.stdout.split('\n').filter(Boolean)).toEqual(['start', 'status', 'stop', 'stripe-live', 'stripe-test']);
    });

    it('completion never starts a daemon: with none running, names complete to nothing', async () => {
      const other = makeWorld();
      try {
        const r = await other.agent(['__complete', '--', 'get', '']);
        expect(r.code).toBe(0);
        expect(r.stdout).toBe('');
        expect(await canConnect(other.socket)).toBe(false);
      } finally {
        await other.cleanup();
      }
    });
  });
});
