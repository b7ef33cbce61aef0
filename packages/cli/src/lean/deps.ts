// The Deps of the lean paths: the process as the oclif commands read it (base.ts), with h2lite's LeanAgent
// for the daemon instead of grpc-js's AgentConnection, and the one way a lean path ends.
import { render } from '@latchkey/core/errors';
import { LeanAgent } from '@latchkey/client/lean-agent';
import { socketPath } from '@latchkey/protocol/lean';
import type { Deps } from '../deps.js';
import { startingCall, type Env } from './call.js';

/** The process, read once, as the oclif commands' deps(); connections are LeanAgents. */
export function leanDeps(): Deps<LeanAgent> {
  const env = { ...process.env } as Env;
  return {
    env,
    cwd: process.cwd(),
    // Read when a command reads its input: opening stdin costs a little, and ls never reads it.
    get stdin() {
      return process.stdin;
    },
    now: Date.now,
    stdout: process.stdout,
    stderr: process.stderr,
    connect: async (options) => {
      const socket = socketPath(env);
      return new LeanAgent(socket, startingCall(socket, env, options?.autoStart ?? true));
    },
  };
}

/** Runs a command's action with the lean deps, renders its error as the oclif commands do, and exits once stdout and stderr are flushed. */
export function runLean(action: (deps: Deps<LeanAgent>) => Promise<unknown>): void {
  swallowEpipe();
  const deps = leanDeps();
  // An action's checks may throw before its first await: rejections, like its later errors.
  void (async () => action(deps))()
    .then(
      () => 0,
      (err: unknown) => render(err, { stderr: process.stderr, env: deps.env }),
    )
    .then(async (code) => {
      await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
      process.exit(code);
    });
}

/** A reader that went away (`agent ls | head -1`) ends nothing with an error, as oclif's commands have it. */
function swallowEpipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
