// The daemon as a user service: the systemd user unit (Linux) and the launchd agent (macOS), rendered
// by pure functions from a plan, so what `agent daemon install --dry-run` prints is what is written.
import { resolve } from 'node:path';
import { DEFAULT_SAFE_PATH } from '@latchkey/protocol';

/** The systemd unit's file name and the launchd job's label. */
export const SYSTEMD_UNIT_NAME = 'latchkey.service';
export const LAUNCHD_LABEL = 'dev.latchkey.agent';
/** A line every file we write carries; uninstall removes only files that have it. */
export const WRITTEN_BY = 'Written by `agent daemon install`';

/** What the service runs, and with which environment. */
export interface ServicePlan {
  /** The absolute path of node. */
  node: string;
  /** Flags for node before the entry (e.g. --disable-sigusr1). */
  nodeFlags: readonly string[];
  /** The absolute path of the daemon's entry file. */
  entry: string;
  /** Variables set for the daemon, copied at install time (never a secret). */
  environment: Readonly<Record<string, string>>;
}

/** Variables that hold credentials by their names: never copied into a service file. */
const SECRET_LOOKING = /(SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|(^|_)KEY$)/;

/**
 * The environment the service gets, from the one at install time: every LATCHKEY_* variable but the
 * daemon entry (it is in the command line) and any whose name says it holds a credential, the
 * LATCHKEY_SOCKET made absolute, XDG_STATE_HOME and XDG_CONFIG_HOME when set (so the daemon and the CLI
 * agree on paths), and the fixed safe PATH (never the installing shell's, which may hold a repository's
 * ./bin). Values with a line break are left out.
 */
export function serviceEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  const names = Object.keys(env).sort();
  for (const name of names) {
    const value = env[name];
    if (value === undefined || value === '' || /[\r\n\0]/.test(value)) continue;
    const keep =
      (name.startsWith('LATCHKEY_') && name !== 'LATCHKEY_DAEMON' && !SECRET_LOOKING.test(name.slice('LATCHKEY_'.length))) ||
      name === 'XDG_STATE_HOME' ||
      name === 'XDG_CONFIG_HOME';
    if (keep) out[name] = name === 'LATCHKEY_SOCKET' ? resolve(value) : value;
  }
  out.PATH = DEFAULT_SAFE_PATH;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

// What the daemon refuses to start with; the unit removes them from the user manager's environment.
const LOADER_VARIABLES = ['NODE_OPTIONS', 'LD_PRELOAD', 'LD_AUDIT', 'LD_LIBRARY_PATH'];

/** One word of an ExecStart= line: double-quoted, `\` and `"` escaped, `%` and `$` doubled (no specifiers, no expansion). */
export function systemdWord(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** An Environment= assignment, quoted the same way (`$` needs no doubling there: it is not expanded). */
export function systemdAssignment(name: string, value: string): string {
  return `"${`${name}=${value}`.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/** The systemd user unit: the daemon in the foreground (logs to the journal), restarted on failure. */
export function renderSystemdUnit(plan: ServicePlan): string {
  const exec = [plan.node, ...plan.nodeFlags, plan.entry, '--foreground'].map(systemdWord).join(' ');
  const lines = [
    '# Latchkey: the secrets agent daemon as a systemd user service, started at login and restarted when it fails.',
    `# ${WRITTEN_BY}; remove it with \`agent daemon uninstall\`. A new install replaces this file.`,
    '# The Environment= lines were copied at install time (LATCHKEY_* settings, XDG paths, a fixed PATH); no secret is kept here.',
    '',
    '[Unit]',
    'Description=Latchkey secrets agent',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    'Restart=on-failure',
    'RestartSec=2',
    'UMask=0077',
    'WorkingDirectory=/',
    // The user manager's environment can carry what `systemctl --user import-environment` copied in.
    `UnsetEnvironment=${LOADER_VARIABLES.join(' ')}`,
    ...Object.entries(plan.environment).map(([k, v]) => `Environment=${systemdAssignment(k, v)}`),
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ];
  return lines.join('\n');
}

/** Text for XML character data and attribute values. */
export function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The launchd agent: run at load, kept alive when it exits with a failure (KeepAlive with
 * SuccessfulExit false, so `agent daemon stop` stops it), output appended to `logFile`.
 */
export function renderLaunchdPlist(plan: ServicePlan, logFile: string): string {
  const args = [plan.node, ...plan.nodeFlags, plan.entry, '--foreground'];
  const env = Object.entries(plan.environment);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    // No double hyphen may appear inside an XML comment.
    `<!-- Latchkey: the secrets agent daemon as a launchd agent, started at login. ${WRITTEN_BY}; remove it with \`agent daemon uninstall\`. No secret is kept here. -->`,
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...args.map((a) => `    <string>${xmlText(a)}</string>`),
    '  </array>',
    ...(env.length > 0
      ? ['  <key>EnvironmentVariables</key>', '  <dict>', ...env.flatMap(([k, v]) => [`    <key>${xmlText(k)}</key>`, `    <string>${xmlText(v)}</string>`]), '  </dict>']
      : []),
    '  <key>WorkingDirectory</key>',
    '  <string>/</string>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ProcessType</key>',
    '  <string>Background</string>',
    '  <key>StandardOutPath</key>',
    `  <string>${xmlText(logFile)}</string>`,
    '  <key>StandardErrorPath</key>',
    `  <string>${xmlText(logFile)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ];
  return lines.join('\n');
}
