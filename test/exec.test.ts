// `agent exec` end to end: the built CLI as a subprocess against a real daemon (SECURITY.md 11, 13, 15,
// 26-30, and scoping, expiry warnings, --mask, --watch, import). Every run is checked from outside: the
// child's own view (fixtures under test/fixtures), exit codes and signals, the audit log, /proc.
//
// One memory-store world serves the concurrent tests below; each test has its own project folder and
// its own secret names, and audit checks filter by manifest path. The import test uses a real keyring.
// LATCHKEY_TEST_NODE=/path/to/node runs the CLI on another Node (24 takes the execve path).
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants as fsConstants, copyFileSync, openSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import type { AgentConnection } from '@latchkey/client';
import { alive, cliNode, CLI, labTest, readAudit, ROOT, run, startAgent, testdir, useLab, waitFor, type Result, type RunningAgent, type World } from '@latchkey/test-utils';

const test = labTest({ store: 'memory' });

const fixture = (name: string): string => join(ROOT, 'test', 'fixtures', name);
const dotenv = createRequire(join(ROOT, 'packages/core/package.json'))('dotenv') as { parse(src: string): Record<string, string> };
const { expand } = createRequire(join(ROOT, 'package.json'))('dotenv-expand') as { expand(o: { parsed: Record<string, string>; processEnv: Record<string, string> }): { parsed?: Record<string, string> } };
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
/** A value unique to one test, recognisable in a leak. */
const secretValue = (tag: string): string => `lk-${tag}-${randomBytes(8).toString('hex')}`;

/** Whether the agent ended the way a process killed by `signal` ends: by that signal, or exit 128+n. */
function diedOf(r: Pick<Result, 'code' | 'signal'>, signal: NodeJS.Signals): boolean {
  return r.signal === signal || r.code === 128 + (constants.signals as Record<string, number>)[signal]!;
}

