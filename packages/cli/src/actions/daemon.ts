// The daemon commands as functions of (input, deps): start, stop, status.
import { constants } from 'node:os';
import { ExitCode, LatchkeyError } from '@latchkey/core';
import { daemonArgs, daemonEnvironment, probe, startDaemonProcess, type DaemonStatus } from '@latchkey/client';
import { processAlive, readProcessStat, socketPath } from '@latchkey/protocol';
import { withAgent, type Deps } from '../deps.js';
import { installedDaemon } from '../daemon-program.js';
import { spawnChild } from '../exec/run.js';
import { printStatus } from './status-view.js';

/** Starts the daemon detached (or attached with `foreground`); a running daemon is left as it is. */
export async function startDaemon(input: { foreground: boolean }, deps: Deps): Promise<void> {
  const socket = socketPath(deps.env);
  const running = await probe(socket);
  if (running) {
    deps.stderr.write(`agent: daemon already running (pid ${running.pid}) on ${running.socket}\n`);
    return;
  }
  if (input.foreground) return runAttached(deps);
  const status = await startDaemonProcess(deps.env, installedDaemon);
  deps.stderr.write(`agent: daemon started (pid ${status.pid}) on ${status.socket}, store ${status.store}\n`);
  if (status.storeNote) deps.stderr.write(`agent: warning: ${status.storeNote}\n`);
}

/**
 * Runs the daemon attached to this terminal (clean environment; it moves itself to `/`), with exec's signal
 * forwarding; throws ExitCode with the daemon's exit code (128 + n for a signal) unless it exited 0.
 */
async function runAttached(deps: Deps): Promise<void> {
  const { ended } = spawnChild(process.execPath, process.execPath, [...daemonArgs(deps.env, installedDaemon), '--foreground'], daemonEnvironment(deps.env));
  const end = await ended;
  const code = end.signal === undefined ? end.code : 128 + ((constants.signals as Record<string, number>)[end.signal] ?? 0);
  if (code !== 0) throw new ExitCode(code);
}

/**
 * Asks the daemon to stop and waits until its socket stops answering and its process has exited (it
 * closes the socket first, then finishes its keychain and audit work): "stopped" means the process is gone.
 */
export async function stopDaemon(deps: Deps): Promise<void> {
  const socket = socketPath(deps.env);
  const running = await probe(socket);
  if (!running) {
    deps.stderr.write(`agent: no daemon is running on ${socket}\n`);
    return;
  }
  // Its start time identifies the process, so a pid reused after it exits is not taken for it.
  const startTime = readProcessStat(running.pid)?.startTime;
  await withAgent(deps, (agent) => agent.shutdown(), false);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (!processAlive(running.pid, startTime) && !(await probe(socket, 300))) {
      deps.stderr.write(`agent: daemon stopped (pid ${running.pid})\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new LatchkeyError('unavailable', `the daemon (pid ${running.pid}) did not stop within 5s`, `run: kill ${running.pid}`);
}

/** Prints the daemon's status; throws `unavailable` when none runs. */
export async function daemonStatus(input: { json: boolean }, deps: Deps): Promise<DaemonStatus> {
  const socket = socketPath(deps.env);
  return printStatus(await probe(socket), socket, input.json, deps.stdout);
}
