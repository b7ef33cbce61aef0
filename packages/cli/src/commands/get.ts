import { Args } from '@oclif/core';
import { assertSecretName } from '@latchkey/core';
import { getSecret } from '../actions/get.js';
import { BaseCommand } from '../base.js';

export default class Get extends BaseCommand {
  static override summary = "Print a secret's value";
  static override description =
    'Into a pipe or a file the value is written byte-exact (no newline added); on a terminal a newline ends it. ' +
    'Every read is written to the audit log first. Prefer `agent exec` to keep values out of shells.';
  static override examples = ['<%= config.bin %> get stripe-test | pbcopy', 'curl -H "Authorization: Bearer $(<%= config.bin %> get github-token)" "$API"'];
  static override args = { name: Args.string({ ignoreStdin: true, description: 'secret name', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Get);
    await getSecret(assertSecretName(args.name), this.deps());
  }
}
