import { Flags } from '@oclif/core';
import { listSecrets } from '../actions/secrets.js';
import { BaseCommand } from '../base.js';

export default class Ls extends BaseCommand {
  static override summary = 'List stored secrets: name, scope, owner, description, created, expires';
  static override description = 'Never shows a value.';
  static override examples = ['<%= config.bin %> ls', "<%= config.bin %> ls --json | jq '.[] | select(.expiresInSeconds < 3600) | .name'"];
  static override flags = { json: Flags.boolean({ description: 'print JSON for scripts', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(Ls);
    await listSecrets({ json: flags.json }, this.deps());
  }
}
