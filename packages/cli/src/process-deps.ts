// The Deps of the commands that talk over grpc-js: the process, read once, with AgentConnection (started
// on demand, the installed daemon). Built by the oclif commands (base.ts) and by `agent scan --staged`'s
// path without oclif (lean/scan.ts).
import { connect } from '@latchkey/client';
import { installedDaemon } from './daemon-program.js';
import type { Deps } from './deps.js';
import { warnStoreNote } from './render.js';

/** The process, read once here and passed down as a value. */
export function processDeps(): Deps {
  const env = { ...process.env };
  return {
    env,
    cwd: process.cwd(),
    stdin: process.stdin,
    now: Date.now,
    stdout: process.stdout,
    stderr: process.stderr,
    connect: (options) => connect({ env, autoStart: options?.autoStart ?? true, daemon: installedDaemon, onStarted: (status) => warnStoreNote(process, status) }),
  };
}
