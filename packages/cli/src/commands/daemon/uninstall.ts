import { uninstallService } from '../../actions/service.js';
import { BaseCommand } from '../../base.js';
import { serviceInput } from './install.js';

export default class DaemonUninstall extends BaseCommand {
  static override summary = 'Stop starting the daemon at login: remove what agent daemon install wrote';
  static override description = 'Refuses to remove a unit it did not write. Other commands still start the daemon when needed.';
  static override examples = ['<%= config.bin %> daemon uninstall'];

  async run(): Promise<void> {
    await this.parse(DaemonUninstall);
    await uninstallService(serviceInput(false), this.deps());
  }
}
