import { Args, Flags } from '@oclif/core';
import { allowManifest } from '../actions/manifest.js';
import { BaseCommand } from '../base.js';

export default class Allow extends BaseCommand {
  static override summary = 'Approve a manifest (agent.env) for agent exec';
  static override description =
    'Shows the variables and the secrets the manifest asks for, then approves its real path pinned to the hash of the content shown: ' +
    'an edit, even one made while this runs, needs a new approval. Running it is the consent; nothing is asked. ' +
    'Without PATH, the nearest agent.env above the working directory.';
  static override examples = [
    '<%= config.bin %> allow',
    '<%= config.bin %> allow services/api/agent.env',
    { description: 'A manifest that sets a variable refused by default', command: '<%= config.bin %> allow --allow-var NODE_OPTIONS' },
  ];
  static override args = { path: Args.string({ ignoreStdin: true, description: 'the manifest, or a folder holding agent.env', required: false }) };
  static override flags = {
    'allow-var': Flags.string({ description: 'let the manifest set this refused variable (LD_*, NODE_OPTIONS, PATH...); repeatable', multiple: true }),
    json: Flags.boolean({ description: 'print the approved manifest as JSON for scripts', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Allow);
    await allowManifest({ path: args.path, allowVars: flags['allow-var'] ?? [], json: flags.json }, this.deps());
  }
}
