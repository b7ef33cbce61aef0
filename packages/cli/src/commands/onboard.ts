import { Args, Flags } from '@oclif/core';
import { ErrorKinds, ExitCode } from '@latchkey/core';
import { onboard } from '../actions/onboard.js';
import { BaseCommand } from '../base.js';

export default class Onboard extends BaseCommand {
  static override summary = "Get ready to work on a project: enter the secrets it needs, then approve it";
  static override description =
    'Lists each secret the manifest refers to as present, expiring (within a day), expired or missing, with its owner, description and docs link. ' +
    "On a terminal it asks for each missing or expired value (hidden), stores it with the manifest's max_ttl (else the default ttl) and the " +
    "manifest's owner and description as its metadata (source onboard), then asks to approve the manifest. " +
    'Without a terminal, --from-env-file takes the values from a dotenv file keyed by the variable names of agent.env, and --yes approves. ' +
    'Exits 0 when ready (nothing missing or expired and the manifest approved), 1 otherwise; values are never printed.';
  static override examples = [
    '<%= config.bin %> onboard',
    { description: 'Exit 1 and list what is missing, with owners and docs', command: '<%= config.bin %> onboard --check' },
    '<%= config.bin %> onboard --check --json',
    '<%= config.bin %> onboard --from-env-file ci-secrets.env --yes',
  ];
  // ignoreStdin: oclif would otherwise read a piped stdin (e.g. `curl ... | sh`) as PATH.
  static override args = { path: Args.string({ ignoreStdin: true, description: 'the manifest, or a folder holding agent.env', required: false }) };
  static override flags = {
    check: Flags.boolean({ description: 'only report; exit 1 when anything is missing or expired or the manifest is not approved', default: false, exclusive: ['from-env-file'] }),
    json: Flags.boolean({ description: 'print the state as JSON', default: false }),
    'from-env-file': Flags.string({ description: 'take the values from this dotenv file (NAME=value, NAME the variable of agent.env); asks nothing' }),
    yes: Flags.boolean({ char: 'y', description: 'approve the manifest without asking', default: false }),
    project: Flags.boolean({ description: 'store new secrets in the project scope instead of the global one', default: false }),
    'allow-var': Flags.string({ description: 'let the manifest set this refused variable (as agent allow --allow-var); repeatable', multiple: true }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Onboard);
    const { ready } = await onboard(
      {
        ...(args.path !== undefined ? { path: args.path } : {}),
        check: flags.check,
        json: flags.json,
        ...(flags['from-env-file'] !== undefined ? { fromEnvFile: flags['from-env-file'] } : {}),
        yes: flags.yes,
        project: flags.project,
        allowVars: flags['allow-var'] ?? [],
      },
      this.deps(),
    );
    if (!ready) throw new ExitCode(ErrorKinds.failed);
  }
}
