import { Args } from '@oclif/core';
import { assertSecretName } from '@latchkey/core';
import { rotateSecret } from '../actions/secrets.js';
import { BaseCommand } from '../base.js';

export default class Rotate extends BaseCommand {
  static override summary = 'Mint a minted secret again now';
  static override description =
    'Runs the secret\'s mint command (stored with `agent set NAME --mint COMMAND`) now and stores the result, ' +
    'make-before-break: readers see the old value until the new one is stored. Prints the new expiry, never the value.';
  static override examples = ['<%= config.bin %> rotate github-token', '<%= config.bin %> rotate db-password   # the project\'s own, when there is one'];
  static override args = { name: Args.string({ ignoreStdin: true, description: 'name of a minted secret', required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Rotate);
    await rotateSecret(assertSecretName(args.name), this.deps());
  }
}
