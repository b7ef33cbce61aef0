// `agent get NAME`: the lean path scripts call, one bundled module like `agent exec`'s (no oclif, no
// grpc-js): the oclif command's action, its one GetSecret call over h2lite. bin/run.js sends only the plain
// form here (`get` and one name); every other form (flags, --help, a missing or extra argument) goes through
// oclif, whose parsing, errors and help stay the reference.
import { assertSecretName } from '@latchkey/core/names';
import { CALL_TIMEOUT_MS } from '@latchkey/client/calls';
import { prepareHardening } from '@latchkey/client/harden';
import { socketPath } from '@latchkey/protocol/lean';
import * as rpc from '@latchkey/protocol/methods';
import { getSecret, type GetAgent } from '../actions/get.js';
import { processDeps } from '../process-deps.js';
import { startingCall } from './call.js';
import { runLean } from './run.js';
import { SyncOutput } from './sync-output.js';
import type { Output } from '../render.js';

/** Prints the value of the secret `name`, then exits. */
export function main(name: string): void {
  // Not LeanAgent: its listings would bring the domain mapping (and core's index) into this bundle.
  // Written with writeSync (SyncOutput): Node's streams for the pipes a script reads cost more than the rest.
  const output = { stdout: new SyncOutput(1), stderr: new SyncOutput(2) } as unknown as Output;
  const deps = processDeps<GetAgent>((env) => async (options) => {
    // Blocking: nothing else of `agent get` runs until the reply.
    const call = startingCall(socketPath(env), env, options?.autoStart ?? true, true);
    return { getSecret: (secret, cwd) => call(rpc.getSecret, { name: secret, cwd }, CALL_TIMEOUT_MS), close: () => {} };
  }, output);
  runLean(deps, (d) => getSecret(assertSecretName(name), d));
  // The libc binding is loaded by now (the blocking call and SyncOutput's isatty use it) unless it could
  // not be: the hardening's calls are bound after the reply, or the failure is reported by holdValues.
  setImmediate(prepareHardening);
}
