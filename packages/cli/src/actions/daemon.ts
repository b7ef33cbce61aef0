// The daemon commands as functions of (input, deps): start, stop, status.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { LatchkeyError } from '@latchkey/core';
import { AgentConnection, daemonEntry, probe, startDaemonProcess, type DaemonStatus } from '@latchkey/client';
import { socketPath } from '@latchkey/protocol';
import type { Deps } from '../base.js';

/** Starts the daemon detached (or attached with `foreground`); a running daemon is left as it is. */
export async function startDaemon(input: { foreground: boolean }, deps: Deps): Promise<number> {
  const socket = socketPath(deps.env);
  const running = await probe(socket);
  if (running) {
    deps.stderr.write(`agent: daemon already running (pid ${running.pid}) on ${running.socket}\n`);
    return 0;
  }
  if (input.foreground) return runAttached(deps);
  const status = await startDaemonProcess(deps.env);
  deps.stderr.write(`agent: daemon started (pid ${status.pid}) on ${status.socket}, store ${status.store}\n`);
  if (status.storeNote) deps.stderr.write(`agent: warning: ${status.storeNote}\n`);
  return 0;
}

/** Runs the daemon attached to this terminal, forwarding signals, and returns its exit code. */
function runAttached(deps: Deps): Promise<number> {
  const flags = process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') ? ['--disable-sigusr1'] : [];
  const child = spawn(process.execPath, [...flags, daemonEntry(deps.env), '--foreground'], {
    stdio: 'inherit',
    env: deps.env as NodeJS.ProcessEnv,
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  // Ctrl-C on a terminal already reaches the child through the process group: do not send it twice.
  process.on('SIGINT', () => {});
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1));
    });
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return (constants.signals as Record<string, number>)[signal];
}

/** Asks the daemon to stop and waits until its socket stops answering. */
export async function stopDaemon(deps: Deps): Promise<void> {
  const socket = socketPath(deps.env);
  const running = await probe(socket);
  if (!running) {
    deps.stderr.write(`agent: no daemon is running on ${socket}\n`);
    return;
  }
  const conn = new AgentConnection(socket);
  try {
    await conn.shutdown();
  } finally {
    conn.close();
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (!(await probe(socket, 300))) {
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
  const status = await probe(socket);
  if (!status) {
    if (input.json) deps.stdout.write(`${JSON.stringify({ running: false, socket }, null, 2)}\n`);
    throw new LatchkeyError('unavailable', `no daemon is running on ${socket}`, 'run agent daemon start');
  }
  if (input.json) {
    deps.stdout.write(`${JSON.stringify({ running: true, ...status, uptimeSeconds: Math.round(status.uptimeSeconds) }, null, 2)}\n`);
  } else {
    const lines = [
      `running    yes (pid ${status.pid})`,
      `socket     ${status.socket}`,
      `store      ${status.store}${status.storeNote ? ` (${status.storeNote})` : ''}`,
      `secrets    ${status.secrets}`,
      `uptime     ${Math.round(status.uptimeSeconds)}s`,
      `state      ${status.stateDir}`,
      `version    ${status.version}`,
    ];
    deps.stdout.write(`${lines.join('\n')}\n`);
  }
  return status;
}
