// `agent daemon status [--json]`: the lean path, one bundled module like `agent get NAME`'s (no oclif,
// no grpc-js): one Status call over h2lite, printed by the same view as the oclif command. bin/run.js
// sends only these two forms here; every other goes through oclif.
import { isLatchkeyError, render } from '@latchkey/core/errors';
import { DaemonNotRunning, h2liteCall } from '@latchkey/client/h2lite';
import type { DaemonStatus } from '@latchkey/protocol';
import { socketPath } from '@latchkey/protocol/lean';
import * as rpc from '@latchkey/protocol/methods';
import { printStatus } from '../actions/status-view.js';

/** How long a status waits for the daemon, as the oclif command's probe. */
const PROBE_TIMEOUT_MS = 1500;

/** Prints the daemon's status; never returns. */
export async function main(json: boolean): Promise<never> {
  const env = { ...process.env } as Record<string, string>;
  const socket = socketPath(env);
  try {
    let status: DaemonStatus | undefined;
    try {
      status = await h2liteCall(socket, rpc.status, {}, PROBE_TIMEOUT_MS);
    } catch (err) {
      // Nothing there, or nothing that answers: not running, as the oclif command's probe says.
      if (!(err instanceof DaemonNotRunning) && !(isLatchkeyError(err) && err.kind === 'unavailable')) throw err;
    }
    printStatus(status, socket, json, process.stdout);
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(0);
  } catch (err) {
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(render(err, { stderr: process.stderr, env }));
  }
}
