// The one way a lean path ends, shared by all of them. A module of its own, so that `agent get`'s bundle
// does not take LeanAgent (and through it core's index) from deps.ts.
import { render } from '@latchkey/core/errors';
import type { Deps } from '../deps.js';
import type { Output } from '../render.js';
import { SyncOutput } from './sync-output.js';

/**
 * Runs a command's action with `deps` (a command's Deps, or only the environment for one that needs no more), renders its error as the oclif commands do, and exits once stdout and
 * stderr are flushed: 0 when the action resolves, else the error's code. A reader that went away (`agent ls
 * | head -1`, `agent get NAME | head -c0`) ends nothing with an error, as oclif's commands have it.
 */
export function runLean<D extends Pick<Deps, 'env'> & Partial<Output>>(deps: D, action: (deps: D) => Promise<unknown>): void {
  // The deps' own streams when they have them (get's SyncOutput), else the process's.
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  swallowEpipe(stdout);
  // An action's checks may throw before its first await: rejections, like its later errors.
  void (async () => action(deps))()
    .then(
      () => 0,
      (err: unknown) => render(err, { stderr, env: deps.env }),
    )
    .then(async (code) => {
      await Promise.all([flushed(stdout), flushed(stderr)]);
      process.exit(code);
    });
}

/** EPIPE on stdout is the reader's going away, not an error of ours (a SyncOutput handles its own). */
function swallowEpipe(stdout: Output['stdout']): void {
  if (stdout instanceof SyncOutput) return;
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/** Resolves once what was written to `stream` before is flushed (or the stream is gone). */
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
