import { stopDaemon } from '../../actions/daemon.js';
import { BaseCommand } from '../../base.js';

export default class DaemonStop extends BaseCommand {
  static override summary = 'Stop the background daemon';
  static override examples = ['<%= config.bin %> daemon stop'];

  async run(): Promise<void> {
    await this.parse(DaemonStop);
    await stopDaemon(this.deps());
  }
}
