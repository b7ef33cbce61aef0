import { uninstallHook } from '../../actions/hook.js';
import { BaseCommand } from '../../base.js';

export default class HookUninstall extends BaseCommand {
  static override summary = 'Remove the pre-commit hook, and put back the one it kept';
  static override examples = ['<%= config.bin %> hook uninstall'];

  async run(): Promise<void> {
    await this.parse(HookUninstall);
    const deps = this.deps();
    deps.stderr.write(`agent: ${uninstallHook(deps)}\n`);
  }
}
