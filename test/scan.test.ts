// `agent scan` end to end: the built CLI against a real daemon; Git repositories made by the test; the
// keychain (real Secret Service) where retired values must outlive a restart. Every scenario also checks
// that no value reaches stdout, stderr, the audit trail or the state folder in any encoding.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConnection, ScanFindingInfo } from '@latchkey/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { filesContaining, readAudit, startAgent, useKeyring, useWorlds, waitFor, withClient, type Result, type World } from '@latchkey/test-utils';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const hex = (s: string) => Buffer.from(s).toString('hex');

interface JsonFinding {
  secret: string;
  state: string;
  encoding: string;
  file: string;
  commit?: string;
  index?: boolean;
  channel?: string;
  line: number;
}

/** The findings of `agent scan --json ...`, as sorted [secret, file, line, encoding, state] rows. */
function rows(r: Result, base = ''): string[][] {
  const doc = JSON.parse(r.stdout) as { findings: JsonFinding[] };
  return doc.findings
    .map((f) => [f.secret, f.file.replace(base, ''), String(f.line), f.encoding, f.state, f.commit ? 'commit' : f.index ? 'index' : (f.channel ?? '')])
    .sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}

/** Fails when any encoding of any value is in the output or in a file of the state folder. */
function expectNoValue(w: World, results: Result[], values: string[]): void {
  for (const v of values) {
    for (const form of [v, b64(v), hex(v)]) {
      for (const r of results) {
        expect(r.stdout).not.toContain(form);
        expect(r.stderr).not.toContain(form);
      }
      expect(filesContaining(w.stateDir, form)).toEqual([]);
    }
  }
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', HOME: cwd } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function repo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  return dir;
}

