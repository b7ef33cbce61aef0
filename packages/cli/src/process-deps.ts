// The process, read once and passed down as a value: what every command's Deps hold, with the daemon
// connection its caller makes from that environment (grpc-js's AgentConnection for the oclif commands in
// base.ts, h2lite's for the lean paths in lean/deps.ts). Free of grpc-js, so the lean bundles share it.
import type { Env } from '@latchkey/protocol/lean';
import type { Closable, Deps } from './deps.js';
import type { Output } from './render.js';

/** The process, read once here; `connect` is made from the environment read. */
export function processDeps<A extends Closable>(connect: (env: Env) => Deps<A>['connect'], output?: Output): Deps<A> {
  const env: Env = { ...process.env };
  return {
    env,
    cwd: process.cwd(),
    // Read when a command reads its input: opening stdin costs a little, and most commands never read it.
    get stdin() {
      return process.stdin;
    },
    now: Date.now,
    // `output` in place of the process's streams, which then are never opened (`agent get`'s SyncOutput).
    stdout: output ? output.stdout : process.stdout,
    stderr: output ? output.stderr : process.stderr,
    connect: connect(env),
  };
}