/** The command lines of every process this user can see (argv joined by NULs, as in /proc). */
function allCmdlines(): Array<{ pid: number; cmdline: Buffer }> {
  const out: Array<{ pid: number; cmdline: Buffer }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`) });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** Whether `pid` (the agent, replaced by execve) or a child of it runs `comm` and sleeps (cat blocked on its stdin). */
function sleepingAs(pid: number, comm: string): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm has no ')' here.
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (m && m[1] === comm && m[2] === 'S' && (Number(entry) === pid || Number(m[3]) === pid)) return true;
    } catch {
      // the process ended meanwhile
    }
  }
  return false;
}

/**
 * Whether plain `agent exec` replaces itself with the command: with process.execve (Node >= 22.15), or on
 * Linux with libc's execve through koffi (a dependency of the CLI) on any Node.
 */
async function execveAvailable(): Promise<boolean> {
  if (process.platform === 'linux') return true;
  const r = await run(cliNode(), ['-p', "typeof process.execve === 'function'"]);
  return r.stdout.trim() === 'true';
}

/**
 * Ends what a test started, passed or failed: creates its stop file (trap-term.js exits on it), and kills
 * the agent's process group (the agent and the children it spawned) if the agent is still running.
 */
function reap(agent: RunningAgent, stop?: string): () => void {
  return () => {
    if (stop) writeFileSync(stop, '');
    if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
    try {
      process.kill(-agent.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
}

let world: World;
/** A client of the world's daemon, for set-up that is not under test (the CLI costs ~0.7 s a call). */
let client: AgentConnection;

/** A fresh project folder (real path) under the world's HOME, holding `files`. */
const project = (files: Record<string, string> = {}, w: World = world): string => testdir(files, w.home);

/** Stores a secret through the daemon (as `agent set NAME --ttl TTL [--project]` in `cwd` would). */
async function setSecret(name: string, value: string, opts: { ttlSeconds?: number; cwd?: string; project?: boolean } = {}): Promise<void> {
  await client.putSecret({ name, value, ttlSeconds: opts.ttlSeconds ?? 3600, project: opts.project ?? false, cwd: opts.cwd ?? '' });
}

/** Approves `dir`/agent.env through the daemon (as `agent allow` in `dir` would). */
async function allow(dir: string, allowVars: string[] = []): Promise<void> {
  await client.allowManifest(join(dir, 'agent.env'), '', allowVars);
}

/** `agent exec ARGS...` in `cwd`. */
const exec = (cwd: string, args: string[], opts: { env?: Record<string, string>; input?: string | Buffer; timeoutMs?: number } = {}): Promise<Result> =>
  world.agent(['exec', ...args], { cwd, ...opts });

/**
 * An approved project for trap-term.js: the file it counts the signals it got in (`read` parses it), and
 * the stop file it exits on.
 */
async function trapTermProject(): Promise<{ dir: string; counts: string; stop: string; read: () => Record<string, number> }> {
  const dir = project({ 'agent.env': 'LEVEL=debug\n' });
  await allow(dir);
  const counts = join(dir, 'counts.json');
  return { dir, counts, stop: join(dir, 'stop'), read: () => JSON.parse(readFileSync(counts, 'utf8')) as Record<string, number> };
}

/** The audit records about `manifest` written after the first `from` records. */
function auditOf(manifest: string, from = 0): Array<Record<string, unknown>> {
  return readAudit(world.stateDir)
    .slice(from)
    .filter((e) => e.manifest === manifest);
}

/** The secret reads (exec records with outcome ok) for `manifest` after the first `from` records. */
const readsOf = (manifest: string, from = 0) => auditOf(manifest, from).filter((e) => e.event === 'exec' && e.outcome === 'ok');

test.beforeAll(async ({ world: w, client: c }) => {
  world = w;
  client = c;
});

// The tests run side by side on a small machine (2 cores here): a test's time includes its neighbours'.
describe.concurrent('agent exec', { timeout: 60_000 }, () => {
  test('26: the child sees the inherited environment plus the declared variables, nothing else', async () => {
    const value = secretValue('env');
    const dir = project({ 'agent.env': 'TOKEN_26=agent://env-26\nPLAIN_26="a literal # value"\n' });
    await setSecret('env-26', value);
    await allow(dir);
    // The parent's own TOKEN_26 is replaced by the declared one; everything else passes as it is.
    const inherited = { INHERITED_26: 'from the parent', ODD_26: 'a=b c\nd', TOKEN_26: 'the parent value' };
    const r = await exec(dir, ['--', 'node', fixture('print-env.js')], { env: inherited });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ...world.env, ...inherited, TOKEN_26: value, PLAIN_26: 'a literal # value' });
    expect(r.stderr).toBe('');
  });

  test('26: no secret value appears in the argv of any process while the child runs', async ({ onTestFinished }) => {
    const value = secretValue('argv');
    const dir = project({ 'agent.env': 'TOKEN_26B=agent://argv-26\n' });
    await setSecret('argv-26', value);
    await allow(dir);
    const agent = startAgent(world, ['exec', '--', 'node', fixture('forever.js'), 'TOKEN_26B'], { cwd: dir });
    onTestFinished(reap(agent));
    try {
      const m = await agent.waitForOutput(/started pid=(\d+) sha256=(\w+)/);
      expect(m[2]).toBe(sha256(value)); // the child really has the value
      const procs = allCmdlines();
      // The scan sees the child (so it would see the value in its argv).
      expect(procs.some((p) => p.pid === Number(m[1]) && p.cmdline.includes(fixture('forever.js')))).toBe(true);
      expect(procs.filter((p) => p.cmdline.includes(value)).map((p) => p.pid)).toEqual([]);
      // The command replaces the agent (same pid) where it can (see execveAvailable); else it is a child.
      expect(Number(m[1]) === agent.pid).toBe(await execveAvailable());
    } finally {
      process.kill(agent.pid, 'SIGTERM');
    }
    expect(diedOf(await agent.ended, 'SIGTERM')).toBe(true);
  });

  test('26: the command gets no file descriptor of the agent (such as its daemon connection)', async () => {
    const dir = project({ 'agent.env': 'TOKEN_26C=agent://fd-26\n' });
    await setSecret('fd-26', secretValue('fd'));
    await allow(dir);
    // ls lists its own descriptors: the inherited ones plus the one it opened to read the folder.
    const fds = (r: Result) => r.stdout.split('\n').filter((l) => /^\d+$/.test(l)).length;
    const direct = await run('ls', ['/proc/self/fd'], { env: world.env, cwd: dir });
    const r = await exec(dir, ['--', 'ls', '/proc/self/fd']);
    expect(r.code, r.stderr).toBe(0);
    expect(fds(r)).toBe(fds(direct));
    expect(fds(r)).toBeGreaterThanOrEqual(4);
  });

  test('27: exit codes 0, 1, 2, 42 and 255 pass through', async () => {
    const dir = project({ 'agent.env': 'LEVEL=debug\n' });
    await allow(dir);
    const codes = [0, 1, 2, 42, 255];
    const results = await Promise.all(codes.map((c) => exec(dir, ['--', 'node', fixture('exit-with.js'), String(c)])));
    expect(results.map((r) => [r.code, r.signal])).toEqual(codes.map((c) => [c, null]));
    for (const r of results) expect(r.stderr).toBe('');
  });

  test('27: a child killed by SIGTERM or SIGKILL is reported as killed by that signal', async () => {
    const dir = project({ 'agent.env': 'LEVEL=debug\n' });
    await allow(dir);
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const r = await exec(dir, ['--', 'node', fixture('exit-with.js'), signal]);
      expect(diedOf(r, signal), `${signal}: code ${r.code}, signal ${r.signal}, ${r.stderr}`).toBe(true);
      expect(r.stderr).not.toContain('agent: error');
    }
  });

  test('27: the command starts with default signal actions: a closed pipe kills `yes` by SIGPIPE, as when run directly', async () => {
    const dir = project({ 'agent.env': 'LEVEL=debug\n' });
    await allow(dir);
    // Node ignores SIGPIPE and SIGXFSZ; an ignored signal stays ignored across execve.
    const ignored = (r: Result) => /^SigIgn:\s*(\w+)$/m.exec(r.stdout)?.[1];
    const direct = await run('grep', ['SigIgn', '/proc/self/status'], { env: world.env });
    const status = await exec(dir, ['--', 'grep', 'SigIgn', '/proc/self/status']);
    expect(status.code, status.stderr).toBe(0);
    expect(ignored(status)).toBe(ignored(direct));
    // A real pipe (Node's own stdio pipes are socket pairs): bash reports the agent's end as 128+n.
    const line = `${[cliNode(), '--', CLI, 'exec', '--', 'yes'].map((w) => `'${w}'`).join(' ')} | head -n 1; echo "status \${PIPESTATUS[0]}"`;
    const r = await run('bash', ['-c', line], { env: world.env, cwd: dir });
    expect(r.stdout).toBe(`y\nstatus ${128 + constants.signals.SIGPIPE}\n`);
    expect(r.stderr).toBe('');
  });

  test('28: SIGINT, SIGTERM, SIGHUP (and SIGWINCH) sent to agent (no terminal) reach the child exactly once', async ({ onTestFinished }) => {
    const { dir, counts, stop, read } = await trapTermProject();
    // startAgent runs it in a session of its own: no controlling terminal, like `kill -s SIG PID` from a script.
    const agent = startAgent(world, ['exec', '--', 'node', fixture('trap-term.js'), counts, stop], { cwd: dir });
    onTestFinished(reap(agent, stop));
    await agent.waitForOutput(/ready pid=\d+/);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGWINCH'] as const) {
      process.kill(agent.pid, signal);
      expect(await waitFor(() => (read()[signal] ?? 0) >= 1, 20_000), `${signal} reached the child`).toBe(true);
    }
    expect(alive(agent.pid)).toBe(true); // the agent itself did not die of them
    writeFileSync(stop, '');
    const r = await agent.ended;
    expect([r.code, r.signal]).toEqual([0, null]);
    // Counted once the child has exited: a second delivery of any of them would be in the file by now.
    expect(read()).toEqual({ SIGTERM: 1, SIGINT: 1, SIGHUP: 1, SIGWINCH: 1 });
  });

  test('28: a command the agent spawns (a script without #!, which /bin/sh runs) gets each signal once; its exit code and its death by a signal pass through', async ({ onTestFinished }) => {
    const { dir, counts, stop, read } = await trapTermProject();
    // No #! line: the kernel will not run it, so the agent does not replace itself but spawns it (execvp's
    // /bin/sh), and stays its parent, forwarding signals.
    const script = join(dir, 'no-shebang');
    writeFileSync(script, `exec node ${JSON.stringify(fixture('trap-term.js'))} "$@"\n`);
    chmodSync(script, 0o755);
    const agent = startAgent(world, ['exec', '--', script, counts, stop], { cwd: dir });
    onTestFinished(reap(agent, stop));
    const ready = await agent.waitForOutput(/ready pid=(\d+)/);
    expect(Number(ready[1])).not.toBe(agent.pid); // a child, not the agent replaced
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.kill(agent.pid, signal);
      expect(await waitFor(() => (read()[signal] ?? 0) >= 1, 20_000), `${signal} reached the child`).toBe(true);
    }
    writeFileSync(stop, '');
    const r = await agent.ended;
    expect([r.code, r.signal]).toEqual([0, null]);
    expect(read()).toEqual({ SIGTERM: 1, SIGINT: 1, SIGHUP: 1, SIGWINCH: 0 });
    const exits = join(dir, 'exits');
    writeFileSync(exits, `exec node ${JSON.stringify(fixture('exit-with.js'))} "$@"\n`);
    chmodSync(exits, 0o755);
    const code = await exec(dir, ['--', exits, '42']);
    expect([code.code, code.signal, code.stderr]).toEqual([42, null, '']);
    const killed = await exec(dir, ['--', exits, 'SIGTERM']);
    expect(diedOf(killed, 'SIGTERM'), `code ${killed.code}, signal ${killed.signal}, ${killed.stderr}`).toBe(true);
  });

  test('28: under a terminal, Ctrl-C and a window resize reach the child once (the agent does not forward them again)', async ({ onTestFinished }) => {
    const { dir, counts, stop, read } = await trapTermProject();
    // util-linux script: a pseudo-terminal whose foreground process group is the agent and its child;
    // a 0x03 written to it is the terminal's Ctrl-C; `stty cols` on it is a resize (the kernel sends
    // SIGWINCH to the foreground group, as for any terminal).
    const line = ['exec', cliNode(), '--', CLI, 'exec', '--', 'node', fixture('trap-term.js'), counts, stop].map((w, i) => (i === 0 ? w : `'${w}'`)).join(' ');
    const term = startAgent(world, [], { cwd: dir, command: ['script', '-qfec', line, '/dev/null'] });
    onTestFinished(reap(term, stop));
    const ready = await term.waitForOutput(/ready pid=(\d+)/);
    term.child.stdin?.write('\x03');
    expect(await waitFor(() => (read().SIGINT ?? 0) >= 1, 20_000), 'Ctrl-C reached the child').toBe(true);
    const tty = readlinkSync(`/proc/${ready[1]}/fd/0`);
    expect(tty).toMatch(/^\/dev\/pts\/\d+$/);
    expect((await run('stty', ['-F', tty, 'cols', '101'])).code).toBe(0); // one resize (each stty size word is one)
    expect(await waitFor(() => (read().SIGWINCH ?? 0) >= 1, 20_000), 'the resize reached the child').toBe(true);
    writeFileSync(stop, '');
    const r = await term.ended;
    expect([r.code, r.signal], r.stdout + r.stderr).toEqual([0, null]);
    // Counted once the child has exited: a forwarded copy of either would be in the file by now.
    expect(read()).toEqual({ SIGTERM: 0, SIGINT: 1, SIGHUP: 0, SIGWINCH: 1 });
  });

  test('29: 10 MB of binary stdin reaches the child byte-exact', async () => {
    const dir = project({ 'agent.env': 'LEVEL=debug\n' });
    await allow(dir);
    const input = randomBytes(10 * 1024 * 1024);
    const r = await exec(dir, ['--', 'node', fixture('echo-stdin.js')], { input, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdoutBytes.length).toBe(input.length);
    expect(r.stdoutBytes.equals(input)).toBe(true);
  });

  test('29: stdin that arrives late reaches cat whole; the agent leaves stdin, stdout and stderr blocking', async () => {
    const dir = project({ 'agent.env': 'TOKEN_29=agent://late-29\n' });
    // Expiring soon, so the agent writes a warning on stderr before running the command.
    await setSecret('late-29', secretValue('late'), { ttlSeconds: 120 });
    await allow(dir);
    // O_NONBLOCK is a flag of the open file, shared with the command (and kept across execve).
    const flags = await exec(dir, ['--', 'sh', '-c', 'for fd in 0 1 2; do grep flags /proc/self/fdinfo/$fd; done']);
    expect(flags.code, flags.stderr).toBe(0);
    expect(flags.stderr).toMatch(/^agent: warning: late-29 /m);
    const nonBlocking = flags.stdout.split('\n').filter((l) => l.startsWith('flags:') && (parseInt(l.slice(6).trim(), 8) & fsConstants.O_NONBLOCK) !== 0);
    expect(nonBlocking).toEqual([]);
    const agent = startAgent(world, ['exec', '--', 'cat'], { cwd: dir });
    const input = randomBytes(1024 * 1024);
    expect(await waitFor(() => sleepingAs(agent.pid, 'cat'), 10_000, 20), 'cat is waiting on an empty stdin').toBe(true);
    agent.child.stdin?.end(input);
    const r = await agent.ended;
    expect(r.stderr).not.toContain('Resource temporarily unavailable');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdoutBytes.equals(input)).toBe(true);
  });

  test('29: argv with spaces, quotes, unicode, empty strings and leading dashes arrives unchanged', async () => {
    const dir = project({ 'agent.env': 'LEVEL=debug\n' });
    await allow(dir);
    const args = ['a b', '', '"double"', "'single'", 'ünïcødé ✓ 🎉', '--flag', '-x', '--', '--mask', '--env-file', '$HOME', '*', 'back\\slash', 'new\nline', ' '];
    const r = await exec(dir, ['--', 'node', fixture('print-argv.js'), ...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(args);
    // Without `--`, everything from the first word that is not a flag of exec belongs to the command.
    const bare = await exec(dir, ['node', fixture('print-argv.js'), '--mask', '--watch', '--', 'x']);
    expect(bare.code, bare.stderr).toBe(0);
    expect(JSON.parse(bare.stdout)).toEqual(['--mask', '--watch', '--', 'x']);
  });

  test('29: agent exec -- node --version works', async () => {
    const dir = project({ 'agent.env': 'LEVEL=debug\n' });
    await allow(dir);
    const r = await exec(dir, ['--', 'node', '--version']);
    const direct = await run('node', ['--version'], { env: world.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^v\d+\.\d+\.\d+\n$/);
    expect(r.stdout).toBe(direct.stdout);
  });

  test('30: a missing command exits 127, a non-executable one 126, and no secret is read', async () => {
    const dir = project({ 'agent.env': 'TOKEN_30=agent://cmd-30\n', 'not-exec.sh': '#!/bin/sh\ntouch ran\n' });
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'lk-not-exec-30'), '#!/bin/sh\ntouch ran\n', { mode: 0o644 });
    chmodSync(join(dir, 'not-exec.sh'), 0o644);
    const manifest = join(dir, 'agent.env');
    await setSecret('cmd-30', secretValue('cmd'));
    await allow(dir);

    const missing = await exec(dir, ['--', 'lk-no-such-command-30', '--flag']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/^agent: error: command not found: lk-no-such-command-30$/m);
    expect(missing.stderr).toMatch(/^agent: hint: /m);
    const missingPath = await exec(dir, ['--', './nope/lk-missing-30']);
    expect(missingPath.code).toBe(127);
    expect(missingPath.stderr).toContain('command not found: ./nope/lk-missing-30');

    const notExec = await exec(dir, ['--', './not-exec.sh']);
    expect(notExec.code).toBe(126);
    expect(notExec.stderr).toMatch(/^agent: error: permission denied: \.\/not-exec\.sh is not executable$/m);
    const onPath = await exec(dir, ['--', 'lk-not-exec-30'], { env: { PATH: `${join(dir, 'bin')}:${world.env.PATH}` } });
    expect(onPath.code).toBe(126);
    expect(onPath.stderr).toContain('lk-not-exec-30 is not executable');
    const folder = await exec(dir, ['--', './bin']);
    expect(folder.code).toBe(126);

    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(readsOf(manifest)).toEqual([]);
    // The same manifest with a command that exists does read the secret (so the check above can fail).
    const ok = await exec(dir, ['--', 'true']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readsOf(manifest).map((e) => e.secret)).toEqual(['cmd-30']);
  });

  test('30: a script whose #! interpreter is missing exits 127 (126 if not executable), reading no secret; one without #! runs with sh', async () => {
    const dir = project({
      'agent.env': 'TOKEN_30B=agent://interp-30\n',
      'bad-interp.sh': '#!/lk/no/such/interpreter -x\ntouch ran\n',
      'crlf.sh': '#!/bin/sh\r\ntouch ran\n',
      'not-exec-interp.sh': '#!./plain-file\ntouch ran\n',
      'plain-file': 'not a program\n',
      'no-shebang.sh': 'echo "ran with $0"; exit 7\n',
    });
    for (const f of ['bad-interp.sh', 'crlf.sh', 'not-exec-interp.sh', 'no-shebang.sh']) chmodSync(join(dir, f), 0o755);
    const manifest = join(dir, 'agent.env');
    await setSecret('interp-30', secretValue('interp'));
    await allow(dir);

    const [bad, crlf, notExec, noShebang] = await Promise.all([
      exec(dir, ['--', './bad-interp.sh']),
      exec(dir, ['--', './crlf.sh']),
      exec(dir, ['--', './not-exec-interp.sh']),
      exec(dir, ['--', './no-shebang.sh']),
    ]);
    expect(bad.code, bad.stderr).toBe(127);
    expect(bad.stderr).toMatch(/^agent: error: bad interpreter: \.\/bad-interp\.sh asks for "\/lk\/no\/such\/interpreter", which does not exist$/m);
    expect(bad.stderr).toMatch(/^agent: hint: fix the #! line of \.\/bad-interp\.sh/m);
    expect(crlf.code, crlf.stderr).toBe(127);
    expect(crlf.stderr).toContain('asks for "/bin/sh\\r", which does not exist'); // the stray CR is shown
    expect(notExec.code, notExec.stderr).toBe(126);
    expect(notExec.stderr).toContain('asks for "./plain-file", which is not executable');
    for (const r of [bad, crlf, notExec]) expect(r.stderr).not.toMatch(/internal error|node:internal|Aborted/);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(readsOf(manifest).map((e) => e.command)).toEqual(['./no-shebang.sh']);
    // A script without #! is run by /bin/sh, as execvp and shells do; its exit code passes through.
    expect(noShebang.code, noShebang.stderr).toBe(7);
    expect(noShebang.stdout).toMatch(/^ran with \S*no-shebang\.sh\n$/);
  });

  test('30: a program the kernel will not run when the agent hands over (a file open for writing) exits 126 with the reason, as a shell does', async () => {
    const dir = project({ 'agent.env': 'LEVEL=debug\n' });
    await allow(dir);
    const program = join(dir, 'busy-true');
    copyFileSync('/usr/bin/true', program);
    chmodSync(program, 0o755);
    const direct = await run('bash', ['-c', program], { env: world.env, cwd: dir });
    // Held open for writing by this process: execve fails with ETXTBSY (process.execve would abort Node).
    const writer = openSync(program, 'a');
    try {
      const shell = await run('bash', ['-c', program], { env: world.env, cwd: dir });
      expect(shell.code).toBe(126);
      const r = await exec(dir, ['--', program]);
      expect(r.code, r.stderr).toBe(126);
      expect(r.signal).toBeNull();
      expect(r.stderr).toMatch(/^agent: error: cannot run \S*busy-true: the file is open for writing \(text file busy\) \(ETXTBSY\)$/m);
      expect(r.stderr).not.toMatch(/internal error|node:internal|Native stack/);
    } finally {
      closeSync(writer);
    }
    expect(direct.code).toBe(0);
    expect((await exec(dir, ['--', program])).code).toBe(0);
  });

  test('11: a manifest with a bad or refused variable name exits 65 with file:line and spawns nothing', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['empty name', '=x', /does not parse as NAME=value/],
      ['blank name', '  = x', /does not parse as NAME=value/],
      ['space in name', 'A B=x', /does not parse as NAME=value/],
      ['LD_PRELOAD', 'LD_PRELOAD=/tmp/evil.so', /LD_PRELOAD is refused: LD_\* variables change how programs start/],
      ['NODE_OPTIONS', 'NODE_OPTIONS=--require ./evil.js', /NODE_OPTIONS is refused/],
      ['PATH', 'PATH=/tmp/evil', /PATH is refused/],
      ['BASH_ENV', 'BASH_ENV=/tmp/evil.sh', /BASH_ENV is refused/],
      ['non-ASCII name', 'ÄPFEL=x', /does not parse as NAME=value/],
      ['non-ASCII inside', 'APFÉL=x', /does not parse as NAME=value/],
      ['dot in name', 'my.var=x', /invalid variable name "my\.var"/],
      ['dash in name', 'MY-VAR=x', /invalid variable name "MY-VAR"/],
      ['leading digit', '1ABC=x', /invalid variable name "1ABC"/],
    ];
    await Promise.all(
      cases.map(async ([label, line, message]) => {
        const dir = project({ 'agent.env': `GOOD=agent://good-11\n${line}\nLATER=y\n` });
        const manifest = join(dir, 'agent.env');
        const marker = join(dir, 'spawned');
        const r = await exec(dir, ['--', 'touch', marker]);
        expect(r.code, `${label}: ${r.stderr}`).toBe(65);
        expect(r.stderr, label).toContain(`agent: error: ${manifest}:2: `);
        expect(r.stderr, label).toMatch(message);
        expect(r.stderr, label).toMatch(/^agent: hint: /m);
        expect(existsSync(marker), `${label}: something was spawned`).toBe(false);
        expect(readsOf(manifest), label).toEqual([]);
        // Such a manifest cannot be approved either (through the CLI for two cases; the daemon for all).
        await expect(client.allowManifest(manifest), label).rejects.toThrow(`${manifest}:2: `);
        if (label === 'empty name' || label === 'LD_PRELOAD') {
          const a = await world.agent(['allow'], { cwd: dir });
          expect(a.code, `${label}: allow: ${a.stderr}`).toBe(65);
          expect(a.stderr, label).toContain(`agent: error: ${manifest}:2: `);
        }
      }),
    );
  });

  test('11: --allow-var NODE_OPTIONS lets NODE_OPTIONS through, once approved with it', async () => {
    const dir = project({ 'agent.env': 'NODE_OPTIONS=--max-old-space-size=256\nLEVEL=debug\n' });
    const printEnv = ['--', 'node', fixture('print-env.js')];
    const unapproved = await exec(dir, ['--allow-var', 'NODE_OPTIONS', ...printEnv]);
    expect(unapproved.code, unapproved.stderr).toBe(77);
    expect((await world.agent(['allow'], { cwd: dir })).code).toBe(65);
    const allowed = await world.agent(['allow', '--allow-var', 'NODE_OPTIONS'], { cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    const without = await exec(dir, printEnv);
    expect(without.code).toBe(65);
    expect(without.stderr).toContain(`${join(dir, 'agent.env')}:1: NODE_OPTIONS is refused`);
    const r = await exec(dir, ['--allow-var=NODE_OPTIONS', ...printEnv]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ NODE_OPTIONS: '--max-old-space-size=256', LEVEL: 'debug' });
  });

  test('13: a manifest edited by one byte is refused with exit 77 and a hint to agent allow; no secret read', async () => {
    const value = secretValue('edit');
    const dir = project({ 'agent.env': 'TOKEN_13=agent://edit-13\nLEVEL=a\n' });
    const manifest = join(dir, 'agent.env');
    await setSecret('edit-13', value);
    await allow(dir);
    const before = await exec(dir, ['--', 'node', fixture('print-env.js')]);
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout).TOKEN_13).toBe(value);

    writeFileSync(manifest, 'TOKEN_13=agent://edit-13\nLEVEL=b\n');
    const from = readAudit(world.stateDir).length;
    const r = await exec(dir, ['--', 'node', fixture('print-env.js')]);
    expect(r.code).toBe(77);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`agent: error: ${manifest} changed since it was approved`);
    expect(r.stderr).toMatch(/^agent: hint: .*agent allow/m);
    expect(r.stderr).not.toContain(value);
    expect(readsOf(manifest, from)).toEqual([]);
    expect(auditOf(manifest, from).some((e) => e.event === 'exec' && e.outcome === 'denied')).toBe(true);

    const allowed = await world.agent(['allow'], { cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    const after = await exec(dir, ['--', 'node', fixture('print-env.js')]);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ TOKEN_13: value, LEVEL: 'b' });
  });

  test('13: a manifest moved or copied to another folder is refused with exit 77 until allowed there', async () => {
    const value = secretValue('move');
    const dir = project({ 'agent.env': 'TOKEN_13B=agent://move-13\n' });
    await setSecret('move-13', value);
    await allow(dir);

    // Copied: the copy is not approved; the original still is.
    const copy = project();
    copyFileSync(join(dir, 'agent.env'), join(copy, 'agent.env'));
    const fromCopy = await exec(copy, ['--', 'node', fixture('print-env.js')]);
    expect(fromCopy.code).toBe(77);
    expect(fromCopy.stderr).toContain(`agent: error: ${join(copy, 'agent.env')} is not approved`);
    expect(fromCopy.stderr).toMatch(/^agent: hint: .*agent allow/m);
    expect((await exec(dir, ['--', 'true'])).code).toBe(0);

    // Moved: the folder is renamed; the manifest at its new path is not approved.
    const moved = `${dir}-moved`;
    renameSync(dir, moved);
    const from = readAudit(world.stateDir).length;
    const r = await exec(moved, ['--', 'node', fixture('print-env.js')]);
    expect(r.code).toBe(77);
    expect(r.stderr).toContain(`agent: error: ${join(moved, 'agent.env')} is not approved`);
    expect(r.stderr).toMatch(/^agent: hint: .*agent allow/m);
    expect(r.stdout + r.stderr).not.toContain(value);
    expect(readsOf(join(moved, 'agent.env'), from)).toEqual([]);

    const allowed = await world.agent(['allow'], { cwd: moved });
    expect(allowed.code, allowed.stderr).toBe(0);
    const after = await exec(moved, ['--', 'node', fixture('print-env.js')]);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).TOKEN_13B).toBe(value);
  });

  test('15: a reference that does not parse exits 65 with its line, approved before or not, and cannot be approved', async () => {
    const literal = secretValue('literal');
    const stored = secretValue('stored');
    await setSecret('ref-15', stored);
    const refs: Array<[string, RegExp]> = [
      ['agent://Bad', /bad reference for TOKEN_15: .*invalid secret name/],
      ['agent://ref-15?ownr=1', /bad reference for TOKEN_15: unknown parameter "ownr"/],
      ['agent://temp/nope', /bad reference for TOKEN_15: unknown temporary key kind/],
      ['agent://', /bad reference for TOKEN_15/],
    ];
    await Promise.all(
      refs.map(async ([ref, message]) => {
        const bad = `LITERAL_15=${literal}\nTOKEN_15=${ref}\n`;
        // Never approved.
        const fresh = project({ 'agent.env': bad });
        const r = await exec(fresh, ['--', 'node', fixture('print-env.js')]);
        expect(r.code, `${ref}: ${r.stderr}`).toBe(65);
        expect(r.stderr, ref).toContain(`agent: error: ${join(fresh, 'agent.env')}:2: `);
        expect(r.stderr, ref).toMatch(message);
        expect(r.stdout + r.stderr, ref).not.toContain(literal);
        expect(r.stdout + r.stderr, ref).not.toContain(stored);
        await expect(client.allowManifest(join(fresh, 'agent.env')), ref).rejects.toThrow(`${join(fresh, 'agent.env')}:2: `);
        if (ref === 'agent://Bad') {
          const a = await world.agent(['allow'], { cwd: fresh });
          expect(a.code, `${ref}: allow`).toBe(65);
          expect(a.stderr, ref).toContain(`agent: error: ${join(fresh, 'agent.env')}:2: `);
          expect(a.stdout + a.stderr, ref).not.toContain(literal);
        }

        // Approved with a good reference, then edited to the bad one: 65 (input), not 77 (approval).
        const edited = project({ 'agent.env': `LITERAL_15=${literal}\nTOKEN_15=agent://ref-15\n` });
        await allow(edited);
        writeFileSync(join(edited, 'agent.env'), bad);
        const e = await exec(edited, ['--', 'node', fixture('print-env.js')]);
        expect(e.code, `${ref}: ${e.stderr}`).toBe(65);
        expect(e.stderr, ref).toContain(`${join(edited, 'agent.env')}:2: `);
        expect(e.stdout + e.stderr, ref).not.toContain(literal);
        expect(e.stdout + e.stderr, ref).not.toContain(stored);
        expect(readsOf(join(edited, 'agent.env'))).toEqual([]);
      }),
    );
  });

  test('scoping: a --project secret resolves inside its project only; another project gets 77', async () => {
    const value = secretValue('scoped');
    const a = project({ 'agent.env': 'TOKEN_S=agent://scoped-s\n' });
    const b = project({ 'agent.env': 'TOKEN_S=agent://scoped-s\n' });
    mkdirSync(join(a, 'sub'));
    // Through the CLI run in A: the daemon scopes by the caller's real folder, not by a claimed one.
    const set = await world.agent(['set', 'scoped-s', '--project', '--ttl', '1h'], { cwd: a, input: value });
    expect(set.code, set.stderr).toBe(0);
    await allow(a);
    await allow(b);

    for (const cwd of [a, join(a, 'sub')]) {
      const r = await exec(cwd, ['--', 'node', fixture('print-env.js')]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).TOKEN_S).toBe(value);
    }
    const from = readAudit(world.stateDir).length;
    const other = await exec(b, ['--', 'node', fixture('print-env.js')]);
    expect(other.code).toBe(77);
    expect(other.stdout).toBe('');
    expect(other.stderr).toContain('agent: error: secret "scoped-s" is bound to another project\n');
    expect(other.stderr).not.toContain(value);
    // Naming project A's manifest from project B does not help: scope follows where the command runs.
    const named = await exec(b, ['--env-file', join(a, 'agent.env'), '--', 'node', fixture('print-env.js')]);
    expect(named.code).toBe(77);
    expect(named.stdout + named.stderr).not.toContain(value);
    const denied = readAudit(world.stateDir)
      .slice(from)
      .filter((e) => e.secret === 'scoped-s');
    expect(denied.length).toBeGreaterThanOrEqual(2);
    expect(denied.every((e) => e.outcome === 'denied')).toBe(true);
  });

  test('a secret expiring within 10 minutes gives a warning naming it, not its value', async () => {
    const soon = secretValue('soon');
    const later = secretValue('later');
    const dir = project({ 'agent.env': 'SOON=agent://soon-x\nLATER=agent://later-x\n' });
    await setSecret('soon-x', soon, { ttlSeconds: 300 });
    await setSecret('later-x', later, { ttlSeconds: 7200 });
    await allow(dir);
    const r = await exec(dir, ['--', 'node', fixture('print-env.js')]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ SOON: soon, LATER: later });
    expect(r.stderr).toMatch(/^agent: warning: soon-x \(SOON\) expires in (4m\d+s|5m|4m); renew it with agent set soon-x$/m);
    expect(r.stderr).not.toContain('later-x');
    expect(r.stderr).not.toContain(soon);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('--mask hides a value of 6+ characters even split across writes; 5 characters stay; exit code passes', async () => {
    const long = 'mask-me-7Qx9-split';
    const dir = project({ 'agent.env': 'LONG=agent://mask-long\nSIX=agent://mask-six\nFIVE=agent://mask-five\nSTAGE=production\n' });
    await setSecret('mask-long', long);
    await setSecret('mask-six', 'six6ch');
    await setSecret('mask-five', 'five5');
    await allow(dir);
    const split = (variable: string, code: number, mask = true) => exec(dir, [...(mask ? ['--mask'] : []), '--', 'node', fixture('split-write.js'), variable, String(code)]);

    const plain = await split('LONG', 0, false);
    expect(plain.stdout).toBe(`before ${long} after\n`); // the value really is written (split in two)
    const [masked, six, five] = await Promise.all([split('LONG', 3), split('SIX', 0), split('FIVE', 4)]);
    expect(masked.code, masked.stderr).toBe(3);
    expect(masked.stdout).toBe('before ******** after\n');
    expect(six.code, six.stderr).toBe(0);
    expect(six.stdout).toBe('before ******** after\n');
    expect(five.code, five.stderr).toBe(4);
    expect(five.stdout).toBe('before five5 after\n');
    // A literal of the manifest is not a secret: it stays readable.
    const literal = await split('STAGE', 0);
    expect(literal.stdout).toBe('before production after\n');
  });

  test('--mask masks what the daemon resolved from references across manifests: a later literal unmasks, a later reference masks', async () => {
    const first = secretValue('mask-a');
    const second = secretValue('mask-b');
    const dir = project({ 'agent.env': 'A_VAR=agent://mask-a\nB_VAR=plain-b-value\n', 'more.env': `A_VAR=plain-a-value\nB_VAR=agent://mask-b\n` });
    await setSecret('mask-a', first);
    await setSecret('mask-b', second);
    await allow(dir);
    const more = await world.agent(['allow', join(dir, 'more.env')], { cwd: dir });
    expect(more.code, more.stderr).toBe(0);
    const r = await exec(dir, ['--mask', '--env-file', join(dir, 'agent.env'), '--env-file', join(dir, 'more.env'), '--', 'node', fixture('print-env.js')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"A_VAR":"plain-a-value"');
    expect(r.stdout).not.toContain(second);
    expect(r.stdout).toContain('"B_VAR":"********"');
    expect(r.stdout + r.stderr).not.toContain(first);
  });

  test('a watch opened after a resolve gets the changes made since that resolve began, then "subscribed"', async () => {
    const dir = project({ 'agent.env': 'TOKEN_R=agent://watch-replay\n' });
    await setSecret('watch-replay', secretValue('replay1'));
    await allow(dir);
    const resolved = await client.resolveEnv({ manifests: [join(dir, 'agent.env')], cwd: dir, command: 'node' });
    expect(resolved.secrets).toEqual(['watch-replay']);
    // The gap `agent exec --watch` has between its resolve and its watch: a change made in it...
    await setSecret('watch-replay', secretValue('replay2'));
    /** Opens a watch and collects its events until the daemon confirms it. */
    const watchFrom = async (sinceSeq?: number) => {
      const events: string[] = [];
      const w = client.watchSecrets({ secrets: resolved.secrets, manifests: resolved.manifests, sinceSeq }, (e) => events.push(`${e.kind} ${e.secret}`), () => {});
      await w.subscribed;
      w.close();
      return events;
    };
    // ...reaches a watch that starts from the resolve, before it is confirmed; a watch from now misses it.
    expect(await watchFrom(resolved.eventSeq)).toEqual(['changed watch-replay']);
    expect(await watchFrom()).toEqual([]);
  });

  test('--watch restarts the command with the new value after agent set, and SIGTERM ends it', async ({ onTestFinished }) => {
    const first = secretValue('watch1');
    const second = secretValue('watch2');
    const dir = project({ 'agent.env': 'TOKEN_W=agent://watch-w\n' });
    await setSecret('watch-w', first);
    await allow(dir);
    const agent = startAgent(world, ['exec', '--watch', '--', 'node', fixture('forever.js'), 'TOKEN_W'], { cwd: dir });
    onTestFinished(reap(agent));
    const started = /started pid=(\d+) sha256=(\w+)\n/g;
    // The command starts only once the daemon confirmed the watch: a change made now must restart it.
    const one = await agent.waitForOutput(new RegExp(`started pid=(\\d+) sha256=${sha256(first)}`));
    const set = await world.agent(['set', 'watch-w', '--ttl', '1h'], { cwd: dir, input: second });
    expect(set.code, set.stderr).toBe(0);
    const two = await agent.waitForOutput(new RegExp(`started pid=(\\d+) sha256=${sha256(second)}`), 20_000);
    expect(two[1]).not.toBe(one[1]);
    expect(alive(Number(one[1]))).toBe(false);
    expect([...agent.stdout().matchAll(started)]).toHaveLength(2);
    expect(agent.stderr()).toMatch(/^agent: restarting: watch-w changed$/m);

    process.kill(agent.pid, 'SIGTERM');
    const r = await agent.ended;
    expect(diedOf(r, 'SIGTERM'), `code ${r.code}, signal ${r.signal}`).toBe(true);
    expect(alive(Number(two[1]))).toBe(false);
    expect(r.stdout + r.stderr).not.toContain(first);
    expect(r.stdout + r.stderr).not.toContain(second);
  });
});

describe('import through exec (real keyring)', () => {
  const lab = useLab();
  test('each variable of an imported .env reaches the child exactly as dotenv-cli (dotenv, then dotenv-expand) reads the original', async () => {
    const kworld = lab.world;
    const original = [
      '# a comment',
      'export EXPORTED=exported-value-1',
      "SINGLE='single # not a comment  '",
      'DOUBLE="double\\nwith escape"',
      'MULTI="-----BEGIN KEY-----',
      'MIIBdGVzdGtleQ==',
      '-----END KEY-----"',
      "SINGLE_MULTI='one",
      "two'",
      'BACKTICK=`back\'tick"s`',
      'PADDED=   padded value   ',
      'HASHED=value-2 # a comment',
      'UNICODE="ünïcødé ✓"',
      'EQUALS=a=b=c',
      'URL=postgres://u:pw-3@h:5432/db?x=1&y=2',
      'DOLLAR=$HOME-${USER}',
      'EMPTY=',
      '',
    ].join('\n');
    const expected = expand({ parsed: dotenv.parse(original), processEnv: { ...kworld.env } }).parsed as Record<string, string>;
    expect(Object.keys(expected)).toHaveLength(13);
    expect(expected.DOLLAR).toBe(`${kworld.env.HOME}-`);
    const dir = project({ '.env': original }, kworld);
    const imported = await kworld.agent(['import', '--ttl', '1h'], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    const r = await kworld.agent(['exec', '--', 'node', fixture('print-env.js')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const env = JSON.parse(r.stdout) as Record<string, string>;
    for (const [name, value] of Object.entries(expected)) expect(env[name], name).toBe(value);
    // The values came from the keychain, not from the .env: the manifest holds references only.
    const manifest = readFileSync(join(dir, 'agent.env'), 'utf8');
    expect(manifest).toContain('EXPORTED=agent://exported');
    expect(manifest).not.toContain('exported-value-1');
  });
});
