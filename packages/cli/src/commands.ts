// The command table oclif loads (explicit strategy: no folder scan at start-up).
import DaemonStart from './commands/daemon/start.js';
import DaemonStatus from './commands/daemon/status.js';
import DaemonStop from './commands/daemon/stop.js';
import Get from './commands/get.js';
import Ls from './commands/ls.js';
import Rm from './commands/rm.js';
import Set from './commands/set.js';

export const COMMANDS = {
  set: Set,
  get: Get,
  ls: Ls,
  rm: Rm,
  'daemon:start': DaemonStart,
  'daemon:stop': DaemonStop,
  'daemon:status': DaemonStatus,
};
