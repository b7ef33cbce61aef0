import { Flags } from '@oclif/core';
import { verifyAudit } from '../../actions/audit.js';
import { BaseCommand } from '../../base.js';

export default class AuditVerify extends BaseCommand {
  static override summary = "Check the audit trail: exit 0 when intact, 1 naming the first broken record";
  static override description =
    'Each record carries the sha256 of the one before it, from a recorded anchor and across rotated files, so an edited, ' +
    'removed or reordered record breaks the chain at the first record that no longer follows. Removing records from the very end ' +
    'leaves a shorter chain that still checks out: compare the record count with a copy kept elsewhere.';
  static override examples = ['<%= config.bin %> audit verify', '<%= config.bin %> audit verify --json | jq .broken'];
  static override flags = { json: Flags.boolean({ description: 'print the report as JSON', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(AuditVerify);
    await verifyAudit({ json: flags.json }, this.deps());
  }
}
