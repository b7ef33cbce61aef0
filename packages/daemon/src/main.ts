#!/usr/bin/env node
// The daemon's process entry: `node main.js [--foreground]`. Reads the environment once, hardens the
// process, starts the daemon and exits on SIGTERM/SIGINT. `agent daemon start` spawns this file.
// Only what comes before the keychain worker is started is imported up front: the worker (a Node process
// of its own) then boots on the other core while the daemon loads the rest (daemon.js, its gRPC server).
import { closeSync, writeSync } from 'node:fs';
import inspector from 'node:inspector';
import module from 'node:module';
import { resolve } from 'node:path';
import { deniedError, inputError, render } from '@latchkey/core/errors';
import { DAEMON_READY_FLAG, DAEMON_READY_LINE } from '@latchkey/protocol/lean';
import { checkNodeOptions, checkStartEnvironment, harden, startEnvironment } from './harden.js';
import { releaseMemoryWhenIdle } from './idle-memory.js';
import { KeychainStore } from './store/keychain.js';
import { keychainService } from './store/select.js';
import { startTrace } from './trace.js';

/** The descriptor of `--ready-fd=N`, if given: a pipe to tell whoever started the daemon that it serves. */
function readyFd(argv: readonly string[]): number | undefined {
  const arg = argv.find((a) => a.startsWith(`${DAEMON_READY_FLAG}=`));
  if (arg === undefined) return undefined;
  const fd = Number(arg.slice(DAEMON_READY_FLAG.length + 1));
  if (!Number.isInteger(fd) || fd < 3) throw inputError(`${DAEMON_READY_FLAG} takes a descriptor number of 3 or more, not ${JSON.stringify(arg)}`);
  return fd;
}

/** Says on the ready pipe that the daemon serves, and closes it (a starter that went away is no failure). */
function signalReady(fd: number): void {
  try {
    writeSync(fd, DAEMON_READY_LINE);
  } catch {
    // nobody reads it any more
  }
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

async function main(): Promise<number> {
  const env = { ...process.env };
  const foreground = process.argv.includes('--foreground');
  const ready = readyFd(process.argv.slice(2));
  const trace = startTrace(env);
  checkNodeOptions(env, process.execArgv);
  checkStartEnvironment(startEnvironment(), process.execArgv);
  // Whoever started us, the daemon must not hold the caller's folder (a repository, a mount) open; a
  // relative socket path keeps meaning the folder it was given in.
  if (env.LATCHKEY_SOCKET) env.LATCHKEY_SOCKET = resolve(env.LATCHKEY_SOCKET);
  process.chdir('/');
  const missing = harden();
  // A SIGUSR1 that arrived before the handler was installed may already have opened the inspector.
  if (inspector.url() !== undefined) throw deniedError('the inspector is open; refusing to serve secrets', 'start the daemon without --inspect, and without SIGUSR1 sent to it');
  // LATCHKEY_STORE=memory needs no keychain; auto and keychain (or a config.json that says memory, rarely)
  // ask it first thing, so its worker starts now. It dies with the daemon if the start fails.
  const keychain = env.LATCHKEY_STORE === 'memory' ? undefined : new KeychainStore(keychainService(env));
  keychain?.warm();
  const { startDaemon } = await import('./daemon.js');
  trace('modules loaded');
  const daemon = await startDaemon({ env, foreground, trace, keychain });
  for (const m of missing) process.stderr.write(`agent: warning: hardening not applied: ${m}\n`);
  process.stderr.write(`agent: daemon listening on ${daemon.socket} (pid ${process.pid})\n`);
  if (ready !== undefined) signalReady(ready);
  // What the start compiled goes to the compile cache now (when latchkey-daemon.js turned it on), not at an
  // exit that a SIGKILL would skip.
  (module as { flushCompileCache?: () => void }).flushCompileCache?.();
  // The start's garbage and every later burst's go back to the system once the daemon is quiet.
  const stopReleasing = releaseMemoryWhenIdle();
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => void daemon.stop(`received ${signal}`));
  }
  await daemon.stopped;
  stopReleasing();
  // A keychain call stuck in libsecret holds a libuv worker thread, and exit joins those threads, so
  // it would never return. The keychain is the source of truth and each write to it is atomic: end hard.
  if (daemon.keychainCallsStuck()) process.kill(process.pid, 'SIGKILL');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(render(err, { stderr: process.stderr, env: process.env })),
);
