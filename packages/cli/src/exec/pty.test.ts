import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ptyAvailable, ptyCommand, ptySignal, shellQuote } from './pty.js';

interface Result {
  out: string;
  err: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Spawns the invocation with stdout and stderr piped (as the masker does) and collects everything. */
function run(
  cmd: { file: string; args: string[] },
  opts: { env?: NodeJS.ProcessEnv; input?: string; onOut?: (text: string, pid: number) => void } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.file, cmd.args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      opts.onOut?.(out, child.pid!);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdin.end(opts.input ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ out, err, code, signal }));
  });
}

/** Runs `node -e CODE -- ARGS...` under the pty (stdin not a terminal: it is a pipe here). */
function node(code: string, args: readonly string[] = [], opts: Parameters<typeof run>[1] & { size?: { columns: number; rows: number } } = {}) {
  return run(ptyCommand(process.execPath, ['-e', code, '--', ...args], { stdinIsTTY: false, size: opts.size }), opts);
}

/** The pty's line discipline turns "\n" into "\r\n" (ONLCR), as a terminal expects; undo it to compare. */
const lf = (s: string) => s.replaceAll('\r\n', '\n');

describe('shellQuote', () => {
  it.each([
    ['plain', "'plain'"],
    ['', "''"],
    ["it's", "'it'\\''s'"],
    ["'", "''\\'''"],
  ])('%j -> %s', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });
});

describe('ptyCommand', () => {
  it('refuses a command name starting with "-" (exec in /bin/sh would take it for an option)', () => {
    expect(() => ptyCommand('-x', [])).toThrow(RangeError);
  });

  it('runs script(1) from /bin/sh, with -e and without echo when stdin is not a terminal', () => {
    const cmd = ptyCommand('/usr/bin/env', ['a b'], { stdinIsTTY: false, size: { columns: 80, rows: 24 } });
    expect(cmd.file).toBe('/bin/sh');
    expect(cmd.args[1]).toContain('exec script -q -e -E never -c "$1" /dev/null');
    expect(cmd.args[3]).toContain("stty cols 80 rows 24 2>/dev/null; exec '/usr/bin/env' 'a b'");
    expect(ptyCommand('/usr/bin/env', [], { stdinIsTTY: true }).args[1]).toContain('-E auto');
  });
});

describe.skipIf(!ptyAvailable())('a command under script(1)', () => {
  it('sees a terminal on stdin, stdout and stderr, and its exit code passes through', async () => {
    const r = await node(
      'process.stdout.write(String(process.stdout.isTTY)); process.stdout.write(" " + process.stdin.isTTY + " " + process.stderr.isTTY); process.exit(7)',
    );
    expect(r.out).toBe('true true true');
    expect(r.code).toBe(7);
    expect(r.err).toBe('');
  });

  it('runs a command found on the PATH, with stdin as the caller has it (the brief\'s case)', async () => {
    const r = await run(ptyCommand('node', ['-e', 'process.stdout.write(String(process.stdout.isTTY)); process.exit(7)']));
    expect(r.out).toContain('true');
    expect(r.code).toBe(7);
  });

  it('exits 0 when the command does', async () => {
    expect((await node('')).code).toBe(0);
  });

  it('reports death by signal n as exit code 128+n', async () => {
    const r = await node('process.kill(process.pid, "SIGTERM")');
    expect(r.code).toBe(143);
  });

  it('gets every argument unchanged: quotes, spaces, newlines, unicode, empty, dashes, shell syntax', async () => {
    const args = [
      "it's",
      "'",
      "''",
      'a "b" c',
      'two words',
      '  padded  ',
      '',
      '-n',
      '--',
      '--flag=value',
      'line1\nline2\n',
      'tab\there',
      'ünïcödé 密码 🔑',
      '$HOME ${PATH} `id` $(id) \\ \\\\',
      '*.ts ? [a-z] ~ ~/x',
      '; | & && || > < >> 2>&1 #comment',
      '!event !!',
      "\\'\\\"",
      'x'.repeat(100_000),
    ];
    const r = await node('process.stdout.write(JSON.stringify(process.argv.slice(1)))', args);
    expect(r.code).toBe(0);
    // JSON escapes newlines, so the output has none to be turned into "\r\n".
    expect(JSON.parse(r.out)).toEqual(args);
  });

  it('merges stderr into stdout, with "\\n" written as "\\r\\n"', async () => {
    const r = await node('process.stdout.write("one\\ntwo\\n"); process.stderr.write("three\\n")');
    expect(r.out).toBe('one\r\ntwo\r\nthree\r\n');
    expect(lf(r.out)).toBe('one\ntwo\nthree\n');
    expect(r.err).toBe('');
  });

  it('keeps the environment as given: SHELL restored, or left unset, and nothing added', async () => {
    const code = 'process.stdout.write(JSON.stringify({ shell: process.env.SHELL ?? null, extra: Object.keys(process.env).filter((k) => k.includes("LATCHKEY_PTY")), secret: process.env.MY_SECRET }))';
    const withShell = await node(code, [], { env: { PATH: process.env.PATH, SHELL: '/usr/bin/fish', MY_SECRET: 'v' } });
    expect(JSON.parse(withShell.out)).toEqual({ shell: '/usr/bin/fish', extra: [], secret: 'v' });
    const noShell = await node(code, [], { env: { PATH: process.env.PATH, MY_SECRET: 'v' } });
    expect(JSON.parse(noShell.out)).toEqual({ shell: null, extra: [], secret: 'v' });
  });

  it('gets piped stdin through the pty, without echo, and its end', async () => {
    const r = await node(
      'let s = ""; process.stdin.setEncoding("utf8").on("data", (d) => (s += d)).on("end", () => { process.stdout.write("got " + JSON.stringify(s)); process.exit(3) })',
      [],
      { input: 'hello\nworld\n' },
    );
    expect(r.out).toBe('got "hello\\nworld\\n"');
    expect(r.code).toBe(3);
  });

  it('has the given window size when stdin is not a terminal', async () => {
    const r = await node('process.stdout.write(process.stdout.columns + "x" + process.stdout.rows)', [], { size: { columns: 132, rows: 43 } });
    expect(r.out).toBe('132x43');
  });

  it('fails like a shell when the command does not exist: 127', async () => {
    const r = await run(ptyCommand('/nonexistent/command', [], { stdinIsTTY: false }));
    expect(r.code).toBe(127);
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('ptySignal delivers %s to the command itself; its last words and exit code come through', async (sig) => {
    let sent = false;
    const r = await node(
      `for (const s of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(s, () => { process.stdout.write("got " + s); setTimeout(() => process.exit(42), 100) }); process.stdout.write("ready "); setInterval(() => {}, 1000)`,
      [],
      {
        onOut: (out, pid) => {
          if (!sent && out.includes('ready')) {
            sent = true;
            expect(ptySignal(pid, sig)).toBe(true);
          }
        },
      },
    );
    expect(r.out).toBe(`ready got ${sig}`);
    expect(r.code).toBe(42);
    expect(r.err).toBe('');
  });
});
