// The lean paths against a daemon stand-in (node:http2 on a temp socket, the generated codecs): the Scan
// call that starts the daemon itself (startingScan), and the built `agent get` and `agent scan --staged`.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Http2Server } from 'node:http2';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { leanScan } from '@latchkey/client/lean-scan';
import { grpcFrame } from '@latchkey/protocol/lean';
import { GetSecretResponse, ScanReply, ScanRequest, ScanSummary, StatusResponse } from '@latchkey/protocol/messages';
import { CLI, cliNode, run, testdir } from '@latchkey/test-utils';
import { startingScan } from './call.js';

const none = new Uint8Array(0);

/** The gRPC messages of a request body. */
function messagesOf(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 5 <= body.length; ) {
    const len = body.readUInt32BE(at + 1);
    out.push(body.subarray(at + 5, at + 5 + len));
    at += 5 + len;
  }
  return out;
}

/** A daemon stand-in: each call's method in `calls`, each Scan's requests in `scans`; answers once the request ends. */
interface FakeDaemon {
  calls: string[];
  scans: ScanRequest[][];
  listen(): Promise<void>;
  close(): Promise<void>;
}

function fakeDaemon(socket: string, value = ''): FakeDaemon {
  const calls: string[] = [];
  const scans: ScanRequest[][] = [];
  let server: Http2Server | undefined;
  const reply = (method: string, body: Buffer): Uint8Array => {
    if (method === 'GetSecret') return GetSecretResponse.encode({ value, secret: null }).finish();
    if (method === 'Status') return StatusResponse.encode(StatusResponse.decode(none)).finish();
    const requests = messagesOf(body).map((m) => ScanRequest.decode(m));
    scans.push(requests);
    const sources = new Set(requests.flatMap((r) => r.pieces.map((p) => p.source))).size;
    return ScanReply.encode({ ...ScanReply.decode(none), summary: { ...ScanSummary.decode(none), sources } }).finish();
  };
  return {
    calls,
    scans,
    listen: () => {
      server = createServer();
      server.on('stream', (stream, headers) => {
        const method = String(headers[':path']).split('/').pop()!;
        calls.push(method);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', () => {});
        stream.on('end', () => {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.end(grpcFrame(reply(method, Buffer.concat(chunks))));
        });
      });
      return new Promise((resolve) => server!.listen(socket, resolve));
    },
    close: () => new Promise((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };
}

const daemons: FakeDaemon[] = [];
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.close()));
});
const newDaemon = (socket: string, value?: string) => {
  const d = fakeDaemon(socket, value);
  daemons.push(d);
  return d;
};

const start = { mode: 'staged', roots: ['/repo'], answer: false };
const scanOf = async (stream: ReturnType<typeof leanScan>) => {
  await stream.send({ id: 1, label: ':a.txt' }, Buffer.from('hello'), true);
  return stream.finish();
};

describe('startingScan: the Scan call starts the daemon when it finds none', () => {
  it('starts it on DaemonNotRunning and writes the call again there, with no other call made', async () => {
    const socket = join(testdir(), 'agent.sock');
    const daemon = newDaemon(socket);
    let started = 0;
    const open = startingScan(socket, {}, true, async () => {
      started++;
      await daemon.listen();
    });
    const summary = await scanOf(leanScan(socket, start, () => {}, open));
    expect(summary.sources).toBe(1);
    expect(started).toBe(1);
    expect(daemon.calls).toEqual(['Scan']);
    expect(daemon.scans[0]!.map((r) => r.mode)).toEqual(['staged']);
    expect(daemon.scans[0]![0]!.pieces.map((p) => Buffer.from(p.data).toString())).toEqual(['hello']);
  });

  it('starts nothing when a daemon answers', async () => {
    const socket = join(testdir(), 'agent.sock');
    const daemon = newDaemon(socket);
    await daemon.listen();
    let started = 0;
    const summary = await scanOf(leanScan(socket, start, () => {}, startingScan(socket, {}, true, async () => void started++)));
    expect([summary.sources, started, daemon.calls]).toEqual([1, 0, ['Scan']]);
  });

  it('without autoStart, or when the daemon started does not answer either, fails as grpc-js would: unavailable, naming the socket', async () => {
    const socket = join(testdir(), 'agent.sock');
    let started = 0;
    const unavailable = { kind: 'unavailable', message: `the daemon does not answer on ${socket}` };
    await expect(scanOf(leanScan(socket, start, () => {}, startingScan(socket, {}, false, async () => void started++)))).rejects.toMatchObject(unavailable);
    expect(started).toBe(0);
    await expect(scanOf(leanScan(socket, start, () => {}, startingScan(socket, {}, true, async () => void started++)))).rejects.toMatchObject(unavailable);
    expect(started).toBe(1);
  });
});

