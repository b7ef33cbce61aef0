// The one error boundary of the CLI: oclif's own usage errors become the agent's (64), and core's render()
// prints the rest: expected errors (exit code and hint), a passed-through exit code, and bugs as bugs.
import { Command, Errors } from '@oclif/core';
import { LatchkeyError, render } from '@latchkey/core';
import { connect, type AgentConnection } from '@latchkey/client';
import { installedDaemon } from './daemon-program.js';
import { warnStoreNote, type Output } from './render.js';
import { usageMessage, type FlagFacts } from './usage-message.js';

/** What actions need from the outside world; built once per command from the process. */
export interface Deps extends Output {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  /** Opens a connection to the daemon, starting it when needed. */
  connect(options?: { autoStart?: boolean }): Promise<AgentConnection>;
  /** The wall clock, in ms since the epoch. */
  now(): number;
}

export abstract class BaseCommand extends Command {
  /** The process, read once here and passed down as a value. */
  protected deps(): Deps {
    const env = { ...process.env };
    return {
      env,
      cwd: process.cwd(),
      stdin: process.stdin,
      now: Date.now,
      stdout: process.stdout,
      stderr: process.stderr,
      connect: (options) => connect({ env, autoStart: options?.autoStart ?? true, daemon: installedDaemon, onStarted: (status) => warnStoreNote(process, status) }),
    };
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    if (err instanceof Errors.ExitError) {
      process.exitCode = err.oclif.exit;
      return;
    }
    if (err instanceof Errors.CLIError && !(err instanceof LatchkeyError)) {
      const flags = (this.constructor as typeof BaseCommand).flags as Record<string, FlagFacts | undefined> | undefined;
      const message = usageMessage(err.message, flags ?? {});
      process.exitCode = render(new LatchkeyError('usage', message, `run agent ${this.id?.replace(/:/g, ' ') ?? ''} --help`), process);
      return;
    }
    process.exitCode = render(err, process);
  }
}

/** Runs `fn` with a daemon connection and always closes it. */
export async function withAgent<T>(deps: Deps, fn: (agent: AgentConnection) => Promise<T>, autoStart = true): Promise<T> {
  const agent = await deps.connect({ autoStart });
  try {
    return await fn(agent);
  } finally {
    agent.close();
  }
}
