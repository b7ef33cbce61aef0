/**
 * A private rsyslogd for tests: started in a temp folder, it listens on its own socket there (standing in
 * for /dev/log) and writes every message it takes to a file there, one per line, as rsyslog's file format
 * (`<time> <host> <tag>: <message>`, with the facility and severity in front). `await stop()` in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Syslog {
  /** The socket the daemon sends to (config.json auditSyslog). */
  readonly socket: string;
  /** The lines rsyslogd wrote so far. */
  lines(): string[];
  /** Sends one message through `logger` (util-linux) to the socket, as any process of the user could. */
  logger(tag: string, message: string): Promise<void>;
  /** Resolves once a line containing `needle` is in the file (rejects after `ms`). */
  waitFor(needle: string, ms?: number): Promise<string>;
  /** Kills rsyslogd (its socket stays on disk, refusing connections). */
  kill(): Promise<void>;
  /** Starts rsyslogd again on the same socket and file. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((p) => {
  try {
    accessSync(p, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
});

export function syslogAvailable(): boolean {
  return RSYSLOGD !== undefined;
}

export async function startSyslog(): Promise<Syslog> {
  if (!RSYSLOGD) throw new Error('syslog harness: rsyslogd is not installed (apt-get install rsyslog)');
  const dir = await mkdtemp(path.join(tmpdir(), 'lk-syslog-'));
  const socket = path.join(dir, 'log');
  const file = path.join(dir, 'messages');
  const conf = path.join(dir, 'rsyslog.conf');
  // Only our socket: no system socket, no kernel log, no rate limit (every record must arrive).
  await writeFile(
    conf,
    `global(workDirectory="${dir}")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="${socket}" RateLimit.Interval="0")
template(name="lkline" type="string" string="%syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg%\\n")
*.* action(type="omfile" file="${file}" template="lkline")
`,
  );
  let child: ChildProcess | undefined;
  let output = '';
  const start = async (): Promise<void> => {
    await rm(socket, { force: true });
    const c = spawn(RSYSLOGD, ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    c.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    // Ready once a message sent to the socket arrives in the file.
    const marker = `ready-${process.pid}-${Date.now()}`;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`syslog harness: rsyslogd exited (${c.exitCode ?? c.signalCode}): ${output.slice(-2000)}`);
      if (existsSync(socket)) {
        await api.logger('lk-harness', marker).catch(() => {});
        if (lines().some((l) => l.includes(marker))) return;
      }
      if (Date.now() > deadline) throw new Error(`syslog harness: rsyslogd took no message within 15 s: ${output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const lines = (): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  const kill = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  const api: Syslog = {
    socket,
    lines,
    logger: (tag, message) =>
      new Promise((resolve, reject) => {
        const l = spawn('logger', ['--socket', socket, '--udp', '--socket-errors=on', '-t', tag, '--', message], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        l.stderr?.on('data', (b: Buffer) => (err += b.toString()));
        l.on('error', reject);
        l.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`logger exited ${code}: ${err}`))));
      }),
    waitFor: async (needle, ms = 10_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = lines().find((l) => l.includes(needle));
        if (hit !== undefined) return hit;
        if (Date.now() > deadline) throw new Error(`syslog harness: no line with ${JSON.stringify(needle)} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    kill,
    start,
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (err) {
    await api.stop();
    throw err;
  }
  return api;
}
