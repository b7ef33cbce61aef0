// The planted corpus: 7 stored values, each planted in every encoding `agent scan` finds, in every channel
// (a working-tree file, a commit three commits back, the index, bash and zsh history, a Claude-style JSONL
// transcript, .git/config, ~/.git-credentials), inside ~50 MB of realistic noise (source code, JSON logs,
// base64 blobs and token-like strings that are no stored value; scripts/bench/scan-corpus.mjs). The scans
// must report exactly the planted set: every plant found, with its channel, line and encoding, and
// nothing else (every value here is 16 bytes or more). A retired value is found from its fingerprints.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of the benchmarks, without types
import { noise } from '../scripts/bench/scan-corpus.mjs';
import { useWorlds } from '@latchkey/test-utils';

const VALUES: Record<string, string> = {
  github: 'ghp_Q7d2Lm9XkV4pR8sT1wY6zB3nC5fH0jK2aE4u',
  stripe: 'sk_test_51NzX8vQ2mLk4Rt7Yp9Wb3Hs6',
  aws: 'AKIAZ7QW3RTY5UIO2PLK',
  slack: 'xoxb-20417765234-8g3KcRd2Lw9Zp4Vt7QxYs1Nm',
  hexkey: '9f2c4e8a1b7d3f6e0a5c9b8d7e6f5a4b3c2d1e0f',
  password: 'pa55/word+with&odd=chars?',
  quoted: 'db-"quoted"\\back\\slash-42',
};
const ENCODINGS = ['raw', 'bearer', 'base64', 'base64-unpadded', 'base64-at-1', 'base64-at-2', 'base64url', 'base64url-at-1', 'base64url-at-2', 'basic', 'hex', 'hex-upper', 'percent', 'json'] as const;
type Plant = (typeof ENCODINGS)[number];

const b64 = (s: string, url = false) => Buffer.from(s).toString(url ? 'base64url' : 'base64');

/** The text planted for `v` in encoding `e`, and the encoding a finding of it is named by. */
function plant(v: string, e: Plant): { text: string; named: string } {
  const base64 = (wrapped: string, url: boolean) => ({ text: `blob ${b64(wrapped, url)} end`, named: url && b64(wrapped, true) !== b64(wrapped).replace(/=+$/, '') ? 'base64url' : 'base64' });
  switch (e) {
    case 'raw':
      return { text: `TOKEN=${v}`, named: 'raw' };
    case 'bearer':
      return { text: `Authorization: Bearer ${v}`, named: 'bearer' };
    case 'base64':
      return base64(v, false);
    case 'base64-unpadded':
      return { text: `blob ${b64(v).replace(/=+$/, '')} end`, named: 'base64' };
    case 'base64-at-1':
      return base64(`{${v}}`, false);
    case 'base64-at-2':
      return base64(`k=${v}\n`, false);
    case 'base64url':
      return base64(v, true);
    case 'base64url-at-1':
      return base64(`{${v}}`, true);
    case 'base64url-at-2':
      return base64(`k=${v}\n`, true);
    case 'basic':
      return { text: `Authorization: Basic ${b64(`deploy:${v}`)}`, named: 'basic' };
    case 'hex':
      return { text: `key ${Buffer.from(v).toString('hex')}`, named: 'hex' };
    case 'hex-upper':
      // The hex of a value made of digits and a-f has no letters: its upper-case form is its hex form.
      return { text: `KEY ${Buffer.from(v).toString('hex').toUpperCase()}`, named: /[a-f]/.test(Buffer.from(v).toString('hex')) ? 'hex-upper' : 'hex' };
    case 'percent':
      return { text: `https://h.example/cb?t=${encodeURIComponent(v)}&x=1`, named: encodeURIComponent(v) === v ? 'raw' : 'percent' };
    case 'json':
      return { text: `{"password":${JSON.stringify(v)}}`, named: JSON.stringify(v).slice(1, -1) === v ? 'raw' : 'json' };
  }
}

/** Lines of noise with every plant of every value among them; `expected` gets [secret, line, named] rows. */
function plantedFile(noiseLines: string[], wrap: (s: string) => string, expected: string[][]): string {
  const lines: string[] = [];
  let n = 0;
  for (const [secret, v] of Object.entries(VALUES)) {
    for (const e of ENCODINGS) {
      for (let k = 0; k < 3; k++) lines.push(wrap(noiseLines[n++ % noiseLines.length] as string));
      const p = plant(v, e);
      lines.push(wrap(p.text));
      expected.push([secret, String(lines.length), p.named]);
    }
  }
  return `${lines.join('\n')}\n`;
}

