import { Flags } from '@oclif/core';
import { daemonNodeFlags } from '@latchkey/client';
import { installService } from '../../actions/service.js';
import { BaseCommand } from '../../base.js';

export default class DaemonInstall extends BaseCommand {
  static override summary = 'Start the daemon at login (a systemd user unit, or a launchd agent on macOS)';
  static override description =
    'Linux: writes ${XDG_CONFIG_HOME:-~/.config}/systemd/user/latchkey.service (this node and the daemon entry with --foreground, ' +
    'Restart=on-failure, the LATCHKEY_* settings, XDG paths and PATH of this shell; never a secret), then runs ' +
    'systemctl --user daemon-reload and systemctl --user enable --now latchkey.service, or prints them when systemctl --user does not answer. ' +
    'macOS: writes ~/Library/LaunchAgents/dev.latchkey.agent.plist (RunAtLoad, KeepAlive on failure) and runs launchctl bootstrap. ' +
    'A daemon already running is stopped first so that the service takes over. Run it again after moving node or latchkey.';
  static override examples = ['<%= config.bin %> daemon install --dry-run', '<%= config.bin %> daemon install'];
  static override flags = { 'dry-run': Flags.boolean({ description: 'print the unit and write nothing', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(DaemonInstall);
    await installService(serviceInput(flags['dry-run']), this.deps());
  }
}

/** The facts of this process the service is built from. */
export function serviceInput(dryRun: boolean) {
  return {
    platform: process.platform,
    node: process.execPath,
    nodeFlags: daemonNodeFlags(),
    uid: process.getuid?.(),
    dryRun,
  };
}
