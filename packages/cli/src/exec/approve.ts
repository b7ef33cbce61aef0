// Asking for approval of a manifest on a terminal, from `agent exec`.
import { connect } from '@latchkey/client';
import { escapeControl } from '@latchkey/core/display';
import type { Deps } from '../deps.js';
import { installedDaemon } from '../daemon-program.js';
import { confirm, describeManifest } from '../actions/manifest.js';

/** Shows what the manifest asks for on `io.stderr` and approves it if the user says yes on `io.stdin`. */
export async function approveInteractively(path: string, allowVars: readonly string[], env: Record<string, string>, io: Pick<Deps, 'stdin' | 'stderr'>): Promise<boolean> {
  const agent = await connect({ env, daemon: installedDaemon });
  try {
    const info = await agent.inspectManifest(path, allowVars);
    const shown = escapeControl(info.path);
    io.stderr.write(info.changed ? `agent: ${shown} changed since it was approved.\n` : `agent: ${shown} is not approved yet.\n`);
    describeManifest(info, io.stderr);
    if (!(await confirm(io, `allow ${shown}?`))) return false;
    await agent.allowManifest(info.path, info.sha256, allowVars);
    io.stderr.write(`agent: allowed ${shown}\n`);
    return true;
  } finally {
    agent.close();
  }
}
