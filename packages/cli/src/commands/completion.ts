import { Args } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { completionScript } from '../completion.js';

export default class Completion extends BaseCommand {
  static override summary = 'Print the shell completion script for bash, zsh or fish';
  static override description =
    'Completes command names, flags, flag values and the names of stored secrets (asked of a running daemon; ' +
    'completion never starts one).';
  static override examples = [
    { description: 'bash: add to ~/.bashrc', command: 'eval "$(<%= config.bin %> completion bash)"' },
    { description: 'zsh: add to ~/.zshrc, after compinit', command: 'eval "$(<%= config.bin %> completion zsh)"' },
    { description: 'fish', command: '<%= config.bin %> completion fish > ~/.config/fish/completions/agent.fish' },
  ];
  static override args = { shell: Args.string({ description: 'the shell', options: ['bash', 'zsh', 'fish'], required: true }) };

  async run(): Promise<void> {
    const { args } = await this.parse(Completion);
    process.stdout.write(completionScript(args.shell as 'bash' | 'zsh' | 'fish', this.config.bin));
  }
}
