// The one error boundary of the CLI: oclif's own usage errors become the agent's (64), and core's render()
// prints the rest: expected errors (exit code and hint), a passed-through exit code, and bugs as bugs.
import { Command, Errors } from '@oclif/core';
import { connect } from '@latchkey/client';
import { LatchkeyError, render } from '@latchkey/core';
import { installedDaemon } from './daemon-program.js';
import type { Deps } from './deps.js';
import { processDeps } from './process-deps.js';
import { warnStoreNote } from './render.js';
import { usageMessage, type FlagFacts } from './usage-message.js';

export abstract class BaseCommand extends Command {
  /** The process, read once here and passed down as a value; the daemon over grpc-js (started on demand, the installed one). */
  protected deps(): Deps {
    return processDeps((env) => (options) => connect({ env, autoStart: options?.autoStart ?? true, daemon: installedDaemon, onStarted: (status) => warnStoreNote(process, status) }));
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
