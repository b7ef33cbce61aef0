// `agent exec --mask`: the child's stdout and stderr pass through a masker that replaces injected
// values. When our stdout is a terminal, the child runs under a pseudo-terminal (util-linux script) so
// it still sees a terminal; its output then arrives as one stream, as on a terminal anyway.
import type { StdioOptions } from 'node:child_process';
import { holdValues } from '@latchkey/client/harden';
import { createMasker } from './mask.js';
import { ptyAvailable, ptyCommand, ptySignal } from './pty.js';
import { spawnChild, type ChildEnd } from './run.js';
import type { ExecOptions } from './argv.js';

/** Runs the command with masked output; resolves when it ends. */
export async function runMasked(file: string, opts: ExecOptions, env: Record<string, string>, values: readonly string[]): Promise<ChildEnd> {
  const usePty = Boolean(process.stdout.isTTY) && ptyAvailable();
  const stdio: StdioOptions = ['inherit', 'pipe', 'pipe'];
  const target = usePty ? ptyCommand(file, opts.args, { stdinIsTTY: Boolean(process.stdin.isTTY) }) : { file, args: [...opts.args] };
  // script(1) mishandles signals sent to it directly; ptySignal routes each one to the right process.
  const forward = usePty ? (c: { pid?: number }, s: NodeJS.Signals) => c.pid !== undefined && ptySignal(c.pid, s) : undefined;
  const { child, ended } = spawnChild(target.file, usePty ? target.file : opts.command, target.args, env, stdio, forward as never);
  // After the spawn, so the command keeps its own core limit; from here on this process only masks.
  for (const m of holdValues()) process.stderr.write(`agent: warning: hardening not applied: ${m}\n`);
  const done: Promise<void>[] = [];
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    if (!from) continue;
    const masker = createMasker(values);
    from.pipe(masker).pipe(to, { end: false });
    done.push(new Promise((r) => masker.on('end', r)));
  }
  const end = await ended;
  await Promise.all(done);
  return end;
}
