import { Args, Flags } from '@oclif/core';
import { denyManifest } from '../actions/manifest.js';
import { BaseCommand } from '../base.js';

export default class Deny extends BaseCommand {
  static override summary = "Withdraw a manifest's approval";
  static override description =
    'agent exec refuses the manifest until it is approved again. The file need not exist any more. ' +
    'Without PATH, the nearest agent.env above the working directory.';
  static override examples = ['<%= config.bin %> deny', '<%= config.bin %> deny services/api/agent.env'];
  static override args = { path: Args.string({ ignoreStdin: true, description: 'the manifest, or a folder holding agent.env', required: false }) };
  static override flags = { json: Flags.boolean({ description: 'print {path, wasApproved} as JSON for scripts', default: false }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Deny);
    await denyManifest({ path: args.path, json: flags.json }, this.deps());
  }
}