describe('agent scan', { timeout: 120_000 }, () => {
  const newWorld = useWorlds();

  const GH = 'ghp_R8x2kQ9vLm3nB7cZ1wY4tE6uI0oP5aS';
  const DB = 'pg-pa"ss\\wörd/with+slash&more';

  it('finds stored values in a working tree in every encoding, names secrets and places only, exits 1; a clean tree exits 0', async () => {
    const w = newWorld();
    expect((await w.agent(['set', 'gh', '--owner', 'platform'], { input: GH })).code).toBe(0);
    expect((await w.agent(['set', 'db'], { input: DB })).code).toBe(0);
    const dir = join(w.home, 'proj');
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(join(dir, 'a.txt'), `line one\ntoken=${GH}\n`);
    writeFileSync(join(dir, 'logs', 'req.log'), `GET /\nAuthorization: Basic ${b64(`ci:${GH}`)}\nAuthorization: Bearer ${GH}\n`);
    writeFileSync(join(dir, 'logs', 'app.jsonl'), `${JSON.stringify({ msg: 'connect', password: DB })}\n${JSON.stringify({ url: `postgres://u:${encodeURIComponent(DB)}@h/db` })}\n`);
    writeFileSync(join(dir, 'blob.txt'), `x\ny\n${b64(`{"k":"${GH}"}`)}\n${hex(DB)}\n${hex(GH).toUpperCase()}\n`);
    const r = await w.agent(['scan', '--json', '--no-answer', dir]);
    expect(r.code, r.stderr).toBe(1);
    expect(rows(r, `${dir}/`)).toEqual([
      ['db', 'blob.txt', '4', 'hex', 'current', ''],
      ['db', 'logs/app.jsonl', '1', 'json', 'current', ''],
      ['db', 'logs/app.jsonl', '2', 'percent', 'current', ''],
      ['gh', 'a.txt', '2', 'raw', 'current', ''],
      ['gh', 'blob.txt', '3', 'base64', 'current', ''],
      ['gh', 'blob.txt', '5', 'hex-upper', 'current', ''],
      ['gh', 'logs/req.log', '2', 'basic', 'current', ''],
      ['gh', 'logs/req.log', '3', 'bearer', 'current', ''],
    ]);
    const human = await w.agent(['scan', '--no-answer', join(dir, 'a.txt')]);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe(`${join(dir, 'a.txt')}:2:7: gh (raw)\n`);
    const clean = join(w.home, 'clean');
    mkdirSync(clean);
    writeFileSync(join(clean, 'ok.txt'), 'nothing here\n');
    const ok = await w.agent(['scan', clean]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/no known value found in 1 source/);
    const scans = readAudit(w.stateDir).filter((e) => e.event === 'scan');
    expect(scans.map((e) => [e.outcome, e.findings, e.secrets])).toEqual([
      ['found', 8, ['db', 'gh']],
      ['found', 1, ['gh']],
      ['clean', 0, []],
    ]);
    expectNoValue(w, [r, human, ok], [GH, DB]);
  });

  it('usage and input errors: --staged with --history is 64; a missing path and --history outside Git are 65', async () => {
    const w = newWorld();
    expect((await w.agent(['scan', '--staged', '--history'])).code).toBe(64);
    const missing = await w.agent(['scan', join(w.home, 'nope')]);
    expect(missing.code).toBe(65);
    expect(missing.stderr).toMatch(/^agent: error: no such file or folder: /m);
    const outside = await w.agent(['scan', '--history', w.home]);
    expect(outside.code).toBe(65);
  });

  it('answers: a minted value found is rotated and its old value is then found as retired; a stored one is flagged with its owner; ls and doctor show the leak', async () => {
    const w = newWorld();
    expect((await w.agent(['set', 'minted', '--mint', 'head -c 24 /dev/urandom | od -An -tx1 | tr -d " \\n"'])).code).toBe(0);
    const old = (await w.agent(['get', 'minted'])).stdout;
    expect(old).toMatch(/^[0-9a-f]{48}$/);
    expect((await w.agent(['set', 'stripe', '--owner', 'payments'], { input: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc' })).code).toBe(0);
    const file = join(w.home, 'transcript.jsonl');
    writeFileSync(file, `${JSON.stringify({ tool: 'env', out: `MINTED=${old}\nSTRIPE=sk_test_4eC39HqLyjWDarjtT1zdp7dc` })}\n`);
    const r = await w.agent(['scan', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('agent: rotated minted: the leaked value is no longer served');
    expect(r.stderr).toContain('agent: stripe is marked leaked (owner payments)');
    expect(r.stderr).toContain('agent: hint: ask payments to revoke it where it was issued, then store the new value with agent set stripe');
    const now = (await w.agent(['get', 'minted'])).stdout;
    expect(now).toMatch(/^[0-9a-f]{48}$/);
    expect(now).not.toBe(old);
    const again = await w.agent(['scan', '--json', file]);
    expect(rows(again).map((x) => x.slice(0, 5))).toEqual([
      ['minted', file, '1', 'raw', 'retired'],
      ['stripe', file, '1', 'raw', 'current'],
    ]);
    const ls = JSON.parse((await w.agent(['ls', '--json'])).stdout) as Array<{ name: string; leakedAt: string | null; leakedWhere: string | null }>;
    expect(ls.map((s) => [s.name, s.leakedAt !== null, s.leakedWhere])).toEqual([
      ['minted', false, null],
      ['stripe', true, `${file}:1`],
    ]);
    const doctor = await w.agent(['doctor', '--json'], { cwd: w.home });
    expect(doctor.code).toBe(1);
    const problems = (JSON.parse(doctor.stdout) as { findings: Array<{ check: string; level: string; secret?: string }> }).findings.filter((f) => f.check === 'leaked');
    expect(problems).toEqual([expect.objectContaining({ level: 'problem', secret: 'stripe' })]);
    const leaks = readAudit(w.stateDir).filter((e) => e.event === 'leak');
    expect(leaks.map((e) => [e.secret, e.outcome])).toEqual([
      ['minted', 'rotated'],
      ['stripe', 'flagged'],
      ['minted', 'retired'],
      ['stripe', 'flagged'],
    ]);
    expectNoValue(w, [r, again], [old, now, 'sk_test_4eC39HqLyjWDarjtT1zdp7dc']);
  });

  it('on_leak: an approved manifest\'s command runs with the secret\'s name (never its value), and the flag names the docs link', async () => {
    const w = newWorld();
    const value = 'sk_test_9vLm3nB7cZ1wY4tE6uI0oP5a';
    expect((await w.agent(['set', 'stripe'], { input: value })).code).toBe(0);
    const dir = join(w.home, 'shop');
    mkdirSync(dir);
    const told = join(w.home, 'told');
    const hook = join(w.home, 'revoke.sh');
    writeFileSync(hook, `#!/bin/sh\nprintf '%s|%s\\n' "$LATCHKEY_SECRET" "$(env | grep -c sk_test_)" >> ${told}\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'agent.env'), `STRIPE_KEY=agent://stripe?owner=payments&docs=https://wiki.example/stripe&on_leak=${hook}\n`);
    const allow = await w.agent(['allow'], { cwd: dir });
    expect(allow.code, allow.stderr).toBe(0);
    expect(allow.stdout + allow.stderr).toContain(`on_leak=${hook}`);
    writeFileSync(join(dir, 'debug.log'), `key ${value}\n`);
    const r = await w.agent(['scan', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('agent: hint: ask payments to revoke it where it was issued (https://wiki.example/stripe), then store the new value with agent set stripe');
    expect(readFileSync(told, 'utf8')).toBe('stripe|0\n');
    expect(r.stderr).toContain('agent: ran the on_leak command of stripe\n');
    const leaks = readAudit(w.stateDir).filter((e) => e.event === 'leak');
    expect(leaks.map((e) => [e.secret, e.outcome])).toEqual([
      ['stripe', 'flagged'],
      ['stripe', 'on-leak'],
    ]);
    expectNoValue(w, [r], [value]);
  });

  it('a temporary key found in a file has its lease revoked', async () => {
    const w = newWorld();
    const key = await w.agent(['temp', 'random', '--bytes', '24', '--encoding', 'base64url', '--ttl', '10m']);
    expect(key.code, key.stderr).toBe(0);
    const leaseId = /agent: lease (lease_[A-Za-z0-9_-]+)/.exec(key.stderr)?.[1];
    const file = join(w.home, '.bash_history');
    writeFileSync(file, `ls\ncurl -H "Authorization: Bearer ${key.stdout}" https://api.test\n`);
    const r = await w.agent(['scan', '--home']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${file}:2:32: temp/random (bearer, temporary, bash-history)\n`);
    expect(r.stderr).toContain(`agent: revoked temp/random (${leaseId}): its lease has ended`);
    const leases = await w.agent(['leases', '--json']);
    expect(leases.stdout).not.toContain(leaseId as string);
    expectNoValue(w, [r], [key.stdout]);
  });

  it('--home reads shell histories, agent transcripts (Aider\'s in HOME and in repositories too), .git/config remote URLs and ~/.git-credentials, naming each channel', async () => {
    const w = newWorld();
    const tok = 'glpat-Zz9yXw8vUt7sRq6pOn5m';
    expect((await w.agent(['set', 'gitlab'], { input: tok })).code).toBe(0);
    writeFileSync(join(w.home, '.zsh_history'), `: 1700000000:0;export GITLAB_TOKEN=${tok}\n`);
    mkdirSync(join(w.home, '.claude', 'projects', 'p1'), { recursive: true });
    writeFileSync(join(w.home, '.claude', 'projects', 'p1', 's.jsonl'), `{"type":"user"}\n{"type":"tool_result","content":"${b64(tok)}"}\n`);
    writeFileSync(join(w.home, '.git-credentials'), `https://oauth2:${tok}@gitlab.example\n`);
    const r1 = repo(join(w.home, 'src', 'r1'));
    git(r1, 'remote', 'add', 'origin', `https://oauth2:${tok}@gitlab.example/r1.git`);
    writeFileSync(join(r1, 'README'), `${tok}\n`); // a working-tree file: not a --home channel
    // Aider, run in the repository and in HOME: its chat log (Markdown) and the prompts typed.
    writeFileSync(join(r1, '.aider.chat.history.md'), `# aider chat started at 2026-12-01\n\n#### use the token\n\n> Tokens: 1k\n\n\`\`\`\ncurl -H 'Authorization: Bearer ${tok}' https://gitlab.example\n\`\`\`\n`);
    writeFileSync(join(w.home, '.aider.input.history'), `\n# 2026-12-01 10:00:00.000000\n+my token is ${tok}\n`);
    const configLine = readFileSync(join(r1, '.git', 'config'), 'utf8').split('\n').findIndex((l) => l.includes(tok)) + 1;
    const r = await w.agent(['scan', '--home', '--json', '--no-answer', join(w.home, 'src')]);
    expect(r.code).toBe(1);
    expect(rows(r, `${w.home}/`)).toEqual([
      ['gitlab', '.aider.input.history', '3', 'raw', 'current', 'aider-input'],
      ['gitlab', '.claude/projects/p1/s.jsonl', '2', 'base64', 'current', 'claude-transcript'],
      ['gitlab', '.git-credentials', '1', 'raw', 'current', 'git-credentials'],
      ['gitlab', '.zsh_history', '1', 'raw', 'current', 'zsh-history'],
      ['gitlab', 'src/r1/.aider.chat.history.md', '8', 'bearer', 'current', 'aider-chat'],
      ['gitlab', 'src/r1/.git/config', String(configLine), 'raw', 'current', 'git-config'],
    ]);
  });

  it('--fix redacts working-tree files in place (same inode), keeps no original, and a second scan is clean', async () => {
    const w = newWorld();
    expect((await w.agent(['set', 'gh'], { input: GH })).code).toBe(0);
    const file = join(w.home, 'notes.md');
    writeFileSync(file, `a ${GH} b\nc ${b64(`u:${GH}`)} d\n`);
    chmodSync(file, 0o640);
    const inode = statSync(file).ino;
    const r = await w.agent(['scan', '--fix', '--no-answer', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`agent: redacted 2 finding(s) in ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('a [latchkey:redacted:gh] b\nc ')).toBe(true);
    expect(text).toContain('[latchkey:redacted:gh]');
    expect(text).not.toContain(GH);
    expect(statSync(file).ino).toBe(inode);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(filesContaining(w.home, GH)).toEqual([]);
    expect((await w.agent(['scan', file])).code).toBe(0);
    expectNoValue(w, [r], [GH]);
  });

  it('--history finds a value committed three commits back and since removed, with its commit; --fix prints a filter-repo command holding no value', async () => {
    const w = newWorld();
    expect((await w.agent(['set', 'gh'], { input: GH })).code).toBe(0);
    const r1 = repo(join(w.home, 'hist'));
    writeFileSync(join(r1, 'cfg.json'), JSON.stringify({ token: b64(GH) }));
    git(r1, 'add', '.');
    git(r1, 'commit', '-qm', 'one');
    const leaky = git(r1, 'rev-parse', 'HEAD');
    for (const n of ['two', 'three', 'four']) {
      writeFileSync(join(r1, 'cfg.json'), JSON.stringify({ token: 'none', n }));
      git(r1, 'commit', '-qam', n);
    }
    const clean = await w.agent(['scan', '--no-answer', r1]);
    expect(clean.code).toBe(0);
    const r = await w.agent(['scan', '--history', '--json', '--fix', '--no-answer'], { cwd: r1 });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { findings: JsonFinding[]; filterRepo: string };
    expect(doc.findings.map((f) => [f.secret, f.file, f.commit, f.line, f.encoding])).toEqual([['gh', 'cfg.json', leaky, 1, 'base64']]);
    expect(doc.filterRepo).toMatch(/^git filter-repo --force --blob-callback '/);
    expect(doc.filterRepo).toContain('[latchkey:redacted:gh]');
    expectNoValue(w, [r], [GH]);
    expect(doc.filterRepo).not.toContain(b64(GH).slice(4, 20));
  });

  it('--history --fix: the git filter-repo command it prints, run on the repository, leaves a history in which --history finds nothing', async () => {
    const w = newWorld();
    expect((await w.agent(['set', 'gh'], { input: GH })).code).toBe(0);
    expect((await w.agent(['set', 'db'], { input: DB })).code).toBe(0);
    const r1 = repo(join(w.home, 'rewrite'));
    writeFileSync(join(r1, 'cfg.json'), `${JSON.stringify({ token: b64(GH), n: 1 })}\n`);
    writeFileSync(join(r1, 'keep.txt'), 'untouched\n');
    git(r1, 'add', '.');
    git(r1, 'commit', '-qm', 'one');
    writeFileSync(join(r1, 'cfg.json'), `${JSON.stringify({ token: 'none', n: 2 })}\n`);
    git(r1, 'commit', '-qam', 'two');
    git(r1, 'checkout', '-qb', 'side');
    writeFileSync(join(r1, 'env.sh'), `export A=${GH}\nexport URL='postgres://u:${encodeURIComponent(DB)}@h/db' # and ${GH} again\n`);
    git(r1, 'add', 'env.sh');
    git(r1, 'commit', '-qm', 'side');
    git(r1, 'checkout', '-q', 'main');
    const before = await w.agent(['scan', '--history', '--json', '--fix', '--no-answer'], { cwd: r1 });
    expect(before.code).toBe(1);
    const doc = JSON.parse(before.stdout) as { findings: JsonFinding[]; filterRepo: string };
    expect(doc.findings.map((f) => [f.secret, f.file, f.encoding]).sort()).toEqual([
      ['db', 'env.sh', 'percent'],
      ['gh', 'cfg.json', 'base64'],
      ['gh', 'env.sh', 'raw'],
      ['gh', 'env.sh', 'raw'],
    ]);
    const run = spawnSync('sh', ['-c', doc.filterRepo], { cwd: r1, encoding: 'utf8', env: { ...process.env, HOME: r1 } });
    expect(run.status, run.stderr).toBe(0);
    const after = await w.agent(['scan', '--history', '--json', '--no-answer'], { cwd: r1 });
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).findings).toEqual([]);
    expect(git(r1, 'show', 'side:env.sh')).toBe("export A=[latchkey:redacted:gh]\nexport URL='postgres://u:[latchkey:redacted:db]@h/db' # and [latchkey:redacted:gh] again");
    // A base64 finding covers the characters that hold the value's bytes alone; the last one or two, which
    // share bits with the padding, stay.
    expect(git(r1, 'show', 'main~1:cfg.json')).toMatch(/^\{"token":"\[latchkey:redacted:gh\][A-Za-z0-9+/]{0,2}=*","n":1\}$/);
    expect(git(r1, 'show', 'main:keep.txt')).toBe('untouched');
    expect(git(r1, 'rev-list', '--count', '--all')).toBe('3');
    expectNoValue(w, [before, after], [GH, DB]);
  });

  // Each trap writes its own marker, and is first shown to fire under the git commands a scanner might
  // have used (so the test cannot pass because a trap is not armed). Of what the scan does, only
  // -c core.fsmonitor=false is needed: diff-index and diff-tree run core.fsmonitor when they read the index;
  // textconv, external diff and hooks are never run by the plumbing it uses (--raw, cat-file --batch).
  // No pager trap: git's stdout is a pipe, so no pager runs whatever core.pager says.
  it('a hostile repository: its fsmonitor, textconv, external diff and hooks do not run when --staged or --history reads it', async () => {
    const w = newWorld();
    expect((await w.agent(['set', 'gh'], { input: GH })).code).toBe(0);
    const r1 = repo(join(w.home, 'hostile'));
    const markers = join(w.home, 'ran');
    mkdirSync(markers);
    const trap = (name: string, body = '') => {
      const path = join(w.home, `${name}.sh`);
      writeFileSync(path, `#!/bin/sh\ntouch ${join(markers, name)}\n${body}`, { mode: 0o755 });
      return path;
    };
    git(r1, 'config', 'core.fsmonitor', trap('fsmonitor'));
    // A textconv that hides the value: a scan of its output would find nothing.
    git(r1, 'config', 'diff.evil.textconv', trap('textconv', 'echo nothing to see\n'));
    git(r1, 'config', 'diff.external', trap('external-diff'));
    trap('post-index-change');
    renameSync(join(w.home, 'post-index-change.sh'), join(r1, '.git', 'hooks', 'post-index-change'));
    writeFileSync(join(r1, '.gitattributes'), '* diff=evil\n');
    writeFileSync(join(r1, 'a.txt'), `one ${GH}\n`);
    git(r1, 'add', '.');
    git(r1, 'commit', '-qm', 'one');
    writeFileSync(join(r1, 'b.txt'), `two ${hex(GH)}\n`);
    git(r1, 'add', 'b.txt');
    const reset = () => {
      rmSync(markers, { recursive: true, force: true });
      mkdirSync(markers);
    };
    const fired = (...args: string[]) => {
      reset();
      git(r1, ...args);
      return readdirSync(markers).sort();
    };
    expect(fired('diff-index', '--cached', '--raw', 'HEAD')).toEqual(['fsmonitor']);
    expect(fired('-c', 'core.fsmonitor=false', 'log', '-p')).toEqual(['textconv']);
    expect(fired('-c', 'core.fsmonitor=false', 'diff', '--cached')).toEqual(['external-diff']);
    expect(fired('-c', 'core.fsmonitor=false', 'status')).toEqual(['post-index-change']);
    reset();
    const staged = await w.agent(['scan', '--staged', '--no-answer'], { cwd: r1 });
    const history = await w.agent(['scan', '--history', '--no-answer'], { cwd: r1 });
    expect(readdirSync(markers)).toEqual([]);
    expect(staged.stdout).toBe('(staged) b.txt:1:5: gh (hex)\n');
    expect(history.stdout).toMatch(/^[0-9a-f]{12}:a\.txt:1:5: gh \(raw\)\n$/);
  });

  it('--staged, the lean path the hook runs (no oclif, no grpc-js): starts a daemon when none runs, and prints, exits, answers and audits as the oclif form does', async () => {
    const w = newWorld();
    const r1 = repo(join(w.home, 'lean'));
    // No daemon yet: the hook's scan starts one, as every command does.
    const first = await w.agent(['scan', '--staged'], { cwd: r1 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^agent: no known value found in 0 source\(s\), 0\.0 MB/m);
    expect((await w.agent(['daemon', 'status'])).code).toBe(0);

    expect((await w.agent(['set', 'gh', '--owner', 'platform'], { input: GH })).code).toBe(0);
    writeFileSync(join(r1, 'clean.txt'), 'nothing here\n');
    writeFileSync(join(r1, 'leak.txt'), `x\nexport T=${hex(GH)} ${b64(GH)}\n`);
    git(r1, 'add', '.');
    // The same scan through oclif: a path given (the repository's own folder) is not the lean form.
    const lean = await w.agent(['scan', '--staged', '--no-answer'], { cwd: r1 });
    const oclif = await w.agent(['scan', '--staged', '--no-answer', '.'], { cwd: r1 });
    expect(lean.code).toBe(1);
    expect(lean.stdout).toBe('(staged) leak.txt:2:10: gh (hex)\n(staged) leak.txt:2:81: gh (base64)\n');
    expect([lean.code, lean.stdout, lean.stderr]).toEqual([oclif.code, oclif.stdout, oclif.stderr]);
    expect(readAudit(w.stateDir).filter((e) => e.event === 'leak')).toEqual([]);

    const answered = await w.agent(['scan', '--staged'], { cwd: r1 });
    expect(answered.code).toBe(1);
    expect(answered.stdout).toBe(lean.stdout);
    expect(answered.stderr).toContain('agent: gh is marked leaked (owner platform)');
    expect(answered.stderr).toContain('agent: hint: remove the values from the files (agent scan --fix FILE redacts them), then git add them again');
    const ls = JSON.parse((await w.agent(['ls', '--json'])).stdout) as Array<{ name: string; leakedWhere: string | null }>;
    expect(ls.map((x) => [x.name, x.leakedWhere])).toEqual([['gh', ':leak.txt:2']]);
    const scans = readAudit(w.stateDir).filter((e) => e.event === 'scan');
    expect(scans.map((e) => [e.mode, e.outcome, e.findings])).toEqual([
      ['staged', 'clean', 0],
      ['staged', 'found', 2],
      ['staged', 'found', 2],
      ['staged', 'found', 2],
    ]);
    expect(readAudit(w.stateDir).filter((e) => e.event === 'leak').map((e) => [e.secret, e.outcome])).toEqual([['gh', 'flagged']]);

    // Outside a Git repository: 65, with the oclif form's message.
    const outside = await w.agent(['scan', '--staged'], { cwd: w.home });
    const outsideOclif = await w.agent(['scan', '--staged', '.'], { cwd: w.home });
    expect(outside.code).toBe(65);
    expect([outside.stdout, outside.stderr]).toEqual([outsideOclif.stdout, outsideOclif.stderr]);
    expectNoValue(w, [first, lean, oclif, answered, outside], [GH]);

    // What that path loads: neither oclif, nor grpc-js or proto-loader, nor node:http2 (a preloaded probe lists them at exit).
    const probe = join(w.home, 'probe.cjs');
    const seen = join(w.home, 'loaded.txt');
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(seen)}, [...Object.keys(require.cache), ...process.moduleLoadList].filter((m) => /oclif|grpc|proto-loader|http2/.test(m)).join(',') || 'none'));\n`);
    const probed = await w.agent(['scan', '--staged', '--no-answer'], { cwd: r1, env: { ...w.env, NODE_OPTIONS: `--require ${probe}` } });
    expect(probed.stdout).toBe(lean.stdout);
    expect(readFileSync(seen, 'utf8')).toBe('none');
    const probedOclif = await w.agent(['scan', '--staged', '--no-answer', '.'], { cwd: r1, env: { ...w.env, NODE_OPTIONS: `--require ${probe}` } });
    expect(probedOclif.stdout).toBe(lean.stdout);
    expect(readFileSync(seen, 'utf8')).toMatch(/oclif/); // the probe sees what the other path loads
  });

  it('the pre-commit hook blocks a commit that adds a value in base64, lets a clean one through, and keeps the existing hook', async () => {
    const w = newWorld();
    expect((await w.agent(['set', 'gh'], { input: GH })).code).toBe(0);
    const r1 = repo(join(w.home, 'hooked'));
    const legacyRan = join(w.home, 'legacy-ran');
    writeFileSync(join(r1, '.git', 'hooks', 'pre-commit'), `#!/bin/sh\necho ran >> ${legacyRan}\n`, { mode: 0o755 });
    const install = await w.agent(['hook', 'install'], { cwd: r1 });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).toMatch(/the existing hook runs after it/);
    const env = { ...w.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
    const commit = (msg: string) => spawnSync('git', ['commit', '-qm', msg], { cwd: r1, env, encoding: 'utf8' });
    writeFileSync(join(r1, 'ok.txt'), 'fine\n');
    spawnSync('git', ['add', 'ok.txt'], { cwd: r1, env });
    const good = commit('clean');
    expect(good.status, good.stderr).toBe(0);
    expect(readFileSync(legacyRan, 'utf8')).toBe('ran\n');
    writeFileSync(join(r1, 'leak.txt'), `export X=${b64(`${GH}\n`)}\n`);
    spawnSync('git', ['add', 'leak.txt'], { cwd: r1, env });
    const bad = commit('leak');
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toContain('(staged) leak.txt:1:10: gh (base64)');
    expect(git(r1, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(readFileSync(legacyRan, 'utf8')).toBe('ran\n');
    const un = await w.agent(['hook', 'uninstall'], { cwd: r1 });
    expect(un.stderr).toMatch(/the previous one is back/);
    expect(readFileSync(join(r1, '.git', 'hooks', 'pre-commit'), 'utf8')).toContain(legacyRan);
    expectNoValue(w, [install, un, { ...bad, code: bad.status, signal: null, stdoutBytes: Buffer.alloc(0) } as Result], [GH]);
  });

  it('--watch: once it says it is watching, a minted value written into a Claude transcript is rotated within 2 s of the write, and a Codex folder made after it began is watched', async () => {
    const w = newWorld();
    expect((await w.agent(['set', 'watched', '--mint', 'head -c 24 /dev/urandom | od -An -tx1 | tr -d " \\n"'])).code).toBe(0);
    const later = 'xoxp-5555-6666-QrStUvWxYz987654';
    expect((await w.agent(['set', 'later'], { input: later })).code).toBe(0);
    const old = (await w.agent(['get', 'watched'])).stdout;
    const dir = join(w.home, '.claude', 'projects', 'p');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'session.jsonl');
    writeFileSync(file, '{"type":"user","message":"hello"}\n');
    const watcher = startAgent(w, ['scan', '--watch']);
    try {
      await watcher.waitForStderr(/^agent: watching \d+ leak channel/m, 30_000);
      const wrote = Date.now();
      appendFileSync(file, `${JSON.stringify({ type: 'tool_result', content: `WATCHED=${old}` })}\n`);
      await watcher.waitForOutput(/watched \(raw, claude-transcript\)/, 10_000);
      const rotated = await waitFor(() => readAudit(w.stateDir).find((e) => e.event === 'leak' && e.secret === 'watched' && e.outcome === 'rotated'), 10_000);
      const tookMs = Date.parse(String(rotated?.time)) - wrote;
      expect(tookMs).toBeLessThan(2000);
      const now = (await w.agent(['get', 'watched'])).stdout;
      expect(now).not.toBe(old);
      // ~/.codex did not exist when the watch began: the whole tree is moved into place at once.
      const staging = join(w.home, 'staging');
      mkdirSync(join(staging, 'sessions', '2026', '12'), { recursive: true });
      const rollout = `${JSON.stringify({ type: 'function_call_output', output: `token ${b64(later)}` })}\n`;
      writeFileSync(join(staging, 'sessions', '2026', '12', 'rollout.jsonl'), rollout);
      renameSync(staging, join(w.home, '.codex'));
      await watcher.waitForOutput(/later \(base64, codex-transcript\)/, 10_000);
      expect(watcher.stdout()).toBe(
        `${file}:2:42: watched (raw, claude-transcript)\n` +
          `${join(w.home, '.codex', 'sessions', '2026', '12', 'rollout.jsonl')}:1:${rollout.indexOf(b64(later)) + 1}: later (base64, codex-transcript)\n`,
      );
    } finally {
      watcher.child.kill('SIGTERM');
      await watcher.ended;
    }
    expect(existsSync(file)).toBe(true);
    expectNoValue(w, [await watcher.ended], [old, later]);
  });
});

describe('agent scan with the keychain', { timeout: 120_000 }, () => {
  const ring = useKeyring();
  const worlds = useWorlds();
  let world: World;
  beforeAll(() => {
    world = worlds(ring.keyring);
  });

  it('a replaced value is still found after a daemon restart, from its sealed fingerprints alone', async () => {
    const first = 'xoxb-1111-2222-AbCdEfGhIjKlMnOp';
    expect((await world.agent(['set', 'slack'], { input: first })).code).toBe(0);
    expect((await world.agent(['set', 'slack'], { input: 'xoxb-3333-4444-QrStUvWxYz012345' })).code).toBe(0);
    expect((await world.agent(['daemon', 'stop'])).code).toBe(0);
    const file = join(world.home, 'old.txt');
    writeFileSync(file, `curl -u ${first}: https://slack.test\nAuthorization: Basic ${b64(`${first}:`)}\n`);
    const r = await world.agent(['scan', '--json', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(rows(r).map((x) => x.slice(0, 5))).toEqual([
      ['slack', file, '1', 'raw', 'retired'],
      ['slack', file, '2', 'basic', 'retired'],
    ]);
    expect(existsSync(join(world.stateDir, 'retired.json'))).toBe(true);
    expectNoValue(world, [r], [first]);
  });
});

// A same-user process can send any bytes to the Scan RPC: without a rule it could test guesses against every
// stored value. This test process is that caller, outside project A (its kernel cwd is the repository).
describe.skipIf(process.platform !== 'linux')('the scan is no guess oracle for another project', { timeout: 120_000 }, () => {
  const worlds = useWorlds();

  async function scanBytes(client: AgentConnection, start: { mode: string; roots: string[]; answer: boolean }, data: Buffer, onFinding: (f: ScanFindingInfo) => void = () => {}) {
    const findings: ScanFindingInfo[] = [];
    const stream = client.scan(start, (f) => {
      findings.push(f);
      onFinding(f);
    });
    await stream.send({ id: 1, label: 'guesses' }, data, true);
    const summary = await stream.finish();
    return { findings: findings.map((f) => [f.secret, f.line]).sort(), summary };
  }

  it('outside A, a scan that does not answer finds none of A\'s values, whatever roots it names; inside A it does; one that answers sends their findings only once they are marked leaked and the minted one rotated', async () => {
    const w = worlds();
    const a = join(w.dir, 'projects', 'a');
    mkdirSync(a, { recursive: true });
    writeFileSync(join(a, 'agent.env'), 'A_TOKEN=agent://a-token\n');
    const A = 'a-scoped-Qw8rT5yU2iO9pL3k';
    const G = 'global-Zx4cV7bN1mA6sD0f';
    expect((await w.agent(['set', 'a-token', '--project'], { input: A, cwd: a })).code).toBe(0);
    expect((await w.agent(['set', 'a-mint', '--project', '--mint', 'head -c 24 /dev/urandom | od -An -tx1 | tr -d " \\n"'], { cwd: a })).code).toBe(0);
    expect((await w.agent(['set', 'g'], { input: G })).code).toBe(0);
    const minted = (await w.agent(['get', 'a-mint'], { cwd: a })).stdout;
    expect(minted).toMatch(/^[0-9a-f]{48}$/);
    const file = join(w.home, 'guesses.txt');
    writeFileSync(file, `not-a-value\n${A}\n${b64(minted)}\n${G}\n`);
    const bytes = readFileSync(file);
    await withClient(w, async (client) => {

      const quiet = await scanBytes(client, { mode: 'paths', roots: [realpathSync(a)], answer: false }, bytes);
      expect(quiet.findings).toEqual([['g', 4]]);
      expect(quiet.summary.outOfScope).toBe(2);
      const scanned = readAudit(w.stateDir).filter((e) => e.event === 'scan').at(-1);
      expect(scanned).toMatchObject({ secrets: ['g'], findings: 1, outOfScope: 2, cwd: realpathSync(process.cwd()), cwdSource: 'kernel' });
      const cli = await w.agent(['scan', '--no-answer', file]);
      expect(cli.stdout).toBe(`${file}:4:1: g (raw)\n`);
      expect(cli.stderr).toContain('agent: 2 value(s) of secrets bound to other projects were not looked for');

      const inside = await w.agent(['scan', '--no-answer', '--json', file], { cwd: a });
      expect(rows(inside).map((r) => r.slice(0, 4))).toEqual([
        ['a-mint', file, '3', 'base64'],
        ['a-token', file, '2', 'raw'],
        ['g', file, '4', 'raw'],
      ]);
      const ls = JSON.parse((await w.agent(['ls', '--json'])).stdout) as Array<{ name: string; leakedAt: string | null }>;
      expect(ls.filter((s) => s.leakedAt !== null)).toEqual([]);

      const answeredFirst: string[] = [];
      const loud = await scanBytes(client, { mode: 'paths', roots: [], answer: true }, bytes, (f) => {
        const leak = readAudit(w.stateDir).find((e) => e.event === 'leak' && e.secret === f.secret);
        if (f.scope.startsWith('/')) answeredFirst.push(`${f.secret}: ${String(leak?.outcome)}`);
      });
      expect(loud.findings).toEqual([['a-mint', 3], ['a-token', 2], ['g', 4]]);
      expect(answeredFirst.sort()).toEqual(['a-mint: rotated', 'a-token: flagged']);
      expect((await w.agent(['get', 'a-mint'], { cwd: a })).stdout).not.toBe(minted);
      expectNoValue(w, [quiet, cli, inside, loud].map((r) => ('code' in r ? r : { stdout: JSON.stringify(r), stderr: '' }) as Result), [A, G, minted]);
    });
  });
});
