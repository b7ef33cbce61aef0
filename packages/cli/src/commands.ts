// The command table oclif loads (explicit strategy: no folder scan at start-up).
import Allow from './commands/allow.js';
import DaemonStart from './commands/daemon/start.js';
import DaemonStatus from './commands/daemon/status.js';
import DaemonStop from './commands/daemon/stop.js';
import Exec from './commands/exec.js';
import Deny from './commands/deny.js';
import Get from './commands/get.js';
import Import from './commands/import.js';
import Ls from './commands/ls.js';
import Rm from './commands/rm.js';
import Set from './commands/set.js';

export const COMMANDS = {
  set: Set,
  exec: Exec,
  get: Get,
  ls: Ls,
  rm: Rm,
  import: Import,
  allow: Allow,
  deny: Deny,
  'daemon:start': DaemonStart,
  'daemon:stop': DaemonStop,
  'daemon:status': DaemonStatus,
};
