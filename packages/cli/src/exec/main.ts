// `agent exec`: the hot path. It loads neither oclif, grpc-js nor node:http2: one HTTP/2 call (h2lite) resolves every
// manifest into variables, then the command replaces the agent (execve) or runs as its child.
import { resolve as resolvePath } from 'node:path';
import { inputError, isLatchkeyError, render } from '@latchkey/core/errors';
import { DaemonNotRunning, h2liteCallBlocking, StatusError } from '@latchkey/client/h2lite';
import { isTerminal } from '@latchkey/client/libc';
import type { ResolvedEnv } from '@latchkey/protocol';
import { findManifest, socketPath } from '@latchkey/protocol/lean';
import * as rpc from '@latchkey/protocol/methods';
import { installedDaemon } from '../daemon-program.js';
import { warnStoreNote } from '../render.js';
import { parseExecArgv, type ExecOptions } from './argv.js';
import { childEnvironment } from './child-env.js';
import { CommandError, kernelRuns, resolveCommand } from './resolve-command.js';
import { execveFailure, nativeExecve } from './native-execve.js';
import { canExecve, execve, exitLike, spawnChild } from './run.js';

type Env = Record<string, string>;

/** Everything `agent exec` reads from the process, read once. */
export interface ExecContext {
  env: Env;
  cwd: string;
  interactive: boolean;
}

/** The manifests to use: --env-file paths, else the agent.env found walking up from cwd. */
export function manifestPaths(opts: ExecOptions, cwd: string): string[] {
  if (opts.envFiles.length > 0) return opts.envFiles.map((f) => resolvePath(cwd, f));
  const found = findManifest(cwd);
  if (!found) {
    throw inputError(`no agent.env in ${cwd} or any folder above it`, 'create agent.env with lines like STRIPE_KEY=agent://stripe-test, or pass --env-file PATH');
  }
  return [found];
}

/** Resolves the manifests, starting the daemon or asking for approval (on a terminal) when needed. */
export async function resolveEnv(opts: ExecOptions, manifests: string[], ctx: ExecContext): Promise<ResolvedEnv> {
  const socket = socketPath(ctx.env);
  const request = { manifests, cwd: ctx.cwd, command: opts.command, allowVars: opts.allowVars };
  let started = false;
  let asked = false;
  for (;;) {
    try {
      return await h2liteCallBlocking(socket, rpc.resolveEnv, request);
    } catch (err) {
      if (err instanceof DaemonNotRunning && !started) {
        started = true;
        const { startDaemonProcess } = await import('./start-daemon.js');
        warnStoreNote(process, await startDaemonProcess(ctx.env, installedDaemon));
        continue;
      }
      if (err instanceof StatusError && err.unapprovedManifest && ctx.interactive && !asked) {
        asked = true;
        const { approveInteractively } = await import('./approve.js');
        // process.stdin is opened only here: opening it sets O_NONBLOCK on a pipe the command may share.
        if (await approveInteractively(err.unapprovedManifest, opts.allowVars, ctx.env, { stdin: process.stdin, stderr: process.stderr })) continue;
      }
      throw err;
    }
  }
}

/**
 * Runs `agent exec` with the words after `exec`; never returns. `beforeCommand` is called once the
 * variables are resolved, at the last moment before the command starts (bin/run.js stores the code cache
 * there; it may be called more than once).
 */
export async function main(words: readonly string[], beforeCommand: () => void = () => {}): Promise<never> {
  const ctx: ExecContext = {
    env: { ...process.env } as Env,
    cwd: process.cwd(),
    // isatty, not process.stdin.isTTY: opening stdin's stream would set O_NONBLOCK on a pipe for nothing.
    interactive: isTerminal(0) && isTerminal(2),
  };
  try {
    const opts = parseExecArgv(words);
    const manifests = manifestPaths(opts, ctx.cwd);
    // Find the program first when the manifest cannot change PATH: a typo then reads no secret.
    const early = opts.allowVars.includes('PATH') ? undefined : resolveCommand(opts.command, ctx.env.PATH, ctx.cwd);
    const resolved = await resolveEnv(opts, manifests, ctx);
    for (const w of resolved.warnings) process.stderr.write(`agent: warning: ${w}\n`);
    const { env: childEnv, masked } = childEnvironment(ctx.env, resolved);
    const file = early ?? resolveCommand(opts.command, childEnv.PATH, ctx.cwd);
    if (opts.watch) {
      beforeCommand();
      const { runWatched } = await import('./watch.js');
      return await runWatched({ opts, manifests, ctx, file, first: resolved });
    }
    if (opts.mask) {
      beforeCommand();
      const { runMasked } = await import('./masked.js');
      return await exitLike(await runMasked(file, opts, childEnv, masked));
    }
    // What the kernel runs itself replaces the agent: through libc's execve where koffi loads (it returns
    // when it fails), else process.execve where Node has it (>= 22.15; a failure aborts Node). Anything
    // else is spawned: execvp runs a script without #! with /bin/sh, as a shell would.
    if (kernelRuns(file, ctx.cwd)) {
      const errno = nativeExecve(file, [opts.command, ...opts.args], childEnv, beforeCommand);
      if (errno !== undefined) throw execveFailure(errno, opts.command);
      if (canExecve()) {
        beforeCommand();
        execve(file, [opts.command, ...opts.args], childEnv);
      }
    }
    beforeCommand();
    const { ended } = spawnChild(file, opts.command, opts.args, childEnv);
    return await exitLike(await ended);
  } catch (err) {
    process.exit(render((!isLatchkeyError(err) && startFailure(err as NodeJS.ErrnoException)) || err, { stderr: process.stderr, env: ctx.env }));
  }
}

/** The shell's exit code and a message for a command the kernel would not start, or undefined. */
function startFailure(err: NodeJS.ErrnoException): CommandError | undefined {
  if (err.code === 'EACCES') return new CommandError('permission denied running the command', 126);
  if (err.code === 'ENOENT') return new CommandError('the command could not be started: a file it needs (its interpreter or loader) is missing', 127);
  return undefined;
}
