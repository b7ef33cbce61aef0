// The command table oclif loads (explicit strategy: no folder scan at start-up).
import Allow from './commands/allow.js';
import Audit from './commands/audit.js';
import AuditVerify from './commands/audit/verify.js';
import DaemonInstall from './commands/daemon/install.js';
import DaemonStart from './commands/daemon/start.js';
import DaemonStatus from './commands/daemon/status.js';
import DaemonStop from './commands/daemon/stop.js';
import DaemonUninstall from './commands/daemon/uninstall.js';
import Complete from './commands/complete.js';
import Completion from './commands/completion.js';
import Doctor from './commands/doctor.js';
import Exec from './commands/exec.js';
import Deny from './commands/deny.js';
import Get from './commands/get.js';
import Import from './commands/import.js';
import Leases from './commands/leases.js';
import Ls from './commands/ls.js';
import Onboard from './commands/onboard.js';
import Revoke from './commands/revoke.js';
import Rm from './commands/rm.js';
import Rotate from './commands/rotate.js';
import Scan from './commands/scan.js';
import HookInstall from './commands/hook/install.js';
import HookUninstall from './commands/hook/uninstall.js';
import Set from './commands/set.js';
import TempJwt from './commands/temp/jwt.js';
import TempRandom from './commands/temp/random.js';

export const COMMANDS = {
  set: Set,
  exec: Exec,
  get: Get,
  ls: Ls,
  rm: Rm,
  rotate: Rotate,
  'temp:random': TempRandom,
  'temp:jwt': TempJwt,
  leases: Leases,
  revoke: Revoke,
  import: Import,
  allow: Allow,
  deny: Deny,
  'daemon:start': DaemonStart,
  'daemon:stop': DaemonStop,
  'daemon:status': DaemonStatus,
  'daemon:install': DaemonInstall,
  'daemon:uninstall': DaemonUninstall,
  onboard: Onboard,
  audit: Audit,
  'audit:verify': AuditVerify,
  doctor: Doctor,
  completion: Completion,
  __complete: Complete,
  scan: Scan,
  'hook:install': HookInstall,
  'hook:uninstall': HookUninstall,
};
