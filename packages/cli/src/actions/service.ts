// `agent daemon install` and `agent daemon uninstall` as functions of (input, deps): plan the unit (pure,
// service-unit.ts), write it, then let the service manager start it when it answers; otherwise print the
// commands to run. A daemon already running outside the service is stopped first, so the service's
// daemon can take the socket.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LatchkeyError, usageError } from '@latchkey/core';
import { findDaemon, probe } from '@latchkey/client';
import { socketPath, stateDir } from '@latchkey/protocol';
import type { Deps } from '../deps.js';
import { installedDaemon } from '../daemon-program.js';
import { warn } from '../render.js';
import { stopDaemon } from './daemon.js';
import { LAUNCHD_LABEL, renderLaunchdPlist, renderSystemdUnit, serviceEnvironment, SYSTEMD_UNIT_NAME, WRITTEN_BY, type ServicePlan } from './service-unit.js';

export interface ServiceInput {
  platform: NodeJS.Platform;
  /** The node running this CLI (absolute) and the flags the daemon gets. */
  node: string;
  nodeFlags: string[];
  uid: number | undefined;
  dryRun?: boolean;
}

/** Where the service file of this platform goes, and how it is rendered. */
interface Target {
  file: string;
  render(plan: ServicePlan): string;
  /** Commands that load and start it. */
  start: string[][];
  /** Commands that stop and unload it (run before the file is removed). */
  stop: string[][];
  /** Commands to run after the file is removed. */
  afterRemove: string[][];
  /** A command whose success says the service manager can be driven from here. */
  probe: string[];
}

function target(input: ServiceInput, deps: Deps): Target {
  const home = deps.env.HOME;
  if (!home) throw usageError('HOME is not set', 'set HOME to your home folder');
  if (input.platform === 'linux') {
    const config = deps.env.XDG_CONFIG_HOME || join(home, '.config');
    return {
      file: join(config, 'systemd', 'user', SYSTEMD_UNIT_NAME),
      render: renderSystemdUnit,
      start: [
        ['systemctl', '--user', 'daemon-reload'],
        ['systemctl', '--user', 'enable', '--now', SYSTEMD_UNIT_NAME],
      ],
      stop: [['systemctl', '--user', 'disable', '--now', SYSTEMD_UNIT_NAME]],
      afterRemove: [['systemctl', '--user', 'daemon-reload']],
      probe: ['systemctl', '--user', 'show-environment'],
    };
  }
  if (input.platform === 'darwin') {
    const file = join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    const domain = `gui/${input.uid ?? 0}`;
    const log = join(stateDir(deps.env), 'daemon.log');
    return {
      file,
      render: (plan) => renderLaunchdPlist(plan, log),
      start: [['launchctl', 'bootstrap', domain, file]],
      stop: [['launchctl', 'bootout', domain, file]],
      afterRemove: [],
      probe: ['launchctl', 'print', domain],
    };
  }
  throw usageError(`agent daemon install supports Linux (systemd) and macOS (launchd), not ${input.platform}`, 'start the daemon from your login scripts with: agent daemon start');
}

/** The plan: this node, the daemon entry, the environment worth keeping. */
export function servicePlan(input: ServiceInput, deps: Deps): ServicePlan {
  return { node: resolve(input.node), nodeFlags: input.nodeFlags, entry: findDaemon(deps.env, installedDaemon), environment: serviceEnvironment(deps.env) };
}

