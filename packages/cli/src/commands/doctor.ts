import { Flags } from '@oclif/core';
import { ErrorKinds, ExitCode } from '@latchkey/core';
import { doctor } from '../actions/doctor.js';
import { BaseCommand } from '../base.js';

export default class Doctor extends BaseCommand {
  static override summary = 'Check the daemon, the store and the project; each finding says how to fix it';
  static override description =
    'Checks that the daemon answers, that the socket and state folders are yours and 0700, that the store is the keychain, ' +
    "that the current manifest is approved and every secret it needs is present and not expired, which secrets expire within a day, " +
    'and that no plain file of the project (.env*, or any other text file, tracked by Git or ignored; node_modules and .git skipped, ' +
    'files up to 1 MiB) holds the value of a secret the project can see (values of 6 characters or more; each is read from the daemon, ' +
    'which audits the read). Findings name files and secrets, never values. Exits 1 when any finding is a problem; notices do not count. ' +
    'Nothing is changed and the daemon is not started.';
  static override examples = ['<%= config.bin %> doctor', "<%= config.bin %> doctor --json | jq '.findings[] | select(.level == \"problem\")'"];
  static override flags = { json: Flags.boolean({ description: 'print the findings as JSON', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(Doctor);
    const report = await doctor({ json: flags.json, uid: process.getuid?.() }, this.deps());
    if (!report.ok) throw new ExitCode(ErrorKinds.failed);
  }
}
