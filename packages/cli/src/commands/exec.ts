import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';

export default class Exec extends BaseCommand {
  static override summary = 'Run a command with the secrets of the approved manifest in its environment';
  static override description = [
    'Resolves agent.env (found by walking up from the working directory, or named with --env-file) in one',
    'call to the daemon and runs COMMAND with the inherited environment plus the manifest variables. The',
    'command behaves as if run directly: its exit code, its death by a signal, stdin, the terminal and',
    'forwarded signals (SIGTERM, SIGHUP, SIGINT, SIGUSR1/2, SIGWINCH; Ctrl-C reaches it once).',
    'A manifest is used only once approved for its path and content (agent allow); on a terminal exec asks,',
    'otherwise it exits 77. A missing command exits 127, a non-executable one 126.',
  ].join(' ');
  static override examples = [
    '<%= config.bin %> exec -- npm run dev',
    '<%= config.bin %> exec --env-file config/test.env -- pytest -x',
    { description: 'Mask injected values (6+ characters) in the output', command: '<%= config.bin %> exec --mask -- ./deploy.sh' },
    { description: 'Restart the command when a secret it uses changes', command: '<%= config.bin %> exec --watch -- node server.js' },
    '<%= config.bin %> exec --allow-var NODE_OPTIONS -- node app.js',
  ];
  static override strict = false;
  static override args = { command: Args.string({ ignoreStdin: true, description: 'the command to run, after --', required: true }) };
  static override flags = {
    'env-file': Flags.string({ char: 'f', description: 'manifest to use instead of the nearest agent.env (repeatable; later files win)', multiple: true }),
    'allow-var': Flags.string({ description: 'let the manifest set a variable that is refused by default (PATH, NODE_OPTIONS, LD_*...)', multiple: true }),
    mask: Flags.boolean({ description: 'replace injected values (6+ characters) in the output with ********', default: false }),
    watch: Flags.boolean({ char: 'w', description: 'restart the command when a secret it uses changes or its manifest is approved again', default: false }),
  };

  async run(): Promise<void> {
    // Reached only through oclif (e.g. programmatic use); bin/run.js sends `agent exec` to the lean path.
    const { main } = await import('../exec/main.js');
    await main(this.argv);
  }
}
