import { Flags } from '@oclif/core';
import { startDaemon } from '../../actions/daemon.js';
import { BaseCommand } from '../../base.js';

export default class DaemonStart extends BaseCommand {
  static override summary = 'Start the background daemon (other commands start it when needed)';
  static override examples = ['<%= config.bin %> daemon start', '<%= config.bin %> daemon start --foreground   # logs on stderr, Ctrl-C stops it'];
  static override flags = { foreground: Flags.boolean({ description: 'stay attached to the terminal', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(DaemonStart);
    await startDaemon({ foreground: flags.foreground }, this.deps());
  }
}
