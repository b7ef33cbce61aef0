// What `agent daemon status` prints, from the daemon's answer (or none): written once for the oclif
// command and the lean path, and light enough for the lean path's bundle (no client, no oclif).
import { LatchkeyError } from '@latchkey/core/errors';
import type { DaemonStatus } from '@latchkey/protocol';

/** Prints the status (text or JSON); with no daemon, says so as JSON when asked and throws (69). */
export function printStatus(status: DaemonStatus | undefined, socket: string, json: boolean, stdout: Pick<NodeJS.WritableStream, 'write'>): DaemonStatus {
  if (!status) {
    if (json) stdout.write(`${JSON.stringify({ running: false, socket }, null, 2)}\n`);
    throw new LatchkeyError('unavailable', `no daemon is running on ${socket}`, 'run agent daemon start');
  }
  // Uptime is cut, never rounded up: a daemon up 0.6 s has not been up 1 s (JSON keeps milliseconds).
  if (json) {
    stdout.write(`${JSON.stringify({ running: true, ...status, uptimeSeconds: Math.floor(status.uptimeSeconds * 1000) / 1000 }, null, 2)}\n`);
  } else {
    const lines = [
      `running    yes (pid ${status.pid})`,
      `socket     ${status.socket}`,
      `store      ${status.store}${status.storeNote ? ` (${status.storeNote})` : ''}`,
      `keychain   ${status.keychain}`,
      `secrets    ${status.secrets}`,
      `uptime     ${Math.floor(status.uptimeSeconds)}s`,
      `state      ${status.stateDir}`,
      `version    ${status.version}`,
    ];
    stdout.write(`${lines.join('\n')}\n`);
  }
  return status;
}
