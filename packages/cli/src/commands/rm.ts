import { Args, Flags } from '@oclif/core';
import { assertSecretName } from '@latchkey/core';
import { removeSecret } from '../actions/secrets.js';
import { BaseCommand } from '../base.js';

export default class Rm extends BaseCommand {
  static override summary = 'Remove a secret from the keychain';
  static override description = "Removes the secret visible from here: this project's own first, else the global one.";
  static override examples = ['<%= config.bin %> rm stripe-test', '<%= config.bin %> rm db-password --project'];
  static override args = { name: Args.string({ ignoreStdin: true, description: 'secret name', required: true }) };
  static override flags = { project: Flags.boolean({ description: "remove this project's secret of that name", default: false }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rm);
    await removeSecret({ name: assertSecretName(args.name), project: flags.project }, this.deps());
  }
}
