// The daemon's timers on its socket, with vitest's fake timers: a deleted or replaced socket file is
// noticed within one check interval, and a connection that sends no HTTP/2 preface is closed at 5 s.
// test/daemon-lifecycle.test.ts and test/limits.test.ts (SECURITY 42) check the same end to end.
import { EventEmitter } from 'node:events';
import { lstatSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { awaitPreface, PREFACE_TIMEOUT_MS, SOCKET_CHECK_INTERVAL_MS, watchSocketFile, type SocketIdentity } from './socket.js';

describe('watchSocketFile', () => {
  let dir: string;
  let path: string;
  let server: Server;
  let identity: SocketIdentity;
  const stops: Array<() => void> = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-sock-'));
    path = join(dir, 'agent.sock');
    server = createServer();
    await new Promise<void>((r) => server.listen(path, r));
    const st = lstatSync(path);
    identity = { dev: st.dev, ino: st.ino };
  });

  afterEach(async () => {
    for (const stop of stops.splice(0)) stop();
    vi.useRealTimers();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Watches with the periodic check alone (no folder watch), under fake interval timers. */
  const periodic = () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const onGone = vi.fn();
    stops.push(watchSocketFile(path, identity, onGone, { watchFolder: false }));
    return onGone;
  };

  it('a deleted socket is noticed at the next check, at most one interval later, and once', () => {
    const onGone = periodic();
    vi.advanceTimersByTime(SOCKET_CHECK_INTERVAL_MS * 2);
    expect(onGone).not.toHaveBeenCalled(); // still ours: nothing to say
    unlinkSync(path);
    vi.advanceTimersByTime(SOCKET_CHECK_INTERVAL_MS - 1);
    expect(onGone).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onGone).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(SOCKET_CHECK_INTERVAL_MS * 3);
    expect(onGone).toHaveBeenCalledTimes(1);
  });

  it('a regular file put in its place is noticed the same way', () => {
    const onGone = periodic();
    unlinkSync(path);
    writeFileSync(path, 'replacement\n');
    vi.advanceTimersByTime(SOCKET_CHECK_INTERVAL_MS);
    expect(onGone).toHaveBeenCalledTimes(1);
  });

  it('the folder watch notices a deletion before any periodic check', async () => {
    const gone = new Promise<void>((resolve) => stops.push(watchSocketFile(path, identity, resolve, { intervalMs: 3_600_000 })));
    unlinkSync(path);
    await gone;
  });

  it('stopped, it says nothing', () => {
    const onGone = periodic();
    stops.pop()!();
    unlinkSync(path);
    vi.advanceTimersByTime(SOCKET_CHECK_INTERVAL_MS * 2);
    expect(onGone).not.toHaveBeenCalled();
  });
});

/** A connection as awaitPreface sees it. */
class FakeConn extends EventEmitter {
  readableLength = 0;
  destroyed = false;
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

describe('awaitPreface', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const start = () => {
    const conn = new FakeConn();
    const handOver = vi.fn();
    awaitPreface(conn as never, handOver);
    return { conn, handOver };
  };

  it('closes a connection that sent nothing within 5 s, not before', () => {
    expect(PREFACE_TIMEOUT_MS).toBe(5000);
    const { conn, handOver } = start();
    vi.advanceTimersByTime(PREFACE_TIMEOUT_MS - 1);
    expect(conn.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(conn.destroyed).toBe(true);
    expect(handOver).not.toHaveBeenCalled();
  });

  it('hands a connection over once bytes are there, and leaves it open past 5 s', () => {
    const { conn, handOver } = start();
    vi.advanceTimersByTime(PREFACE_TIMEOUT_MS - 1);
    conn.readableLength = 24;
    conn.emit('readable');
    expect(handOver).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(PREFACE_TIMEOUT_MS * 2);
    expect(conn.destroyed).toBe(false);
  });

  it('closes a connection that ended without a byte at once; a closed one leaves no timer', () => {
    const { conn, handOver } = start();
    conn.emit('readable');
    expect(conn.destroyed).toBe(true);
    expect(handOver).not.toHaveBeenCalled();
    const other = start();
    other.conn.emit('close');
    expect(vi.getTimerCount()).toBe(0);
  });
});
