// `agent daemon status [--json]`: the lean path, one bundled module like `agent get NAME`'s (no oclif,
// no grpc-js): one Status call over h2lite, printed by the same view as the oclif command. bin/run.js
// sends only these two forms here; every other goes through oclif.
import { isLatchkeyError } from '@latchkey/core/errors';
import { DaemonNotRunning, h2liteCallBlocking } from '@latchkey/client/h2lite';
import type { DaemonStatus } from '@latchkey/protocol';
import { socketPath, type Env } from '@latchkey/protocol/lean';
import * as rpc from '@latchkey/protocol/methods';
import { printStatus } from '../actions/status-view.js';
import { runLean } from './run.js';
import { SyncOutput } from './sync-output.js';

/** How long a status waits for the daemon, as the oclif command's probe. */
const PROBE_TIMEOUT_MS = 1500;

/** Prints the daemon's status, then exits. */
export function main(json: boolean): void {
  const env: Env = { ...process.env };
  runLean({ env }, async () => {
    const socket = socketPath(env);
    let status: DaemonStatus | undefined;
    try {
      status = await h2liteCallBlocking(socket, rpc.status, {}, PROBE_TIMEOUT_MS);
    } catch (err) {
      // Nothing there, or nothing that answers: not running, as the oclif command's probe says.
      if (!(err instanceof DaemonNotRunning) && !(isLatchkeyError(err) && err.kind === 'unavailable')) throw err;
    }
    // writeSync (SyncOutput), as `agent get`: the status reads its output through a pipe.
    printStatus(status, socket, json, new SyncOutput(1) as unknown as NodeJS.WritableStream);
  });
}
