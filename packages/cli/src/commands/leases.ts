import { Flags } from '@oclif/core';
import { listLeases } from '../actions/temp.js';
import { BaseCommand } from '../base.js';

export default class Leases extends BaseCommand {
  static override summary = 'List the temporary keys in force: kind, expiry, bound process, fingerprint';
  static override description =
    'Never shows a key: the fingerprint is the one audit records carry. A lease bound to a process ends when it exits.';
  static override examples = ['<%= config.bin %> leases', "<%= config.bin %> leases --json | jq -r '.[] | select(.kind == \"jwt\") | .leaseId'"];
  static override flags = { json: Flags.boolean({ description: 'print JSON for scripts', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(Leases);
    await listLeases({ json: flags.json }, this.deps());
  }
}
