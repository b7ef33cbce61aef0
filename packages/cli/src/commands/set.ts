import { Args, Flags } from '@oclif/core';
import { setInputOf, setSecret } from '../actions/secrets.js';
import { BaseCommand } from '../base.js';
import { PASTE_RULE } from '../terminal-input.js';

export default class Set extends BaseCommand {
  static override summary = 'Store a secret in the keychain, with an expiry';
  static override description =
    'The value is read from a hidden prompt on a terminal, or byte-exact from stdin; never from the command line. ' +
    'At the prompt, arrow keys, Home/End and other escape sequences are ignored, Backspace erases a character, Ctrl-U clears, ' +
    `Ctrl-C cancels (exit 130); ${PASTE_RULE} ` +
    'Every secret expires: the ttl defaults to 12h and is capped at 30d (config.json: defaultTtl, maxTtl).\n\n' +
    'With --mint COMMAND no value is read: the daemon runs COMMAND with /bin/sh -c and stores its stdout ' +
    '(one trailing newline dropped, or JSON {"value", "expires_at"}), then mints again when 75% of the ttl has passed, ' +
    'serving the old value until the new one is stored. A command that fails at set fails the set; one that fails ' +
    'later is retried with backoff while the old value lives. `agent rotate NAME` mints now.';
  static override examples = [
    '<%= config.bin %> set stripe-test --ttl 8h --owner payments',
    { description: 'Store a value piped from a script (byte-exact, never from argv)', command: "printf '%s' \"$TOKEN\" | <%= config.bin %> set github-token --ttl 1d" },
    '<%= config.bin %> set db-password --project   # only resolves inside this project',
    "<%= config.bin %> set github-token --mint 'gh auth token' --ttl 1h",
    "<%= config.bin %> set stripe-test --mint 'op read op://dev/stripe/key' --ttl 8h",
    {
      description: 'An admin URL for temporary database users (agent://temp/postgres?admin=pg-admin&grant=app_rw)',
      command: "printf '%s' 'postgresql://admin:PASSWORD@localhost:5432/app' | <%= config.bin %> set pg-admin --ttl 30d",
    },
    {
      description: 'Let temporary users made through it be granted a role WITH CREATEROLE (refused otherwise)',
      command: '<%= config.bin %> set pg-admin --ttl 30d --allow-grant createrole',
    },
  ];
  static override args = { name: Args.string({ ignoreStdin: true, description: 'secret name, e.g. stripe-test or team/db.password', required: true }) };
  static override flags = {
    ttl: Flags.string({ description: 'time to live, e.g. 15m, 8h, 30d (0 and "never" are refused)' }),
    owner: Flags.string({ description: 'who answers for this secret', default: '' }),
    desc: Flags.string({ description: 'what the secret is for', default: '' }),
    project: Flags.boolean({ description: 'bind the secret to the current project (folder of agent.env, or the Git root)', default: false }),
    mint: Flags.string({ description: 'a shell command whose stdout is the value; the daemon runs it now and again before the ttl ends' }),
    'allow-grant': Flags.string({
      description: 'for an admin secret of temporary database users: let a grant give this (superuser, createrole, bypassrls); refused otherwise',
      options: ['superuser', 'createrole', 'bypassrls'],
      multiple: true,
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Set);
    await setSecret(setInputOf(args.name, flags), this.deps());
  }
}
