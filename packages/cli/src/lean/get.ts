// `agent get NAME`: the lean path scripts call, one bundled module like `agent exec`'s (no oclif, no
// grpc-js): one GetSecret call over h2lite, the value written as the oclif command writes it. bin/run.js
// sends only the plain form here (`get` and one name); every other form (flags, --help, a missing or
// extra argument) goes through oclif, whose parsing, errors and help stay the reference.
import { render } from '@latchkey/core/errors';
import { assertSecretName } from '@latchkey/core/names';
import { holdValues } from '@latchkey/client/harden';
import { CALL_TIMEOUT_MS } from '@latchkey/client/calls';
import { socketPath } from '@latchkey/protocol/lean';
import * as rpc from '@latchkey/protocol/methods';
import { startingCall, type Env } from './call.js';

/** Prints the value of the secret `name`; never returns. */
export async function main(name: string): Promise<never> {
  const env = { ...process.env } as Env;
  try {
    assertSecretName(name);
    const { value } = await startingCall(socketPath(env), env, true)(rpc.getSecret, { name, cwd: process.cwd() }, CALL_TIMEOUT_MS);
    // Not before the call: the daemon reads our working directory from /proc, which this hides.
    for (const m of holdValues()) process.stderr.write(`agent: warning: hardening not applied: ${m}\n`);
    await write(value);
    if (process.stdout.isTTY && !value.endsWith('\n')) await write('\n');
    process.exit(0);
  } catch (err) {
    process.exit(render(err, { stderr: process.stderr, env }));
  }
}

/** Writes to stdout and waits until it is flushed (a pipe is asynchronous), so exit loses nothing. */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}
