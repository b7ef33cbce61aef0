import { installHook } from '../../actions/hook.js';
import { BaseCommand } from '../../base.js';

export default class HookInstall extends BaseCommand {
  static override summary = 'Add a pre-commit hook that blocks a commit adding a known value';
  static override description =
    'Writes .git/hooks/pre-commit (or core.hooksPath) in the repository of the current folder. An existing hook is kept: it is ' +
    'renamed pre-commit.latchkey-legacy and runs after the scan passes. `git commit --no-verify` skips the hook once.';
  static override examples = ['<%= config.bin %> hook install', '<%= config.bin %> hook uninstall'];

  async run(): Promise<void> {
    await this.parse(HookInstall);
    const deps = this.deps();
    deps.stderr.write(`agent: ${installHook(deps)}\n`);
  }
}
