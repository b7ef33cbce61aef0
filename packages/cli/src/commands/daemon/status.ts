import { Flags } from '@oclif/core';
import { daemonStatus } from '../../actions/daemon.js';
import { BaseCommand } from '../../base.js';

export default class DaemonStatus extends BaseCommand {
  static override summary = "Show the daemon's pid, socket, store, secret count and uptime";
  static override description = 'Exits 69 when no daemon is running.';
  static override examples = ['<%= config.bin %> daemon status', '<%= config.bin %> daemon status --json | jq .store'];
  static override flags = { json: Flags.boolean({ description: 'print JSON for scripts', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(DaemonStatus);
    await daemonStatus({ json: flags.json }, this.deps());
  }
}
