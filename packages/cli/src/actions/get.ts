// `agent get NAME` as a function of (name, deps): what the oclif command and the lean path (lean/get.ts) run.
import { holdValues } from '@latchkey/client/harden';
import { withAgent, type Closable, type Deps } from '../deps.js';

/** What get needs of the daemon: AgentConnection's getSecret, or the lean path's one call over h2lite. */
export interface GetAgent extends Closable {
  getSecret(name: string, cwd: string): Promise<{ value: string }>;
}

/** Prints a value: byte-exact into a pipe or file, with a newline on a terminal. */
export async function getSecret(name: string, deps: Deps<GetAgent>): Promise<void> {
  const { value } = await withAgent(deps, (agent) => agent.getSecret(name, deps.cwd));
  // Not before the call: the daemon reads our working directory from /proc, which this hides.
  for (const m of holdValues()) deps.stderr.write(`agent: warning: hardening not applied: ${m}\n`);
  deps.stdout.write(value);
  if (deps.stdout.isTTY && !value.endsWith('\n')) deps.stdout.write('\n');
}
