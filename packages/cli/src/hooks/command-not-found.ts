// oclif's command_not_found hook: a mistyped command is a usage error (exit 64) in the agent's voice, with the
// closest command suggested, instead of oclif's own "command exce not found" and exit 2.
import type { Hook } from '@oclif/core';
import { LatchkeyError, render } from '@latchkey/core';
import { closest } from '../suggest.js';

const hook: Hook<'command_not_found'> = async function (options) {
  const typed = options.id.replace(/:/g, ' ');
  const known = options.config.commands.filter((c) => !c.hidden).map((c) => c.id.replace(/:/g, ' '));
  const suggestion = closest(typed, known);
  const hint = suggestion ? `did you mean ${suggestion}?` : 'run agent --help to see the commands';
  process.exitCode = render(new LatchkeyError('usage', `unknown command ${JSON.stringify(typed)}`, hint), process);
};

export default hook;
