// @latchkey/cli: the `agent` command. Commands parse flags into plain inputs and call actions, which are
// functions of (input, deps); one error boundary renders every failure.
export { COMMANDS } from './commands.js';