function git(cwd: string, env: Record<string, string>, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, env: { ...env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

describe('the planted corpus', { timeout: 300_000 }, () => {
  const worlds = useWorlds();

  it('every planted value is found in every encoding and channel, and nothing else is', async () => {
    const w = worlds();
    for (const [name, v] of Object.entries(VALUES)) expect((await w.agent(['set', name, '--owner', 'team'], { input: v })).code).toBe(0);
    const RETIRED = 'rk_test_51OldValueReplacedYesterday';
    expect((await w.agent(['set', 'rotated'], { input: RETIRED })).code).toBe(0);
    expect((await w.agent(['set', 'rotated'], { input: 'rk_test_51TheNewValueNotPlantedAnywhere' })).code).toBe(0);

    const noiseText: string = noise(50e6, 11).toString('utf8');
    const noiseLines = noiseText.split('\n').slice(0, 20_000);
    const home = w.home;
    const repo = join(home, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    git(repo, w.env, 'init', '-q', '-b', 'main');
    // ~45 MB of noise files in the working tree, none committed.
    const perFile = 1_500_000;
    for (let i = 0, n = 0; i < noiseText.length - perFile * 3; i += perFile, n++) writeFileSync(join(repo, 'src', `module-${n}.js`), noiseText.slice(i, i + perFile));
    const expected: string[][] = [];
    const rows = (scan: string, file: string, channel: string, list: string[][]) => list.map(([secret, line, named]) => [scan, secret as string, file, line as string, named as string, 'current', channel]);

    // History: the plants go in three commits back, and are removed in the next commit.
    const hist: string[][] = [];
    writeFileSync(join(repo, 'deploy.env'), plantedFile(noiseLines, (s) => s, hist));
    writeFileSync(join(repo, 'README.md'), noiseText.slice(0, 200_000));
    git(repo, w.env, 'add', 'deploy.env', 'README.md');
    git(repo, w.env, 'commit', '-qm', 'one');
    const leaky = git(repo, w.env, 'rev-parse', 'HEAD');
    rmSync(join(repo, 'deploy.env'));
    for (const msg of ['two', 'three', 'four']) {
      writeFileSync(join(repo, 'README.md'), noiseText.slice(msg.length * 1000, msg.length * 1000 + 150_000));
      git(repo, w.env, 'add', '-A');
      git(repo, w.env, 'commit', '-qm', msg);
    }
    expect(git(repo, w.env, 'rev-parse', 'HEAD~3')).toBe(leaky);
    expected.push(...hist.map(([s, l, n]) => ['history', s as string, `deploy.env@${leaky}`, l as string, n as string, 'current', '']));

    // The index: staged, then removed from the working tree, so only the index holds it.
    const staged: string[][] = [];
    writeFileSync(join(repo, 'staged.txt'), plantedFile(noiseLines, (s) => s, staged));
    git(repo, w.env, 'add', 'staged.txt');
    rmSync(join(repo, 'staged.txt'));
    expected.push(...rows('staged', 'staged.txt', '(index)', staged));

    // The working tree.
    const tree: string[][] = [];
    mkdirSync(join(repo, 'notes'));
    writeFileSync(join(repo, 'notes', 'debug.log'), plantedFile(noiseLines, (s) => s, tree));
    expected.push(...rows('paths', join(repo, 'notes', 'debug.log'), '', tree));

    // .git/config: a token in a remote URL, and the plants as comment lines git ignores.
    const config: string[][] = [];
    const configHead = `[core]\n\trepositoryformatversion = 0\n[remote "origin"]\n\turl = https://x-access-token:${VALUES.github}@github.com/o/r.git\n`;
    config.push(['github', '4', 'raw']);
    const inConfig: string[][] = [];
    const configBody = plantedFile(noiseLines, (s) => `# ${s}`, inConfig);
    config.push(...inConfig.map(([s, l, n]) => [s as string, String(Number(l) + 4), n as string]));
    writeFileSync(join(repo, '.git', 'config'), configHead + configBody);
    expected.push(...rows('paths', join(repo, '.git', 'config'), 'git-config', config));
    expected.push(...rows('home', join(repo, '.git', 'config'), 'git-config', config));

    // The user's channels.
    // The transcript wraps each line in JSON without escaping the plant again (a tool's raw output).
    const channels: Array<[string, string, (s: string) => string]> = [
      [join(home, '.bash_history'), 'bash-history', (s) => s],
      [join(home, '.zsh_history'), 'zsh-history', (s) => `: 1764633600:0;${s}`],
      [join(home, '.claude', 'projects', '-home-me-repo', 'session.jsonl'), 'claude-transcript', (s) => `{"type":"tool_result","content":"${s}"}`],
      [join(home, '.git-credentials'), 'git-credentials', (s) => s],
    ];
    for (const [file, channel, wrap] of channels) {
      const list: string[][] = [];
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, plantedFile(noiseLines, wrap, list));
      expected.push(...rows('home', file, channel, list));
    }

    // The retired value, once, in the working tree.
    writeFileSync(join(repo, 'notes', 'old.txt'), `the old key was ${RETIRED}\n`);
    expected.push(['paths', 'rotated', join(repo, 'notes', 'old.txt'), '1', 'raw', 'retired', '']);

    type F = { secret: string; state: string; encoding: string; file: string; commit?: string; index?: boolean; channel?: string; line: number };
    const found: string[][] = [];
    const scan = async (name: string, args: string[], cwd = repo) => {
      const r = await w.agent(['scan', '--json', '--no-answer', ...args], { cwd, timeoutMs: 240_000 });
      expect(r.code, r.stderr).toBe(1);
      for (const f of (JSON.parse(r.stdout) as { findings: F[] }).findings) {
        found.push([name, f.secret, f.commit ? `${f.file}@${f.commit}` : f.file, String(f.line), f.encoding, f.state, f.index ? '(index)' : (f.channel ?? '')]);
      }
      for (const v of [...Object.values(VALUES), RETIRED]) {
        expect(r.stdout).not.toContain(v);
        expect(r.stderr).not.toContain(v);
      }
    };
    await scan('paths', [repo]);
    await scan('history', ['--history']);
    await scan('staged', ['--staged']);
    await scan('home', ['--home', repo]);
    const sort = (x: string[][]) => x.map((r) => r.join(' | ')).sort();
    expect(sort(found)).toEqual(sort(expected));
    expect(expected.length).toBeGreaterThan(7 * ENCODINGS.length * 8);
  });
});
