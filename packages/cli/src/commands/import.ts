import { Args, Flags } from '@oclif/core';
import { parseTtlText } from '@latchkey/core';
import { importDotenv } from '../actions/import.js';
import { BaseCommand } from '../base.js';

export default class Import extends BaseCommand {
  static override summary = 'Move the values of a .env into the keychain; write an agent.env of references';
  static override description =
    'Every non-empty value becomes a secret named after its variable (STRIPE_KEY -> stripe-key), bound to the project of the manifest\'s ' +
    'folder unless --global is given; values that are already agent:// references are kept as they are, empty ones are not stored. ' +
    'A secret of that name already holding a different value in the same scope is never replaced unless --replace is given. ' +
    'Nothing is stored when any variable or value is refused. The manifest (agent.env beside ' +
    'FILE unless --env-file) keeps its other lines, gets or replaces a VAR=agent://name line per imported variable, is written atomically and ' +
    'approved. FILE stays unless --remove is given, and even then only after every value was read back from the agent and compared equal.';
  static override examples = [
    '<%= config.bin %> import',
    '<%= config.bin %> import .env.local --ttl 8h --remove',
    '<%= config.bin %> import config/.env --env-file agent.env',
    { description: 'Shared by every folder; overwrite values that differ', command: '<%= config.bin %> import --global --replace' },
  ];
  static override args = { file: Args.string({ ignoreStdin: true, description: 'the dotenv file to import', default: '.env' }) };
  static override flags = {
    ttl: Flags.string({ description: 'time to live of every imported secret, e.g. 8h, 30d (default 12h)' }),
    project: Flags.boolean({ description: "store the secrets in the project of the manifest's folder (the default)", default: false, exclusive: ['global'] }),
    global: Flags.boolean({ description: 'store global secrets, visible from every folder, instead of project ones', default: false }),
    replace: Flags.boolean({ description: 'replace a stored secret of the same name whose value differs', default: false }),
    remove: Flags.boolean({ description: 'delete FILE once every value was stored and read back equal', default: false }),
    'env-file': Flags.string({ description: 'the manifest to write or merge into (default: agent.env beside FILE)' }),
    'allow-var': Flags.string({ description: 'let the manifest set this refused variable (LD_*, NODE_OPTIONS, PATH...); repeatable', multiple: true }),
    json: Flags.boolean({ description: 'print what was done as JSON for scripts', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Import);
    const ttlSeconds = flags.ttl === undefined ? 0 : parseTtlText(flags.ttl);
    await importDotenv(
      { file: args.file, ttlSeconds, global: flags.global, replace: flags.replace, remove: flags.remove, envFile: flags['env-file'], allowVars: flags['allow-var'] ?? [], json: flags.json },
      this.deps(),
    );
  }
}
