// `agent exec --watch`: run the command, and restart it (SIGTERM, a grace period, then SIGKILL) when
// a secret it uses changes or rotates, or when its manifest changes and is approved again. The events
// come from the daemon's WatchSecrets stream. The agent ends the way the command ends on its own.
import { connect, type AgentConnection } from '@latchkey/client';
import type { ResolvedEnv, WatchEvent } from '@latchkey/protocol';
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

type Child = ReturnType<typeof spawnChild>;

/** Stops a child: SIGTERM, then SIGKILL after the grace period. */
async function stopChild(child: Child, graceMs: number): Promise<void> {
  if (child.child.exitCode !== null || child.child.signalCode !== null) return;
  child.child.kill('SIGTERM');
  const timer = setTimeout(() => child.child.kill('SIGKILL'), graceMs);
  await child.ended.catch(() => undefined);
  clearTimeout(timer);
}

/**
 * Runs the command under watch; never returns. The command starts only after the daemon confirmed the
 * subscription to what it uses, which begins with the changes made since its values were resolved: a
 * change made before the command runs, or while it runs, always restarts it.
 */
export async function runWatched(input: WatchInput): Promise<never> {
  const { opts, ctx, file } = input;
  const agent: AgentConnection = await connect({ env: ctx.env, daemon: installedDaemon });
  let resolved = input.first;
  let current: Child;
  let restarting = false;
  let again: string | undefined; // why to restart once more: an event that came during a restart
  let waitingForApproval = false;
  let timer: NodeJS.Timeout | undefined;
  let stream: { close(): void } | undefined;

  const note = (m: string) => process.stderr.write(`agent: ${m}\n`);

  const onEvent = (event: WatchEvent) => {
    if (event.kind === 'manifest-changed' || event.kind === 'manifest-denied') {
      waitingForApproval = true;
      note(`${event.manifest} changed; the command keeps running until it is approved again (agent allow ${event.manifest})`);
      return;
    }
    if (event.kind === 'manifest-approved' && !waitingForApproval) return;
    clearTimeout(timer);
    timer = setTimeout(() => void restart(event.secret ? `${event.secret} ${event.kind}` : `${event.manifest} approved`), DEBOUNCE_MS);
  };
  const onEnd = (err?: Error) => {
    if (err) note(`lost the daemon's event stream (${err.message}); watching stopped, the command keeps running`);
  };

  /** Watches what `r` uses from when it was resolved, once the daemon confirmed it; the previous stream stays open until then. */
  const subscribe = async (r: ResolvedEnv) => {
    const next = agent.watchSecrets({ secrets: r.secrets, manifests: r.manifests, sinceSeq: r.eventSeq }, onEvent, onEnd);
    try {
      await next.subscribed;
    } catch (err) {
      next.close();
      throw err;
    }
    stream?.close();
    stream = next;
  };

  const restart = async (why: string) => {
    if (restarting) {
      again = why;
      return;
    }
    restarting = true;
    try {
      const next = await resolveEnv(opts, input.manifests, { ...ctx, interactive: false });
      waitingForApproval = false;
      await subscribe(next);
      note(`restarting: ${why}`);
      await stopChild(current, RESTART_GRACE_MS);
      resolved = next;
      for (const w of resolved.warnings) process.stderr.write(`agent: warning: ${w}\n`);
      start();
    } catch (err) {
      note(`not restarting: ${(err as Error).message}`);
    } finally {
      restarting = false;
      const more = again;
      again = undefined;
      if (more !== undefined) void restart(more);
    }
  };

  let finish!: (end: ChildEnd) => void;
  const done = new Promise<ChildEnd>((r) => (finish = r));
  /** Spawns the command with `resolved`, and ends the agent when it ends on its own. */
  const start = () => {
    const mine = spawnChild(file, opts.command, opts.args, childEnvironment(ctx.env, resolved).env);
    current = mine;
    void mine.ended.then(
      (end) => {
        if (mine === current && !restarting) finish(end);
      },
      () => finish({ code: 127 }),
    );
  };
  restarting = true; // an event replayed before the command runs restarts it once it runs
  try {
    await subscribe(resolved);
    start();
  } finally {
    restarting = false;
  }
  const early = again;
  again = undefined;
  if (early !== undefined) void restart(early);
  const end = await done;
  stream?.close();
  agent.close();
  return exitLike(end);
}
