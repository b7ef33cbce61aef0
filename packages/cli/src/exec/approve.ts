// Asking for approval of a manifest on a terminal, from `agent exec`.
import { connect } from '@latchkey/client';
import { escapeControl } from '@latchkey/core/display';
import { confirm, describeManifest } from '../actions/manifest.js';

/** Shows what the manifest asks for and approves it if the user says yes. */
export async function approveInteractively(path: string, allowVars: readonly string[], env: Record<string, string>): Promise<boolean> {
  const agent = await connect({ env });
  try {
    const info = await agent.inspectManifest(path, allowVars);
    const shown = escapeControl(info.path);
    process.stderr.write(info.changed ? `agent: ${shown} changed since it was approved.\n` : `agent: ${shown} is not approved yet.\n`);
    describeManifest(info, process.stderr);
    const deps = { stdin: process.stdin, stderr: process.stderr };
    if (!(await confirm(deps as never, `allow ${shown}?`))) return false;
    await agent.allowManifest(info.path, info.sha256, allowVars);
    process.stderr.write(`agent: allowed ${shown}\n`);
    return true;
  } finally {
    agent.close();
  }
}
