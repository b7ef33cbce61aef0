import { Flags } from '@oclif/core';
import { listInputOf, listSecrets } from '../actions/secrets.js';
import { BaseCommand } from '../base.js';

export default class Ls extends BaseCommand {
  static override summary = 'List stored secrets: owner, scope, expiry, source, last use and use count';
  static override description = 'Never shows a value.';
  static override examples = ['<%= config.bin %> ls', '<%= config.bin %> ls --expiring 24h', "<%= config.bin %> ls --json | jq '.[] | select(.expiresInSeconds < 3600) | .name'"];
  static override flags = {
    json: Flags.boolean({ description: 'print JSON for scripts (lastUsedAt, useCount included)', default: false }),
    expiring: Flags.string({ description: 'only secrets expiring within this duration, e.g. 24h' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Ls);
    await listSecrets(listInputOf(flags), this.deps());
  }
}
