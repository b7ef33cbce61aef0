// Where the daemon program installed with the CLI lies: the `latchkey-daemon` bin of the @latchkey/daemon
// package the CLI depends on, found by its package.json (the daemon is started as a program, never imported).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DAEMON_PROGRAM } from '@latchkey/protocol/lean';

/** The path of the installed daemon program, or undefined when @latchkey/daemon is not installed. */
export function installedDaemon(): string | undefined {
  try {
    // node:module when asked, not at the top: the exec and get bundles hold this module (0.7 ms on Node 20).
    const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
    const req = createRequire(import.meta.url);
    const manifest = req.resolve('@latchkey/daemon/package.json');
    const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: Record<string, string> }).bin?.[DAEMON_PROGRAM];
    return bin ? resolve(dirname(manifest), bin) : undefined;
  } catch {
    return undefined;
  }
}
