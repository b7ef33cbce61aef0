import { Flags } from '@oclif/core';
import { queryAudit } from '../actions/audit.js';
import { BaseCommand } from '../base.js';

export default class Audit extends BaseCommand {
  static override summary = 'Show the audit trail: who read which secret, when, with which command';
  static override description =
    'Reads the trail in the state folder directly (the daemon need not run). Each record names the secret, never a value. ' +
    'With --json, one object per line with at least time, event, secret, scope, outcome, pid, exe and command (\'\' or 0 when absent). ' +
    'Check that nothing was edited, removed or reordered with agent audit verify.';
  static override examples = [
    '<%= config.bin %> audit --since 1h',
    '<%= config.bin %> audit --secret stripe-test --event exec',
    "<%= config.bin %> audit --json | jq -r 'select(.outcome == \"denied\") | .exe'",
    '<%= config.bin %> audit --follow',
  ];
  static override flags = {
    since: Flags.string({ description: 'only records from this long ago (15m, 1h, 2d) or since this ISO time' }),
    secret: Flags.string({ description: 'only records of this secret' }),
    event: Flags.string({ description: 'only records of this event (set, get, exec, rm, expire, allow, deny, ...); repeatable', multiple: true }),
    json: Flags.boolean({ description: 'print one JSON object per line', default: false }),
    follow: Flags.boolean({ char: 'f', description: 'keep printing new records until Ctrl-C', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Audit);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await queryAudit(
        {
          ...(flags.since !== undefined ? { since: flags.since } : {}),
          ...(flags.secret !== undefined ? { secret: flags.secret } : {}),
          events: flags.event ?? [],
          json: flags.json,
          follow: flags.follow,
          signal: controller.signal,
        },
        this.deps(),
      );
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
}