describe('the built lean paths against a daemon stand-in', () => {
  /** The environment of a CLI run against the stand-in on `socket`, in a home of its own. */
  const envFor = (home: string, socket: string) => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_STATE_HOME: join(home, 'state'),
    XDG_CONFIG_HOME: join(home, 'config'),
    LATCHKEY_SOCKET: socket,
  });

  /** Runs the built CLI against the stand-in, its stdout a pipe whose read end is closed before anything comes (writes fail with EPIPE). */
  const intoClosedPipe = async (home: string, socket: string, args: string[]) => {
    const child = spawn(cliNode(), ['--', CLI, ...args], { env: envFor(home, socket), cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stderr };
  };

  /** A home of its own with the stand-in listening on its socket (answering GetSecret with `value`). */
  const standIn = async (value?: string) => {
    const home = testdir();
    const socket = join(home, 'agent.sock');
    const daemon = newDaemon(socket, value);
    await daemon.listen();
    return { home, socket, daemon };
  };

  it('`agent get NAME` writes the value byte-exact into a pipe', async () => {
    const value = `${'v'.repeat(60_000)}\n\u00e9`;
    const { home, socket } = await standIn(value);
    // Not spawnSync: the stand-in answers from this process.
    const got = await run(cliNode(), ['--', CLI, 'get', 'tok'], { env: envFor(home, socket), cwd: home });
    expect([got.code, got.stderr]).toEqual([0, '']);
    expect(got.stdout === value).toBe(true);
  });

  it('`agent get NAME` into a pipe whose reader has gone (`| head -c0`): exits 0, nothing on stderr', async () => {
    const { home, socket, daemon } = await standIn('v'.repeat(60_000));
    expect(await intoClosedPipe(home, socket, ['get', 'tok'])).toEqual({ code: 0, stderr: '' });
    expect(daemon.calls).toEqual(['GetSecret']);
  });

  it('`agent daemon status --json` into a pipe whose reader has gone: exits 0, nothing on stderr', async () => {
    const { home, socket, daemon } = await standIn();
    expect(await intoClosedPipe(home, socket, ['daemon', 'status', '--json'])).toEqual({ code: 0, stderr: '' });
    expect(daemon.calls).toEqual(['Status']);
  });

  it('`agent scan --staged` makes the Scan call alone (no Status call first)', async () => {
    const { home, socket, daemon } = await standIn();
    const repo = join(home, 'repo');
    const git = (...args: string[]) => spawnSync('git', args, { cwd: repo, env: envFor(home, socket), encoding: 'utf8' });
    spawnSync('git', ['init', '-q', repo], { env: envFor(home, socket) });
    writeFileSync(join(repo, 'a.txt'), 'nothing here\n');
    expect(git('add', 'a.txt').status).toBe(0);
    const scan = await run(cliNode(), ['--', CLI, 'scan', '--staged'], { env: envFor(home, socket), cwd: repo });
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stderr).toMatch(/^agent: no known value found in 1 source\(s\)/);
    expect(daemon.calls).toEqual(['Scan']);
  });
});
