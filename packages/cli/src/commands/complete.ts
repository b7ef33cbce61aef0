import { BaseCommand } from '../base.js';
import { withAgent } from '../deps.js';
import { planCompletion, type CompletableCommand } from '../completion.js';

/** The candidates for the word under the cursor, one per line; called by the completion scripts. */
export default class Complete extends BaseCommand {
  static override hidden = true;
  static override summary = 'Print completion candidates for the words typed so far';
  static override strict = false;

  async run(): Promise<void> {
    const dash = this.argv.indexOf('--');
    const words = dash === -1 ? this.argv : this.argv.slice(dash + 1);
    const commands: CompletableCommand[] = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        id: c.id.replace(/:/g, ' '),
        flags: Object.entries(c.flags).map(([name, f]) => ({
          name,
          ...(f.char ? { char: f.char } : {}),
          takesValue: f.type === 'option',
          ...(f.type === 'option' && f.options ? { options: f.options } : {}),
        })),
      }));
    const plan = planCompletion(commands, words);
    let out = plan.candidates;
    if (plan.names) {
      // Names come from a daemon that already runs; completion never starts one, and stays quiet when none answers.
      const deps = this.deps();
      out = await withAgent(
        deps,
        async (agent) => (plan.names === 'secret' ? (await agent.listSecrets()).map((s) => s.name) : (await agent.listLeases()).map((l) => l.leaseId)),
        false,
      ).catch(() => []);
      out = [...new Set(out)].filter((n) => n.startsWith(plan.prefix)).sort();
    }
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  }
}
