import { Args } from '@oclif/core';
import { revokeLease } from '../actions/temp.js';
import { BaseCommand } from '../base.js';

export default class Revoke extends BaseCommand {
  static override summary = 'End a temporary key\'s lease now';
  static override description = 'The key stops working at once: introspection answers inactive. Exits 1 when no such lease is active.';
  static override examples = ['<%= config.bin %> revoke lease_3q2-Xv0kN1b7yS8dJ4mWQA', "<%= config.bin %> leases --json | jq -r '.[].leaseId' | xargs -n1 <%= config.bin %> revoke"];
  static override args = { leaseId: Args.string({ ignoreStdin: true, description: 'lease id, as printed by agent temp or agent leases', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Revoke);
    await revokeLease(args.leaseId, this.deps());
  }
}
