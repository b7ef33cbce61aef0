import { Args, Flags } from '@oclif/core';
import { ErrorKinds, ExitCode } from '@latchkey/core';
import { scanCommand } from '../actions/scan.js';
import { watchCommand } from '../actions/scan-watch.js';
import { BaseCommand } from '../base.js';

export default class Scan extends BaseCommand {
  static override summary = 'Find known values in files, Git history, shell histories and transcripts';
  static override description =
    'The daemon searches what is read for every stored secret, every live temporary key and every value retired in the last ' +
    '30 days (kept as keyed fingerprints only), in every encoding: raw, base64 and base64url (at any offset inside a longer ' +
    'base64 string, padded or not), hex, percent-encoding, JSON string escaping, Authorization: Basic and Bearer. Values under 8 ' +
    'bytes are not looked for. Findings name the secret, the place and the encoding, never the value. Each scan is audited.\n\n' +
    'What is found is answered at once (unless --no-answer): the secret is marked leaked (agent ls shows it, agent doctor fails ' +
    'on it); a minted secret is rotated; a temporary key is revoked; a stored value is flagged with its owner and the step to take.\n\n' +
    'Exit codes: 0 nothing found, 1 something found, 64 usage, 65 bad input (a path that does not exist, not a Git repository).';
  static override examples = [
    '<%= config.bin %> scan                 # the working tree under the current folder',
    '<%= config.bin %> scan --staged        # what the next commit would add',
    '<%= config.bin %> scan --history       # every commit of every ref',
    '<%= config.bin %> scan --home ~/src    # histories, transcripts, .git/config, creds',
    '<%= config.bin %> scan --fix logs/     # redact what is found in place',
    '<%= config.bin %> scan --home --watch  # keep watching histories and transcripts',
    "<%= config.bin %> scan --json | jq '.findings[] | {secret, file, line}'",
  ];
  static override strict = false;
  static override args = { paths: Args.string({ description: 'files or folders to scan (default: the current folder)', required: false }) };
  static override flags = {
    history: Flags.boolean({ description: 'scan every commit of every ref of the Git repository at PATH', default: false }),
    staged: Flags.boolean({ description: 'scan the index against HEAD (for a pre-commit hook)', default: false }),
    home: Flags.boolean({ description: "scan the user's leak channels: shell histories, agent transcripts, .git/config under PATH, ~/.git-credentials, ~/.npmrc", default: false }),
    json: Flags.boolean({ description: 'print the findings as JSON', default: false }),
    fix: Flags.boolean({ description: 'redact findings in place ([latchkey:redacted:NAME]); for --history, print the git filter-repo command', default: false }),
    answer: Flags.boolean({ description: 'mark findings leaked and answer them (rotate, revoke, flag); --no-answer only reports', default: true, allowNo: true }),
    watch: Flags.boolean({ description: 'keep watching the --home channels and answer new findings as they are written', default: false }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Scan);
    const input = { paths: argv as string[], history: flags.history, staged: flags.staged, home: flags.home || flags.watch, json: flags.json, fix: flags.fix, answer: flags.answer };
    const found = flags.watch ? (await watchCommand(input, this.deps())).found : (await scanCommand(input, this.deps())).findings.length;
    if (found > 0) throw new ExitCode(ErrorKinds.failed);
  }
}
