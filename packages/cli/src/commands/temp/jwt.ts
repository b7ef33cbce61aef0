import { Flags } from '@oclif/core';
import { assertSecretName, parseTtlText, usageError } from '@latchkey/core';
import { issueTemp } from '../../actions/temp.js';
import { BaseCommand } from '../../base.js';

export default class TempJwt extends BaseCommand {
  static override summary = 'Mint a temporary JWT signed by a stored secret';
  static override description =
    'HS256 with the signer\'s value as the key (at least 32 bytes), or EdDSA / ES256 when the signer holds a PEM private ' +
    'key. iat, exp (iat + ttl) and jti (the lease id) are always set. The token is printed on stdout, the lease id and ' +
    'expiry on stderr; it ends at its ttl or with `agent revoke`.';
  static override examples = [
    '<%= config.bin %> temp random --bytes 32 | <%= config.bin %> set dev-signer --ttl 30d',
    '<%= config.bin %> temp jwt --signer dev-signer --sub tests --aud api --ttl 10m',
    '<%= config.bin %> temp jwt --signer dev-signer --claim role=admin --json',
    'curl -H "Authorization: Bearer $(<%= config.bin %> temp jwt --signer dev-signer)" "$API"',
  ];
  static override flags = {
    signer: Flags.string({ description: 'the stored secret that signs the token', required: true }),
    sub: Flags.string({ description: 'subject claim' }),
    aud: Flags.string({ description: 'audience claim' }),
    iss: Flags.string({ description: 'issuer claim' }),
    claim: Flags.string({ description: 'an extra claim as name=value (repeatable)', multiple: true }),
    ttl: Flags.string({ description: "time to live, e.g. 90s, 15m, 1h (default: the daemon's)" }),
    json: Flags.boolean({ description: 'print {value, leaseId, expiresAt} as JSON', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(TempJwt);
    const params: Record<string, string> = { signer: assertSecretName(flags.signer) };
    for (const k of ['sub', 'aud', 'iss'] as const) if (flags[k] !== undefined) params[k] = flags[k] as string;
    for (const c of flags.claim ?? []) {
      const eq = c.indexOf('=');
      if (eq <= 0) throw usageError(`--claim ${JSON.stringify(c)} is not name=value`, 'e.g. --claim role=admin');
      params[`claim.${c.slice(0, eq)}`] = c.slice(eq + 1);
    }
    const ttlSeconds = flags.ttl === undefined ? 0 : parseTtlText(flags.ttl);
    await issueTemp({ kind: 'jwt', ttlSeconds, params, json: flags.json }, this.deps());
  }
}
