import { Flags } from '@oclif/core';
import { parseTtlText } from '@latchkey/core';
import { issueTemp } from '../../actions/temp.js';
import { BaseCommand } from '../../base.js';

export default class TempRandom extends BaseCommand {
  static override summary = 'Mint a temporary random key';
  static override description =
    'Random bytes from the OS CSPRNG, encoded, with an optional prefix. The key is printed on stdout, the lease id and ' +
    'expiry on stderr. The key lives in the daemon\'s memory only and ends at its ttl or with `agent revoke`; ' +
    'a service under test can ask the daemon whether a key is still active (IntrospectTempKey).';
  static override examples = [
    '<%= config.bin %> temp random --ttl 15m',
    '<%= config.bin %> temp random --bytes 16 --encoding hex --prefix sk_test_ --ttl 1h',
    'SESSION_SECRET=$(<%= config.bin %> temp random --ttl 10m) npm test',
    "<%= config.bin %> temp random --ttl 2m --json | jq -r .leaseId",
  ];
  static override flags = {
    bytes: Flags.integer({ description: 'number of random bytes (1 to 1024)', min: 1, max: 1024, default: 32 }),
    encoding: Flags.string({ description: 'how the bytes are written', options: ['hex', 'base64url'], default: 'base64url' }),
    prefix: Flags.string({ description: 'text before the key, e.g. sk_test_' }),
    ttl: Flags.string({ description: "time to live, e.g. 90s, 15m, 1h (default: the daemon's)" }),
    json: Flags.boolean({ description: 'print {value, leaseId, expiresAt} as JSON', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(TempRandom);
    const params: Record<string, string> = { bytes: String(flags.bytes), encoding: flags.encoding };
    if (flags.prefix !== undefined) params.prefix = flags.prefix;
    const ttlSeconds = flags.ttl === undefined ? 0 : parseTtlText(flags.ttl);
    await issueTemp({ kind: 'random', ttlSeconds, params, json: flags.json }, this.deps());
  }
}
