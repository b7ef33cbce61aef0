import { Args, Flags } from '@oclif/core';
import { assertSecretName, parseTtlText } from '@latchkey/core';
import { setSecret } from '../actions/secrets.js';
import { BaseCommand } from '../base.js';

export default class Set extends BaseCommand {
  static override summary = 'Store a secret in the keychain, with an expiry';
  static override description =
    'The value is read from a hidden prompt on a terminal, or byte-exact from stdin; never from the command line. ' +
    'Every secret expires: the ttl defaults to 12h and is capped at 30d (config.json: defaultTtl, maxTtl).';
  static override examples = [
    '<%= config.bin %> set stripe-test --ttl 8h --owner payments',
    "printf '%s' \"$TOKEN\" | <%= config.bin %> set github-token --ttl 1d --desc 'CI read-only token'",
    '<%= config.bin %> set db-password --project   # only resolves inside this project',
  ];
  static override args = { name: Args.string({ description: 'secret name, e.g. stripe-test or team/db.password', required: true }) };
  static override flags = {
    ttl: Flags.string({ description: 'time to live, e.g. 15m, 8h, 30d (0 and "never" are refused)' }),
    owner: Flags.string({ description: 'who answers for this secret', default: '' }),
    desc: Flags.string({ description: 'what the secret is for', default: '' }),
    project: Flags.boolean({ description: 'bind the secret to the current project (folder of agent.env, or the Git root)', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Set);
    const name = assertSecretName(args.name);
    // The daemon enforces the configured maximum; here only the shape and the "never" rule.
    const ttlSeconds = flags.ttl === undefined ? 0 : parseTtlText(flags.ttl);
    await setSecret({ name, ttlSeconds, owner: flags.owner, description: flags.desc, project: flags.project }, this.deps());
  }
}
