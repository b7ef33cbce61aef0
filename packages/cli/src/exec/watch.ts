// `agent exec --watch`: run the command, and restart it (SIGTERM, a grace period, then SIGKILL) when
// a secret it uses changes or rotates, or when its manifest changes and is approved again. The events
// come from the daemon's WatchSecrets stream. The agent ends the way the command ends on its own.
import { connect, type AgentConnection } from '@latchkey/client';
import type { ResolvedEnv } from '@latchkey/protocol';
import { installedDaemon } from '../daemon-program.js';
import type { ExecOptions } from './argv.js';
import { childEnvironment } from './child-env.js';
import type { ExecContext } from './main.js';
import { resolveEnv } from './main.js';
import { exitLike, spawnChild, type ChildEnd } from './run.js';

/** Time a command gets to exit after SIGTERM before SIGKILL. */
export const RESTART_GRACE_MS = 5000;
/** Events closer together than this cause one restart. */
export const DEBOUNCE_MS = 150;

export interface WatchInput {
  opts: ExecOptions;
  manifests: string[];
  ctx: ExecContext;
  file: string;
  first: ResolvedEnv;
}

/** Stops a child: SIGTERM, then SIGKILL after the grace period. */
async function stopChild(child: ReturnType<typeof spawnChild>, graceMs: number): Promise<void> {
  if (child.child.exitCode !== null || child.child.signalCode !== null) return;
  child.child.kill('SIGTERM');
  const timer = setTimeout(() => child.child.kill('SIGKILL'), graceMs);
  await child.ended.catch(() => undefined);
  clearTimeout(timer);
}

/** Runs the command under watch; never returns. */
export async function runWatched(input: WatchInput): Promise<never> {
  const { opts, ctx, file } = input;
  const agent: AgentConnection = await connect({ env: ctx.env, daemon: installedDaemon });
  let resolved = input.first;
  let current = spawnChild(file, opts.command, opts.args, childEnvironment(ctx.env, resolved).env);
  let restarting = false;
  let waitingForApproval = false;
  let timer: NodeJS.Timeout | undefined;
  let stream: { close(): void } | undefined;

  const note = (m: string) => process.stderr.write(`agent: ${m}\n`);

  const subscribe = () => {
    stream?.close();
    stream = agent.watchSecrets(
      { secrets: resolved.secrets, manifests: resolved.manifests },
      (event) => {
        if (event.kind === 'manifest-changed' || event.kind === 'manifest-denied') {
          waitingForApproval = true;
          note(`${event.manifest} changed; the command keeps running until it is approved again (agent allow ${event.manifest})`);
          return;
        }
        if (event.kind === 'manifest-approved' && !waitingForApproval) return;
        clearTimeout(timer);
        timer = setTimeout(() => void restart(event.secret ? `${event.secret} ${event.kind}` : `${event.manifest} approved`), DEBOUNCE_MS);
      },
      (err) => {
        if (err) note(`lost the daemon's event stream (${err.message}); watching stopped, the command keeps running`);
      },
    );
  };

  const restart = async (why: string) => {
    if (restarting) return;
    restarting = true;
    try {
      const next = await resolveEnv(opts, input.manifests, { ...ctx, interactive: false });
      waitingForApproval = false;
      note(`restarting: ${why}`);
      await stopChild(current, RESTART_GRACE_MS);
      resolved = next;
      for (const w of resolved.warnings) process.stderr.write(`agent: warning: ${w}\n`);
      current = spawnChild(file, opts.command, opts.args, childEnvironment(ctx.env, resolved).env);
      watchExit();
      subscribe();
    } catch (err) {
      note(`not restarting: ${(err as Error).message}`);
    } finally {
      restarting = false;
    }
  };

  let finish!: (end: ChildEnd) => void;
  const done = new Promise<ChildEnd>((r) => (finish = r));
  const watchExit = () => {
    const mine = current;
    void mine.ended.then(
      (end) => {
        if (mine === current && !restarting) finish(end);
      },
      () => finish({ code: 127 }),
    );
  };
  watchExit();
  subscribe();
  const end = await done;
  stream?.close();
  agent.close();
  return exitLike(end);
}