/** Writes the unit (or prints it with dryRun) and starts it through the service manager when it answers. */
export async function installService(input: ServiceInput, deps: Deps): Promise<void> {
  const t = target(input, deps);
  const text = t.render(servicePlan(input, deps));
  if (input.dryRun) {
    deps.stdout.write(text);
    deps.stderr.write(`agent: dry run: nothing written; install would write ${t.file} and run: ${t.start.map(shellText).join(' && ')}\n`);
    return;
  }
  const before = readOrUndefined(t.file);
  if (before !== undefined && !before.includes(WRITTEN_BY)) {
    throw new LatchkeyError('denied', `${t.file} exists and was not written by agent daemon install; refusing to replace it`, `move it away, or compare it with: agent daemon install --dry-run`);
  }
  mkdirSync(dirname(t.file), { recursive: true, mode: 0o755 });
  const tmp = `${t.file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, t.file);
  deps.stderr.write(`agent: ${before === text ? 'unchanged' : before === undefined ? 'wrote' : 'updated'} ${t.file}\n`);

  const manager = runs(t.probe, deps);
  if (!manager.ok) {
    deps.stderr.write(`agent: ${t.probe.slice(0, 2).join(' ')} does not answer here (${manager.why}); to start the daemon at login, run:\n`);
    for (const c of t.start) deps.stderr.write(`  ${shellText(c)}\n`);
    return;
  }
  const socket = socketPath(deps.env);
  if (await probe(socket)) {
    deps.stderr.write('agent: stopping the running daemon so that the service takes over\n');
    await stopDaemon(deps);
  }
  for (const c of t.start) {
    const r = runs(c, deps);
    if (!r.ok) {
      throw new LatchkeyError('unavailable', `${shellText(c)} failed: ${r.why}`, `fix it and run: ${t.start.map(shellText).join(' && ')}`);
    }
  }
  const status = await waitForDaemon(socket, 8000);
  if (!status) {
    const see = input.platform === 'linux' ? `systemctl --user status ${SYSTEMD_UNIT_NAME}` : `${stateDir(deps.env)}/daemon.log`;
    throw new LatchkeyError('unavailable', `the service was started but no daemon answers on ${socket} yet`, `see ${see}`);
  }
  deps.stderr.write(`agent: the daemon runs as a service (pid ${status.pid}) on ${socket} and starts at login\n`);
}

/** Stops and removes the unit this CLI installed; says so when there is none. */
export async function uninstallService(input: ServiceInput, deps: Deps): Promise<void> {
  const t = target(input, deps);
  const text = readOrUndefined(t.file);
  if (text === undefined) {
    deps.stderr.write(`agent: no service installed at ${t.file}; nothing to do\n`);
    return;
  }
  if (!text.includes(WRITTEN_BY)) {
    throw new LatchkeyError('denied', `${t.file} was not written by agent daemon install; refusing to remove it`, `remove it yourself if it is yours to remove`);
  }
  const manager = runs(t.probe, deps);
  if (manager.ok) {
    for (const c of t.stop) {
      const r = runs(c, deps);
      if (!r.ok) warn(deps, `${shellText(c)} failed: ${r.why}`);
    }
  }
  rmSync(t.file, { force: true });
  deps.stderr.write(`agent: removed ${t.file}\n`);
  if (manager.ok) {
    for (const c of t.afterRemove) {
      const r = runs(c, deps);
      if (!r.ok) warn(deps, `${shellText(c)} failed: ${r.why}`);
    }
    deps.stderr.write('agent: the daemon no longer starts at login; other commands still start it when needed\n');
  } else {
    deps.stderr.write(`agent: ${t.probe.slice(0, 2).join(' ')} does not answer here (${manager.why}); if the service was loaded, run:\n`);
    for (const c of [...t.stop, ...t.afterRemove]) deps.stderr.write(`  ${shellText(c)}\n`);
  }
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Runs a command of the service manager; ok, or why not (its last line of stderr, or the spawn error). */
function runs(argv: string[], deps: Deps): { ok: boolean; why: string } {
  const [cmd, ...args] = argv as [string, ...string[]];
  const r = spawnSync(cmd, args, { env: deps.env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) return { ok: false, why: (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} not found` : r.error.message };
  if (r.status !== 0) {
    const last = (r.stderr || r.stdout || '').trim().split('\n').pop() || `exit ${r.status ?? r.signal}`;
    return { ok: false, why: last };
  }
  return { ok: true, why: '' };
}

function shellText(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

async function waitForDaemon(socket: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = await probe(socket, 500);
    if (status) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
